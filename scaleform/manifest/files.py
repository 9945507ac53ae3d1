"""Finding and reading manifest files: which files PATH names (skipping hidden ones, refusing links
that leave it) and each file's bytes parsed to a located document, with its size, encoding and
shape checked first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from scaleform.errors import Location, Problem, ScaleformError
from scaleform.manifest.located import AliasBudget, LocDict, load_yaml

MAX_FILE_BYTES = 10 * 1024 * 1024


def discover(path: str | Path) -> list[Path]:
    p = Path(path)
    if not p.exists():
        raise ScaleformError(
            f"manifest path '{path}' does not exist; pass a manifest file or a directory of *.yaml files",
            Location(str(path)),
        )
    if p.is_file():
        return [p]
    files = sorted(_yaml_files(p), key=lambda f: f.as_posix())
    _inside(p, files)
    if not files:
        raise ScaleformError(f"no *.yaml or *.yml files under '{path}'", Location(str(path)))
    return files


def _yaml_files(root: Path) -> Iterator[Path]:
    """YAML files under `root`, skipping hidden files and folders: CI workflows and tool configs
    (`.github/`, `.pre-commit-config.yaml`) are not manifests, and `.git` is never walked. Linked
    folders are not walked; linked files are checked by `_inside`."""
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in [*names, *(d for d in dirs if Path(folder, d).is_symlink())]:
            f = Path(folder, name)
            if not name.startswith(".") and f.suffix in (".yaml", ".yml") and (f.is_file() or f.is_symlink()):
                yield f


def _inside(root: Path, files: list[Path]) -> None:
    """A pull request can add a link to any file on the machine that checks it, and error messages
    quote what they read: a link that leaves PATH is refused, naming it, before anything is read."""
    top = root.resolve()
    outside = [f for f in files if f.is_symlink() and not f.resolve().is_relative_to(top)]
    if outside:
        raise ScaleformError(
            [
                Problem(
                    f"'{f.as_posix()}' is a symbolic link to a file outside '{root}'; manifests "
                    "are read only from inside PATH. Copy the file in, or point PATH at it",
                    Location(f.as_posix()),
                )
                for f in outside
            ]
        )


def read_file(path: Path, problems: list[Problem], aliases: AliasBudget) -> tuple[str, LocDict | None, bytes]:
    """The file's name, its document (None when it cannot be used: the reason is in `problems`)
    and its bytes, which the load's digest covers."""
    name = path.as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(f"cannot read the file: {exc.strerror or exc}", Location(name)))
        return name, None, b""
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB", Location(name)))
        return name, None, data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"file is not UTF-8 text (byte {exc.start})", Location(name)))
        return name, None, data
    try:
        doc = load_yaml(text, name, aliases)
    except ScaleformError as exc:
        problems.extend(exc.problems)
        return name, None, data
    if doc is None:
        problems.append(
            Problem(
                "the file is empty; a manifest file holds at least one section, such as `version: 1`",
                Location(name, 1, 1),
            )
        )
        return name, None, data
    if not isinstance(doc, LocDict):
        problems.append(
            Problem(
                "a manifest file must be a mapping of sections (version, team, projects, ...)",
                getattr(doc, "loc", Location(name, 1, 1)),
            )
        )
        return name, None, data
    return name, doc, data
