"""The API client against the in-process sandbox: every method, pagination, errors, odd names."""

from __future__ import annotations

import asyncio

import pytest

from helpers import in_process
from scaleform.api.errors import Conflict, InvalidRequest, NotFound, Unauthorized
from scaleform.sandbox.fixtures import init_store
from scaleform.sandbox.store import Store


@pytest.fixture
def store():
    s = Store(":memory:")
    init_store(s, "demo")
    return s


def run(coro):
    return asyncio.run(coro)


def test_every_method_round_trips(store):
    async def go():
        async with in_process(store) as c:
            team = await c.list_team()
            assert sum(1 for m in team if m["role"] == "admin") == 1
            assert {m["email"] for m in team if m["role"] == "invited"} == {"bo@acme.ai", "max@acme.ai"}
            team = await c.invite(["new@acme.ai"], "labeler")
            new = next(m for m in team if m["email"] == "new@acme.ai")
            assert new["role"] == "invited" and new["isStudioLabeler"] is True and new["expiry"].endswith("Z")
            team = await c.set_role(["ana@acme.ai"], "manager")
            assert next(m for m in team if m["email"] == "ana@acme.ai")["role"] == "manager"
            p = await c.create_project(
                "odd / name @x",
                "imageannotation",
                studio=True,
                params={"instruction": "i"},
                pipeline={"pipeline": "consensus_task", "consensus_attempts": 2},
            )
            assert p["param_history"][0]["version"] == 0 and p["pipeline"] == "consensus_task"
            p = await c.set_params("odd / name @x", {"instruction": "j"})
            assert [h["version"] for h in p["param_history"]] == [0, 1] and p["param_history"][-1]["instruction"] == "j"
            p = await c.set_ontology("odd / name @x", ["a", {"choice": "b", "subchoices": ["c"]}], "v9")
            assert p["ontologyHistory"][-1]["name"] == "v9"
            p = await c.update_pipeline("odd / name @x", {"pipeline": "standard_task"})
            assert p["pipeline"] == "standard_task" and "consensus_attempts" not in p
            assert (await c.get_project("odd / name @x"))["name"] == "odd / name @x"
            assert "odd / name @x" in {x["name"] for x in await c.list_projects()}
            amap = await c.assign(["li@acme.ai", "raj@acme.ai"], ["odd / name @x"])
            assert "odd / name @x" in amap["raj@acme.ai"]
            g = await c.create_group("odd / name @x", "g / 1", ["li@acme.ai"])
            assert g["numWorkers"] == 1 and g["workers"][0]["email"] == "li@acme.ai"
            g = await c.update_group("odd / name @x", "g / 1", ["raj@acme.ai"], ["li@acme.ai"])
            assert [w["email"] for w in g["workers"]] == ["raj@acme.ai"]
            assert [x["name"] for x in await c.list_groups("odd / name @x")] == ["g / 1"]
            b = await c.create_batch("odd / name @x", "b / 1")
            assert b["status"] == "staging"
            assert (await c.finalize_batch("b / 1"))["status"] == "in_progress"
            assert (await c.batch_status("b / 1"))["status"] == "in_progress"
            assert (await c.get_batch("b / 1"))["project"] == "odd / name @x"
            sb = await c.assign_studio_batch("b / 1", ["g / 1", "raj@acme.ai"])
            assert sb["groups"] == ["g / 1", "raj@acme.ai"]
            names = [x["name"] for x in await c.studio_batches()]
            assert "b / 1" in names
            new_order = list(reversed(names))
            assert [x["name"] for x in await c.set_priorities(new_order)] == new_order
            reset = await c.reset_priorities()
            assert [x["studioPriority"] for x in reset] == list(range(1, len(reset) + 1))
            amap = await c.unassign(["raj@acme.ai"], ["odd / name @x"])
            assert "odd / name @x" not in amap["raj@acme.ai"]
            # unassigning removes the person from that project's groups
            assert (await c.list_groups("odd / name @x"))[0]["numWorkers"] == 0
            assert c.calls > 20

    run(go())


def test_pagination_follows_has_more(store):
    async def go():
        async with in_process(store) as c:
            for i in range(7):
                await c.create_batch("legacy-ocr", f"page-{i}")
            everything = await c.list_batches(page_size=3)
            assert len(everything) == 9 and len({b["name"] for b in everything}) == 9
            created = [b["created_at"] for b in everything]
            assert created == sorted(created, reverse=True)
            only = await c.list_batches(page_size=2, project="street-signs")
            assert [b["name"] for b in only] == ["street-signs-2026-10"]

    run(go())
    pages = [r for r in store.requests() if r["path"] == "/v1/batches" and r["method"] == "GET"]
    assert len(pages) == 3 + 1  # 9 batches in pages of 3, then the filtered single page


def test_errors_are_typed_and_say_where(store):
    async def go():
        async with in_process(store) as c:
            with pytest.raises(NotFound) as e:
                await c.get_project("nope/x")
            assert "GET /projects/nope%2Fx" in str(e.value) and "404" in str(e.value)
            with pytest.raises(Conflict):
                await c.create_project("street-signs", "imageannotation")
            with pytest.raises(Conflict):
                await c.create_batch("street-signs", "street-signs-2026-10")
            with pytest.raises(InvalidRequest) as e:
                await c.assign(["bo@acme.ai"], ["street-signs"])
            assert "not an active member" in str(e.value)
            with pytest.raises(InvalidRequest):
                await c.create_group("street-signs", "x", ["raj@acme.ai"])  # not assigned
            with pytest.raises(InvalidRequest):
                await c.set_priorities(["street-signs-2026-10"])  # not every pending batch
            with pytest.raises(InvalidRequest):
                await c.set_role(["admin@acme.ai"], "member")
            with pytest.raises(InvalidRequest):
                await c.set_ontology("street-signs", ["a", {"choice": "b", "subchoices": ["a"]}])
            with pytest.raises(InvalidRequest):
                await c.update_pipeline("legacy-ocr", {"pipeline": "standard_task", "consensus_attempts": 2})

    run(go())


def test_wrong_key_is_401_without_the_key(store):
    async def go():
        async with in_process(store, key="live_SUPERSECRET_key_123") as c:
            with pytest.raises(Unauthorized) as e:
                await c.list_team()
            assert "SUPERSECRET" not in str(e.value) and "rejected the key" in str(e.value)
            assert "SUPERSECRET" not in repr(c)

    run(go())


def test_a_refusal_after_server_errors_still_gets_its_quick_second_try():
    import httpx

    from scaleform.api.client import ApiClient
    from scaleform.api.retry import RetryPolicy

    answers = iter([503, 503, 503, "refuse", 200])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer == "refuse":
            raise httpx.ConnectError("Connection refused", request=request)
        return httpx.Response(answer, json=[] if answer == 200 else {"error": "busy"})

    async def go():
        async with ApiClient(
            "http://api.invalid/v1",
            "k",
            transport=httpx.MockTransport(handler),
            retry=RetryPolicy(base=0.001, connect_pause=0.001),
        ) as c:
            return await c.list_team(), c.calls

    assert run(go()) == ([], 5)


def test_a_409_after_an_unknown_outcome_is_checked_before_it_is_reported():
    import httpx

    from scaleform.api.client import ApiClient
    from scaleform.api.retry import RetryPolicy

    project = {"name": "p", "type": "imageannotation", "param_history": []}
    # The create took but its answer was lost; the first read-back does not see it yet, so the
    # create is sent again, answers 409, and a second read-back finds it.
    answers = iter([(503, {"error": "lost"}), (404, {"error": "no"}), (409, {"error": "exists"}), (200, project)])
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        status, body = next(answers)
        return httpx.Response(status, json=body)

    async def go():
        async with ApiClient(
            "http://api.invalid/v1", "k", transport=httpx.MockTransport(handler), retry=RetryPolicy(base=0.001)
        ) as c:
            return await c.create_project("p", "imageannotation")

    assert run(go()) == project
    assert seen == [
        ("POST", "/v1/projects"),
        ("GET", "/v1/projects/p"),
        ("POST", "/v1/projects"),
        ("GET", "/v1/projects/p"),
    ]


def test_a_409_without_an_earlier_unknown_outcome_is_reported(store):
    async def go():
        async with in_process(store) as c:
            with pytest.raises(Conflict):
                await c.create_project("street-signs", "imageannotation")

    run(go())
    assert [r["method"] for r in store.requests()] == ["POST"]  # no read-back: it existed before


def test_pagination_without_a_total_follows_has_more_and_keeps_each_batch_once():
    import httpx

    from scaleform.api.client import ApiClient

    # An API that reports no total: pages are followed one by one. A batch created between two
    # reads shifts the second page, so "b" is seen twice and must be kept once.
    pages = {
        0: {"docs": [{"name": "a"}, {"name": "b"}], "has_more": True},
        2: {"docs": [{"name": "b"}, {"name": "c"}], "has_more": False},
    }
    asked: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        asked.append(offset)
        return httpx.Response(200, json=pages[offset])

    async def go():
        async with ApiClient("http://api.invalid/v1", "k", transport=httpx.MockTransport(handler)) as c:
            return await c.list_batches(page_size=2)

    assert [b["name"] for b in run(go())] == ["a", "b", "c"] and asked == [0, 2]
