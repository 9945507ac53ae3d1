"""kinds (the table of kinds; tests/e2e/test_kinds.py has the basename): one entry per kind, phases in order."""

from __future__ import annotations

from scaleform.address import Kind
from scaleform.kinds import KINDS, Phase


def test_every_kind_has_every_entry():
    assert set(KINDS) == set(Kind)
    for kind, info in KINDS.items():
        assert info.title and info.actions, kind
        assert info.actions <= {"create", "update", "delete"}, kind


def test_phases_are_strictly_ordered_as_the_execution_order_says():
    # Invites and roles, project creation, settings, batches, assignment adds, groups, batch
    # groups, priority, assignment removals: one number each, strictly increasing.
    order = [
        Phase.INVITES_AND_ROLES,
        Phase.PROJECT_CREATION,
        Phase.SETTINGS,
        Phase.BATCHES,
        Phase.ASSIGNMENT_ADDS,
        Phase.GROUPS,
        Phase.BATCH_GROUPS,
        Phase.PRIORITY,
        Phase.ASSIGNMENT_REMOVALS,
    ]
    assert [int(p) for p in order] == list(range(1, 10))
    assert list(Phase)[1:] == order and Phase.UNRECORDED == 0


def test_a_kind_without_a_phase_of_its_own_is_one_whose_phase_depends_on_the_change():
    # A labeler is added in phase 5 and removed in phase 9; a project's settings run at its
    # creation (2) when it is new and in phase 3 otherwise.
    assert {k for k, info in KINDS.items() if info.phase is None} == {
        Kind.PARAMS,
        Kind.ONTOLOGY,
        Kind.PIPELINE,
        Kind.LABELER,
    }
