"""changes: one sort key, and the JSON form saved plans read back."""

from __future__ import annotations

from helpers import change
from scaleform.address import Kind
from scaleform.changes import Change


def test_changes_sort_by_phase_then_address_then_action():
    items = [
        change("project[b].labeler[a@x.io]", phase=5),
        change("team.member[z@x.io]", phase=1),
        change("project[a].labeler[a@x.io]", "delete", phase=9),
        change("project[a].labeler[a@x.io]", phase=5),
    ]
    ordered = sorted(items, key=Change.sort_key)
    assert [(c.phase, c.address.text) for c in ordered] == [
        (1, "team.member[z@x.io]"),
        (5, "project[a].labeler[a@x.io]"),
        (5, "project[b].labeler[a@x.io]"),
        (9, "project[a].labeler[a@x.io]"),
    ]


def test_json_round_trip_keeps_everything_but_the_phase():
    original = change(
        "project[p].group[g].member[a@x.io]", "create", None, {"email": "a@x.io"}, 6, why="invitation pending"
    )
    data = original.to_json()
    assert data == {
        "address": "project[p].group[g].member[a@x.io]",
        "action": "create",
        "before": None,
        "after": {"email": "a@x.io"},
        "reason": "r",
        "why": "invitation pending",
    }
    again = Change.from_json(data)
    assert again.kind is Kind.GROUP_MEMBER and again.address == original.address and again.phase == 0
    assert "why" not in change("project[p]").to_json()


def test_deferred_reasons_name_invitations_once():
    from scaleform.changes import deferred_reasons

    items = [
        change("project[p].labeler[a@x.io]", why="invitation pending"),
        change("project[p].group[g]", why="invitation pending for every member: created once someone is ready"),
        change("project[p].labeler[b@x.io]", why="prune is off"),
    ]
    assert deferred_reasons(items) == "invitations pending; prune is off"
    assert items[0].waits_for_invitation and items[1].waits_for_invitation and not items[2].waits_for_invitation
