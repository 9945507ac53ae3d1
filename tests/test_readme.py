"""The README and docs/ tell the truth: the inline manifest validates and plans as described, links
stay inside the repository, and the CI section names what the workflow really configures."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from helpers import cli, make_db

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = {p.name: p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))}


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_the_first_manifest_validates_and_plans_as_described(tmp_path):
    block = re.search(r"```yaml\n(.*?)```", section("A first manifest"), re.S).group(1)
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    (manifests / "signs.yaml").write_text(block)
    assert cli("validate", str(manifests)).exit_code == 0
    db = make_db(tmp_path / "demo.db")
    result = cli("plan", str(manifests), "--sandbox", str(db))
    assert result.exit_code == 0, result.output
    for expected in (
        "~ team.member[ana@acme.ai]",
        "~ project[street-signs].params",
        "- project[street-signs].labeler[zoe@acme.ai]",
        "- project[street-signs].group[night-shift].member[zoe@acme.ai]",
        "project[street-signs].labeler[bo@acme.ai]  # invitation pending",
    ):
        assert expected in result.stdout, expected


def test_links_stay_inside_the_repository():
    for name, text in {"README.md": README, **{f"docs/{k}": v for k, v in DOCS.items()}}.items():
        base = ROOT if name == "README.md" else ROOT / "docs"
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            assert not re.match(r"\w+://", target), (name, target)
            assert (base / target).resolve().is_relative_to(ROOT) and (base / target).exists(), (name, target)
        assert not re.search(r"DESIGN|scale-api\.md|§", text), name


def test_the_long_material_lives_in_docs():
    assert set(DOCS) >= {"performance.md", "sandbox.md"}
    assert "| steady-state plan |" in DOCS["performance.md"] and "| steady-state plan |" not in README
    assert "## Fidelity" in DOCS["sandbox.md"] and "Fidelity" not in README
    assert "(docs/performance.md)" in section("Performance") and "(docs/sandbox.md)" in section("Sandbox")


def test_the_ci_section_names_what_the_workflow_configures():
    text = section("Use in CI")
    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "scaleform.yml").read_text())
    for job in ("apply", "drift"):
        assert f"`{workflow['jobs'][job]['concurrency']['group']}`" in text, job
    for job in ("plan", "apply"):
        assert f"`{workflow['jobs'][job]['environment']}`" in text, job
    assert "`SCALEFORM_SOURCE`" in text and "SCALEFORM_SOURCE" in workflow["env"]
    assert "queued, never cancelled" not in README  # what GitHub's default concurrency does not do
    assert not re.search(r"pip install (-\S+ )*scaleform\b(?! @)", README.replace("`pip install scaleform`", ""))


def test_newcomer_essentials_are_there():
    install = section("Install")
    assert install.index("python3 -m venv") < install.index("pip install -e")
    assert ".gitignore" in section("The main job") and ".scaleform/sandbox.db" in section("The main job")
    assert "SCALE_API_URL" in section("Against a real account")
    assert "--target" in section("Addresses and `--target`")
    not_managed = section("What scaleform does not manage")
    assert "Tasks and their data" in not_managed and "Deleting projects, teammates or groups" in not_managed
