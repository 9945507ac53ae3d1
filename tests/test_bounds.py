"""Bounds (DESIGN.md section 9): `validate` and `render` of an input of at most 1 MB finish within 10 s
of CPU and 512 MB, or stop with a located error naming the limit, whatever the input amplifies:
one big people set named by many projects, many unused sets including it, a wide `extends` list,
nested YAML aliases merged into many projects, a long variable named many times.

Each case runs the CLI in a fresh child of a fresh Python (RUSAGE_CHILDREN is a maximum over every
child a process has waited for), which reports the child's peak memory and CPU time. The margins
are generous: this tests a bound, not speed. docs/bounds.md has the measurements.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

MB = 1_000_000
MAX_CPU_S = 10.0
MAX_RSS_KIB = 512 * 1024

# Runs `python -m scaleform ARGS` and prints its exit code, peak RSS (KiB on Linux), CPU seconds and
# the end of its stderr. A child past the deadline is killed: an unbounded loader would run on.
_WRAPPER = """
import json, resource, subprocess, sys
try:
    p = subprocess.run([sys.executable, "-m", "scaleform", *sys.argv[1:]], capture_output=True, text=True,
                       timeout=40)
    rc, err = p.returncode, p.stderr
except subprocess.TimeoutExpired:
    rc, err = "timeout", ""
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "rss_kib": r.ru_maxrss, "cpu": r.ru_utime + r.ru_stime, "stderr": err[-2000:]}))
"""

LIMIT_ERROR = re.compile(
    r":\d+:\d+: .*more than [\d,]+ .*\(.*the limit on (alias expansion|template merges|people "
    r"sets|variable text)"
)


def _set(n: int) -> str:
    """The set `big`, of n emails, in a people section."""
    return "people:\n  big:\n" + "".join(f"    - u{i}@acme.ai\n" for i in range(n))


def one_set_many_projects(d: Path) -> None:
    """A 48,000-email set named by 40 projects: 1.9 million emails if each use copied them."""
    (d / "people.yaml").write_text("version: 1\n" + _set(48_000))
    (d / "projects.yaml").write_text(
        "version: 1\nprojects:\n" + "".join(f"  p{i}: {{type: imageannotation, labelers: [big]}}\n" for i in range(40))
    )


def many_unused_sets(d: Path) -> None:
    """A 47,000-email set and 200 sets that include it (each with one more email), named by nothing."""
    (d / "people.yaml").write_text(
        "version: 1\n" + _set(47_000) + "".join(f"  s{i}: [big, x{i}@acme.ai]\n" for i in range(200))
    )
    (d / "projects.yaml").write_text("version: 1\nprojects:\n  p: {type: imageannotation, labelers: [big]}\n")


def wide_extends(d: Path) -> None:
    """One project extending 12,000 templates, each giving one param (merged one by one: quadratic)."""
    (d / "m.yaml").write_text(
        "version: 1\ntemplates:\n"
        + "".join(f"  t{i}:\n    params: {{k{i}: {i}}}\n" for i in range(12_000))
        + "projects:\n  p:\n    type: imageannotation\n    extends:\n"
        + "".join(f"    - t{i}\n" for i in range(12_000))
    )


def alias_template(d: Path) -> None:
    """Under 1 KB: nine aliases of the level before, five levels deep, as the params of a template 26
    projects extend (within the old node cap per file, the old cap on inherited values)."""
    lines = [
        "version: 1",
        "templates:",
        "  t:",
        "    type: imageannotation",
        "    params:",
        "      l0: &l0 [" + ", ".join(["x"] * 9) + "]",
    ]
    lines += [f"      l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 5)]
    lines += ["projects:"] + [f"  p{i}: {{extends: t}}" for i in range(26)]
    (d / "m.yaml").write_text("\n".join(lines) + "\n")


def long_variable(d: Path) -> None:
    """A 200,000-character variable named 2,000 times: 400 MB of text for render to write."""
    (d / "m.yaml").write_text(
        "version: 1\nenvironments:\n  e:\n    provider: scale\n    vars: {long: " + "x" * 200_000 + "}\n"
        "projects:\n  p:\n    type: imageannotation\n    params:\n      l:\n" + "      - ${var.long}\n" * 2_000
    )


CASES: dict[str, Callable[[Path], None]] = {
    "one-set-many-projects": one_set_many_projects,
    "many-unused-sets": many_unused_sets,
    "wide-extends": wide_extends,
    "alias-template": alias_template,
    "long-variable": long_variable,
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for name, make in CASES.items():
        d = tmp_path_factory.mktemp(name)
        make(d)
        assert sum(f.stat().st_size for f in d.iterdir()) <= MB, name
        out[name] = d
    return out


def _run(command: str, path: Path, *options: str) -> dict:
    # Run from the input's folder: `python -m` puts the current folder first on the import path.
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, command, *options, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=path,
    )
    return json.loads(done.stdout)


# The variable is copied by reference until render writes each copy: validate never paid for it.
RUNS = [
    (case, command)
    for case in CASES
    for command in ("validate", "render")
    if (case, command) != ("long-variable", "validate")
]


@pytest.mark.parametrize("case,command", RUNS)
def test_input_of_at_most_1_mb_stays_within_the_bound(inputs, case, command):
    result = _run(command, inputs[case], *(("-e", "e") if case == "long-variable" else ()))
    said = result["stderr"]
    assert result["rc"] == 0 or (result["rc"] == 1 and LIMIT_ERROR.search(said)), result
    assert "Traceback" not in said and "MemoryError" not in said
    assert result["cpu"] < MAX_CPU_S, result
    assert result["rss_kib"] < MAX_RSS_KIB, result


def saved_quickstart_plan(tmp_path: Path) -> tuple[Path, dict]:
    """The quickstart planned against a fresh default sandbox in `tmp_path`, saved; and its JSON."""
    saved = tmp_path / "p.json"
    quickstart = Path(__file__).resolve().parent.parent / "examples" / "quickstart"
    made = subprocess.run(
        [sys.executable, "-m", "scaleform", "plan", "--sandbox", "--out", str(saved), str(quickstart)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    return saved, json.loads(saved.read_text())


def run_bounded(cwd: Path, *args: str) -> dict:
    """`scaleform ARGS` in a fresh child, measured by _WRAPPER."""
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *args], capture_output=True, text=True, timeout=120, cwd=cwd)
    return json.loads(done.stdout)


def test_an_altered_saved_plan_is_refused_within_the_bound(tmp_path):
    """A saved plan is untrusted too: one address made of 130,000 `].group[` (1 MB), where a name
    pattern that may hold brackets backtracks for minutes, is refused as damaged, its text cut."""
    saved, plan = saved_quickstart_plan(tmp_path)
    plan["changes"][0]["address"] = "project[" + "].group[" * 130_000 + "x"
    saved.write_text(json.dumps(plan))
    assert saved.stat().st_size <= 1.1 * MB
    result = run_bounded(tmp_path, "show", str(saved))
    assert result["rc"] == 1 and "damaged" in result["stderr"] and "not a scaleform address" in result["stderr"]
    assert "Traceback" not in result["stderr"] and len(result["stderr"]) < 1_000
    assert result["cpu"] < MAX_CPU_S, result


def test_a_saved_plan_breaking_the_schema_a_million_ways_is_refused_within_the_bound(tmp_path):
    """1 MB of empty changes: each breaks the schema several times, and building every error (to
    report the least) took 6 GB; the first one found is reported."""
    saved = tmp_path / "p.json"
    saved.write_text('{"format_version": "1.0", "changes": [' + ",".join(["{}"] * 340_000) + "]}")
    result = run_bounded(tmp_path, "show", str(saved))
    assert result["rc"] == 1 and "does not match schemas/plan.schema.json" in result["stderr"], result
    assert result["cpu"] < MAX_CPU_S and result["rss_kib"] < MAX_RSS_KIB, result


def test_a_saved_plan_with_a_huge_wrong_rehearsal_is_refused_within_the_bound(tmp_path):
    """A schema branch that lists every error of its value before choosing (oneOf did) took 13 s and
    1.7 GB for 490,000 wrong entries under rehearsal.failed; the schema has no such branch now."""
    saved, plan = saved_quickstart_plan(tmp_path)
    failed = {"phase": 1, "method": "x", "path": "x", "realizes": [1] * 490_000, "error": "x"}
    plan["rehearsal"] = {"clean": False, "calls": 1, "applied": 0, "failed": failed, "not_attempted": 0}
    plan["rehearsal"] |= {"remaining": [], "deferred": 0, "deferred_why": "", "line": ""}
    saved.write_text(json.dumps(plan))
    result = run_bounded(tmp_path, "show", str(saved))
    assert result["rc"] == 1 and "does not match schemas/plan.schema.json" in result["stderr"], result
    assert result["cpu"] < MAX_CPU_S and result["rss_kib"] < MAX_RSS_KIB, result


def test_no_schema_that_checks_untrusted_input_lists_every_error_of_a_branch():
    for name in ("plan.schema.json",):
        assert '"oneOf"' not in (Path(__file__).resolve().parent.parent / "schemas" / name).read_text(), name
