"""GET /batches filters: every bound, in every spelling of an instant, against a reference computed here."""

from __future__ import annotations

import asyncio
import base64
import itertools
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from scaleform.sandbox.app import SandboxApp
from scaleform.sandbox.base import SandboxError
from scaleform.sandbox.batch_query import instant, parse_batch_query
from scaleform.sandbox.fixtures import init_store
from scaleform.sandbox.store import Store

UTC = timezone.utc
BASE = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
PLUS1, MINUS530 = timezone(timedelta(hours=1)), timezone(-timedelta(hours=5, minutes=30))


def spell(when: datetime, how: str) -> str:
    """One instant written the ways a caller (or a copied account) may write it."""
    ms = f".{when.microsecond // 1000:03d}"
    if how == "Z":
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + ms + "Z"
    if how == "Z-no-ms":
        assert when.microsecond == 0
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if how == "+01:00":
        return when.astimezone(PLUS1).strftime("%Y-%m-%dT%H:%M:%S") + ms + "+01:00"
    if how == "-05:30-no-ms":
        assert when.microsecond == 0
        return when.astimezone(MINUS530).strftime("%Y-%m-%dT%H:%M:%S-05:30")
    if how == "naive-utc":  # the SDK's documented 'YYYY-MM-DD HH:MM:SS.mmmmmm', in UTC
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    raise ValueError(how)


# name -> (created, completed, audited); None: never completed/audited. Millisecond offsets
# put some times just after a whole-second bound; two are stored with an offset, as a twin copies them.
BATCHES = {
    f"b{i}": (
        BASE + timedelta(minutes=10 * i, milliseconds=500 * (i % 2)),
        BASE + timedelta(hours=5, minutes=10 * i) if i % 3 else None,
        BASE + timedelta(hours=9, minutes=20 * i, milliseconds=250) if i % 4 == 1 else None,
    )
    for i in range(9)
}
STORED_WITH_OFFSET = {"b2", "b7"}
COLUMN = {
    "start_time": 0,
    "end_time": 0,
    "completed_after": 1,
    "completed_before": 1,
    "audited_after": 2,
    "audited_before": 2,
}
KEEP = {
    "start_time": lambda t, b: t >= b,
    "end_time": lambda t, b: t <= b,
    "completed_after": lambda t, b: t > b,
    "completed_before": lambda t, b: t < b,
    "audited_after": lambda t, b: t > b,
    "audited_before": lambda t, b: t < b,
}
# Whole-second bounds: some equal a batch's time (inclusive vs strict edges), some fall between.
BOUNDS = {
    "start_time": BASE + timedelta(minutes=40),
    "end_time": BASE + timedelta(minutes=50),
    "completed_after": BASE + timedelta(hours=5, minutes=20),
    "completed_before": BASE + timedelta(hours=5, minutes=70),
    "audited_after": BASE + timedelta(hours=9, minutes=20),
    "audited_before": BASE + timedelta(hours=11),
}
SPELLINGS = ("Z", "Z-no-ms", "+01:00", "-05:30-no-ms", "naive-utc")


@pytest.fixture(scope="module")
def store():
    s = Store(":memory:")
    init_store(s, "empty")
    with s.transaction():
        s.create_project({"name": "p", "type": "imageannotation"})
        s.create_project({"name": "q", "type": "imageannotation", "studio": True})
        for i, (name, (created, completed, audited)) in enumerate(BATCHES.items()):
            s.create_batch({"project": "pq"[i % 2], "name": name})
            how = "+01:00" if name in STORED_WITH_OFFSET else "Z"
            s.db.execute("UPDATE batches SET created_at=? WHERE name=?", (spell(created, how), name))
            s.set_batch_progress(
                name,
                "completed" if completed else None,
                completed_at=spell(completed, how) if completed else None,
                audited_at=spell(audited, how) if audited else None,
            )
    return s


def listed(store: Store, params: dict) -> httpx.Response:
    async def go():
        transport = httpx.ASGITransport(app=SandboxApp(store, log_requests=False))
        auth = {"Authorization": "Basic " + base64.b64encode(b"test_sandbox:").decode()}
        async with httpx.AsyncClient(transport=transport, base_url="http://s", headers=auth) as c:
            return await c.get("/v1/batches", params=params)

    return asyncio.run(go())


def reference(filters: dict[str, datetime], project: str | None = None, status: str | None = None) -> set[str]:
    out = set()
    for i, (name, times) in enumerate(BATCHES.items()):
        if (
            project
            and "pq"[i % 2] != project
            or status
            and ("completed" if times[1] else "in_progress" if i % 2 == 0 else "staging") != status
        ):
            continue
        if all(times[COLUMN[f]] is not None and KEEP[f](times[COLUMN[f]], b) for f, b in filters.items()):
            out.add(name)
    return out


COMBOS = [(f,) for f in BOUNDS] + [
    ("start_time", "end_time"),
    ("completed_after", "completed_before"),
    ("audited_after", "audited_before"),
    ("start_time", "completed_before"),
    ("end_time", "audited_after"),
    tuple(BOUNDS),
]


@pytest.mark.parametrize("combo", COMBOS, ids=["+".join(c) for c in COMBOS])
def test_time_filters_compare_instants_in_every_spelling(store, combo):
    filters = {f: BOUNDS[f] for f in combo}
    want = reference(filters)
    for spelling in SPELLINGS:
        r = listed(store, {f: spell(b, spelling) for f, b in filters.items()})
        assert r.status_code == 200, r.text
        assert {d["name"] for d in r.json()["docs"]} == want, spelling
        assert r.json()["totalDocs"] == len(want)
    assert 0 < len(want) < len(BATCHES) or len(combo) == len(BOUNDS)  # the bound really cuts


def test_the_table_exercises_both_edges():
    # An inclusive bound keeps a batch created exactly at it; a strict one drops one completed at it.
    assert "b4" in reference({"start_time": BOUNDS["start_time"]})  # created exactly then
    assert "b5" not in reference({"end_time": BOUNDS["end_time"]})  # half a second after it
    assert "b2" not in reference({"completed_after": BOUNDS["completed_after"]})
    assert reference({"completed_after": BASE}) == {n for n, t in BATCHES.items() if t[1]}


@pytest.mark.parametrize("project,status", [("p", None), ("q", "staging"), (None, "completed"), ("p", "completed")])
def test_project_and_status_combine_with_time_bounds(store, project, status):
    filters = {"start_time": BOUNDS["start_time"]}
    params = {"start_time": spell(BOUNDS["start_time"], "+01:00"), "project": project, "status": status}
    r = listed(store, {k: v for k, v in params.items() if v})
    assert r.status_code == 200 and {d["name"] for d in r.json()["docs"]} == reference(filters, project, status)


def test_completed_and_audited_times_are_shown_once_set(store):
    docs = {d["name"]: d for d in listed(store, {}).json()["docs"]}
    assert docs["b1"]["completed_at"] == spell(BATCHES["b1"][1], "Z") and docs["b1"]["status"] == "completed"
    assert "completed_at" not in docs["b0"] and "audited_at" not in docs["b2"]
    assert docs["b1"]["audited_at"] == spell(BATCHES["b1"][2], "Z")


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"created_after": "2026-01-01"}, "created_after"),
        ({"name": "b1"}, "name"),
        ({"start_time": "yesterday"}, "start_time"),
        ({"status": "done"}, "status"),
        ({"completed_after": "2026-13-01T00:00:00Z"}, "completed_after"),
        ({"detailed": "true"}, "detailed"),
        ({"exclude_archived": "maybe"}, "exclude_archived"),
    ],
)
def test_unknown_filters_and_bad_values_are_a_400_naming_them(store, params, needle):
    r = listed(store, params)
    assert r.status_code == 400 and r.json()["status_code"] == 400 and needle in r.json()["error"]


def test_paging_params_and_exclude_archived_are_accepted(store):
    r = listed(store, {"limit": 2, "offset": 1, "exclude_archived": "True"})
    assert r.status_code == 200 and len(r.json()["docs"]) == 2 and r.json()["totalDocs"] == len(BATCHES)


def test_instant_reads_dates_offsets_and_fractions():
    assert instant("2026-05-01") == datetime(2026, 5, 1, tzinfo=UTC)
    assert instant("2026-05-01T11:00:00.000+01:00") == instant("2026-05-01T10:00:00Z")
    assert instant("not a time") is None
    with pytest.raises(SandboxError):
        parse_batch_query({"end_time": "soon"})


def test_every_combination_of_two_spellings_agrees(store):
    # A bound written one way and the other bound another way still select the same batches.
    want = reference({"start_time": BOUNDS["start_time"], "end_time": BOUNDS["end_time"]})
    for a, b in itertools.product(SPELLINGS, repeat=2):
        r = listed(store, {"start_time": spell(BOUNDS["start_time"], a), "end_time": spell(BOUNDS["end_time"], b)})
        assert {d["name"] for d in r.json()["docs"]} == want, (a, b)
