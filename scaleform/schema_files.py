"""Copies of the shipped JSON schemas next to the manifests, for editors and CI validators.

A modeline must point at a file the whole team has at the same relative place: the installed
package's copy lives at a different path on every machine, so manifests point at `.schema/`
inside their own folder instead.
"""

from __future__ import annotations

from pathlib import Path

from scaleform.errors import ScaleformError
from scaleform.links import refuse_link
from scaleform.manifest.schema import schema_path

SCHEMA_DIR = ".schema"
NAMES = ("manifest.schema.json", "plan.schema.json", "apply-report.schema.json", "validate.schema.json")


def shipped() -> list[Path]:
    """The schemas this installation ships (the apply report's only where it exists)."""
    return [p for p in map(schema_path, NAMES) if p.is_file()]


def write_schemas(out_dir: str | Path) -> list[Path]:
    """Write the shipped schemas into `out_dir` (created if needed); always the current copies."""
    out = Path(out_dir)
    for path in (out, *(out / source.name for source in shipped())):
        refuse_link(path, "schemas")
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for source in shipped():
            target = out / source.name
            target.write_bytes(source.read_bytes())
            written.append(target)
    except OSError as exc:
        raise ScaleformError(f"cannot write the schemas to {out}: {exc.strerror or exc}") from None
    return written


def modeline(relative_file: str) -> str:
    """The yaml-language-server line for `relative_file`, a path inside the manifest folder: to that
    folder's `.schema/manifest.schema.json`, relative, with forward slashes on every platform."""
    up = "../" * len(Path(relative_file).parent.parts)
    return f"# yaml-language-server: $schema={up}{SCHEMA_DIR}/manifest.schema.json\n"
