"""Hostile manifests (hypothesis): random YAML and mutated examples. The only outcomes allowed
are a valid load or a ScaleformError whose problems are located; never another exception.

The default run covers more than 2,000 examples; `pytest -m soak` runs ten times as many.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import EXAMPLES, mutate, trees
from scaleform.errors import ScaleformError
from scaleform.manifest import load_manifests


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def check(directory: Path, text: str) -> None:
    path = directory / "m.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass") if isinstance(text, str) else path.write_bytes(text)
    try:
        load_manifests(path)
    except ScaleformError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.location is not None and problem.location.file == path.as_posix(), problem
            assert problem.message


def text_mutations(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    if not lines:
        return text
    i = rng.randrange(len(lines))
    action = rng.randrange(6)
    if action == 0:
        lines.insert(i, lines[i])  # duplicate a line: duplicate keys
    elif action == 1:
        lines[i] = "\t" + lines[i]
    elif action == 2:
        lines = lines[:i]  # truncated file
    elif action == 3:
        lines[i] = lines[i] + " &a"
        lines.append("extra: *a")
    elif action == 4:
        lines[i] = lines[i].replace(":", "", 1)
    else:
        lines.insert(i, "  " * rng.randrange(1, 40) + "- [" * rng.randrange(1, 60))
    return "\n".join(lines) + "\n"


def _budget(n: int):
    return settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@_budget(700)
@given(st.text(max_size=300))
def test_random_text(workdir, text):
    check(workdir, text)


@_budget(700)
@given(trees)
def test_random_yaml_trees(workdir, tree):
    check(workdir, yaml.safe_dump(tree, allow_unicode=True))


@_budget(700)
@given(st.integers(0, 2**32 - 1), st.integers(0, len(EXAMPLES) - 1), st.booleans())
def test_mutated_examples(workdir, seed, which, textual):
    rng = random.Random(seed)
    doc = EXAMPLES[which]
    for _ in range(rng.randrange(1, 4)):
        doc = mutate(doc, rng)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    if textual:
        text = text_mutations(text, rng)
    check(workdir, text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [x,x,x,x,x,x,x,x,x]\n"
        + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
        + "projects: *i\n",
        "projects: &p\n  x: *p\n",
        "team: " + "[" * 5000 + "]" * 5000 + "\n",
        "projects:\n  p:\n    type: chat\n    params: {x: '" + "y" * 2_000_000 + "'}\n",
        "version: 1\n" + "# comment\n" * 10000,
    ],
)
def test_pathological_inputs(workdir, text):
    check(workdir, text)


@pytest.mark.parametrize("text", ["=", "a: =\n", "projects:\n  - =\n"])
def test_scalars_yaml_cannot_construct_are_located_errors(workdir, text):
    with pytest.raises(ScaleformError) as exc:
        load_manifests(write(workdir, text))
    assert "YAML error" in str(exc.value) and exc.value.problems[0].location.line >= 1


@pytest.mark.parametrize(
    "number",
    ["9" * 5000, "0x" + "f" * 4000, "1" + ":1" * 400_000, "1." + "5" * 200, "0b" + "1" * 101],
)
def test_a_number_too_long_to_be_a_setting_is_a_located_error(workdir, number):
    # A 5,000-digit int broke Python's conversion limit; 400,000 base-60 parts took 20 s to convert.
    with pytest.raises(ScaleformError, match="a number written with more than 100 characters") as exc:
        load_manifests(write(workdir, f"version: 1\nprojects:\n  p:\n    type: chat\n    params:\n      x: {number}\n"))
    assert (exc.value.problems[0].location.line, exc.value.problems[0].location.column) == (6, 10)


def test_a_number_of_ordinary_length_still_loads(workdir):
    text = "version: 1\nprojects:\n  p:\n    type: chat\n    params: {a: 12345678901234567890, b: 1:30, c: 0x1f}\n"
    assert load_manifests(write(workdir, text)).desired.projects["p"].params == {
        "a": 12345678901234567890,
        "b": 90,
        "c": 31,
    }


def write(directory: Path, text: str) -> Path:
    (directory / "m.yaml").write_text(text)
    return directory / "m.yaml"


@pytest.mark.soak
@_budget(20000)
@given(st.integers(0, 2**32 - 1), st.integers(0, len(EXAMPLES) - 1), st.booleans())
def test_mutated_examples_soak(workdir, seed, which, textual):
    test_mutated_examples.hypothesis.inner_test(workdir, seed, which, textual)
