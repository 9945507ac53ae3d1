"""The versioned JSON form (schemas/plan.schema.json): sorted keys, no timestamps."""
from __future__ import annotations

import json

from scaleform.plan import Plan


def render_json(plan: Plan, classification: dict[str, str] | None = None) -> str:
    data = plan.to_json()
    if classification:
        for section in ("changes", "deferred", "suppressed"):
            for c in data[section]:
                c["classification"] = classification.get(c["address"], "introduced")
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
