"""apply: the removal threshold (DESIGN §3) and the report."""
from __future__ import annotations

import pytest

from scaleform.apply import ApplyReport, OpResult, check_safety, safety_problems
from scaleform.errors import ScaleformError
from scaleform.plan import Operation, Plan
from scaleform.refresh import RefreshScope
from scaleform.render.report import render_report


def plan_with(safety: dict) -> Plan:
    return Plan({}, "", (), (), (), (), (), (), {}, RefreshScope(), safety)


@pytest.mark.parametrize("remove,live,refused", [(9, 10, False), (10, 40, False), (10, 39, True), (11, 20, True),
                                                 (100, 10_000, False), (0, 0, False)])
def test_threshold_needs_ten_and_a_quarter(remove, live, refused):
    plan = plan_with({"labeler": {"remove": remove, "live": live}, "member": {"remove": 0, "live": 5}})
    assert bool(safety_problems(plan)) is refused
    if refused:
        with pytest.raises(ScaleformError, match="--force"):
            check_safety(plan, force=False)
    check_safety(plan, force=True)


def test_report_lists_applied_failed_and_not_attempted():
    op = lambda phase, path: Operation(phase, "POST", path, {}, (f"addr{phase}",))  # noqa: E731
    report = ApplyReport([OpResult(op(1, "/teams/invite"), "applied", 0.1),
                          OpResult(op(5, "/studio/assignments/add"), "failed", 0.2, "HTTP 400: nope"),
                          OpResult(op(9, "/studio/assignments/remove"), "not attempted")])
    text = render_report(report)
    assert "Apply failed." in text and "Applied: 1 call(s), 1 change(s)." in text
    assert "Failed: POST /studio/assignments/add (addr5): HTTP 400: nope" in text
    assert "Not attempted (1 call(s)):" in text and "scaleform plan" in text
    assert render_report(ApplyReport([OpResult(op(1, "/x"), "applied")])).startswith("Apply complete: 1 API call(s)")
