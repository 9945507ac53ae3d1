"""Using a sandbox database inside this process: the `LocalApi` a Target is resolved from, and the
stores a command opened, owned by a `Sandboxes` that closes them when the command ends.

Light to import (the CLI makes a `Sandboxes` for every command): the store, the app and httpx load
only when a client is made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from scaleform.errors import ScaleformError
from scaleform.sandbox import DEFAULT_API_KEY

if TYPE_CHECKING:
    import httpx

    from scaleform.sandbox.store import Store
    from scaleform.target import LocalApi

SANDBOX_URL = "http://sandbox.invalid/v1"  # the URL an in-process sandbox's requests carry
_PREFIX = "sandbox:"  # how a plan records the in-process sandbox: sandbox:PATH


def sandbox_api_url(db: str) -> str:
    return f"{_PREFIX}{db}"


def recorded_sandbox(api_url: str) -> str | None:
    """The database path when a plan recorded the in-process sandbox as its target, else None."""
    return api_url[len(_PREFIX) :] if api_url.startswith(_PREFIX) else None


class Sandboxes:
    """The sandbox stores opened while it is open, one per database, all closed when it closes, so
    each database is one self-contained file again (SQLite folds its write-ahead log back in when
    the last connection closes). The CLI opens one per command, around the command."""

    def __init__(self) -> None:
        self._stores: dict[str, Store] = {}
        self._closed = False

    def __enter__(self) -> Sandboxes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        while self._stores:
            _, store = self._stores.popitem()
            store.db.close()

    def store(self, db: str) -> Store:
        """The sandbox store at `db`, created with the demo fixture when missing (opened once). An
        existing file is opened only when it is a sandbox database: a path is never a reason to
        add tables to somebody else's SQLite file."""
        from scaleform.sandbox.base import is_sandbox_db
        from scaleform.sandbox.fixtures import init_store
        from scaleform.sandbox.store import Store

        if self._closed:  # a store opened now would outlive its owner
            raise RuntimeError("the sandboxes were closed; open a new Sandboxes")
        key = str(Path(db).resolve())
        if key not in self._stores:
            fresh = not Path(db).exists()
            if not fresh and not is_sandbox_db(db):
                raise ScaleformError(
                    f"'{db}' is not a scaleform sandbox database; it was left untouched. Create a "
                    f"sandbox with `scaleform sandbox init --db PATH`"
                )
            store = Store(db)
            if fresh:
                init_store(store, "demo")
            self._stores[key] = store
        return self._stores[key]

    def connect(self, db: str, env: Mapping[str, str] | None = None) -> LocalApi:
        """The sandbox at `db` as a Target needs it: its label (what plans record), URL and key
        (SCALE_API_KEY when set, else the sandbox key), and a transport whose store opens when a
        client is made."""
        from scaleform.target import LocalApi

        env = os.environ if env is None else env
        key = env.get("SCALE_API_KEY") or DEFAULT_API_KEY

        def transport() -> httpx.AsyncBaseTransport:
            import httpx

            from scaleform.sandbox.app import SandboxApp

            return httpx.ASGITransport(app=SandboxApp(self.store(db), api_key=key))

        return LocalApi(sandbox_api_url(db), SANDBOX_URL, key, transport)
