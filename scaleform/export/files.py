"""Where an export goes on disk: file names decided first, no symbolic link followed, nothing half-written.

Whoever can create a project chooses its name, and so the name of its file: a name too long for the
file system, or equal to another one ignoring case (macOS, Windows), must not fail or overwrite
midway. Every name is settled before the first write; the files are written into a temporary
folder next to `--out` and then renamed into place, and any failure puts back what was there.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from scaleform.errors import ScaleformError
from scaleform.links import refuse_link
from scaleform.listing import first_few

SAFE = "-_.@+=,"
MAX_STEM = 200  # bytes before `.yaml`: file systems allow 255 per path component
HASH_MARK = "!"  # percent-encoding always encodes `!`, so a settled name never equals a plain one
HASH_LEN = 12
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10))}


def encoded(name: str) -> str:
    """`name` percent-encoded: reversible, ASCII, without separators."""
    return quote(name, safe=SAFE)


def _cut(name: str, limit: int) -> str:
    """The encoding of the longest prefix of `name` that fits in `limit` bytes (never half a character)."""
    out: list[str] = []
    size = 0
    for char in name:
        piece = encoded(char)
        if size + len(piece) > limit:
            break
        out.append(piece)
        size += len(piece)
    return "".join(out)


def _settled(name: str) -> str:
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_LEN]
    return _cut(name, MAX_STEM - len(HASH_MARK) - HASH_LEN) + HASH_MARK + digest


def _device(stem: str) -> bool:
    """Windows refuses these names whatever their extension."""
    return stem.split(".", 1)[0].upper() in _WINDOWS_DEVICES


def project_paths(names: Iterable[str]) -> dict[str, str]:
    """Each project name -> `projects/<file>.yaml`. A name whose encoding is too long, is a Windows
    device name, or equals another's ignoring case gets a cut name plus a hash of the full name:
    the same for the same name whatever else is exported alongside it."""
    stems = {name: encoded(name) for name in names}
    folded = Counter(stem.lower() for stem in stems.values())
    paths = {}
    for name, stem in stems.items():
        if len(stem) > MAX_STEM or folded[stem.lower()] > 1 or _device(stem):
            stem = _settled(name)
        paths[name] = f"projects/{stem}.yaml"
    _refuse_case_clashes(paths)
    return paths


def _refuse_case_clashes(paths: Mapping[str, str]) -> None:
    seen: dict[str, str] = {}
    for name, path in sorted(paths.items()):
        other = seen.setdefault(path.lower(), name)
        if other != name:
            raise ScaleformError(
                f"projects {other!r} and {name!r} would share the file {path} on a "
                "case-insensitive file system; export them separately with --project"
            )


@dataclass
class _Undo:
    """What the write did, to put back on failure."""

    created: list[Path] = field(default_factory=list)  # folders made, in order
    placed: list[Path] = field(default_factory=list)  # targets now holding a new file
    replaced: list[tuple[Path, Path]] = field(default_factory=list)  # (target, where its old file waits)


def _relative(rel: str) -> PurePosixPath:
    """Defence in depth: every path export writes stays inside `--out`."""
    path = PurePosixPath(rel)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts) or "\\" in rel:
        raise ScaleformError(f"export refuses to write {rel!r}: not a plain path inside the output folder")
    return path


def _refuse_links(out: Path, rel: PurePosixPath) -> Path:
    """`out / rel`, after checking that neither `out` nor anything under it on the way is a link
    (the folders above `out` are the operator's choice)."""
    path = out
    refuse_link(path, "an export", "remove it or choose another --out")
    for part in rel.parts:
        path = path / part
        refuse_link(path, "an export", "remove it or choose another --out")
    return path


def check_targets(out: Path, rels: Iterable[str], *, force: bool, generated: Iterable[str] = ()) -> None:
    """Refuse, before any write: a symbolic link at or under `out` on a path to write, a folder
    where a file goes (or the reverse), and, without `force`, a file to overwrite. `generated`
    files are ours, always replaced."""
    if out.exists() and not out.is_dir():
        raise ScaleformError(f"export cannot write into {out}: it is not a folder")
    replaceable = set(generated)
    existing = []
    for rel in sorted(rels):
        target = _refuse_links(out, _relative(rel))
        for folder in target.relative_to(out).parents:
            if (out / folder).exists() and not (out / folder).is_dir():
                raise ScaleformError(f"export cannot write {target}: {out / folder} is not a folder")
        if target.is_dir():
            raise ScaleformError(f"export cannot write {target}: it is a folder")
        if target.exists() and rel not in replaceable:
            existing.append(rel)
    if existing and not force:
        raise ScaleformError(f"export would overwrite {first_few(existing, 5)} in {out}; pass --force to replace them")


def _make_dirs(path: Path, undo: _Undo) -> None:
    """`path` and its missing parents, recorded for the undo."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir()
        undo.created.append(folder)


def _staging(out: Path, undo: _Undo) -> Path:
    """A fresh hidden folder beside `out` (same file system, so moving is a rename; hidden, so a
    manifest load skips it if a crash leaves it), or inside `out` when its parent is read-only."""
    _make_dirs(out.parent, undo)
    try:
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    except PermissionError:
        _make_dirs(out, undo)
        return Path(tempfile.mkdtemp(prefix=".export-", dir=out))


def _stage(stage: Path, files: Mapping[str, str], write_generated: Callable[[Path], object]) -> None:
    for rel, text in files.items():
        path = stage / _relative(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    write_generated(stage)


def _move(stage: Path, out: Path, rels: list[str], undo: _Undo) -> None:
    """Rename each staged file into place; a replaced file waits under `stage/../old` for the undo."""
    kept_root = stage.parent / "old"
    for rel in rels:
        target = _refuse_links(out, _relative(rel))  # again: the folder may have changed since the check
        _make_dirs(target.parent, undo)
        if target.exists():
            kept = kept_root / rel
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copymode(target, stage / rel)  # a replaced file keeps its permissions
            os.replace(target, kept)
            undo.replaced.append((target, kept))
        os.replace(stage / rel, target)
        undo.placed.append(target)


def _try(step: Callable[[], object]) -> None:
    try:
        step()
    except OSError:
        pass  # best effort: the other steps still run


def _undo_moves(undo: _Undo) -> None:
    for target in reversed(undo.placed):
        _try(target.unlink)
    for target, kept in reversed(undo.replaced):
        _try(partial(os.replace, kept, target))


def _failure(out: Path, exc: Exception) -> ScaleformError:
    if isinstance(exc, OSError):
        why = (exc.strerror or str(exc)) + (f": {exc.filename}" if exc.filename else "")
    else:
        why = str(exc)
    return ScaleformError(f"export failed and left {out} as it was: {why}")


def write_files(
    out: Path,
    files: Mapping[str, str],
    write_generated: Callable[[Path], object],
    *,
    force: bool,
    generated: Iterable[str] = (),
) -> None:
    """Write `files` (relative path -> text), and the files `write_generated(folder)` writes (the
    relative paths `generated`), into `out`: all of them or, on any failure, none."""
    rels = sorted({*files, *generated})
    check_targets(out, rels, force=force, generated=generated)
    undo = _Undo()
    work: Path | None = None
    try:
        work = _staging(Path(os.path.abspath(out)), undo)  # `.` has a name and a parent once absolute
        _stage(work / "new", files, write_generated)
        _move(work / "new", out, rels, undo)
    except BaseException as exc:  # an interrupt too: never leave half an export
        _undo_moves(undo)
        _remove(work)
        for folder in reversed(undo.created):
            _try(folder.rmdir)
        if isinstance(exc, (OSError, ScaleformError)):
            raise _failure(out, exc) from None
        raise
    _remove(work)


def _remove(work: Path | None) -> None:
    if work is not None:
        shutil.rmtree(work, ignore_errors=True)
