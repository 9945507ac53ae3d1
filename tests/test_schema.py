"""The published JSON Schemas: every property documented (editor completion), examples valid."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from helpers import example_manifest_files
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
    files = example_manifest_files(root)
    assert len(files) >= 6
    for f in files:
        jsonschema.validate(yaml.safe_load(f.read_text()), schema)


def test_schema_comment_points_at_the_schema(root):
    files = example_manifest_files(root)
    assert len(files) >= 6
    for f in files:
        first = f.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), f
        target = (f.parent / first.split("$schema=")[1]).resolve()
        assert target == (root / "schemas" / "manifest.schema.json").resolve()


# ---- the fast validator and jsonschema agree ---------------------------------------------------------

import random  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from helpers import EXAMPLES, mutate, trees  # noqa: E402
from scaleform.errors import ScaleformError  # noqa: E402
from scaleform.manifest.located import load_yaml  # noqa: E402
from scaleform.manifest.schema import _validator, is_valid  # noqa: E402


def same_verdict(doc) -> bool | None:
    try:
        located = load_yaml(yaml.safe_dump(doc, allow_unicode=True), "m.yaml")  # the types the loader makes
    except ScaleformError:
        return None  # the loader refuses it (a non-finite number): no schema verdict to compare
    fast = is_valid(located)
    assert fast == _validator().is_valid(located), (fast, doc)
    return fast


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.integers(0, 2**32 - 1), st.integers(0, len(EXAMPLES) - 1))
def test_fast_validator_agrees_with_jsonschema_on_mutated_examples(seed, which):
    rng = random.Random(seed)
    doc = EXAMPLES[which]
    for _ in range(rng.randrange(0, 3)):
        doc = mutate(doc, rng)
    same_verdict(doc)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.sampled_from(["team", "projects", "batches", "labeler_groups", "environments", "version"]), trees)
def test_fast_validator_agrees_with_jsonschema_on_random_sections(section, tree):
    same_verdict({"version": 1, section: tree})


def test_both_verdicts_occur_in_the_differential_corpus():
    # Guards the two tests above against a corpus of only-valid or only-invalid documents.
    verdicts = {same_verdict(mutate(EXAMPLES[i % len(EXAMPLES)], random.Random(i))) for i in range(60)}
    assert verdicts == {True, False}


def test_the_shipped_fast_validator_is_current_and_used():
    from scaleform.manifest import _fast_validator, schema

    assert _fast_validator.SCHEMA_SHA256 == schema._schema_sha256(), (
        "schemas/manifest.schema.json changed: run python -c 'from scaleform.manifest.schema import "
        "write_fast_validator; write_fast_validator()'"
    )
    schema._fast_check.cache_clear()
    assert schema._fast_check() is _fast_validator.validate


def test_a_stale_shipped_validator_is_compiled_afresh(monkeypatch):
    from scaleform.manifest import _fast_validator, schema

    monkeypatch.setattr(_fast_validator, "SCHEMA_SHA256", "0" * 64)
    schema._fast_check.cache_clear()
    try:
        check = schema._fast_check()
        assert check is not _fast_validator.validate
        assert is_valid(load_yaml("version: 1\nprojects:\n  p: {type: chat}\n", "m.yaml"))
        assert not is_valid(load_yaml("version: 1\nprojects:\n  p: {typo: t}\n", "m.yaml"))
    finally:
        schema._fast_check.cache_clear()
