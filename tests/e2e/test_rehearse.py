"""`plan --rehearse` and `apply --rehearse` end to end: the twin is copied from a served sandbox,
the plan is carried out there, and the real account is written only after a clean rehearsal."""

from __future__ import annotations

import asyncio
import functools
import json

import jsonschema
import pytest

from helpers import ROOT, cli, in_process, make_db, request_log, served, writes
from scaleform import rehearsal
from scaleform.manifest.schema import load_schema
from scaleform.sandbox.faults import FaultConfig
from scaleform.sandbox.store import Store

QUICKSTART = str(ROOT / "examples" / "quickstart")
LIVE_KEY = "live_rehearsal_key_0123456789"
GROUP_PUT = "PUT /v1/studio/projects/street-signs/groups/night-shift"  # the quickstart's phase-6 call


@pytest.fixture
def refuse_group_update(monkeypatch):
    """The twin answers the phase-6 group update with a 400, as the real API would on a state the
    manifests do not foresee: the CLI's rehearsals are given these faults."""
    refuse = FaultConfig(fault_rate=1.0, fault_on=(GROUP_PUT,), fault_status=400)
    monkeypatch.setattr(rehearsal, "rehearse", functools.partial(rehearsal.rehearse, faults=refuse))


def _env() -> dict:
    return {"SCALE_API_KEY": LIVE_KEY}


def test_a_refused_phase_6_call_is_reported_and_apply_writes_nothing(tmp_path, refuse_group_update):
    db = make_db(tmp_path / "live.db")
    with served(db, "--api-key-env", "SCALE_API_KEY", env=_env()) as url:
        planned = cli("plan", QUICKSTART, "--api-url", url, "--rehearse", "--format", "json", env=_env())
        assert planned.exit_code == 1, planned.output  # a failed rehearsal fails the check
        text = cli("plan", QUICKSTART, "--api-url", url, "--rehearse", env=_env())
        markdown = cli("plan", QUICKSTART, "--api-url", url, "--rehearse", "--format", "markdown", env=_env())
        assert writes(db) == []
        applied = cli("apply", QUICKSTART, "--api-url", url, "--rehearse", "--auto-approve", env=_env())
        log = request_log(db)
    jsonschema.validate(json.loads(planned.stdout), load_schema("plan.schema.json"))
    r = json.loads(planned.stdout)["rehearsal"]
    assert r["clean"] is False and r["failed"]["phase"] == 6
    assert (r["failed"]["method"], r["failed"]["path"]) == ("PUT", "/studio/projects/street-signs/groups/night-shift")
    assert r["failed"]["realizes"] == ["project[street-signs].group[night-shift].member[zoe@acme.ai]"]
    assert "HTTP 400" in r["failed"]["error"] and "Injected failure" in r["failed"]["error"]
    # Phases 1-4 went through on the twin; 8 and 9 never started.
    assert (r["calls"], r["applied"], r["not_attempted"]) == (12, 9, 2)
    assert "rehearsal failed: phase 6 call PUT /studio/projects/street-signs/groups/night-shift" in text.stdout
    assert text.exit_code == 1 and markdown.exit_code == 1
    assert markdown.stdout.startswith("> [!CAUTION]\n> **rehearsal failed: phase 6 call PUT ")
    assert markdown.stdout.count("rehearsal failed") == 1
    assert applied.exit_code == 1
    assert "refusing to apply: rehearsal failed: phase 6" in applied.stderr and "Nothing was written" in applied.stderr
    assert [r for r in log if r["method"] != "GET"] == []
    assert LIVE_KEY not in planned.output + text.output + applied.output


def _phases(log: list[dict], operations: list[dict]) -> list[tuple[int, str, str]]:
    """The writes of a request log as (phase, method, path), phases taken from the plan's operations."""
    phase = {(o["method"], "/v1" + o["path"]): o["phase"] for o in operations}
    return [(phase[(r["method"], r["path"])], r["method"], r["path"]) for r in log if r["method"] != "GET"]


def test_a_clean_rehearsal_sends_what_the_real_apply_then_sends(tmp_path):
    from scaleform.manifest import load_manifests
    from scaleform.planner import make_plan
    from scaleform.target import resolve_target

    db = make_db(tmp_path / "live.db")
    twin = tmp_path / "twin.db"
    with served(db, "--api-key-env", "SCALE_API_KEY", env=_env()) as url:
        target = resolve_target(api_url=url, env=_env())
        manifests = load_manifests(QUICKSTART)
        plan = rehearsal.rehearse(make_plan(manifests, target), manifests, target, twin_path=str(twin))
        assert writes(db) == []
        applied = cli("apply", QUICKSTART, "--api-url", url, "--rehearse", "--auto-approve", env=_env())
        assert applied.exit_code == 0, applied.output
        real = request_log(db)
    operations = [o.to_json() for o in plan.operations]
    rehearsed = _phases(request_log(twin), operations)
    sent = _phases(real, operations)
    assert plan.rehearsal.clean and plan.rehearsal.calls == len(operations) == 12
    assert "rehearsal: 12 calls applied cleanly; the account would then match the manifests" in applied.stdout
    # Same calls, and on both sides every phase finished before the next began.
    assert sorted(rehearsed) == sorted(sent) and len(sent) == 12
    assert [p for p, _, _ in rehearsed] == sorted(p for p, _, _ in rehearsed)
    assert [p for p, _, _ in sent] == sorted(p for p, _, _ in sent)
    # The live key never reached the twin's store.
    assert LIVE_KEY.encode() not in twin.read_bytes()


def test_a_batch_created_after_the_plan_fails_the_priority_call(tmp_path):
    """A pending batch someone creates between plan and apply: the plan's priority list misses it,
    and the rehearsal (which copies the account as it is now) finds the API's refusal at phase 8."""
    from scaleform.manifest import load_manifests
    from scaleform.planner import make_plan
    from scaleform.target import resolve_target

    db = make_db(tmp_path / "live.db")
    with served(db, "--api-key-env", "SCALE_API_KEY", env=_env()) as url:
        target = resolve_target(api_url=url, env=_env())
        manifests = load_manifests(QUICKSTART)
        plan = make_plan(manifests, target)
        store = Store(db)

        async def create() -> None:
            async with in_process(store) as client:
                await client.create_batch("street-signs", "someone-elses-batch")

        asyncio.run(create())
        store.db.close()
        rehearsed = rehearsal.rehearse(plan, manifests, target)
        assert [w["path"] for w in writes(db)] == ["/v1/batches"]  # only the colleague's batch
    r = rehearsed.rehearsal
    assert r.failed is not None and r.failed.phase == 8 and r.failed.path == "/studio/batches/set_priorities"
    assert "ALL of the pending batches" in r.failed.error and r.not_attempted == 1
    with pytest.raises(Exception, match="refusing to apply: rehearsal failed: phase 8"):
        rehearsal.require_clean(rehearsed)
