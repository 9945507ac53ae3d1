"""fingerprints: digests of what a plan read, their stable encoding, and what moved."""

from __future__ import annotations

import hashlib
import json

from scaleform import fingerprints as fingerprints_module
from scaleform.diff import diff
from scaleform.fingerprints import fingerprints, moved
from scaleform.model import DesiredState, LiveMember, LiveState
from scaleform.plan import build_plan
from scaleform.refresh import RefreshScope

EMPTY = DesiredState(team=None, projects={}, batches={}, batch_priority=None)


def test_fingerprints_name_what_moved():
    scope = RefreshScope(team=True, emails=("a@x.io", "b@x.io"))
    before = fingerprints(LiveState(team={"a@x.io": LiveMember("a@x.io", "member")}), scope)
    after = fingerprints(LiveState(team={"a@x.io": LiveMember("a@x.io", "manager")}), scope)
    assert moved(before, after) == ["team.member[a@x.io]"]
    assert before["team.member[b@x.io]"] == after["team.member[b@x.io]"]  # absent, both times


def test_fingerprints_keep_their_encoding():
    # Saved plans made by earlier versions must not all look stale: a digest is sha256 of the
    # object's JSON with sorted keys, sets as sorted lists, dataclasses as their fields.
    member = LiveMember("a@x.io", "member", None, True)
    text = json.dumps({"email": "a@x.io", "expiry": None, "is_studio_labeler": True, "role": "member"}, sort_keys=True)
    scope = RefreshScope(team=True, emails=("a@x.io",), assignments=True, labeler_projects=("p",))
    got = fingerprints(
        LiveState(team={"a@x.io": member}, assignments={"b@x.io": frozenset({"p"}), "a@x.io": frozenset({"p"})}), scope
    )
    assert got["team.member[a@x.io]"] == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert got["project[p].labelers"] == "sha256:" + hashlib.sha256(b'["a@x.io", "b@x.io"]').hexdigest()


def test_plan_fingerprints_are_computed_when_first_read(monkeypatch):
    calls = []
    real = fingerprints_module.fingerprints
    monkeypatch.setattr(fingerprints_module, "fingerprints", lambda live, scope: calls.append(1) or real(live, scope))
    scope = RefreshScope(team=True, emails=("a@x.io", "b@x.io"))
    live = LiveState(team={"a@x.io": LiveMember("a@x.io", "member")})
    plan = build_plan(live, diff(EMPTY, live), scope, {}, "")
    assert "not yet computed" in repr(plan)
    assert calls == []  # a text plan (or a repr in a log) never pays for them
    assert dict(plan.fingerprints) == real(live, scope) and len(plan.fingerprints) == 2
    assert plan.to_json()["fingerprints"] == real(live, scope)
    assert calls == [1]  # computed once, then kept
    assert moved(plan.fingerprints, real(live, scope)) == []
