"""Stamps the commit a build is made from into the package (scaleform/_commit.txt), so that
`scaleform --version` names it from a wheel or an sdist, where there is no git checkout.
Everything else about the package is in pyproject.toml."""

from __future__ import annotations

import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
STAMP = Path("scaleform", "_commit.txt")


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, cwd=HERE)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _commit() -> str | None:
    """This checkout's HEAD; in an unpacked sdist, the stamp it carries. An sdist unpacked inside
    some other git repository must not take that repository's HEAD, hence the toplevel check."""
    top = _git("rev-parse", "--show-toplevel")
    if top is not None and Path(top).resolve() == HERE:
        return _git("rev-parse", "HEAD")
    stamp = HERE / STAMP
    return stamp.read_text().strip() or None if stamp.is_file() else None


class _BuildPy(build_py):
    def run(self) -> None:
        super().run()
        commit = _commit()
        if commit:
            target = Path(self.build_lib, STAMP)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(commit + "\n")


class _Sdist(sdist):
    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        commit = _commit()
        if commit:
            target = Path(base_dir, STAMP)
            target.unlink(missing_ok=True)  # may be a hard link to the checkout's copy
            target.write_text(commit + "\n")


setup(cmdclass={"build_py": _BuildPy, "sdist": _Sdist})
