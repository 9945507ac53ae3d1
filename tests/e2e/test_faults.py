"""Ambiguous failures (a write happens, its response is lost), partial failure, interruption."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from helpers import KEY, asgi_target, make_db, request_log, served, write_manifest
from scaleform.api.client import ApiClient
from scaleform.api.retry import RetryPolicy
from scaleform.apply import apply_async, apply_plan
from scaleform.manifest import load_manifests
from scaleform.planner import make_plan
from scaleform.sandbox.faults import FaultConfig, Faults
from scaleform.sandbox.store import Store

EVERY_WRITE = """\
team:
  managers: [ana@acme.ai]
  members: [raj@acme.ai]
  labelers: [li@acme.ai, zoe@acme.ai, kim@acme.ai]
projects:
  street-signs:
    type: imageannotation
    studio: true
    params: {instruction: New instruction}
    pipeline: {type: consensus_task, consensus_attempts: 2}
    labelers: [li@acme.ai, raj@acme.ai]
    groups:
      night-shift: [li@acme.ai, raj@acme.ai]
      day-shift: [li@acme.ai]
  cats:
    type: imageannotation
    studio: true
    ontology: {choices: [cat, kitten]}
batches:
  legacy-ocr-batch1: {project: legacy-ocr, finalize: true}
  cats-1: {project: cats, create: true, finalize: true}
  street-signs-2026-10: {project: street-signs, groups: [day-shift]}
batch_priority: ["cats-*", "street-*"]
"""


class LoseFirstResponse(Faults):
    """Every distinct write succeeds on the server the first time, but its response is lost."""

    def __init__(self):
        super().__init__(FaultConfig(fault_mode="after"))
        self.seen: set[tuple[str, str]] = set()
        self.lost: list[tuple[str, str]] = []

    def should_fail(self, method: str, path: str) -> bool:
        if method == "GET" or (method, path) in self.seen:
            return False
        self.seen.add((method, path))
        self.lost.append((method, path))
        return True


def converge(target, manifests_path: Path) -> list:
    manifests = load_manifests(manifests_path)
    plan = make_plan(manifests, target)
    report = apply_plan(plan, target, force=True)
    assert report.ok, [(r.operation.path, r.message) for r in report.results if r.status != "applied"]
    again = make_plan(manifests, target)
    return [c.address for c in again.changes]


def test_every_write_survives_a_lost_response(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    store = Store(db)
    faults = LoseFirstResponse()
    target = asgi_target(store, faults)
    m = write_manifest(tmp_path / "m.yaml", EVERY_WRITE)
    assert converge(target, m) == []
    paths = {p for _, p in faults.lost}
    for expected in (
        "/v1/teams/invite",
        "/v1/teams/set_role",
        "/v1/projects",
        "/v1/projects/street-signs/setParams",
        "/v1/projects/street-signs/updatePipelineConfig",
        "/v1/projects/cats/setOntology",
        "/v1/batches",
        "/v1/batches/cats-1/finalize",
        "/v1/batches/legacy-ocr-batch1/finalize",
        "/v1/studio/assignments/add",
        "/v1/studio/projects/street-signs/groups",
        "/v1/studio/projects/street-signs/groups/night-shift",
        "/v1/studio/batches/street-signs-2026-10",
        "/v1/studio/batches/set_priorities",
        "/v1/studio/assignments/remove",
    ):
        assert expected in paths, expected
    # Nothing was created twice: one group row per declared group, one cats project, one batch.
    groups = store.db.execute("SELECT name FROM groups WHERE project='street-signs' ORDER BY name").fetchall()
    assert [g[0] for g in groups] == ["day-shift", "night-shift"]
    assert store.db.execute("SELECT COUNT(*) FROM batches WHERE name='cats-1'").fetchone()[0] == 1
    # apply read each create back after its lost response instead of sending it again
    # (a resend would have been answered 409)
    creates = [
        r
        for r in store.requests()
        if r["method"] == "POST"
        and r["path"] in ("/v1/projects", "/v1/batches", "/v1/studio/projects/street-signs/groups", "/v1/teams/invite")
    ]
    assert creates and not [r for r in creates if r["status"] == 409]
    # reset_priorities too
    d = write_manifest(tmp_path / "d.yaml", "batch_priority: default\n")
    assert converge(target, d) == []
    assert ("POST", "/v1/studio/batches/reset_priorities") in faults.lost


def test_partial_failure_stops_later_phases_and_next_plan_is_the_remainder(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    store = Store(db)
    # Every call to this path is refused with a 400, before the sandbox acts on it.
    refuse = FaultConfig(fault_rate=1.0, fault_on=("/v1/studio/assignments/add",), fault_status=400)
    target = asgi_target(store, refuse)
    manifests = load_manifests(write_manifest(tmp_path / "m.yaml", EVERY_WRITE))
    plan = make_plan(manifests, target)
    report = apply_plan(plan, target, force=True)
    assert not report.ok
    failed = report.by_status("failed")
    assert [r.operation.path for r in failed] == ["/studio/assignments/add"]
    assert "HTTP 400" in failed[0].message and "injected" in failed[0].message
    applied = report.by_status("applied")
    assert {r.operation.phase for r in applied} <= {1, 2, 3, 4}
    skipped = report.by_status("not attempted")
    assert {r.operation.phase for r in skipped} == {6, 7, 8, 9}
    done = {a for r in applied for a in r.operation.realizes}
    expected = [c.address for c in plan.changes if c.address not in done]
    healthy = asgi_target(store)
    remainder = make_plan(manifests, healthy)
    assert [c.address for c in remainder.changes] == expected


def test_interrupt_finishes_in_flight_and_reports(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    store = Store(db)
    target = asgi_target(store, parallelism=1)
    manifests = load_manifests(write_manifest(tmp_path / "m.yaml", EVERY_WRITE))
    plan = make_plan(manifests, target)

    async def run():
        stop = asyncio.Event()
        seen = []

        def on_result(result):
            seen.append(result)
            stop.set()  # as if Ctrl-C arrived during the first call

        return await apply_async(plan, target, on_result, stop=stop), seen

    report, seen = asyncio.run(run())
    assert report.interrupted and not report.ok
    assert len(report.by_status("applied")) == 1 == len(seen)
    assert len(report.by_status("not attempted")) == len(plan.operations) - 1


# Each create, aimed at by `--fault-on`: (the request to lose, how to send it, the read that must
# precede any resend, a SQL count that is 1 once the object exists).
CREATES = {
    "invitation": (
        "POST /v1/teams/invite",
        lambda c: c.invite(["new@acme.ai"], "labeler"),
        ("GET", "/v1/teams"),
        "SELECT COUNT(*) FROM team WHERE email='new@acme.ai'",
    ),
    "project": (
        "POST /v1/projects",
        lambda c: c.create_project("fresh", "imageannotation", studio=True),
        ("GET", "/v1/projects/fresh"),
        "SELECT COUNT(*) FROM projects WHERE name='fresh'",
    ),
    "group": (
        "POST /v1/studio/projects/street-signs/groups",
        lambda c: c.create_group("street-signs", "day-shift", ["li@acme.ai", "zoe@acme.ai"]),
        ("GET", "/v1/studio/projects/street-signs/groups"),
        "SELECT COUNT(*) FROM groups WHERE project='street-signs' AND name='day-shift'",
    ),
    "batch": (
        "POST /v1/batches",
        lambda c: c.create_batch("street-signs", "fresh-batch"),
        ("GET", "/v1/batches/fresh-batch"),
        "SELECT COUNT(*) FROM batches WHERE name='fresh-batch'",
    ),
}


def _send_create(url: str, kind: str, retry: RetryPolicy | None = None):
    async def go():
        async with ApiClient(url, KEY, retry=retry or RetryPolicy(base=0.01)) as c:
            return await CREATES[kind][1](c)

    return asyncio.run(go())


def _count(db, sql: str) -> int:
    con = sqlite3.connect(str(db))
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_create_whose_response_is_lost_is_read_back_not_resent(tmp_path, kind):
    aimed, _, read, count = CREATES[kind]
    db = make_db(tmp_path / "s.db", "demo")
    with served(db, "--fault-rate", "1", "--fault-mode", "after", "--fault-on", aimed) as url:
        result = _send_create(url, kind)
    method, path = aimed.split(" ")
    log = [(r["method"], r["path"], r["status"]) for r in request_log(db)]
    # The create took but its answer was lost: the object is read back, and that is the end.
    assert log == [(method, path, 503), (*read, 200)], log
    assert _count(db, count) == 1
    assert isinstance(result, list if kind == "invitation" else dict)


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_create_that_did_not_take_is_sent_again_after_the_read(tmp_path, kind):
    aimed, _, read, count = CREATES[kind]
    db = make_db(tmp_path / "s.db", "demo")
    # Seeded so that the first two creates fail before acting and a later one goes through.
    with served(db, "--fault-rate", "0.6", "--fault-mode", "before", "--fault-on", aimed, "--seed", "3") as url:
        _send_create(url, kind, RetryPolicy(attempts=12, base=0.01))
    method, path = aimed.split(" ")
    log = [(r["method"], r["path"], r["status"]) for r in request_log(db)]
    creates = [i for i, r in enumerate(log) if r[:2] == (method, path)]
    assert len(creates) >= 2 and log[creates[-1]][2] == 200, log
    assert [log[i][2] for i in creates[:-1]] == [503] * (len(creates) - 1)
    for i in creates[1:]:
        assert log[i - 1][:2] == read, log  # every resend follows a read of the object
    assert _count(db, count) == 1
