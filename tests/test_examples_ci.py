"""The CI examples: valid YAML, and every scaleform command they run exists with those flags."""
from __future__ import annotations

import re
import shlex

import yaml
from click.testing import CliRunner

from scaleform.cli import main


def _commands(workflow: dict) -> list[list[str]]:
    out = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            script = step.get("run", "")
            for line in script.replace("\\\n", " ").splitlines():
                line = line.split(">")[0].strip()
                if line.startswith("scaleform "):
                    out.append(shlex.split(line))
    return out


def test_workflow_is_valid_and_its_commands_exist(root):
    workflow = yaml.safe_load((root / "examples" / "ci" / "scaleform.yml").read_text())
    assert {"plan", "apply", "drift"} <= set(workflow["jobs"])
    assert workflow["concurrency"]["cancel-in-progress"] is False
    commands = _commands(workflow)
    assert {c[1] for c in commands} >= {"validate", "plan", "apply"}
    assert any("--detailed-exitcode" in c for c in commands)
    for command in commands:
        help_text = CliRunner().invoke(main, [command[1], "--help"]).output
        for flag in (a for a in command[2:] if a.startswith("--")):
            assert re.search(rf"(^|[\s,/]){re.escape(flag)}\b", help_text), (command, flag)


def test_pre_commit_hook_runs_validate(root):
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["entry"] == "scaleform validate"
    config = yaml.safe_load((root / "examples" / "ci" / "pre-commit-config.yaml").read_text())
    assert config["repos"][0]["hooks"][0]["id"] == hooks[0]["id"]
