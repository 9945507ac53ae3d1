"""`validate --format json|sarif`: the problems, warnings and notes of a validation as data.

JSON follows schemas/validate.schema.json. SARIF 2.1.0 is what GitHub code scanning uploads
(`github/codeql-action/upload-sarif`): one run, one result per problem, warning or note.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from scaleform import __version__
from scaleform.errors import Location, Problem

FORMAT_VERSION = "1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE = "scaleform/manifest"
URI = "https://github.com/scaleform/scaleform"


def _where(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line or None, "column": location.column or None}


def _finding(p: Problem) -> dict[str, Any]:
    return {"message": p.message, "location": _where(p.location), "other": _where(p.other)}


def findings_json(
    problems: Sequence[Problem],
    warnings: Sequence[Problem],
    notes: Sequence[str],
    environments: Sequence[str],
    files: int,
) -> str:
    data = {
        "format_version": FORMAT_VERSION,
        "scaleform_version": __version__,
        "valid": not problems,
        "files": files,
        "environments": list(environments),
        "problems": [_finding(p) for p in problems],
        "warnings": [_finding(w) for w in warnings],
        "notes": list(notes),
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"  # ASCII: safe on a terminal as it is


def _sarif_location(location: Location) -> dict[str, Any]:
    path = quote(location.file)  # a URI: a comma, colon or space in a file name is escaped
    uri = "file://" + path if location.file.startswith("/") else path  # relative: to the repository
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if location.line:
        region: dict[str, int] = {"startLine": location.line}
        if location.column:
            region["startColumn"] = location.column
        physical["region"] = region
    return {"physicalLocation": physical}


def _result(level: str, message: str, location: Location | None, other: Location | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": RULE, "level": level, "message": {"text": message}}
    if location is not None:
        result["locations"] = [_sarif_location(location)]
    if other is not None:
        result["relatedLocations"] = [{"id": 1, **_sarif_location(other)}]
    return result


def findings_sarif(problems: Sequence[Problem], warnings: Sequence[Problem], notes: Sequence[str]) -> str:
    results = [_result("error", p.message, p.location, p.other) for p in problems]
    results += [_result("warning", w.message, w.location, w.other) for w in warnings]
    results += [_result("note", n, None) for n in notes]
    run = {
        "tool": {
            "driver": {
                "name": "scaleform",
                "version": __version__,
                "informationUri": URI,
                "rules": [
                    {
                        "id": RULE,
                        "name": "ManifestProblem",
                        "shortDescription": {"text": "A scaleform manifest problem"},
                        "helpUri": URI,
                    }
                ],
            }
        },
        "results": results,
    }
    data = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(data, indent=2) + "\n"
