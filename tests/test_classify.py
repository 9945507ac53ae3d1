"""--base-manifests classification: same change on the base branch = drift."""

from __future__ import annotations

from helpers import change
from scaleform.changes import Change
from scaleform.classify import classify_against
from scaleform.plan import Plan
from scaleform.refresh import RefreshScope


def plan(*changes: Change) -> Plan:
    return Plan({}, "", changes, (), (), (), (), (), {}, RefreshScope())


def test_same_change_is_drift_different_or_new_is_introduced():
    a = change("team.member[a@x.io]", "update", {"role": "member"}, {"role": "manager"}, 1)
    b = change("team.member[b@x.io]", "update", {"role": "member"}, {"role": "manager"}, 1)
    b_base = change("team.member[b@x.io]", "update", {"role": "member"}, {"role": "labeler"}, 1)
    marks = classify_against(plan(a, b), plan(a, b_base))
    assert marks == {"team.member[a@x.io]": "drift", "team.member[b@x.io]": "introduced"}
