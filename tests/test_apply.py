"""apply: the removal threshold and the report."""

from __future__ import annotations

import pytest

from scaleform.apply import check_safety, safety_problems
from scaleform.errors import ScaleformError
from scaleform.plan import Plan
from scaleform.refresh import RefreshScope


def plan_with(safety: dict) -> Plan:
    return Plan({}, "", (), (), (), (), (), (), {}, RefreshScope(), safety)


@pytest.mark.parametrize(
    "remove,live,refused",
    [(9, 10, False), (10, 40, False), (10, 39, True), (11, 20, True), (100, 10_000, False), (0, 0, False)],
)
def test_threshold_needs_ten_and_a_quarter(remove, live, refused):
    plan = plan_with({"labeler": {"remove": remove, "live": live}, "member": {"remove": 0, "live": 5}})
    assert bool(safety_problems(plan)) is refused
    if refused:
        with pytest.raises(ScaleformError, match="--force"):
            check_safety(plan, force=False)
    check_safety(plan, force=True)


def test_a_saved_plan_is_checked_and_applied_over_one_client(tmp_path, root, monkeypatch):
    from helpers import make_db
    from scaleform.apply import apply_saved_plan
    from scaleform.manifest import load_manifests
    from scaleform.planner import make_plan
    from scaleform.sandbox.connect import Sandboxes
    from scaleform.target import Target, resolve_target

    with Sandboxes() as sandboxes:  # the store the target opens is closed after the test
        target = resolve_target(local=sandboxes.connect(str(make_db(tmp_path / "s.db"))))
        plan = Plan.from_json(make_plan(load_manifests(root / "examples" / "quickstart"), target).to_json(), "saved")
        assert plan.operations
        opened, order = [], []
        real = Target.client

        def counting(self, *a, **kw):
            opened.append(1)
            return real(self, *a, **kw)

        monkeypatch.setattr(Target, "client", counting)
        report = apply_saved_plan(
            plan, target, force=True, on_result=lambda r: order.append("write"), checked=lambda: order.append("checked")
        )
        assert report.ok and len(report.results) == len(plan.operations)
        assert opened == [1]  # the staleness re-read and the writes share the client
        assert order[0] == "checked" and order.count("write") == len(plan.operations)
        with pytest.raises(ScaleformError, match="plan is stale"):  # the same plan again: what it read has moved
            apply_saved_plan(plan, target, force=True, checked=lambda: order.append("again"))
        assert "again" not in order
