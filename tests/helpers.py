"""Shared test helpers: a real `scaleform sandbox serve` on a loopback port, and in-process clients."""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import yaml
from hypothesis import strategies as st

from scaleform.sandbox.app import SandboxApp
from scaleform.sandbox.fixtures import init_store
from scaleform.sandbox.store import Store

KEY = "test_sandbox"


def scaleform_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "scaleform", *args]


@contextlib.contextmanager
def served(db: str | Path, *flags: str, env: dict | None = None) -> Iterator[str]:
    """Run `scaleform sandbox serve --port 0` and yield its base URL; stop it afterwards."""
    proc = subprocess.Popen(
        scaleform_cmd("sandbox", "serve", "--db", str(db), "--port", "0", *flags),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("http://127.0.0.1:"), (line, proc.stderr.read() if proc.poll() is not None else "")
        # uvicorn accepts on the pre-bound socket once started; wait for the first answer.
        for _ in range(200):
            try:
                httpx.get(line + "/teams", auth=(KEY, ""), timeout=1.0)
                break
            except httpx.TransportError:
                import time

                time.sleep(0.02)
        con = sqlite3.connect(str(db))  # the readiness probe is not part of any test's traffic
        con.execute("DELETE FROM requests")
        con.commit()
        con.close()
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


def make_db(path: Path, fixture: str = "demo", **sizes: int) -> Path:
    store = Store(path)
    init_store(store, fixture, **sizes)
    store.db.close()
    return path


def request_log(db: str | Path) -> list[dict]:
    con = sqlite3.connect(str(db))
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM requests ORDER BY id")]
    finally:
        con.close()


def in_process(store: Store, key: str = KEY, **kw):
    from scaleform.api.client import ApiClient

    return ApiClient("http://sandbox.invalid/v1", key, transport=httpx.ASGITransport(app=SandboxApp(store)), **kw)


def cli(*args: str, env: dict | None = None, input: str | None = None):
    """Run the scaleform CLI in-process; returns the click Result (exit_code, stdout, stderr, output)."""
    from click.testing import CliRunner

    from scaleform.cli import main

    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def write_manifest(path: Path, text: str) -> Path:
    import textwrap

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def plan_json(db: Path, manifests: Path, *extra: str) -> dict:
    import json

    result = cli("plan", str(manifests), "--sandbox", str(db), "--format", "json", *extra)
    assert result.exit_code in (0, 2), result.output
    return json.loads(result.stdout)


def writes(db: Path) -> list[dict]:
    return [r for r in request_log(db) if r["method"] != "GET"]


def clear_log(db: Path) -> None:
    con = sqlite3.connect(str(db))
    con.execute("DELETE FROM requests")
    con.commit()
    con.close()


def asgi_target(store: Store, faults=None, parallelism: int = 8):
    """A Target that talks to an in-process sandbox app (optionally with custom faults)."""
    from scaleform.api.retry import RetryPolicy
    from scaleform.target import Target

    app = SandboxApp(store, faults=faults)
    return Target(
        "http://sandbox.invalid/v1",
        None,
        KEY,
        parallelism=parallelism,
        transport=httpx.ASGITransport(app=app),
        retry=RetryPolicy(attempts=6, base=0.01, cap=0.05),
    )


def change(
    address: str,
    action: str = "create",
    before=None,
    after=None,
    phase: int = 5,
    reason: str = "r",
    why: str | None = None,
):
    """A Change on the address that renders as `address`."""
    from scaleform.address import Address
    from scaleform.changes import Change

    return Change(Address.parse(address), action, before, after, reason, phase, why)


def empty_plan(changes=(), deferred=(), suppressed=(), operations=(), safety=None, target=None):
    from scaleform.plan import Plan
    from scaleform.refresh import RefreshScope

    return Plan(
        target or {},
        "",
        tuple(changes),
        tuple(deferred),
        tuple(suppressed),
        (),
        (),
        tuple(operations),
        {},
        RefreshScope(),
        safety or {},
    )


# ---- shared hypothesis strategies and manifest fixtures -----------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def example_manifest_files(root: Path = ROOT) -> list[Path]:
    """The manifest files under examples/ (examples/ci holds workflow files, not manifests; judged
    inside examples/ so that a clone sitting in a folder named "ci" still finds them)."""
    examples = root / "examples"
    return [p for p in sorted(examples.rglob("*.yaml")) if "ci" not in p.relative_to(examples).parts[:1]]


EXAMPLES = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "examples" / "quickstart").glob("*.yaml"))]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["${var.x}", "${env.HOME}", "$${", "a@b.co", "*", "<<"]),
)
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=40,
)


def mutate(doc, rng: random.Random, depth: int = 0):
    """Delete, duplicate or retype a node somewhere in the tree."""
    if isinstance(doc, dict) and doc:
        key = rng.choice(list(doc))
        action = rng.randrange(5)
        out = dict(doc)
        if action == 0:
            del out[key]
        elif action == 1:
            out[key] = rng.choice([None, 7, "x", [1], {"k": "v"}, True, "é" * 3, "x" * 100_000])
        elif action == 2:
            out[key + "_extra"] = out[key]
        else:
            out[key] = mutate(out[key], rng, depth + 1)
        return out
    if isinstance(doc, list) and doc:
        out = list(doc)
        i = rng.randrange(len(out))
        action = rng.randrange(4)
        if action == 0:
            del out[i]
        elif action == 1:
            out.append(out[i])  # duplicate entry
        elif action == 2:
            out[i] = rng.choice([None, 3, {"choice": None}, ["nested"], "ü@ñ.io"])
        else:
            out[i] = mutate(out[i], rng, depth + 1)
        return out
    return rng.choice([doc, None, 0, "", "bad email", {"a": doc}, [doc]])


class GroupsOnlyInStudio:
    """A client whose projects may not report `studio`; a 400 on groups where the flag is not true."""

    def __init__(self, projects):
        self.projects, self.group_reads = projects, []

    async def list_team(self):
        return []

    async def assignments(self):
        return {}

    async def list_projects(self):
        return self.projects

    async def studio_batches(self):
        return []

    async def list_batches(self):
        return []

    async def list_groups(self, project):
        from scaleform.api.errors import InvalidRequest

        self.group_reads.append(project)
        if next(p for p in self.projects if p["name"] == project).get("studio") is not True:
            raise InvalidRequest("GET", f"/studio/projects/{project}/groups", 400, "not a Studio project")
        return []


def write_files(tmp_path: Path, files: dict) -> Path:
    """Write {relative name: text or bytes} under `tmp_path`; returns it."""
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text)
    return tmp_path


class Listener:
    """A loopback HTTP server that records every request it receives and answers each with
    `status` and `body` (JSON text). Stands in for an attacker's host, or a hostile API."""

    def __init__(self, status: int = 200, body: str = "[]"):
        import http.server
        import threading

        self.requests: list[tuple[str, str, dict]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                outer.requests.append((self.command, self.path, dict(self.headers)))
                data = body.encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def source_commit() -> str | None:
    """The commit this source tree is: git's HEAD in a checkout, the stamp in an unpacked sdist."""
    if (ROOT / ".git").exists():
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    stamp = ROOT / "scaleform" / "_commit.txt"
    return stamp.read_text().strip() or None if stamp.is_file() else None
