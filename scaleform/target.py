"""Which account to talk to: API URL, key and transport, resolved from options, variables and
the chosen environment. The key comes only from the environment, never a flag."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scaleform.errors import ScaleformError
from scaleform.redaction import register_secret

# For annotations only: the manifest package loads YAML and the schema (apply --plan needs neither),
# and the client and httpx load when a client is made.
if TYPE_CHECKING:
    import httpx

    from scaleform.api.client import ApiClient
    from scaleform.api.retry import RetryEvent, RetryPolicy
    from scaleform.manifest.environments import Environment

    # A transport, or a function that opens one each time a client is made.
    Transport = httpx.AsyncBaseTransport | Callable[[], httpx.AsyncBaseTransport]

PROVIDERS = {"scale": "https://api.scale.com/v1", "refonte": "https://api.refonte.com/v1"}
KEY_PREFIXES = ("SCALE_", "REFONTE_")  # the variables a manifest's api_key_env may name
# A shorter key cannot be redacted without garbling output (1 to 3 characters are never redacted).
MIN_KEY_LENGTH = 8


@dataclass(frozen=True)
class LocalApi:
    """An API served inside this process (the sandbox hands one out): the label plans record for
    it, the URL its requests carry, the key it accepts, and how to open a transport to it. The
    transport is opened when a client is made, so resolving a target opens nothing."""

    label: str
    url: str
    api_key: str = field(repr=False)
    open: Callable[[], httpx.AsyncBaseTransport] = field(repr=False)


@dataclass(frozen=True)
class Target:
    api_url: str  # what plans record and compare (a label such as "sandbox:PATH" for a LocalApi)
    environment: str | None
    api_key: str = field(repr=False)
    parallelism: int = 8
    verbose: bool = False
    # An httpx transport to use instead of the network (tests, embedding, a LocalApi); never serialized.
    transport: Transport | None = field(default=None, repr=False, compare=False)
    retry: RetryPolicy | None = field(default=None, repr=False, compare=False)  # None: the default policy
    # Told of each retry the client schedules (a progress line shows it); never serialized.
    on_retry: Callable[[RetryEvent], None] | None = field(default=None, repr=False, compare=False)
    # Where requests go when api_url is only a label (a LocalApi); None: api_url itself.
    base_url: str | None = field(default=None, repr=False, compare=False)
    # The variable the key was read from; None: given in code, or a LocalApi's own key.
    key_env: str | None = field(default=None, repr=False, compare=False)

    def client(self, log: Callable[[str], None] | None = None, **kw: Any) -> ApiClient:
        import httpx

        from scaleform.api.client import ApiClient

        if self.key_env is not None and len(self.api_key) < MIN_KEY_LENGTH:
            # Refused before anything is sent; the key itself is never shown.
            raise ScaleformError(
                f"{self.key_env} holds {len(self.api_key)} characters; an API key is at least {MIN_KEY_LENGTH}"
            )
        if self.retry is not None:
            kw.setdefault("retry", self.retry)
        if self.on_retry is not None:
            kw.setdefault("on_retry", self.on_retry)
        if log is None and self.verbose:
            log = lambda line: print(f"api: {line}", file=sys.stderr)  # noqa: E731
        transport = self.transport
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            transport = transport()  # opened now, for this client
        return ApiClient(
            self.base_url or self.api_url,
            self.api_key,
            transport=transport,
            parallelism=self.parallelism,
            log=log,
            **kw,
        )


def _is_loopback(host: str) -> bool:
    # Only `localhost` itself by name: resolvers may send `*.localhost` to DNS.
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, insecure_http: bool = False) -> str:
    if not url.isascii():
        raise ScaleformError(
            f"API URL {url.encode('ascii', 'backslashreplace').decode()} holds non-ASCII characters; "
            "a host that looks like another is never connected to. Write the host in ASCII"
        )
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  # urlsplit checks the port only when it is asked for
    except ValueError:
        raise ScaleformError(f"API URL '{url}' has no valid port; write it like http://127.0.0.1:8765/v1") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScaleformError(f"API URL '{url}' is not an http(s) URL like https://api.scale.com/v1")
    if any(c.isspace() or c in "?#\\" for c in url) or any(seg in (".", "..") for seg in parts.path.split("/")):
        raise ScaleformError(
            f"API URL '{url}' holds a space, a `?`, a `#`, a backslash or a `.`/`..` path segment; give "
            "the base URL only, like https://api.scale.com/v1"
        )
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise ScaleformError(
            f"API URL '{url}' carries credentials, a query or a fragment; give the base URL only, "
            "like https://api.scale.com/v1 (the key comes from the environment)"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and not insecure_http:
        raise ScaleformError(
            f"refusing plain http:// to {parts.hostname}: the API key would cross the network "
            "unencrypted. Use https://, or --insecure-http if you really mean it"
        )
    return url.rstrip("/")


def manifest_url_allowed(url: str) -> bool:
    """What a manifest may name as its API URL: a provider's official URL, or a loopback address
    (a local sandbox). Anything else could send the key to whoever wrote the manifest."""
    if url.rstrip("/") in PROVIDERS.values():
        return True
    host = urlsplit(url).hostname if url.isascii() else None
    return host is not None and _is_loopback(host)


def _manifest_url(environment: Environment) -> str | None:
    url = environment.api_url
    if url is None:
        return PROVIDERS.get(environment.provider or "")
    if not url.isascii():
        check_url(url)  # the non-ASCII refusal, which says what is wrong with the host
    if not manifest_url_allowed(url):
        where = f" ({environment.api_url_loc})" if environment.api_url_loc else ""
        raise ScaleformError(
            f"environment '{environment.name}' sets api_url to {url.encode('ascii', 'backslashreplace').decode()}"
            f"{where}, which is neither a provider's official URL nor a loopback address. Manifests never choose "
            "where the key is sent: name that URL yourself with --api-url or SCALE_API_URL, or use `provider:`"
        )
    return url


def resolve_target(
    environment: Environment | None = None,
    environment_name: str | None = None,
    api_url: str | None = None,
    provider: str | None = None,
    local: LocalApi | None = None,
    parallelism: int = 8,
    *,
    insecure_http: bool = False,
    verbose: bool = False,
    env: Mapping[str, str] | None = None,
) -> Target:
    """Flags first (a `local` API, then --api-url, --provider), then SCALE_API_URL, then the
    chosen environment's api_url or provider (within what a manifest may say), then Scale."""
    env = os.environ if env is None else env
    name = environment.name if environment else environment_name
    if local is not None:
        register_secret(local.api_key)
        return Target(
            local.label,
            name,
            local.api_key,
            parallelism=parallelism,
            verbose=verbose,
            transport=local.open,
            base_url=local.url,
        )
    url = api_url or (PROVIDERS[provider] if provider else None) or env.get("SCALE_API_URL")
    if not url and environment is not None:
        url = _manifest_url(environment)
    url = check_url(url or PROVIDERS["scale"], insecure_http=insecure_http)
    key_var = environment.api_key_env if environment and environment.api_key_env else "SCALE_API_KEY"
    if not key_var.startswith(KEY_PREFIXES):
        raise ScaleformError(
            f"environment '{name}' names {key_var} in api_key_env; a manifest may only name a "
            f"variable starting with {' or '.join(KEY_PREFIXES)}, never another secret of the job"
        )
    key = env.get(key_var, "")
    if not key:
        where = f" (environment '{name}' names it in api_key_env)" if environment and environment.api_key_env else ""
        raise ScaleformError(
            f"no API key: set the environment variable {key_var}{where}. Keys are never taken "
            "from flags or manifests. To try scaleform without an account, add --sandbox"
        )
    register_secret(key)
    return Target(url, name, key, parallelism=parallelism, verbose=verbose, key_env=key_var)
