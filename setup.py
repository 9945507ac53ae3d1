"""Stamps the commit a build is made from into the package (scaleform/_commit.txt), so that
`scaleform --version` names it from a wheel or an sdist, where there is no git checkout.
Everything else about the package is in pyproject.toml."""

from __future__ import annotations

import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

STAMP = Path("scaleform", "_commit.txt")


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        out = None
    if out is not None and out.returncode == 0 and out.stdout.strip():
        return out.stdout.strip()
    return STAMP.read_text().strip() if STAMP.is_file() else None  # an sdist carries its stamp


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
