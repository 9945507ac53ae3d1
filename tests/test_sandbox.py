"""The sandbox store and app: behaviours (docs/api-notes.md) not already exercised through the client."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest

from helpers import cli, make_db
from scaleform.sandbox.app import SandboxApp
from scaleform.sandbox.base import SandboxError
from scaleform.sandbox.fixtures import init_store
from scaleform.sandbox.store import Store


@pytest.fixture
def store():
    s = Store(":memory:")
    init_store(s, "demo")
    return s


def call(store, method, path, body=None, key="test_sandbox", headers=None):
    async def go():
        transport = httpx.ASGITransport(app=SandboxApp(store))
        async with httpx.AsyncClient(transport=transport, base_url="http://s") as c:
            auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
            return await c.request(method, path, json=body, headers={**auth, **(headers or {})})

    return asyncio.run(go())


def test_errors_are_json_objects_and_only_200_is_success(store):
    r = call(store, "GET", "/v1/projects/nope")
    assert r.status_code == 404 and r.json() == {"status_code": 404, "error": "Project with name 'nope' not found."}
    assert call(store, "GET", "/v1/teams", key="bad").status_code == 401
    assert call(store, "DELETE", "/v1/teams").status_code == 405
    assert call(store, "GET", "/v1/nothing/here").status_code == 404
    r = call(store, "POST", "/v1/projects", None, headers={"Content-Type": "application/json"})
    assert r.status_code == 400  # no body: name and type missing
    ok = call(store, "POST", "/v1/batches/street-signs-2026-10/finalize")  # empty-body POST
    assert ok.status_code == 200 and ok.json()["status"] == "in_progress"


def test_unencoded_names_and_python_booleans(store):
    assert call(store, "GET", "/v1/projects/street-signs").status_code == 200
    r = call(store, "GET", "/v1/batches?exclude_archived=False&offset=0&limit=1")
    assert r.status_code == 200 and r.json()["limit"] == 1 and r.json()["has_more"] is True


def test_one_admin_and_invites(store):
    with pytest.raises(SandboxError) as e:
        store.add_member("second@x.io", "admin")
    assert e.value.status == 400
    with pytest.raises(SandboxError) as e:
        store.invite({"emails": ["li@acme.ai"], "team_role": "labeler"})
    assert e.value.status == 409
    with pytest.raises(SandboxError):
        store.invite({"emails": ["n@x.io"], "team_role": "admin"})
    team = store.invite({"emails": ["bo@acme.ai"], "team_role": "member"})
    assert next(m for m in team if m["email"] == "bo@acme.ai")["isStudioLabeler"] is False


def test_assignments_exclude_invited_and_disabled(store):
    amap = store.assignments()
    assert "bo@acme.ai" not in amap and "old@acme.ai" not in amap and amap["ana@acme.ai"] == []
    assert store.accept_invites(["bo@acme.ai"]) == ["bo@acme.ai"]
    assert store.assignments()["bo@acme.ai"] == []


def test_encoded_assignment_map_matches_a_fresh_encoding_after_every_change(store):
    from starlette.responses import JSONResponse

    def fresh() -> bytes:
        return JSONResponse(store.assignments()).body

    assert store.assignments_json() == fresh()
    steps = [
        ("add", ["ana@acme.ai"], ["street-signs"]),
        ("add", ["ana@acme.ai", "li@acme.ai"], ["legacy-ocr"]),
        ("remove", ["ana@acme.ai"], ["street-signs"]),
        ("remove", ["li@acme.ai"], None),
    ]
    seen = {store.assignments_json()}
    for action, emails, projects in steps:
        with store.transaction():
            body = {"emails": emails, **({"projects": projects} if projects is not None else {})}
            (store.assign if action == "add" else store.unassign)(body)
        assert store.assignments_json() == fresh(), (action, emails, projects)
        seen.add(store.assignments_json())
    assert len(seen) >= 4  # the steps really changed the map
    with pytest.raises(SandboxError):  # a failed write rolls back: the cached entries must not keep it
        with store.transaction():
            store.assign({"emails": ["ana@acme.ai"], "projects": ["street-signs"]})
            raise SandboxError(400, "boom")
    assert store.assignments_json() == fresh()
    served = call(
        store, "POST", "/v1/studio/assignments/add", {"emails": ["ana@acme.ai"], "projects": ["street-signs"]}
    )
    assert served.status_code == 200 and served.headers["content-type"] == "application/json"
    assert served.json() == store.assignments() and "street-signs" in served.json()["ana@acme.ai"]


def test_warm_fills_the_assignment_cache_and_changes_nothing(tmp_path):
    from starlette.responses import JSONResponse

    store = Store(make_db(tmp_path / "s.db", "demo"))  # as `sandbox serve` opens it: nothing cached

    def dump():
        return list(store.db.iterdump())

    before = dump()
    assert not store.assignment_cache.encoded_ready  # cold: the first answer would build and encode the map
    store.warm()
    assert store.assignment_cache.encoded_ready  # the next answer is from the cache
    assert dump() == before  # reads only
    assert store.assignments_json() == JSONResponse(store.assignments()).body


def test_studio_batch_groups_must_exist_in_the_project(store):
    with pytest.raises(SandboxError) as e:
        store.assign_studio_batch("street-signs-2026-10", {"groups": ["ocr-team"]})
    assert e.value.status == 400
    with pytest.raises(SandboxError):
        store.assign_studio_batch("street-signs-2026-10", {"groups": ["raj@acme.ai"]})  # not assigned
    assert store.assign_studio_batch("street-signs-2026-10", {"groups": ["LI@acme.ai"]})["groups"] == ["li@acme.ai"]


def test_init_and_accept_invites_commands(tmp_path):
    db = tmp_path / "x.db"
    r = cli(
        "sandbox", "init", "--db", str(db), "--fixture", "large", "--projects", "3", "--members", "10", "--batches", "4"
    )
    assert r.exit_code == 0 and "3 projects" in r.stderr and "4 batches" in r.stderr
    again = cli("sandbox", "init", "--db", str(db))
    assert again.exit_code == 1 and "--force" in again.stderr
    make_db(tmp_path / "d.db", "demo")
    r = cli("sandbox", "accept-invites", "--db", str(tmp_path / "d.db"), "max@acme.ai")
    assert r.exit_code == 0 and "accepted 1 invitation(s): max@acme.ai" in r.stderr


def test_large_fixture_is_deterministic(tmp_path):
    a, b = Store(":memory:"), Store(":memory:")
    init_store(a, "large", projects=5, members=40, batches=6, seed=3)
    init_store(b, "large", projects=5, members=40, batches=6, seed=3)
    assert a.assignments() == b.assignments() and a.studio_batches() == b.studio_batches()


def test_latency_is_added_to_every_request_and_concurrent_requests_overlap(store):
    from scaleform.sandbox.faults import FaultConfig

    app = SandboxApp(store, faults=FaultConfig(latency_ms=200))

    async def go():
        transport = httpx.ASGITransport(app=app)
        auth = {"Authorization": "Basic " + base64.b64encode(b"test_sandbox:").decode()}
        async with httpx.AsyncClient(transport=transport, base_url="http://s", headers=auth) as c:
            return await asyncio.gather(*(c.get("/v1/projects/street-signs") for _ in range(8)))

    assert all(r.status_code == 200 for r in asyncio.run(go()))
    log = store.requests()[-8:]
    assert all(r["ended"] - r["started"] >= 0.2 for r in log)
    # Judged from the server's own log, not a stopwatch: every request started before any ended.
    assert max(r["started"] for r in log) < min(r["ended"] for r in log)


def test_an_ordinary_projects_groups_are_a_400(store):
    store.create_project({"name": "ordinary", "type": "imageannotation", "studio": False})
    for method, body in (("GET", None), ("POST", {"name": "g", "emails": []})):
        r = call(store, method, "/v1/studio/projects/ordinary/groups", body)
        assert r.status_code == 400 and "not a Studio project" in r.json()["error"]
    assert call(store, "GET", "/v1/studio/projects/street-signs/groups").status_code == 200


def test_probing_a_foreign_wal_database_leaves_nothing_beside_it(tmp_path):
    import sqlite3

    from scaleform.sandbox.base import is_sandbox_db

    foreign = tmp_path / "fw.db"
    db = sqlite3.connect(foreign)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t(x)")
    db.commit()
    db.close()
    before = foreign.read_bytes()
    assert not is_sandbox_db(foreign)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fw.db"] and foreign.read_bytes() == before


def test_a_dangling_link_at_the_default_sandbox_path_is_refused_not_written_through(tmp_path, monkeypatch):
    # A checkout may carry `.scaleform/sandbox.db` as a link; `--sandbox` alone creates that file.
    target = tmp_path / "elsewhere" / "planted.db"
    (tmp_path / ".scaleform").mkdir()
    (tmp_path / ".scaleform" / "sandbox.db").symlink_to(target)
    (tmp_path / "m.yaml").write_text("version: 1\n")
    monkeypatch.chdir(tmp_path)
    result = cli("plan", "m.yaml", "--sandbox")
    assert result.exit_code == 1 and "link to a file that does not exist" in result.stderr
    assert not target.exists()
