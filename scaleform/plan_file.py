"""Reading a saved plan: a file from a pull request or an artifact store, so untrusted input.

It is read with a size cap, validated against schemas/plan.schema.json, and turned into a `Plan`
whose operations are rebuilt from its changes (Plan.from_json refuses a file whose recorded
operations differ). Nothing here sends a request.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from scaleform.errors import ScaleformError
from scaleform.links import refuse_link
from scaleform.plan import FORMAT_VERSION, Plan

if TYPE_CHECKING:  # jsonschema is imported only when a plan is read: its import is slow
    from jsonschema.protocols import Validator

MAX_PLAN_BYTES = 64 * 1024 * 1024


@cache
def _validator() -> Validator:
    import jsonschema

    path = Path(__file__).resolve().parent / "schemas" / "plan.schema.json"
    schema = json.loads(path.read_text("utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def _where(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".") or "the top level"


def read_plan(file: str) -> Plan:
    """The plan saved in `file`; ScaleformError (before any request) when it cannot be read, is
    not a plan, breaks the schema, or holds operations its changes do not make."""
    source = f"plan file '{file}'"
    try:
        with open(file, "rb") as handle:
            raw = handle.read(MAX_PLAN_BYTES + 1)
    except OSError as exc:
        raise ScaleformError(f"cannot read {source}: {exc.strerror or exc}") from None
    if len(raw) > MAX_PLAN_BYTES:
        raise ScaleformError(f"{source} is larger than {MAX_PLAN_BYTES // 1024 // 1024} MiB; a plan never is")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ScaleformError(f"cannot read {source}: it is not JSON ({type(exc).__name__})") from None
    if isinstance(data, dict) and data.get("format_version") == FORMAT_VERSION:  # else from_json says what it is
        # The first error found, not the least of all: a small altered plan can break the schema in
        # a million places, and building every error would exhaust memory.
        error = next(iter(_validator().iter_errors(data)), None)
        if error is not None:
            raise ScaleformError(
                f"{source} does not match schemas/plan.schema.json at {_where(error.absolute_path)}: "
                f"{error.message[:300]}. Nothing was sent. Make the plan again with "
                "`scaleform plan --out FILE`"
            )
    return Plan.from_json(data, source)


def write_plan(file: str, text: str) -> None:
    """Save a plan's JSON in `file`, never through a symbolic link (a pull request can commit one
    where CI saves its plan), and whole or not at all: a new file is renamed over the old one."""
    path = Path(file)
    refuse_link(path, "a plan")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=".plan-", delete=False) as f:
            f.write(text)
        os.chmod(f.name, 0o644)
        os.replace(f.name, path)
    except OSError as exc:
        raise ScaleformError(f"cannot write the plan to {file}: {exc.strerror or exc}") from None
