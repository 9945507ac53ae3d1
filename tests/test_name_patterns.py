"""The name and email patterns, in names.py (live objects, saved plans) and in the manifest schema
(manifests, editors): they refuse the same characters, mean the same in Python and ECMAScript, and
the email pattern accepts what it always did while matching in one pass."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES
from scaleform.manifest.located import load_yaml
from scaleform.manifest.schema import _validator, is_valid, load_schema
from scaleform.names import _CONTROL, _EMAIL, shown, unaddressable, unaddressable_email

SCHEMA = load_schema()
NAME_PATTERN = SCHEMA["$defs"]["name"]["pattern"]
PEOPLE_PATTERN = SCHEMA["properties"]["team"]["properties"]["members"]["items"]["pattern"]

# The patterns before: an email whose domain was `X+\.X+`, and `$`, which Python's re (jsonschema)
# lets match before a final newline; fastjsonschema wrote it `\Z`, the verdict kept here.
OLD_EMAIL = r"[^@\s\[\]]+@[^@\s\[\]]+\.[^@\s\[\]]+"
OLD_PEOPLE = re.compile(rf"^({OLD_EMAIL}|[A-Za-z0-9_][A-Za-z0-9_.-]*)\Z")

# Invisible characters both checks refuse: some of the format characters, and each mark and filler
# added since (the ends of each range).
INVISIBLE = [
    "\u00ad", "\u034f", "\u061c", "\u115f", "\u1160", "\u180b", "\u180e", "\u180f", "\u200b", "\u202e",
    "\u2060", "\u2066", "\u3164", "\ufe00", "\ufe0f", "\ufeff", "\uffa0", "\ufffb",
    "\U0001d173", "\U0001d17a", "\U000e0000", "\U000e0020", "\U000e007f", "\U000e0100", "\U000e01ef",
    "\u17b4", "\u17b5", "\u2065", "\u2800", "\ufff0", "\ufff8", "\U0001bca0", "\U0001bca3", "\U000e01f0",
    "\U000e0fff",
]  # fmt: skip


def schema_patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return own + [p for sub in node.values() for p in schema_patterns(sub)]
    if isinstance(node, list):
        return [p for sub in node for p in schema_patterns(sub)]
    return []


def test_the_schema_name_pattern_refuses_exactly_what_the_live_check_refuses():
    # Every code point, in the middle of a name; the schema refuses brackets besides.
    name = re.compile(NAME_PATTERN)
    refused = {cp for cp in range(0x110000) if not name.search(f"a{chr(cp)}a")}
    live = {cp for cp in range(0x110000) if _CONTROL.search(chr(cp))}
    assert refused == live | {ord("["), ord("]")}
    # Every schema pattern holding the class is the name pattern itself.
    assert {p for p in schema_patterns(SCHEMA) if "\\u200b" in p} == {NAME_PATTERN}


@pytest.mark.parametrize("mark", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_a_name_holding_an_invisible_character_is_refused_live_and_in_manifests(mark):
    name = f"street-signs{mark}"
    assert unaddressable(name) == "it holds control or invisible characters"
    assert unaddressable_email(f"bo{mark}@acme.ai") is not None
    doc = load_yaml(yaml.safe_dump({"version": 1, "projects": {name: {"type": "imageannotation"}}}), "m.yaml")
    assert not is_valid(doc) and not _validator().is_valid(doc)
    assert mark not in shown(name)


def test_an_astral_character_is_shown_as_one_escape():
    assert shown("street-signs\U000e0020") == "'street-signs\\U000e0020'"
    assert shown("a\u200bb\x1b") == "'a\\u200bb\\x1b'"


def _with_a_newline(node: Any) -> list[Any]:
    """`node` once for each text in it (keys too), that text ending in a newline."""
    if isinstance(node, str):
        return [node + "\n"]
    if isinstance(node, list):
        return [node[:i] + [v] + node[i + 1 :] for i, item in enumerate(node) for v in _with_a_newline(item)]
    if isinstance(node, dict):
        out = []
        for key, value in node.items():
            rest = {k: v for k, v in node.items() if k != key}
            out.append({**rest, key + "\n": value})
            out += [{**node, key: v} for v in _with_a_newline(value)]
        return out
    return []


def test_a_final_newline_gets_the_same_verdict_from_both_validators():
    # Python's `$` matches before a final newline, the fast validator's `\Z` does not: a name
    # ending in one passed `validate` though the live check refuses it.
    docs = [doc for example_doc in EXAMPLES for doc in _with_a_newline(example_doc)]
    assert len(docs) > 50
    verdicts = set()
    for doc in docs:
        located = load_yaml(yaml.safe_dump(doc, allow_unicode=True), "m.yaml")
        fast = is_valid(located)
        assert fast == _validator().is_valid(located), doc
        verdicts.add(fast)
    assert verdicts == {True, False}  # description, instructions and the like may end in a newline
    named = load_yaml('version: 1\nprojects:\n  "street-signs\\n": {type: imageannotation}\n', "m.yaml")
    assert not _validator().is_valid(named)


texts = st.one_of(
    st.text(st.sampled_from("a.@ [\\]\n"), max_size=24),
    st.text(st.sampled_from("ab.@-_"), max_size=24),
    st.emails(),
    st.text(max_size=24),
    st.builds(lambda a, b, c: f"{a}@{b}.{c}", st.text(max_size=8), st.text(max_size=8), st.text(max_size=8)),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(texts)
@example("a@.b")
@example("a@b.")
@example("a@..")
@example("a@b..c")
@example(".@.a.b")
@example("a@b.c\n")
@example("a@...@")
def test_the_email_patterns_accept_what_the_old_ones_did(text):
    assert bool(_EMAIL.fullmatch(text)) == bool(re.fullmatch(OLD_EMAIL, text))
    old = bool(OLD_PEOPLE.search(text))
    assert bool(re.search(PEOPLE_PATTERN, text)) == old  # jsonschema: re.search as written
    assert bool(re.search(PEOPLE_PATTERN.replace("$", "\\Z"), text)) == old  # fastjsonschema's rewrite


def test_the_schema_and_the_live_check_share_the_email_pattern():
    assert PEOPLE_PATTERN == f"^({_EMAIL.pattern}|[A-Za-z0-9_][A-Za-z0-9_.-]*)$(?!\\n)"
    assert all(p == PEOPLE_PATTERN for p in schema_patterns(SCHEMA) if "@" in p)


def test_no_anchored_schema_pattern_admits_a_final_newline():
    anchored = [p for p in schema_patterns(SCHEMA) if "$" in p]
    assert len(anchored) >= 4 and all(p.endswith("$(?!\\n)") for p in anchored)


def test_check_jsonschema_reads_the_patterns_as_ecmascript(tmp_path):
    """check-jsonschema matches `pattern` with an ECMAScript engine (regress), as editors do: the
    astral characters the schema file writes as surrogate pairs must reach it as characters."""
    tool = shutil.which("check-jsonschema") or shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.skip("check-jsonschema is not installed (pip install check-jsonschema; .ci/run does)")
    schema = str(Path(__file__).resolve().parent.parent / "schemas" / "manifest.schema.json")
    cases = {
        "plain": ("street-signs", "bo@acme.ai", 0),
        "tag": ("street-signs\U000e0020", "bo@acme.ai", 1),
        "selector": ("street-signs\U000e0100", "bo@acme.ai", 1),
        "newline": ("street-signs\n", "bo@acme.ai", 1),
        "dots": ("street-signs", "a@" + "." * 60_000 + "@", 1),
    }
    for case, (name, email, rc) in cases.items():
        path = tmp_path / f"{case}.json"
        doc = {"version": 1, "team": {"members": [email]}, "projects": {name: {"type": "imageannotation"}}}
        path.write_text(json.dumps(doc))
        done = subprocess.run([tool, "--schemafile", schema, str(path)], capture_output=True, text=True, timeout=120)
        assert done.returncode == rc, (case, done.stdout[-500:], done.stderr[-500:])
