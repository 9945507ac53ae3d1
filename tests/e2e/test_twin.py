"""The account twin: build an account through the API, `sandbox init --from-account` a second
sandbox from it over HTTP, and check every read endpoint answers the same JSON for both."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from helpers import KEY, cli, in_process, make_db, request_log, served
from scaleform.sandbox.store import Store
from scaleform.sandbox.twin import build_twin

LIVE_KEY = "live_twin_key_0123456789abcdef"  # what the source accepts; it must never reach the twin
SIGNS, OCR, RAPID = "signs / 2026", "ocr", "rapid-one"


async def _build(client) -> None:
    await client.invite(["a@x.io", "d@x.io"], "labeler")
    await client.invite(["b@x.io"], "member")
    await client.invite(["c@x.io", "e@x.io"], "manager")


async def _build_after_accept(client) -> None:
    await client.set_role(["c@x.io"], "labeler")
    await client.create_project(SIGNS, "imageannotation", studio=True, params={"instruction": "v0"})
    await client.set_params(SIGNS, {"instruction": "v1", "geometries": {"box": {"objects_to_annotate": ["car"]}}})
    await client.set_params(SIGNS, {"instruction": "v2", "patch": True})
    await client.set_ontology(SIGNS, ["car", {"choice": "sign", "subchoices": ["stop"]}], "first")
    await client.set_ontology(SIGNS, ["car", "bus"], "second")
    await client.update_pipeline(SIGNS, {"pipeline": "consensus_task", "consensus_attempts": 3})
    await client.create_project(OCR, "transcription", params={"instruction": "read"})
    await client.create_project(RAPID, "categorization", rapid=True)
    await client.assign(["a@x.io", "b@x.io", "c@x.io"], [SIGNS])
    await client.assign(["a@x.io"], [OCR])
    await client.create_group(SIGNS, "night", ["a@x.io", "c@x.io"])
    await client.create_group(SIGNS, "day", ["b@x.io"])
    await client.request(
        "POST",
        "/batches",
        {"project": SIGNS, "name": "s1", "callback": "https://cb.example/x", "metadata": {"team": "blue"}},
    )
    for name in ("s2", "s4"):
        await client.create_batch(SIGNS, name)
    await client.request("POST", "/batches", {"project": SIGNS, "name": "s3/cal", "calibration_batch": True})
    await client.create_batch(OCR, "o1")
    await client.request("POST", "/batches", {"project": RAPID, "name": "r1", "self_label_batch": True})
    await client.finalize_batch("s2")
    await client.assign_studio_batch("s2", ["night"])
    await client.assign_studio_batch("s1", ["b@x.io"])
    await client.set_priorities(["s4", "s3/cal", "s2", "s1"])


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    db = make_db(tmp_path_factory.mktemp("twin") / "source.db", "empty")
    store = Store(db)

    async def go(step):
        async with in_process(store) as client:
            await step(client)

    asyncio.run(go(_build))
    with store.transaction():
        store.accept_invites(["a@x.io", "b@x.io", "c@x.io"])
        store.add_member("gone@x.io", "disabled", first="Gone", last="Away")
    asyncio.run(go(_build_after_accept))
    with store.transaction():  # no API call completes or audits a batch: its tasks do
        store.set_batch_progress("o1", "completed", "2026-07-01T09:00:00.000Z", "2026-07-02T10:30:00.000+01:00")
        store.set_batch_progress("s4", "completed")
        store.db.execute("UPDATE batches SET total=12, completed=5 WHERE name='s1'")
    store.db.close()
    return db


def _read_all(base: str, key: str) -> dict[str, object]:
    """Every read endpoint, for every project, group list and batch, keyed by path."""
    out: dict[str, object] = {}
    with httpx.Client(base_url=base, auth=(key, "")) as c:

        def get(path: str, **params) -> object:
            r = c.get(path, params=params)
            assert r.status_code == 200, (path, r.text)
            out[path + (f"?{sorted(params.items())}" if params else "")] = r.json()
            return r.json()

        get("/teams"), get("/studio/assignments"), get("/studio/batches"), get("/projects", archived="false")
        for p in get("/projects"):
            get(f"/projects/{quote(p['name'], safe='')}")
            if p["studio"]:
                get(f"/studio/projects/{quote(p['name'], safe='')}/groups")
        for b in get("/batches")["docs"]:
            get(f"/batches/{quote(b['name'], safe='')}")
            get(f"/batches/{quote(b['name'], safe='')}/status")
        get("/batches", project=SIGNS, status="staging"), get("/batches", limit=2, offset=1)
        get("/batches", completed_after="2026-07-01T09:59:59+01:00", audited_before="2026-07-02T09:30:01Z")
    return out


def _without_ids(value: object) -> object:
    """The JSON without the ids each sandbox assigns itself (worker ids derive from the email)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in ("id", "projectId")}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_twin_answers_every_read_as_the_account_does(source, tmp_path):
    twin = tmp_path / "twin.db"
    with served(source, "--api-key-env", "SCALE_API_KEY", env={"SCALE_API_KEY": LIVE_KEY}) as url:
        result = cli(
            "sandbox",
            "init",
            "--db",
            str(twin),
            "--from-account",
            "--api-url",
            url,
            "--parallelism",
            "3",
            env={"SCALE_API_KEY": LIVE_KEY},
        )
        assert result.exit_code == 0, result.output
        copy_log = request_log(source)
        live = _read_all(url, LIVE_KEY)
    assert (
        "copied " + url + ": 4 members, 2 invitations, 1 disabled, 3 projects, 4 assignments, 2 groups, 6 batches"
    ) in result.stderr
    assert "member invitations (they may be for managers)" in result.stderr and LIVE_KEY not in result.output
    # Four account-wide reads, one page of batches, the groups of the one Studio project: GETs only.
    assert sorted(r["path"] for r in copy_log) == sorted(
        [
            "/v1/teams",
            "/v1/studio/assignments",
            "/v1/projects",
            "/v1/studio/batches",
            "/v1/batches",
            "/v1/studio/projects/signs%20%2F%202026/groups",
        ]
    )
    assert {r["method"] for r in copy_log} == {"GET"}
    with served(twin) as url:
        copied = _read_all(url, KEY)
    assert live.keys() == copied.keys() and len(live) > 20
    for path in live:
        assert _without_ids(copied[path]) == _without_ids(live[path]), path
    studio = live["/studio/batches"]
    assert [b["name"] for b in studio] == ["s3/cal", "s2", "s1"] and studio[1]["groups"] == ["night"]
    for f in twin.parent.glob("twin.db*"):
        assert LIVE_KEY.encode() not in f.read_bytes(), f


def test_an_in_memory_twin_from_an_open_client(source):
    async def go():
        async with in_process(Store(source)) as client:
            return await build_twin(client)

    store, report = asyncio.run(go())
    assert store.path == ":memory:" and report.counts["batches"] == 6
    live = Store(source)
    assert store.list_team() == live.list_team() and store.assignments() == live.assignments()
    assert [(b["name"], b["groups"]) for b in store.studio_batches()] == [
        (b["name"], b["groups"]) for b in live.studio_batches()
    ]
    assert store.get_project(SIGNS)["param_history"] == live.get_project(SIGNS)["param_history"]


def test_from_account_leaves_no_half_made_twin(source, tmp_path):
    twin = tmp_path / "t.db"
    with served(source, "--api-key-env", "SCALE_API_KEY", env={"SCALE_API_KEY": LIVE_KEY}) as url:
        result = cli(
            "sandbox",
            "init",
            "--db",
            str(twin),
            "--from-account",
            "--api-url",
            url,
            env={"SCALE_API_KEY": "live_wrong_key"},
        )
    assert result.exit_code == 1 and "Error:" in result.stderr and "401" in result.stderr
    assert "Traceback" not in result.output and "live_wrong_key" not in result.output
    assert not list(tmp_path.glob("t.db*"))
