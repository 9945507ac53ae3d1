"""The official `scaleapi` SDK's batch listing, with every filter, against `sandbox serve`.

The SDK's `get_batches` sends project, status and the created_at bounds; it refuses the
completed/audited filters on its own side, so those go through its generic `api.get_request`
(same auth, encoding and error handling)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import scaleapi
from scaleapi.batches import BatchStatus

from helpers import KEY, make_db, served
from scaleform.sandbox.store import Store

BASE = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def z(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


# name -> (project, created, completed, audited)
BATCHES = {
    f"f{i}": (
        "street-signs" if i % 2 else "legacy-ocr",
        BASE + timedelta(hours=i),
        BASE + timedelta(days=1, hours=i) if i % 3 == 0 else None,
        BASE + timedelta(days=2, hours=i) if i in (0, 6) else None,
    )
    for i in range(8)
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = make_db(tmp_path_factory.mktemp("sdkf") / "f.db", "empty")
    store = Store(db)
    with store.transaction():
        store.create_project({"name": "street-signs", "type": "imageannotation", "studio": True})
        store.create_project({"name": "legacy-ocr", "type": "transcription"})
        for name, (project, created, completed, audited) in BATCHES.items():
            store.create_batch({"project": project, "name": name})
            store.db.execute("UPDATE batches SET created_at=? WHERE name=?", (z(created), name))
            if completed:
                store.set_batch_progress(name, "completed", z(completed), z(audited) if audited else None)
    store.db.close()
    with served(db) as base:
        yield scaleapi.ScaleClient(KEY, api_instance_url=base)


def names(batches) -> set[str]:
    return {b.name if hasattr(b, "name") else b["name"] for b in batches}


def test_get_batches_with_project_status_and_created_bounds(client):
    assert names(client.get_batches()) == set(BATCHES)
    assert names(client.get_batches(project_name="legacy-ocr")) == {"f0", "f2", "f4", "f6"}
    assert names(client.get_batches(batch_status=BatchStatus.Completed)) == {"f0", "f3", "f6"}
    # The SDK documents 'YYYY-MM-DD HH:MM:SS.mmmmmm' in UTC; an offset names the same instant.
    after = (BASE + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S.%f")
    before = (BASE + timedelta(hours=5)).astimezone(timezone(timedelta(hours=2))).isoformat()
    assert names(client.get_batches(created_after=after, created_before=before)) == {"f2", "f3", "f4", "f5"}
    got = client.get_batches(project_name="street-signs", batch_status=BatchStatus.Staging, created_after=after)
    assert names(got) == {"f5", "f7"}


def test_completed_and_audited_filters_through_the_sdk(client):
    def listed(**params) -> set[str]:
        return names(client.api.get_request("batches", params=params)["docs"])

    day = BASE + timedelta(days=1)
    assert listed(completed_after=z(day)) == {"f3", "f6"}  # strictly after: f0 completed exactly then
    assert listed(completed_after="2026-06-02T13:00:00+01:00") == {"f3", "f6"}  # the same instant
    assert listed(completed_before=z(day + timedelta(hours=4))) == {"f0", "f3"}
    assert listed(audited_after="2026-06-03T14:00:00+02:00", audited_before=z(BASE + timedelta(days=3))) == {"f6"}
    assert listed(completed_after=z(BASE), project="legacy-ocr", status="completed") == {"f0", "f6"}


def test_an_unknown_filter_is_refused_not_ignored(client):
    with pytest.raises(scaleapi.exceptions.ScaleInvalidRequest, match="finished_after"):
        client.api.get_request("batches", params={"finished_after": z(BASE)})
