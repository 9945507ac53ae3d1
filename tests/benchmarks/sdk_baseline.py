"""The baseline: the same reconcile written the straightforward way with the official `scaleapi`
SDK (sequential, one call per differing item). Run as its own process, as a user runs it:

    python tests/benchmarks/sdk_baseline.py URL MANIFEST_DIR     # prints the number of calls
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

import yaml

KEY = "test_sandbox"


def load_manifests_plain(directory: Path) -> dict:
    merged: dict = {"team": {}, "projects": {}, "batches": {}}
    for f in sorted(directory.rglob("*.yaml")):
        doc = yaml.safe_load(f.read_text()) or {}
        for key in ("team", "projects", "batches"):
            merged[key].update(doc.get(key) or {})
        if "batch_priority" in doc:
            merged["batch_priority"] = doc["batch_priority"]
    return merged


def sdk_reconcile(url: str, desired: dict) -> int:
    """What a user without scaleform writes: read what is needed, then one call per differing item."""
    import scaleapi
    from scaleapi.teams import TeammateRole

    client = scaleapi.ScaleClient(KEY, api_instance_url=url)
    calls = 0
    team = {t.email: t.role for t in client.list_teammates()}
    assignments = {e: set(a.assigned_projects) for e, a in client.list_studio_assignments().items()}
    live_projects = {p.name: p for p in client.projects()}
    calls += 3
    live_groups = {}
    for name, spec in desired["projects"].items():
        if name in live_projects and "groups" in spec:
            # StudioProjectGroup.workers is a 1-tuple holding the list (a trailing comma in scaleapi 2.18.4):
            # read the raw JSON instead.
            live_groups[name] = {
                g.name: {w["email"] for w in g._json.get("workers") or []} for g in client.list_project_groups(name)
            }
            calls += 1
    pending = None
    if desired.get("batches") or desired.get("batch_priority"):
        pending = [b.name for b in client.list_studio_batches()]
        calls += 1
    roles = {"managers": TeammateRole.Manager, "members": TeammateRole.Member, "labelers": TeammateRole.Labeler}
    for key, role in roles.items():
        for email in desired["team"].get(key) or []:
            if team.get(email) != role.value:
                client.update_teammates_role([email], role)
                calls += 1
    for name, spec in desired["projects"].items():
        if name not in live_projects:
            client.create_project(
                name,
                task_type=scaleapi.TaskType(spec["type"]),
                params=spec.get("params"),
                studio=spec.get("studio", False),
            )
            calls += 1
            if "pipeline" in spec:
                body = {"pipeline": spec["pipeline"]["type"]}
                if "consensus_attempts" in spec["pipeline"]:
                    body["consensus_attempts"] = spec["pipeline"]["consensus_attempts"]
                client.api.post_request(f"projects/{quote(name, safe='')}/updatePipelineConfig", body=body)
                calls += 1
            if "ontology" in spec:
                client.api.post_request(
                    f"projects/{quote(name, safe='')}/setOntology",
                    body={"ontology": spec["ontology"]["choices"], "name": spec["ontology"].get("name")},
                )
                calls += 1
        else:
            live = live_projects[name]
            current = dict(live._json["param_history"][-1]) if live._json.get("param_history") else {}
            current.pop("version", None)
            current.pop("created_at", None)
            if "params" in spec and current != spec["params"]:
                client.update_project(name, patch=False, **spec["params"])
                calls += 1
        if "labelers" in spec:
            want = set(spec["labelers"])
            have = {e for e, ps in assignments.items() if name in ps}
            for email in sorted(want - have):
                client.add_studio_assignments([email], [name])
                calls += 1
            for email in sorted(have - want):
                client.remove_studio_assignments([email], [name])
                calls += 1
        for group, members in (spec.get("groups") or {}).items():
            live = live_groups.get(name, {}).get(group)
            if live is None:
                client.create_project_group(name, members, group)
                calls += 1
                continue
            for email in sorted(set(members) - live):
                client.update_project_group(name, group, [email], [])
                calls += 1
            for email in sorted(live - set(members)):
                client.update_project_group(name, group, [], [email])
                calls += 1
    if isinstance(desired.get("batch_priority"), list) and pending is not None and pending != desired["batch_priority"]:
        client.set_studio_batches_priorities(desired["batch_priority"])
        calls += 1
    return calls


if __name__ == "__main__":
    print(sdk_reconcile(sys.argv[1], load_manifests_plain(Path(sys.argv[2]))))
