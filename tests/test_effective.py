"""`scaleform render`: the effective manifests validate and plan exactly as their source does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import cli, make_db, write_manifest

EMAILS = ["li@acme.ai", "bo@acme.ai", "kim@acme.ai", "raj@acme.ai"]
params = st.dictionaries(
    st.sampled_from(["instruction", "min_height", "tags", "cost"]),
    st.one_of(
        st.integers(0, 20),
        st.sampled_from(["Box it.", "a $${x} b", "${var.prefix}"]),
        st.lists(st.sampled_from(["x", "y"]), max_size=2),
    ),
    max_size=3,
)


@st.composite
def composed(draw):
    """A valid manifest set using templates, people sets and a variable (as plain data)."""
    sets = {"night": draw(st.lists(st.sampled_from(EMAILS), unique=True, min_size=1, max_size=3))}
    sets["all"] = draw(st.lists(st.sampled_from(EMAILS + ["night"]), unique=True, min_size=1, max_size=4))
    templates = {
        "studio": {
            "type": "imageannotation",
            "studio": True,
            "params": draw(params),
            "pipeline": {"type": "consensus_task", "consensus_attempts": draw(st.integers(1, 4))},
        },
        "eu": {"extends": "studio", "params": draw(params), "labelers": ["night"]},
        "text": {"type": "textcollection", "params": {"instruction": "Read ${var.prefix}."}},
    }
    projects = {}
    for i in range(draw(st.integers(1, 4))):
        spec: dict = {
            "extends": draw(st.lists(st.sampled_from(sorted(templates)), unique=True, min_size=1, max_size=2))
        }
        if draw(st.booleans()):
            spec["params"] = draw(params)
        if draw(st.booleans()):
            labelers = draw(st.lists(st.sampled_from(EMAILS + sorted(sets)), unique=True, min_size=1, max_size=3))
            spec["labelers"] = labelers
            spec["groups"] = {"crew": labelers[: draw(st.integers(1, len(labelers)))]}
        if "studio" not in spec["extends"] and "eu" not in spec["extends"] and draw(st.booleans()):
            spec["ontology"] = {"name": "v1", "choices": ["car", {"choice": "bus", "subchoices": ["red"]}]}
        projects[f"${{var.prefix}}-p{i}"] = spec
    return {
        "version": 1,
        "people": sets,
        "templates": templates,
        "team": {"managers": ["ana@acme.ai"], "labelers": ["all", *EMAILS]},
        "projects": projects,
    }


def _plan(db: Path, path: Path, *extra: str) -> str:
    result = cli("plan", str(path), "--sandbox", str(db), "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return re.sub(r'"manifest_digest": "sha256:[0-9a-f]+"', '"manifest_digest": "…"', result.stdout)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_db(tmp_path_factory.mktemp("sandbox") / "s.db")


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(composed())
def test_render_output_revalidates_and_plans_byte_identically(db, tmp_path_factory, manifests):
    src = tmp_path_factory.mktemp("src") / "m.yaml"
    src.write_text(yaml.safe_dump(manifests))
    rendered = cli("render", str(src), "--var", "prefix=eu")
    assert rendered.exit_code == 0, rendered.output
    out = tmp_path_factory.mktemp("out") / "rendered.yaml"
    out.write_text(rendered.stdout)
    assert "templates" not in yaml.safe_load(rendered.stdout) and "extends" not in rendered.stdout
    assert cli("validate", str(out)).exit_code == 0
    # The manifest digest identifies the files read, which differ by construction; all else is equal.
    assert _plan(db, out) == _plan(db, src, "--var", "prefix=eu")
    again = cli("render", str(out))
    assert again.stdout == rendered.stdout  # rendering is a fixed point


def test_render_merges_expands_interpolates_and_orders_keys(tmp_path):
    write_manifest(
        tmp_path / "b.yaml",
        """\
        version: 1
        projects:
          ${var.prefix}-signs:
            labelers: [crew]
            extends: base
            params: {b: 2, a: {y: 1}}
        """,
    )
    write_manifest(
        tmp_path / "a.yaml",
        """\
        version: 1
        people:
          crew: [Li@acme.ai, bo@acme.ai]
        templates:
          base: {params: {a: {x: '$${literal}'}}, studio: true, type: imageannotation}
        """,
    )
    result = cli("render", str(tmp_path), "--var", "prefix=eu")
    assert result.exit_code == 0, result.output
    body = result.stdout.split("\n", 2)[2]  # after the two header lines
    assert body == (
        "version: 1\nprojects:\n  eu-signs:\n    type: imageannotation\n    studio: true\n"
        "    params:\n      a:\n        x: $${literal}\n        y: 1\n      b: 2\n"
        "    labelers:\n    - li@acme.ai\n    - bo@acme.ai\n"
    )


def test_render_keeps_the_chosen_environment_and_can_show_one_project(tmp_path):
    write_manifest(
        tmp_path / "m.yaml",
        """\
        version: 1
        environments:
          staging: {provider: scale, api_key_env: SCALE_STAGING_KEY, vars: {p: stg}}
          production: {provider: scale, vars: {p: prod}}
        projects:
          ${var.p}-a: {type: imageannotation}
          ${var.p}-b: {type: textcollection}
        """,
    )
    result = cli("render", str(tmp_path), "-e", "staging")
    doc = yaml.safe_load(result.stdout)
    assert doc["environments"] == {"staging": {"provider": "scale", "api_key_env": "SCALE_STAGING_KEY"}}
    assert list(doc["projects"]) == ["stg-a", "stg-b"]
    only = yaml.safe_load(cli("render", str(tmp_path), "-e", "staging", "--project", "stg-b").stdout)
    assert only == {"version": 1, "projects": {"stg-b": {"type": "textcollection"}}}


def test_render_of_an_unknown_project_or_a_bad_manifest_is_a_located_error(tmp_path):
    write_manifest(tmp_path / "m.yaml", "version: 1\nprojects:\n  signs: {extends: nope}\n")
    result = cli("render", str(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{tmp_path.as_posix()}/m.yaml:3:20: unknown template 'nope'" in result.output
    write_manifest(tmp_path / "m.yaml", "version: 1\nprojects:\n  signs: {type: chat}\n")
    result = cli("render", str(tmp_path), "--project", "sings")
    assert (
        result.exit_code == 1 and "--project sings: no such project is declared; did you mean 'signs'?" in result.output
    )
