"""Sandbox accounts: `demo` (small, realistic, differs from examples/quickstart in every kind),
`empty` (just the admin) and `large` (generated, deterministic for a seed)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

from scaleform.sandbox.base import BATCH_COLUMNS, iso
from scaleform.sandbox.store import Store

ADMIN = "admin@acme.ai"


def _project(
    store: Store,
    name: str,
    ptype: str,
    *,
    studio: bool = True,
    params: dict[str, Any] | None = None,
    ontology: list[Any] | None = None,
    pipeline: str | None = "standard_task",
    attempts: int | None = None,
) -> None:
    store.create_project(
        {
            "name": name,
            "type": ptype,
            "studio": studio,
            "rapid": False,
            "params": params,
            "pipeline": pipeline if studio else None,
            "consensus_attempts": attempts,
        }
    )
    if ontology:
        store.set_ontology(name, {"ontology": ontology, "name": "v1"})


def demo(store: Store) -> None:
    store.add_member(ADMIN, "admin", first="Ada", last="Admin", company="Acme")
    store.add_member("ana@acme.ai", "member", first="Ana", last="Lima", company="Acme")
    store.add_member("raj@acme.ai", "member", first="Raj", last="Rao", company="Acme")
    store.add_member("li@acme.ai", "labeler", first="Li", last="Wei")
    store.add_member("zoe@acme.ai", "labeler", first="Zoe", last="Park")
    store.add_member("old@acme.ai", "disabled", first="Olle", last="Old")
    store.invite({"emails": ["bo@acme.ai"], "team_role": "labeler"})
    store.invite({"emails": ["max@acme.ai"], "team_role": "member"})
    _project(
        store,
        "street-signs",
        "imageannotation",
        params={
            "instruction": "Draw a box around every traffic sign.",
            "geometries": {
                "box": {"objects_to_annotate": ["stop_sign", "yield_sign"], "min_height": 10, "min_width": 10}
            },
        },
        ontology=["stop_sign", {"choice": "yield_sign", "subchoices": ["faded"]}],
        pipeline="standard_task",
    )
    _project(store, "legacy-ocr", "transcription", params={"instruction": "Transcribe the text."})
    store.assign({"emails": ["li@acme.ai", "zoe@acme.ai"], "projects": ["street-signs"]})
    store.assign({"emails": ["zoe@acme.ai"], "projects": ["legacy-ocr"]})
    store.create_group("street-signs", {"name": "night-shift", "emails": ["li@acme.ai", "zoe@acme.ai"]})
    store.create_group("legacy-ocr", {"name": "ocr-team", "emails": ["zoe@acme.ai"]})
    store.create_batch({"project": "legacy-ocr", "name": "legacy-ocr-batch1"})
    store.create_batch({"project": "street-signs", "name": "street-signs-2026-10"})
    store.finalize("street-signs-2026-10")
    store.assign_studio_batch("street-signs-2026-10", {"groups": ["night-shift"]})


def empty(store: Store) -> None:
    store.add_member(ADMIN, "admin", first="Ada", last="Admin", company="Acme")


def large(
    store: Store,
    projects: int = 200,
    members: int = 2000,
    batches: int = 300,
    seed: int = 0,
    groups_per_project: int = 2,
    assignments_per_member: int = 3,
    group_size: int = 10,
    teams: int = 0,
) -> None:
    """A generated account, written with bulk inserts so large sizes stay quick to create. With
    `teams`, labelers come from that many teams of people: each project is staffed by one team and
    its groups are fixed shifts of it, as in accounts that templates and people sets serve."""
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    db = store.db
    store.add_member(ADMIN, "admin", first="Ada", last="Admin", company="Acme")
    roles = ["labeler"] * 8 + ["member", "manager"]
    people = [f"user{i:05d}@example.com" for i in range(members)]
    db.executemany(
        "INSERT INTO team VALUES (?,?,?,?,?,?,?,?)",
        [(e, rng.choice(roles), None, None, None, None, None, store.next_seq()) for e in people],
    )
    names = [f"proj-{i:04d}" for i in range(projects)]
    _large_projects(store, names, base)
    if not names:
        return
    staffing = _teams(names, people, teams) if teams else _scattered(names, people, assignments_per_member, rng)
    db.executemany(
        "INSERT OR IGNORE INTO assignments VALUES (?,?)", [(e, p) for p, staff in staffing.items() for e in staff]
    )
    _large_groups(store, names, staffing, groups_per_project, group_size, fixed=bool(teams), rng=rng)
    _large_batches(store, names, batches, groups_per_project, base, rng)


def _large_projects(store: Store, names: list[str], base: datetime) -> None:
    """One image annotation project per name, every third with consensus."""
    rows = []
    for i, name in enumerate(names):
        created = iso(base + timedelta(minutes=i))
        params = {
            "version": 0,
            "created_at": created,
            "instruction": f"Label everything in {name}.",
            "geometries": {"box": {"objects_to_annotate": ["car", "bus", f"thing{i % 7}"]}},
        }
        ontology = [
            {
                "version": 0,
                "created_at": created,
                "name": "v1",
                "ontology": ["car", {"choice": "vehicle", "subchoices": ["bus", "truck"]}],
            }
        ]
        pipeline, attempts = ("consensus_task", 3) if i % 3 == 0 else ("standard_task", None)
        rows.append(
            (
                name,
                store.new_id(1),
                "imageannotation",
                1,
                0,
                pipeline,
                attempts,
                created,
                json.dumps([params]),
                json.dumps(ontology),
                store.next_seq(),
            )
        )
    store.db.executemany("INSERT INTO projects VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)


def _large_groups(
    store: Store,
    names: list[str],
    staffing: dict[str, list[str]],
    per_project: int,
    size: int,
    *,
    fixed: bool,
    rng: random.Random,
) -> None:
    """`per_project` groups of each project's staff: fixed shifts of a team, or drawn at random."""
    group_rows = []
    for p in names:
        pool = sorted(staffing[p])
        for g in range(per_project):
            if fixed:  # fixed shifts of the team
                members_ = pool[g * size : (g + 1) * size]
            else:
                members_ = sorted(rng.sample(pool, min(size, len(pool)))) if pool else []
            group_rows.append((p, f"team-{g}", store.new_id(2), json.dumps(members_), store.next_seq()))
    store.db.executemany("INSERT INTO groups VALUES (?,?,?,?,?)", group_rows)


def _large_batches(
    store: Store, names: list[str], batches: int, groups_per_project: int, base: datetime, rng: random.Random
) -> None:
    """Batches spread over the projects in turn, alternating staging and in progress."""
    batch_rows = []
    for b in range(batches):
        p = names[b % len(names)]
        created = iso(base + timedelta(days=30, minutes=b))
        status = "in_progress" if b % 2 else "staging"
        groups = json.dumps([f"team-{b % groups_per_project}"]) if groups_per_project else "[]"
        batch_rows.append(
            (
                f"{p}-batch-{b:04d}",
                store.new_id(3),
                p,
                status,
                created,
                int(b % 10 == 0),
                0,
                "",
                "{}",
                groups,
                rng.randint(1, 10 * batches),
                100,
                b % 100,
                store.next_seq(),
            )
        )
    store.db.executemany(f"INSERT INTO batches ({BATCH_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch_rows)


def _scattered(names: list[str], people: list[str], per_member: int, rng: random.Random) -> dict[str, list[str]]:
    """Each member on `per_member` projects drawn at random."""
    staffing: dict[str, list[str]] = {n: [] for n in names}
    for e in people:
        for p in rng.sample(names, min(per_member, len(names))):
            staffing[p].append(e)
    return staffing


def _teams(names: list[str], people: list[str], teams: int) -> dict[str, list[str]]:
    """Members split into `teams` teams; project i is staffed by team i mod `teams`."""
    crews = [people[t::teams] for t in range(teams)]
    return {name: crews[i % teams] for i, name in enumerate(names)}


def init_store(store: Store, fixture: str, **sizes: int) -> None:
    with store.transaction():
        if store.db.execute("SELECT COUNT(*) FROM team").fetchone()[0]:
            raise ValueError("the sandbox database is not empty")
        if fixture == "demo":
            demo(store)
        elif fixture == "empty":
            empty(store)
        elif fixture == "large":
            large(store, **{k: v for k, v in sizes.items() if v is not None})
        else:
            raise ValueError(f"unknown fixture {fixture!r}")
