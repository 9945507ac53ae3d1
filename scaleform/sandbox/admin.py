"""What the `scaleform sandbox` commands do, outside the CLI so tests and scripts can call it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from scaleform.errors import ScaleformError
from scaleform.sandbox import DEFAULT_API_KEY
from scaleform.sandbox.faults import FaultConfig

if TYPE_CHECKING:
    from scaleform.sandbox.twin import TwinReport
    from scaleform.target import Target


def served_key(api_key_env: str | None) -> str:
    """The key `sandbox serve` accepts: the sandbox key, or the value of the variable the operator
    names. Never SCALE_API_KEY by itself: a live key in the shell must not become the sandbox's."""
    if api_key_env is None:
        return DEFAULT_API_KEY
    key = os.environ.get(api_key_env, "")
    if not key:
        raise ScaleformError(f"--api-key-env names {api_key_env}, which is not set or empty")
    return key


def _fresh(db: str, *, force: bool) -> None:
    path = Path(db)
    if path.exists():
        if not force:
            raise ScaleformError(f"sandbox database '{db}' already exists; pass --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def init_db(db: str, fixture: str, *, force: bool = False, **sizes: int | None) -> str:
    from scaleform.sandbox.fixtures import init_store
    from scaleform.sandbox.store import Store

    _fresh(db, force=force)
    store = Store(db)
    if fixture != "large":
        sizes = {}
    init_store(store, fixture, **{k: v for k, v in sizes.items() if v is not None})
    counts = {
        t: store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("team", "projects", "assignments", "groups", "batches")
    }
    store.db.close()
    return (
        f"created sandbox '{db}' from fixture '{fixture}': "
        + ", ".join(f"{n} {t}" for t, n in counts.items())
        + f". `sandbox serve` accepts the key '{DEFAULT_API_KEY}' (or the one --api-key-env names)."
    )


def serve_db(
    db: str,
    host: str,
    port: int,
    *,
    latency_ms: float = 0,
    fault_rate: float = 0,
    fault_mode: str = "before",
    rate_limit: float = 0,
    seed: int | None = None,
    warn: Callable[[str], None] = print,
    api_key_env: str | None = None,
    fault_on: Iterable[str] = (),
    fault_status: int = 503,
    fault_retry_after: str | None = None,
) -> None:
    from scaleform.sandbox.server import serve

    if not Path(db).exists():
        raise ScaleformError(
            f"sandbox database '{db}' does not exist; create it with `scaleform sandbox init --db {db}`"
        )
    key = served_key(api_key_env)
    if host not in ("127.0.0.1", "localhost", "::1"):
        warn(f"warning: binding {host}: the sandbox will accept connections from other machines")
    faults = FaultConfig(
        latency_ms, fault_rate, fault_mode, rate_limit, seed, tuple(fault_on), fault_status, fault_retry_after
    )
    serve(db, host, port, key, faults)


def accept_invites(db: str, emails: Iterable[str]) -> list[str]:
    from scaleform.sandbox.store import Store

    if not Path(db).exists():
        raise ScaleformError(f"sandbox database '{db}' does not exist")
    store = Store(db)
    with store.transaction():
        accepted = store.accept_invites(emails)
    store.db.close()
    return accepted


def init_twin(db: str, target: Target, *, force: bool = False) -> str:
    """`sandbox init --from-account`: a twin of the account `target` names, in a new `db`."""
    from scaleform.event_loop import run_coroutine
    from scaleform.sandbox.store import Store
    from scaleform.sandbox.twin import copy_account

    async def copy() -> TwinReport:
        async with target.client() as client:
            return await copy_account(client, store, target.api_url)

    _fresh(db, force=force)
    store = Store(db)
    try:
        report = run_coroutine(copy())
    except BaseException:
        store.db.close()
        _fresh(db, force=True)  # no half-made twin is left behind to be served as if complete
        raise
    store.db.close()
    return report.text() + f"\nsandbox '{db}' is the twin; it accepts the sandbox key, never the account's."
