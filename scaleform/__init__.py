"""scaleform: keep a Scale AI account's configuration in git.

The public Python API (used by the CLI and by pipelines that embed scaleform):

    from scaleform import load_manifests, make_plan, apply_plan
    manifests = load_manifests("manifests/", environment="staging")
    plan = make_plan(manifests, target)          # reads the live account
    report = apply_plan(plan, target)            # carries it out

Imports are lazy so `scaleform --help` and `validate` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Type checkers read the public names here; at run time __getattr__ imports each on first use.
# Importing them eagerly would cost every command (the CLI's modules import this package first)
# the planner, the API client and the YAML parser.
if TYPE_CHECKING:
    from scaleform.apply import apply_plan as apply_plan
    from scaleform.errors import ScaleformError as ScaleformError
    from scaleform.export import export_account as export_account
    from scaleform.manifest import Manifests as Manifests
    from scaleform.manifest import load_manifests as load_manifests
    from scaleform.planner import make_plan as make_plan
    from scaleform.target import Target as Target
    from scaleform.target import resolve_target as resolve_target

_LAZY = {
    "load_manifests": ("scaleform.manifest", "load_manifests"),
    "Manifests": ("scaleform.manifest", "Manifests"),
    "ScaleformError": ("scaleform.errors", "ScaleformError"),
    "resolve_target": ("scaleform.target", "resolve_target"),
    "Target": ("scaleform.target", "Target"),
    "make_plan": ("scaleform.planner", "make_plan"),
    "apply_plan": ("scaleform.apply", "apply_plan"),
    "export_account": ("scaleform.export", "export_account"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(name)


# Written out rather than built from _LAZY, so that type checkers can read it.
__all__ = [
    "__version__",
    "load_manifests",
    "Manifests",
    "ScaleformError",
    "resolve_target",
    "Target",
    "make_plan",
    "apply_plan",
    "export_account",
]
