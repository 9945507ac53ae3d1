"""Packaging as a packager meets it: the sdist and the wheel are built from a copy of this checkout,
the sdist is installed in a fresh virtual environment, part of the suite runs from the unpacked
sdist, and `--version` names the commit both from the wheel and from a checkout."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from helpers import ROOT, source_commit

pytestmark = pytest.mark.packaging


def _head() -> str:
    commit = source_commit()
    assert commit, "neither a git checkout nor an unpacked sdist with its stamp"
    return commit


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(sdist, wheel), built by the PEP 517 hooks from a copy of the checkout."""
    tmp = tmp_path_factory.mktemp("build")
    source = tmp / "source"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        # A checkout's stamp could be stale (git is asked); an unpacked sdist's is all it has.
        ignore=shutil.ignore_patterns(
            "__pycache__",
            "*.egg-info",
            "build",
            "dist",
            ".hypothesis",
            ".pytest_cache",
            ".scaleform",
            *(["_commit.txt"] if (ROOT / ".git").exists() else []),
        ),
    )
    out = tmp / "dist"
    # The build backend pyproject.toml asks for, in an environment of its own (as pip and
    # `python -m build` would make), whatever setuptools the test environment has.
    builder = tmp / "builder"
    venv.create(builder, with_pip=True)
    python = builder / "bin" / "python"
    backend = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "setuptools>=77"], capture_output=True, text=True, timeout=300
    )
    assert backend.returncode == 0, backend.stderr[-2000:]
    # The hooks rewrite sys.argv: read the arguments first.
    code = (
        "import sys; d, names = sys.argv[1:3]; from setuptools import build_meta as b; "
        "made = [b.build_sdist(d), b.build_wheel(d)]; open(names, 'w').write(' '.join(made))"
    )
    made = subprocess.run(
        [str(python), "-c", code, str(out), str(tmp / "names")], cwd=source, capture_output=True, text=True, timeout=300
    )
    assert made.returncode == 0, made.stderr[-3000:]
    sdist, wheel = (tmp / "names").read_text().split()
    return out / sdist, out / wheel


def test_the_wheel_carries_the_license_the_types_marker_and_the_commit(built):
    _, wheel = built
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert "scaleform/py.typed" in names and "scaleform/schemas/plan.schema.json" in names
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
        assert z.read("scaleform/_commit.txt").decode().strip() == _head()


def test_the_sdist_is_complete_installs_and_its_tests_run(built, tmp_path):
    sdist, wheel = built
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        for needed in (
            "LICENSE",
            "tests/conftest.py",
            "tests/helpers.py",
            "tests/e2e/test_reviewed.py",
            "examples/quickstart/team.yaml",
            "scaleform/_commit.txt",
        ):
            assert f"{top}/{needed}" in names, needed
        tar.extractall(tmp_path, filter="data")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"{sdist}[test]"], capture_output=True, text=True, timeout=600
    )
    assert install.returncode == 0, install.stderr[-3000:]
    version = subprocess.run([str(env_dir / "bin" / "scaleform"), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"scaleform 0.1.0 (commit {_head()})"
    tests = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_address.py",
            "tests/test_plan_file.py",
            "tests/e2e/test_reviewed.py",
        ],
        cwd=tmp_path / top,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout.splitlines()[-1]
    wheel_env = tmp_path / "wheel-venv"
    venv.create(wheel_env, with_pip=True)
    subprocess.run(
        [str(wheel_env / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    from_wheel = subprocess.run(
        [
            str(wheel_env / "bin" / "python"),
            "-c",
            "from scaleform.build_info import version_line; print(version_line())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert from_wheel.stdout.strip() == f"scaleform 0.1.0 (commit {_head()})"


def test_a_checkout_names_its_commit():
    from scaleform.build_info import version_line

    assert version_line() == f"scaleform 0.1.0 (commit {_head()})"
