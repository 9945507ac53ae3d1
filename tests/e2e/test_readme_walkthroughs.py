"""The README's walkthrough and bootstrap sections, run verbatim as a newcomer would: each command
line in order, in a fresh folder; both end at `No changes.` with no warnings."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def commands(section: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", body, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("SCALE_")]


def run(line: str, cwd: Path) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)  # the scaleform this test runs with
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    env.pop("SCALE_API_KEY", None)
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("section", ["Walkthrough (sandbox)", "Bootstrap another environment"])
def test_the_readme_section_ends_at_no_changes_without_warnings(tmp_path, section):
    if shutil.which("scaleform", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("the scaleform command is not installed beside this Python")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    lines = commands(section)
    assert len(lines) >= 6
    for line in lines:
        result = run(line, tmp_path)
        expected = (0, 2) if "--detailed-exitcode" in line else (0,)
        assert result.returncode in expected, (line, result.stdout[-2000:], result.stderr[-2000:])
    assert "No changes." in result.stdout and result.returncode == 0, (line, result.stdout[-2000:])
    assert "warning" not in (result.stdout + result.stderr).lower(), result.stdout[-3000:]
