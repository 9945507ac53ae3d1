"""The versioned JSON form (schemas/plan.schema.json): sorted keys, no timestamps."""

from __future__ import annotations

import json

from scaleform.changes import RELEASED
from scaleform.plan import Plan


def render_json(plan: Plan, classification: dict[str, str] | None = None) -> str:
    data = plan.to_json()
    if classification:
        for section in ("changes", "deferred", "suppressed"):
            for c in data[section]:
                c["classification"] = classification.get(c["address"], "introduced")
        for u in data["unmanaged"]:
            if classification.get(u["address"]) == RELEASED:
                u["classification"] = RELEASED
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
