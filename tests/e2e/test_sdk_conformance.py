"""The official `scaleapi` SDK (our stand-in for the real service) against `sandbox serve`."""

from __future__ import annotations

import asyncio

import pytest
import scaleapi
from scaleapi.teams import TeammateRole

from helpers import KEY, make_db, served
from scaleform.api.client import ApiClient
from scaleform.sandbox.store import Store


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    db = make_db(tmp_path_factory.mktemp("sdk") / "sdk.db", "demo")
    store = Store(db)  # 120 batches in a non-Studio project: get_batches must read two pages
    with store.transaction():
        store.create_project({"name": "bulk", "type": "categorization"})
        for i in range(120):
            store.create_batch({"project": "bulk", "name": f"bulk-{i:03d}"})
    store.db.close()
    with served(db) as base:
        yield base


def test_sdk_calls_succeed_and_agree_with_scaleform(url):
    client = scaleapi.ScaleClient(KEY, api_instance_url=url)

    team = client.list_teammates()
    assert {t.email for t in team} >= {"admin@acme.ai", "li@acme.ai"}
    team = client.invite_teammates(["sdk@acme.ai"], TeammateRole.Labeler)
    assert any(t.email == "sdk@acme.ai" and t.role == "invited" for t in team)
    team = client.update_teammates_role(["raj@acme.ai"], TeammateRole.Manager)
    assert next(t for t in team if t.email == "raj@acme.ai").role == "manager"

    project = client.create_project(
        "sdk / project",
        task_type=scaleapi.TaskType.ImageAnnotation,
        params={"instruction": "Box the cats"},
        studio=True,
    )
    assert project.name == "sdk / project" and project.version == 0
    assert client.get_project("sdk / project").name == "sdk / project"
    assert "sdk / project" in {p.name for p in client.projects()}
    updated = client.update_project("sdk / project", instruction="Box the dogs")
    assert updated.version == 1 and updated.instruction == "Box the dogs"

    assignments = client.list_studio_assignments()
    assert "street-signs" in assignments["li@acme.ai"].assigned_projects
    assignments = client.add_studio_assignments(["li@acme.ai", "raj@acme.ai"], ["sdk / project"])
    assert "sdk / project" in assignments["raj@acme.ai"].assigned_projects
    group = client.create_project_group("sdk / project", ["li@acme.ai"], "sdk group")
    assert group.name == "sdk group" and group.numWorkers == 1
    group = client.update_project_group("sdk / project", "sdk group", ["raj@acme.ai"], [])
    assert group.numWorkers == 2
    assert [g.name for g in client.list_project_groups("sdk / project")] == ["sdk group"]
    assignments = client.remove_studio_assignments(["li@acme.ai"], ["sdk / project"])
    assert "sdk / project" not in assignments["li@acme.ai"].assigned_projects

    batches = []
    for i in range(3):
        batches.append(client.create_batch("sdk / project", f"sdk-batch/{i}"))
    assert batches[0].status == "staging"
    assert client.finalize_batch("sdk-batch/0").status == "in_progress"
    assert client.batch_status("sdk-batch/0")["status"] == "in_progress"
    assert client.get_batch("sdk-batch/1").project == "sdk / project"
    all_batches = list(client.get_batches())  # 125 batches: two pages of 100
    assert len(all_batches) == 125 and len({b.name for b in all_batches}) == 125
    page = client.batches(limit=2, offset=2, project="bulk")
    assert len(page.docs) == 2 and page.has_more and page.total == 120

    studio = client.list_studio_batches()
    names = [b.name for b in studio]
    assert set(names) >= {"sdk-batch/0", "sdk-batch/1", "sdk-batch/2"}
    assigned = client.assign_studio_batches("sdk-batch/0", ["sdk group"])
    assert assigned.groups == ["sdk group"]
    reordered = client.set_studio_batches_priorities(list(reversed(names)))
    assert [b.name for b in reordered] == list(reversed(names))
    reset = client.reset_studio_batches_priorities()
    assert sorted(b.name for b in reset) == sorted(names)

    # What the SDK did is what scaleform's own client sees.
    async def seen():
        async with ApiClient(url, KEY) as c:
            return await c.assignments(), await c.list_groups("sdk / project"), await c.studio_batches()

    amap, groups, sbatches = asyncio.run(seen())
    assert "sdk / project" in amap["raj@acme.ai"]
    assert {w["email"] for w in groups[0]["workers"]} == {"raj@acme.ai"}  # li left with the unassignment
    assert next(b for b in sbatches if b["name"] == "sdk-batch/0")["groups"] == ["sdk group"]


def test_sdk_wrong_key_is_unauthorized(url):
    client = scaleapi.ScaleClient("test_wrong", api_instance_url=url)
    with pytest.raises(scaleapi.exceptions.ScaleUnauthorized):
        client.list_teammates()


def test_sdk_duplicate_is_conflict_and_unknown_is_not_found(url):
    client = scaleapi.ScaleClient(KEY, api_instance_url=url)
    with pytest.raises(scaleapi.exceptions.ScaleDuplicateResource):
        client.create_project("street-signs", task_type=scaleapi.TaskType.ImageAnnotation)
    with pytest.raises(scaleapi.exceptions.ScaleResourceNotFound):
        client.get_project("no such project")
