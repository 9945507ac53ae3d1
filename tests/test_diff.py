"""diff: (desired, live) -> changes, on hand-built states (no API)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from scaleform.diff import diff
from scaleform.errors import Location, ScaleformError
from scaleform.model import (
    BatchPriority,
    DesiredBatch,
    DesiredGroup,
    DesiredMember,
    DesiredProject,
    DesiredState,
    LiveBatch,
    LiveGroup,
    LiveMember,
    LiveProject,
    LiveState,
    LiveStudioBatch,
    Ontology,
    Pipeline,
    normalize_choices,
)

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def desired(team=None, projects=(), batches=(), priority=None, prune=True) -> DesiredState:
    return DesiredState(
        team=None if team is None else {m.email: m for m in team},
        projects={p.name: p for p in projects},
        batches={b.name: b for b in batches},
        batch_priority=None if priority is None else BatchPriority.declared(priority),
        prune=prune,
    )


def live(team=(), assignments=None, projects=(), groups=None, studio=(), batches=None) -> LiveState:
    return LiveState(
        team={m.email: m for m in team},
        assignments=assignments,
        projects={p.name: p for p in projects},
        groups=groups or {},
        studio_batches=tuple(studio),
        batches=batches or {},
    )


def project(name="p", **kw) -> LiveProject:
    base = dict(
        name=name,
        type="imageannotation",
        studio=True,
        rapid=False,
        params={"a": 1},
        ontology=normalize_choices(["x"]),
        pipeline=Pipeline("standard_task"),
        pipeline_known=True,
    )
    base.update(kw)
    return LiveProject(**base)


def addresses(d) -> list[tuple[str, str]]:
    return [(c.action, c.address.text) for c in d.changes]


def test_team_invite_update_reinvite_and_unmanaged():
    d = desired(
        team=[
            DesiredMember("new@x.io", "member"),
            DesiredMember("a@x.io", "manager"),
            DesiredMember("old@x.io", "labeler"),
            DesiredMember("inv@x.io", "labeler"),
        ]
    )
    account = live(
        team=[
            LiveMember("a@x.io", "member"),
            LiveMember("inv@x.io", "invited", "2026-01-01T00:00:00.000Z", True),
            LiveMember("other@x.io", "labeler"),
        ]
    )
    out = diff(d, account, NOW)
    assert addresses(out) == [
        ("update", "team.member[a@x.io]"),
        ("create", "team.member[inv@x.io]"),
        ("create", "team.member[new@x.io]"),
        ("create", "team.member[old@x.io]"),
    ]
    assert [u.address.text for u in out.unmanaged] == ["team.member[other@x.io]"]


def test_admin_cannot_be_declared_under_a_role():
    d = desired(team=[DesiredMember("boss@x.io", "manager", Location("t.yaml", 3, 5))])
    with pytest.raises(ScaleformError) as exc:
        diff(d, live(team=[LiveMember("boss@x.io", "admin")]), NOW)
    assert "t.yaml:3:5" in str(exc.value)


def test_params_compare_without_version_and_order():
    d = desired(projects=[DesiredProject("p", "imageannotation", params={"b": [1, 2], "a": 1})])
    same = diff(d, live(projects=[project(params={"a": 1, "b": [1, 2]})]), NOW)
    assert same.changes == []
    changed = diff(d, live(projects=[project(params={"a": 1, "b": [2, 1]})]), NOW)
    assert addresses(changed) == [("update", "project[p].params")]


def test_pipeline_unknown_live_is_a_warning_not_a_change():
    d = desired(projects=[DesiredProject("p", "imageannotation", studio=True, pipeline=Pipeline("consensus_task", 3))])
    out = diff(d, live(projects=[project(pipeline=None, pipeline_known=False)]), NOW)
    assert out.changes == [] and "drift cannot be seen" in out.warnings[0]


def test_ontology_name_alone_is_not_a_change():
    d = desired(
        projects=[DesiredProject("p", "imageannotation", ontology=Ontology(normalize_choices([{"choice": "x"}]), "v9"))]
    )
    assert diff(d, live(projects=[project()]), NOW).changes == []


def test_removed_labeler_leaves_undeclared_groups_first():
    d = desired(projects=[DesiredProject("p", "imageannotation", labelers=("a@x.io",))])
    account = live(
        team=[LiveMember("a@x.io", "labeler"), LiveMember("b@x.io", "labeler")],
        assignments={"a@x.io": frozenset({"p"}), "b@x.io": frozenset({"p"})},
        projects=[project()],
        groups={"p": {"g": LiveGroup("g", frozenset({"a@x.io", "b@x.io"}))}},
    )
    out = diff(d, account, NOW)
    assert addresses(out) == [
        ("delete", "project[p].group[g].member[b@x.io]"),
        ("delete", "project[p].labeler[b@x.io]"),
    ]
    assert [c.phase for c in out.changes] == [6, 9]
    assert (out.removals["labeler"].removed, out.removals["labeler"].live) == (1, 2)


def test_prune_off_suppresses_every_removal():
    d = desired(projects=[DesiredProject("p", "imageannotation", labelers=("a@x.io",))], prune=False)
    account = live(
        team=[LiveMember("a@x.io", "labeler"), LiveMember("b@x.io", "labeler")],
        assignments={"a@x.io": frozenset({"p"}), "b@x.io": frozenset({"p"})},
        projects=[project()],
    )
    out = diff(d, account, NOW)
    assert out.changes == [] and [c.address.text for c in out.suppressed] == ["project[p].labeler[b@x.io]"]


def test_new_group_of_pending_people_is_deferred_whole():
    d = desired(
        team=[DesiredMember("inv@x.io", "labeler")],
        projects=[
            DesiredProject(
                "p", "imageannotation", labelers=("inv@x.io",), groups={"g": DesiredGroup("g", ("inv@x.io",))}
            )
        ],
    )
    account = live(
        team=[LiveMember("inv@x.io", "invited", "2099-01-01T00:00:00.000Z", True)], assignments={}, projects=[project()]
    )
    out = diff(d, account, NOW)
    assert out.changes == []
    assert sorted(c.address.text for c in out.deferred) == [
        "project[p].group[g]",
        "project[p].group[g].member[inv@x.io]",
        "project[p].labeler[inv@x.io]",
    ]


def test_priority_patterns_keep_relative_order_and_new_batches_count():
    studio = [LiveStudioBatch(n, "p", "Production", ()) for n in ("c-1", "a-2", "b-1", "a-1")]
    d = desired(
        projects=[DesiredProject("p", "imageannotation", studio=True)],
        batches=[DesiredBatch("a-0", "p", create=True)],
        priority=("a-*", "b-*"),
    )
    account = live(projects=[project()], studio=studio, batches={"a-0": None})
    out = diff(d, account, NOW)
    prio = [c for c in out.changes if c.address.text == "studio.batch_priority"][0]
    assert prio.after == ["a-2", "a-1", "a-0", "b-1", "c-1"]


def test_priority_default_uses_calibration_then_created_at():
    studio = [
        LiveStudioBatch("new", "p", "Production", ()),
        LiveStudioBatch("old", "p", "Production", ()),
        LiveStudioBatch("cal", "p", "Calibration", ()),
    ]
    account = LiveState(
        team={},
        projects={"p": project()},
        studio_batches=tuple(studio),
        batch_created={"new": "2026-02-01", "old": "2026-01-01", "cal": "2026-03-01"},
    )
    out = diff(desired(priority="default"), account, NOW)
    assert [(c.address.text, c.after) for c in out.changes] == [("studio.batch_priority", "default")]
    l2 = LiveState(
        team={},
        projects={"p": project()},
        studio_batches=(studio[2], studio[1], studio[0]),
        batch_created={"new": "2026-02-01", "old": "2026-01-01", "cal": "2026-03-01"},
    )
    assert diff(desired(priority="default"), l2, NOW).changes == []


def test_batch_finalize_and_groups():
    d = desired(
        projects=[DesiredProject("p", "imageannotation", studio=True)],
        batches=[DesiredBatch("b", "p", finalize=True, groups=("g",))],
    )
    account = live(
        projects=[project()],
        batches={"b": LiveBatch("b", "p", "staging")},
        studio=[LiveStudioBatch("b", "p", "Production", ())],
        groups={"p": {"g": LiveGroup("g", frozenset())}},
    )
    assert addresses(diff(d, account, NOW)) == [("update", "batch[b].status"), ("update", "batch[b].groups")]


def test_priority_patterns_that_place_nothing_are_named():
    studio = [LiveStudioBatch(n, "p", "Production", ()) for n in ("a-calib", "a-1")]
    d = desired(priority=("*-calib", "a-calib", "a-*", "zz-*"))
    out = diff(d, live(projects=[project()], studio=studio), NOW)
    assert out.warnings == [
        "batch_priority pattern 'a-calib' matches only pending batches an earlier pattern already placed",
        "batch_priority pattern 'zz-*' matches no pending batch",
    ]
    every_one_used = diff(desired(priority=("*-calib", "a-*")), live(projects=[project()], studio=studio), NOW)
    assert every_one_used.warnings == []


def test_a_missing_declared_batch_gets_one_warning_not_also_one_for_its_priority_entry():
    d = desired(
        projects=[DesiredProject("p", "imageannotation", studio=True)],
        batches=[DesiredBatch("gone", "p", groups=("g",))],
        priority=("gone",),
    )
    out = diff(d, live(projects=[project()], batches={"gone": None}), NOW)
    assert out.warnings == [
        "batch 'gone' does not exist; add `create: true` to create it (nothing is planned for it now)"
    ]
