"""`${var.NAME}` interpolation over located YAML values (keys included).

Variables come from the chosen environment's `vars`, then `--var-file`, then `--var` (later
wins). Nothing else is interpolated: secrets never enter manifests, so there is no env lookup.
`$${` writes a literal `${`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scaleform.errors import Location, Problem
from scaleform.manifest.located import LocDict, LocList

_REF = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME = re.compile(r"^var\.([A-Za-z_][A-Za-z0-9_-]*)$")


def interpolate_text(text: str, variables: Mapping[str, str], loc: Location | None, problems: list[Problem]) -> str:
    def replace(match: re.Match[str]) -> str:
        whole: str = match.group(0)  # typeshed types a group as `str | Any` (it may not match)
        if whole == "$${":
            return "${"
        inner = match.group(1).strip()
        name = _NAME.match(inner)
        if not name:
            problems.append(
                Problem(
                    f"unsupported interpolation '${{{inner}}}': only ${{var.NAME}} "
                    "is allowed (write $${{ for a literal ${{)",
                    loc,
                )
            )
            return whole
        if name.group(1) not in variables:
            known = ", ".join(sorted(variables)) or "none are defined"
            problems.append(
                Problem(
                    f"undefined variable '{name.group(1)}' (known: {known}); define it "
                    "in the environment's vars, a --var-file, or --var NAME=VALUE",
                    loc,
                )
            )
            return whole
        return variables[name.group(1)]

    if "$" not in text:
        return text
    return _REF.sub(replace, text)


def interpolate(value: Any, variables: Mapping[str, str], problems: list[Problem], loc: Location | None = None) -> Any:
    """A copy of `value` with every string (and key) interpolated; locations are kept."""
    if isinstance(value, LocDict):
        out = LocDict(value.loc)
        for key, item in value.items():
            kloc = value.key_locs[key]
            new_key = interpolate_text(key, variables, kloc, problems)
            vloc = value.value_locs[key]
            if new_key in out:
                problems.append(
                    Problem(f"key '{new_key}' appears twice after variable substitution", kloc, out.key_locs[new_key])
                )
                continue
            out.put(new_key, interpolate(item, variables, problems, vloc), kloc, vloc)
        return out
    if isinstance(value, LocList):
        out_list = LocList(value.loc)
        for item, iloc in zip(value, value.item_locs):
            out_list.put(interpolate(item, variables, problems, iloc), iloc)
        return out_list
    if isinstance(value, str):
        return interpolate_text(value, variables, loc, problems)
    return value
