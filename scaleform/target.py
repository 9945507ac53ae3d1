"""Which account to talk to: API URL, key and transport, resolved from options, variables and
the chosen environment. The key comes only from the environment, never a flag."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scaleform.errors import ScaleformError
from scaleform.redaction import register_secret

# For annotations only: the manifest package loads YAML and the schema (apply --plan needs neither),
# and the client, httpx and the sandbox load when a client is made.
if TYPE_CHECKING:
    import httpx

    from scaleform.api.client import ApiClient
    from scaleform.api.retry import RetryEvent, RetryPolicy
    from scaleform.manifest.environments import Environment
    from scaleform.sandbox.store import Store

PROVIDERS = {"scale": "https://api.scale.com/v1", "refonte": "https://api.refonte.com/v1"}
KEY_PREFIXES = ("SCALE_", "REFONTE_")  # the variables a manifest's api_key_env may name
SANDBOX_URL = "http://sandbox.invalid/v1"
_SANDBOX_PREFIX = "sandbox:"  # how a plan records the in-process sandbox: sandbox:PATH


def sandbox_api_url(db: str) -> str:
    return f"{_SANDBOX_PREFIX}{db}"


def recorded_sandbox(api_url: str) -> str | None:
    """The database path when a plan recorded the in-process sandbox as its target, else None."""
    return api_url[len(_SANDBOX_PREFIX) :] if api_url.startswith(_SANDBOX_PREFIX) else None


@dataclass(frozen=True)
class Target:
    api_url: str  # what plans record and compare ("sandbox:PATH" for the in-process sandbox)
    environment: str | None
    api_key: str = field(repr=False)
    sandbox_db: str | None = None
    parallelism: int = 8
    verbose: bool = False
    # An httpx transport to use instead of the network (tests, embedding); never serialized.
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False, compare=False)
    retry: RetryPolicy | None = field(default=None, repr=False, compare=False)  # None: the default policy
    # Told of each retry the client schedules (a progress line shows it); never serialized.
    on_retry: Callable[[RetryEvent], None] | None = field(default=None, repr=False, compare=False)

    def client(self, log: Callable[[str], None] | None = None, **kw: Any) -> ApiClient:
        from scaleform.api.client import ApiClient

        if self.retry is not None:
            kw.setdefault("retry", self.retry)
        if self.on_retry is not None:
            kw.setdefault("on_retry", self.on_retry)
        if log is None and self.verbose:
            log = lambda line: print(f"api: {line}", file=sys.stderr)  # noqa: E731
        if self.sandbox_db is not None:
            import httpx

            from scaleform.sandbox.app import SandboxApp

            app = SandboxApp(open_sandbox(self.sandbox_db), api_key=self.api_key)
            return ApiClient(
                SANDBOX_URL,
                self.api_key,
                transport=httpx.ASGITransport(app=app),
                parallelism=self.parallelism,
                log=log,
                **kw,
            )
        return ApiClient(
            self.api_url, self.api_key, transport=self.transport, parallelism=self.parallelism, log=log, **kw
        )


_SANDBOXES: dict[str, Store] = {}


def close_sandboxes() -> None:
    """Close the sandboxes this process opened, so each database is one self-contained file again
    (SQLite folds its write-ahead log back in when the last connection closes)."""
    while _SANDBOXES:
        _, store = _SANDBOXES.popitem()
        store.db.close()


def open_sandbox(db: str) -> Store:
    """The sandbox store at `db`, created with the demo fixture when missing (one per process).
    An existing file is opened only when it is a sandbox database: a path is never a reason to
    add tables to somebody else's SQLite file."""
    from scaleform.sandbox.base import is_sandbox_db
    from scaleform.sandbox.fixtures import init_store
    from scaleform.sandbox.store import Store

    key = str(Path(db).resolve())
    if key not in _SANDBOXES:
        fresh = not Path(db).exists()
        if not fresh and not is_sandbox_db(db):
            raise ScaleformError(
                f"'{db}' is not a scaleform sandbox database; it was left untouched. Create a "
                f"sandbox with `scaleform sandbox init --db PATH`"
            )
        store = Store(db)
        if fresh:
            init_store(store, "demo")
        _SANDBOXES[key] = store
    return _SANDBOXES[key]


def _is_loopback(host: str) -> bool:
    # Only `localhost` itself by name: resolvers may send `*.localhost` to DNS.
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, insecure_http: bool = False) -> str:
    if not url.isascii():
        raise ScaleformError(
            f"API URL {url.encode('ascii', 'backslashreplace').decode()} holds non-ASCII characters; "
            "a host that looks like another is never connected to. Write the host in ASCII"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ScaleformError(f"API URL '{url}' is not an http(s) URL like https://api.scale.com/v1")
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
    sandbox: str | None = None,
    parallelism: int = 8,
    insecure_http: bool = False,
    verbose: bool = False,
    env: Mapping[str, str] | None = None,
) -> Target:
    """Flags first (--sandbox, --api-url, --provider), then SCALE_API_URL, then the chosen
    environment's api_url or provider (within what a manifest may say), then Scale."""
    env = os.environ if env is None else env
    name = environment.name if environment else environment_name
    if sandbox is not None:
        from scaleform.sandbox import DEFAULT_API_KEY

        key = env.get("SCALE_API_KEY") or DEFAULT_API_KEY
        register_secret(key)
        return Target(sandbox_api_url(sandbox), name, key, sandbox_db=sandbox, parallelism=parallelism, verbose=verbose)
    url = api_url or (PROVIDERS[provider] if provider else None) or env.get("SCALE_API_URL")
    if not url and environment is not None:
        url = _manifest_url(environment)
    url = check_url(url or PROVIDERS["scale"], insecure_http)
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
    return Target(url, name, key, parallelism=parallelism, verbose=verbose)
