"""The published JSON Schemas: every property documented (editor completion), examples valid."""
from __future__ import annotations

import jsonschema
import pytest
import yaml

from scaleform.manifest.schema import load_schema


def walk(node, path="#"):
    if isinstance(node, dict):
        for key, sub in (node.get("properties") or {}).items():
            yield f"{path}/properties/{key}", sub
        for key, sub in node.items():
            yield from walk(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from walk(sub, f"{path}/{i}")


@pytest.mark.parametrize("name", ["manifest.schema.json", "plan.schema.json"])
def test_every_property_has_a_description(name):
    schema = load_schema(name)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    missing = [path for path, sub in walk(schema) if isinstance(sub, dict) and not sub.get("description")]
    assert missing == []
    assert all(d.get("description") for d in schema.get("$defs", {}).values())


def test_examples_validate_against_the_schema(root):
    schema = load_schema("manifest.schema.json")
    files = [p for p in sorted((root / "examples").rglob("*.yaml")) if "ci" not in p.parts]
    assert len(files) >= 6
    for f in files:
        jsonschema.validate(yaml.safe_load(f.read_text()), schema)


def test_schema_comment_points_at_the_schema(root):
    for f in sorted((root / "examples").rglob("*.yaml")):
        if "ci" in f.parts:
            continue
        first = f.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), f
        target = (f.parent / first.split("$schema=")[1]).resolve()
        assert target == (root / "schemas" / "manifest.schema.json").resolve()
