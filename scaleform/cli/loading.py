"""From the common options to what a command works on: the manifest load and the target."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaleform.cli.options import DEFAULT_SANDBOX_DB, CommandOptions
from scaleform.cli.output import say
from scaleform.errors import ScaleformError

if TYPE_CHECKING:
    from scaleform.manifest import ManifestLoad, Manifests
    from scaleform.manifest.environments import Environment
    from scaleform.sandbox.connect import Sandboxes
    from scaleform.target import Target


def manifest_load(ctx: CommandOptions, path: str) -> ManifestLoad:
    from scaleform.manifest import ManifestLoad, parse_var_flags

    return ManifestLoad(
        path,
        environment=ctx.environment,
        variables=parse_var_flags(ctx.vars),
        var_files=ctx.var_files,
        prune=False if ctx.no_prune else None,
    )


def environment_at(path: str, name: str) -> Environment:
    """Environment `name` as the manifests at `path` declare it (export and the twin read no other
    part of them); an unknown name is an error naming the declared ones."""
    from scaleform.manifest import ManifestLoad
    from scaleform.manifest.environments import choose_environment, collect_environments

    load = ManifestLoad(path)
    for _ in load.read():
        pass
    problems = list(load.problems)
    chosen = choose_environment(collect_environments(load.docs, problems), name, problems)
    if chosen is None or problems:
        raise ScaleformError(problems)
    return chosen


def target_for(ctx: CommandOptions, manifests: Manifests | None = None, path: str | None = None) -> Target:
    """The target of a command. `path`: where to read the -e environment from when no manifests
    are loaded (export, the twin)."""
    from scaleform.target import resolve_target

    local = None
    if ctx.sandbox is not None:
        sandbox_ready(ctx, ctx.sandbox)
        local = _sandboxes(ctx).connect(ctx.sandbox)
    environment = manifests.environment if manifests else None
    if environment is None and path is not None and ctx.environment:
        environment = environment_at(path, ctx.environment)
    return resolve_target(
        environment=environment,
        environment_name=ctx.environment,
        api_url=ctx.api_url,
        provider=ctx.provider,
        local=local,
        parallelism=ctx.parallelism,
        insecure_http=ctx.insecure_http,
        verbose=ctx.verbose,
    )


def _sandboxes(ctx: CommandOptions) -> Sandboxes:
    if ctx.sandboxes is None:  # only `guarded` makes a CommandOptions that owns the stores it opens
        raise RuntimeError("this CommandOptions owns no Sandboxes: run the command through `guarded`")
    return ctx.sandboxes


def sandbox_ready(ctx: CommandOptions, db: str) -> None:
    """The default sandbox is made on first use, saying so; a database named explicitly must
    exist, so that a typo never creates an account."""
    if Path(db).exists():
        return
    if db != DEFAULT_SANDBOX_DB:
        raise ScaleformError(
            f"sandbox database '{db}' does not exist. Create it with `scaleform sandbox init --db "
            f"{db}` (add --fixture empty for an empty account), or use --sandbox alone for the "
            f"default {DEFAULT_SANDBOX_DB}"
        )
    from scaleform.sandbox.admin import init_db

    init_db(db, "demo")
    say(ctx, f"Created the default sandbox {db} with the demo account (`scaleform sandbox init --force` resets it).")


def saved_plan_target(ctx: CommandOptions, recorded: Mapping[str, Any]) -> Target:
    """The target for `apply --plan`. Given options win (and must match the plan). Without them
    the plan's own target is used only where it cannot send the key somewhere new: a sandbox
    database, or a provider's official URL. A plan file is input, and one planted in a pull
    request must never steer the key to another host."""
    import os

    from scaleform.sandbox.connect import recorded_sandbox
    from scaleform.target import PROVIDERS

    if ctx.api_url or ctx.sandbox is not None or ctx.provider or os.environ.get("SCALE_API_URL"):
        return target_for(ctx)
    api_url = str(recorded.get("api_url") or "")
    sandbox = recorded_sandbox(api_url)
    if sandbox is not None:
        from scaleform.sandbox.base import is_sandbox_db

        if not Path(sandbox).is_file() or not is_sandbox_db(sandbox):
            raise ScaleformError(
                f"the plan was made for the sandbox '{sandbox}', which is not an existing scaleform "
                "sandbox database; a plan file never creates or changes anything else. Name the "
                "target yourself with --sandbox DB"
            )
        return target_for(replace(ctx, sandbox=sandbox))
    if api_url in PROVIDERS.values():
        return target_for(replace(ctx, api_url=api_url))
    raise ScaleformError(
        f"the plan was made for {api_url}, which is not a provider's official URL; a plan file never "
        f"chooses where the key is sent. Name it yourself: --api-url {api_url}"
    )


def saved_plan_command(api_url: str, out: str) -> str:
    """The apply command that works for a plan saved for `api_url`: a URL that is neither official
    nor a sandbox must be named again (a plan file never chooses where the key goes)."""
    from scaleform.sandbox.connect import recorded_sandbox
    from scaleform.target import PROVIDERS

    if recorded_sandbox(api_url) is not None or api_url in PROVIDERS.values():
        return f"scaleform apply --plan {out}"
    return f"scaleform apply --plan {out} --api-url {api_url}"


def early_target(ctx: CommandOptions) -> Target | None:
    """The target as known before the manifests load, for reads that overlap the load. None
    when the manifests can change it (-e picks an environment that may set the URL or key),
    when it cannot be resolved (the error then comes after the manifests' own), and for the
    in-process sandbox (no latency to hide; reading early would create its database)."""
    if ctx.environment or ctx.sandbox is not None:
        return None
    try:
        return target_for(ctx)
    except ScaleformError:
        return None
