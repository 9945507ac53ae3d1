"""Benchmark plumbing: a served sandbox per run, scaleform as a child process measured with wait4,
the sandbox's request log, and the hypervisor's steal time."""

from __future__ import annotations

import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]
KEY = "test_sandbox"
LATENCY_MS = 20
PARALLELISM = 8
ENV = {**os.environ, "SCALE_API_KEY": KEY}


def scaleform(*args: str, capture: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scaleform", *args], capture_output=capture, text=True, env=ENV, check=True
    )


class Server:
    """`scaleform sandbox serve` on a free loopback port, warm before the first measured request."""

    def __init__(self, db: Path, latency_ms: float = LATENCY_MS, *flags: str):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scaleform",
                "sandbox",
                "serve",
                "--db",
                str(db),
                "--port",
                "0",
                "--latency-ms",
                str(latency_ms),
                *flags,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        self.url = self.proc.stdout.readline().strip()
        self.db = db
        import httpx

        for _ in range(500):
            try:
                httpx.get(self.url + "/teams", auth=(KEY, ""), timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.02)
        self.first_id = last_request_id(db) + 1  # what scaleform sends; the probe above is not counted

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def last_request_id(db: Path) -> int:
    # Read, not deleted: a write from this connection would make the sandbox rebuild the caches
    # it warmed (it watches PRAGMA data_version for other writers).
    con = sqlite3.connect(str(db))
    last = con.execute("SELECT COALESCE(MAX(id), 0) FROM requests").fetchone()[0]
    con.close()
    return last


def endpoint(method: str, path: str) -> str:
    from scaleform.sandbox.app import ROUTES  # not at the top: the SDK child must not pay for it

    segments = [unquote(s) for s in path.split("/") if s][1:]
    for m, pattern, _ in ROUTES:
        if m == method and len(pattern) == len(segments) and all(p == "*" or p == s for p, s in zip(pattern, segments)):
            return f"{method} /" + "/".join("{name}" if p == "*" else p for p in pattern)
    return f"{method} {path}"


def request_log(db: Path, first_id: int) -> list[tuple[str, str, int, float]]:
    """(method, path, status, started) of every request from `first_id` on."""
    con = sqlite3.connect(str(db))
    rows = con.execute(
        "SELECT method, path, status, started FROM requests WHERE id >= ? ORDER BY id", (first_id,)
    ).fetchall()
    con.close()
    return rows


def request_counts(db: Path, first_id: int) -> Counter:
    return Counter(endpoint(m, p) for m, p, _, _ in request_log(db, first_id))


def steal_seconds() -> float:
    """CPU time the hypervisor took from this machine so far (all cores), from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def run_child(args: list[str], allow_failure: bool = False) -> dict:
    stolen = steal_seconds()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "scaleform", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
    )
    # Drain pipes in threads so the child never blocks, then reap it ourselves with wait4.
    import threading

    chunks: dict[str, str] = {}

    def drain(name: str, stream) -> None:
        chunks[name] = stream.read()

    threads = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    for t in threads:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = chunks.get("err", "")
    if proc.returncode not in (0, 2) and not allow_failure:
        raise RuntimeError(f"scaleform {' '.join(args)} failed ({proc.returncode}):\n{err[-3000:]}")
    timing = {}
    for line in err.splitlines():
        if line.startswith("timing: "):
            for part in line[len("timing: ") :].split(", "):
                k, v = part.split()
                timing[k] = float(v.rstrip("s"))
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "timing": timing,
        "stdout": chunks.get("out", ""),
        "stderr": err,
        "code": proc.returncode,
        "steal": steal_seconds() - stolen,
    }


# ---- accounts --------------------------------------------------------------------------------------


def init(db: Path, projects: int, members: int, batches: int) -> None:
    scaleform(
        "sandbox",
        "init",
        "--fixture",
        "large",
        "--db",
        str(db),
        "--projects",
        str(projects),
        "--members",
        str(members),
        "--batches",
        str(batches),
        "--seed",
        "1",
    )


def export(db: Path, out: Path) -> None:
    scaleform("export", "--sandbox", str(db), "--out", str(out), "-q")


def drift(db: Path, seed: int = 7) -> dict:
    """Mutate a copy of the account away from its export: what the drift scenario must undo."""
    rng = random.Random(seed)
    con = sqlite3.connect(str(db))
    roles = {e: r for e, r in con.execute("SELECT email, role FROM team WHERE role != 'admin'")}
    changed = rng.sample(sorted(roles), min(150, len(roles) // 2))  # sizes capped for small --scale
    for e in changed:
        new = rng.choice([r for r in ("labeler", "member", "manager") if r != roles[e]])
        con.execute("UPDATE team SET role=? WHERE email=?", (new, e))
    assigned = set(con.execute("SELECT email, project FROM assignments").fetchall())
    in_group = set()
    for project, members in con.execute("SELECT project, members FROM groups"):
        for e in json.loads(members):
            in_group.add((e, project))
    projects = [p for (p,) in con.execute("SELECT name FROM projects")]
    emails = sorted(roles)
    removable = sorted(assigned - in_group)
    removed = rng.sample(removable, min(225, len(removable) // 2))
    added: list = []
    while len(added) < min(225, len(removable) // 2):
        pair = (rng.choice(emails), rng.choice(projects))
        if pair not in assigned and pair not in added:
            added.append(pair)
    con.executemany("DELETE FROM assignments WHERE email=? AND project=?", removed)
    con.executemany("INSERT INTO assignments VALUES (?,?)", added)
    still = assigned - set(removed)
    groups = con.execute("SELECT project, name, members FROM groups").fetchall()
    touched = rng.sample(groups, min(30, len(groups) // 2))
    for project, name, members in touched:
        members = json.loads(members)
        candidates = sorted(e for e, p in still if p == project and e not in members)
        members.remove(rng.choice(members))
        members.append(rng.choice(candidates))
        con.execute(
            "UPDATE groups SET members=? WHERE project=? AND name=?", (json.dumps(sorted(members)), project, name)
        )
    for name in rng.sample(projects, min(15, len(projects) // 2)):
        history = json.loads(con.execute("SELECT param_history FROM projects WHERE name=?", (name,)).fetchone()[0])
        history.append({**history[-1], "version": history[-1]["version"] + 1, "instruction": "drifted"})
        con.execute("UPDATE projects SET param_history=? WHERE name=?", (json.dumps(history), name))
    order = [n for (n,) in con.execute("SELECT name FROM batches ORDER BY priority, seq")]
    for i, n in enumerate(reversed(order)):
        con.execute("UPDATE batches SET priority=? WHERE name=?", (i + 1, n))
    con.commit()
    con.close()
    return {
        "role_targets": len({roles[e] for e in changed}),
        "readd": removed,
        "remove": added,
        "groups": len(touched),
        "params": min(15, len(projects) // 2),
    }


def grouped_calls(pairs) -> int:
    """The fewest assignment calls: emails sharing a project set, or projects sharing an email set."""
    by_email: dict = {}
    by_project: dict = {}
    for e, p in pairs:
        by_email.setdefault(e, set()).add(p)
        by_project.setdefault(p, set()).add(e)
    return min(len({frozenset(v) for v in by_email.values()}), len({frozenset(v) for v in by_project.values()}))


def rounds(n: int) -> int:
    return math.ceil(n / PARALLELISM) if n else 0
