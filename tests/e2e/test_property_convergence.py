"""Property: for a random account and random manifests, apply (twice, around accepting
invitations) converges to an empty plan, and planning is deterministic."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import cli
from scaleform.sandbox.fixtures import empty
from scaleform.sandbox.store import Store

PEOPLE = [f"p{i}@acme.ai" for i in range(7)]
LIVE_ROLES = ["labeler", "member", "manager", "invited", "disabled", None]
PROJECTS = ["alpha", "beta / EU", "gamma"]


@st.composite
def scenarios(draw):
    live_roles = {p: draw(st.sampled_from(LIVE_ROLES)) for p in PEOPLE}
    live_projects = draw(st.lists(st.sampled_from(PROJECTS), unique=True, max_size=3))
    active = [p for p, r in live_roles.items() if r in ("labeler", "member", "manager")]
    assignments = {p: draw(st.lists(st.sampled_from(active), unique=True)) if active else [] for p in live_projects}
    groups = {
        p: {
            f"g{j}": draw(st.lists(st.sampled_from(assignments[p]), unique=True, max_size=3))
            for j in range(draw(st.integers(0, 2)))
        }
        if assignments[p]
        else {}
        for p in live_projects
    }
    live_batches = [(p, f"{p.split()[0]}-b{j}") for p in live_projects for j in range(draw(st.integers(0, 2)))]

    declared_people = draw(st.lists(st.sampled_from(PEOPLE), unique=True, min_size=1))
    team = {p: draw(st.sampled_from(["labeler", "member", "manager"])) for p in declared_people}
    projects = {}
    for name in draw(st.lists(st.sampled_from(PROJECTS), unique=True, max_size=3)):
        spec: dict = {"type": "imageannotation", "studio": True}
        if draw(st.booleans()):
            spec["params"] = {"instruction": draw(st.sampled_from(["a", "b"])), "n": draw(st.integers(0, 2))}
        if draw(st.booleans()):
            spec["ontology"] = {"choices": draw(st.sampled_from([["x"], ["x", {"choice": "y", "subchoices": ["z"]}]]))}
        if draw(st.booleans()):
            spec["pipeline"] = draw(
                st.sampled_from([{"type": "standard_task"}, {"type": "consensus_task", "consensus_attempts": 2}])
            )
        labelers = draw(st.lists(st.sampled_from(declared_people), unique=True))
        if draw(st.booleans()):
            spec["labelers"] = labelers
            if labelers and draw(st.booleans()):
                spec["groups"] = {
                    f"g{j}": draw(st.lists(st.sampled_from(labelers), unique=True, max_size=3))
                    for j in range(draw(st.integers(1, 2)))
                }
        projects[name] = spec
    batches = {}
    for name in projects:
        if draw(st.booleans()):
            bname = f"{name.split()[0]}-new"
            batch: dict = {"project": name, "create": True, "finalize": draw(st.booleans())}
            if "groups" in projects[name] and draw(st.booleans()):
                batch["groups"] = sorted(projects[name]["groups"])[:1]
            batches[bname] = batch
    manifest: dict = {
        "version": 1,
        "team": {f"{r}s": sorted(p for p, rr in team.items() if rr == r) for r in ("labeler", "member", "manager")},
    }
    if projects:
        manifest["projects"] = projects
    if batches:
        manifest["batches"] = batches
    if draw(st.booleans()):
        manifest["batch_priority"] = draw(st.sampled_from([["*-new"], ["gamma*", "alpha*"], "default"]))
    return live_roles, live_projects, assignments, groups, live_batches, manifest


def build_account(db: Path, live_roles, live_projects, assignments, groups, live_batches) -> None:
    store = Store(db)
    with store.transaction():
        empty(store)
        for p, role in live_roles.items():
            if role == "invited":
                store.invite({"emails": [p], "team_role": "labeler"})
            elif role is not None:
                store.add_member(p, role)
        for name in live_projects:
            store.create_project(
                {"name": name, "type": "imageannotation", "studio": True, "params": {"instruction": "a"}}
            )
            if assignments[name]:
                store.assign({"emails": assignments[name], "projects": [name]})
            for g, members in groups[name].items():
                store.create_group(name, {"name": g, "emails": members})
        for project, batch in live_batches:
            store.create_batch({"project": project, "name": batch})
    store.db.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(scenarios())
def test_random_account_and_manifests_converge(scenario):
    *account, manifest = scenario
    d = Path(tempfile.mkdtemp())
    db = d / "s.db"
    build_account(db, *account)
    m = d / "m.yaml"
    m.write_text(yaml.safe_dump(manifest, sort_keys=False))
    assert cli("validate", str(m)).exit_code == 0

    first = cli("plan", str(m), "--sandbox", str(db), "--format", "json")
    assert first.exit_code == 0, first.output
    assert first.stdout == cli("plan", str(m), "--sandbox", str(db), "--format", "json").stdout

    for _ in range(2):
        applied = cli("apply", str(m), "--sandbox", str(db), "--auto-approve", "--force")
        assert applied.exit_code == 0, applied.output
        assert cli("sandbox", "accept-invites", "--db", str(db)).exit_code == 0
    applied = cli("apply", str(m), "--sandbox", str(db), "--auto-approve", "--force")
    assert applied.exit_code == 0, applied.output
    final = cli("plan", str(m), "--sandbox", str(db), "--format", "json")
    plan = json.loads(final.stdout)
    assert plan["changes"] == [] and plan["deferred"] == [], (manifest, plan["changes"], plan["deferred"])
