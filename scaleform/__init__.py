"""scaleform: keep a Scale AI account's configuration in git.

The public Python API (used by the CLI and by pipelines that embed scaleform):

    from scaleform import load_manifests, make_plan, apply_plan
    manifests = load_manifests("manifests/", environment="staging")
    plan = make_plan(manifests, target)          # reads the live account
    report = apply_plan(plan, target)            # carries it out

Imports are lazy so `scaleform --help` and `validate` stay fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_manifests": ("scaleform.manifest", "load_manifests"),
    "Manifests": ("scaleform.manifest", "Manifests"),
    "ScaleformError": ("scaleform.errors", "ScaleformError"),
    "resolve_target": ("scaleform.target", "resolve_target"),
    "Target": ("scaleform.target", "Target"),
    "make_plan": ("scaleform.planning", "make_plan"),
    "apply_plan": ("scaleform.apply", "apply_plan"),
    "export_account": ("scaleform.export", "export_account"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(name)


__all__ = ["__version__", *_LAZY]
