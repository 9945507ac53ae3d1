"""Ambiguous failures (a write happens, its response is lost), partial failure, interruption."""
from __future__ import annotations

import asyncio
from pathlib import Path


from helpers import asgi_target, make_db, write_manifest
from scaleform.apply import apply_async, apply_plan
from scaleform.manifest import load_manifests
from scaleform.planning import make_plan
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
    for expected in ("/v1/teams/invite", "/v1/teams/set_role", "/v1/projects", "/v1/projects/street-signs/setParams",
                     "/v1/projects/street-signs/updatePipelineConfig", "/v1/projects/cats/setOntology", "/v1/batches",
                     "/v1/batches/cats-1/finalize", "/v1/batches/legacy-ocr-batch1/finalize",
                     "/v1/studio/assignments/add", "/v1/studio/projects/street-signs/groups",
                     "/v1/studio/projects/street-signs/groups/night-shift", "/v1/studio/batches/street-signs-2026-10",
                     "/v1/studio/batches/set_priorities", "/v1/studio/assignments/remove"):
        assert expected in paths, expected
    # Nothing was created twice: one group row per declared group, one cats project, one batch.
    groups = store.db.execute("SELECT name FROM groups WHERE project='street-signs' ORDER BY name").fetchall()
    assert [g[0] for g in groups] == ["day-shift", "night-shift"]
    assert store.db.execute("SELECT COUNT(*) FROM batches WHERE name='cats-1'").fetchone()[0] == 1
    # reset_priorities too
    d = write_manifest(tmp_path / "d.yaml", "batch_priority: default\n")
    assert converge(target, d) == []
    assert ("POST", "/v1/studio/batches/reset_priorities") in faults.lost


class RejectPath(Faults):
    def __init__(self, path: str):
        super().__init__(FaultConfig())
        self.path = path

    def intercept(self, method: str, path: str):
        return (400, "Parameter is invalid, reason: injected") if path == self.path else None


def test_partial_failure_stops_later_phases_and_next_plan_is_the_remainder(tmp_path):
    db = make_db(tmp_path / "s.db", "demo")
    store = Store(db)
    target = asgi_target(store, RejectPath("/v1/studio/assignments/add"))
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
