"""Environments: named target accounts declared in the manifests, and choosing one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scaleform.errors import Location, Problem
from scaleform.manifest.located import LocDict, named_entries, value_loc


@dataclass(frozen=True)
class Environment:
    name: str
    provider: str | None = None
    api_url: str | None = None
    api_key_env: str | None = None
    vars: Mapping[str, str] = field(default_factory=dict)
    loc: Location | None = None
    api_url_loc: Location | None = None  # where api_url is written, for the target's refusal


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def collect_environments(docs: list[LocDict], problems: list[Problem]) -> dict[str, Environment]:
    """Merge `environments` across files (a name twice is an error); schema checks come later."""
    specs, locs = named_entries(docs, "environments", "environment", dict, problems)
    out: dict[str, Environment] = {}
    for name, spec in specs.items():
        raw_vars = spec.get("vars") if isinstance(spec.get("vars"), dict) else {}
        out[name] = Environment(
            name=name,
            provider=spec.get("provider") if isinstance(spec.get("provider"), str) else None,
            api_url=spec.get("api_url") if isinstance(spec.get("api_url"), str) else None,
            api_key_env=spec.get("api_key_env") if isinstance(spec.get("api_key_env"), str) else None,
            vars={str(k): _scalar_text(v) for k, v in raw_vars.items() if not isinstance(v, (dict, list))},
            loc=locs[name],
            api_url_loc=value_loc(spec, "api_url") if "api_url" in spec else None,
        )
    return out


def choose_environment(envs: dict[str, Environment], name: str | None, problems: list[Problem]) -> Environment | None:
    if not envs:
        if name:
            problems.append(
                Problem(
                    f"environment '{name}' was requested with -e, but the manifests declare no `environments` section"
                )
            )
        return None
    names = ", ".join(sorted(envs))
    first = min((e.loc for e in envs.values() if e.loc), default=None)
    if not name:
        problems.append(
            Problem(f"the manifests declare environments ({names}); choose one with -e/--environment NAME", first)
        )
        return None
    if name not in envs:
        problems.append(Problem(f"unknown environment '{name}'; declared environments: {names}", first))
        return None
    return envs[name]


__all__ = ["Environment", "collect_environments", "choose_environment", "value_loc"]
