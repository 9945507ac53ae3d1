"""Request bodies, checked in one place: the JSON text itself, then each field by its type.

Malformed input is refused here with the API's 400 naming the field, so the operations never see
a value of the wrong type, a number SQLite cannot store, or a tree too deep to walk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any, Literal, overload

from scaleform.sandbox.base import SandboxError

MAX_BODY = 10 * 1024 * 1024  # bytes; a larger body is answered 413 unread
# Far deeper than any real body, and far from Python's recursion limit, so the walks after
# parsing (ontology checks, rendering the answer) cannot overflow the stack.
MAX_DEPTH = 100
MAX_COUNT = 2**31 - 1  # counts are 32-bit integers: fits SQLite and any backend
# Only a \uD800-\uDFFF escape can put a lone surrogate into parsed text (raw bytes are checked
# as UTF-8 first); such text cannot be stored in SQLite or sent back as UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_CONTAINERS = (dict, list)


def invalid(field: str, reason: str) -> SandboxError:
    return SandboxError(400, f'Parameter is invalid, reason: "{field}" {reason}')


def _bad_json(reason: str) -> SandboxError:
    return SandboxError(400, f"Request body is not valid JSON: {reason}")


def _too_deep() -> SandboxError:
    return SandboxError(400, f"Request body is nested more than {MAX_DEPTH} levels deep")


def kind(value: Any) -> str:
    """The JSON type of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


# -- the body -----------------------------------------------------------------------------------
def _no_constant(name: str) -> Any:
    raise _bad_json(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _bad_json(f"the number {text[:40]} is out of range")
    return value


def _load(data: bytes) -> Any:
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_json("it is not UTF-8") from None
    try:
        value = json.loads(decoded, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise _too_deep() from None
    except json.JSONDecodeError as exc:
        raise _bad_json(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError:  # an integer literal longer than Python converts
        raise _bad_json("a number is too long") from None
    _check_tree(value, texts=_SURROGATE_ESCAPE.search(decoded) is not None)
    return value


def _levels(value: Any) -> Iterator[list[Any]]:
    """The arrays and objects of a parsed tree, level by level from the top; iterative, so a deep
    tree cannot overflow the stack."""
    level = [value] if type(value) in _CONTAINERS else []
    while level:
        yield level
        children = chain(
            chain.from_iterable(n for n in level if type(n) is list),
            chain.from_iterable(n.values() for n in level if type(n) is dict),
        )
        level = [c for c in children if type(c) in _CONTAINERS]


def _check_tree(value: Any, *, texts: bool) -> None:
    """Refuse a tree deeper than MAX_DEPTH, and (when `texts`) any string or key holding a lone
    surrogate."""
    for depth, level in enumerate(_levels(value), start=1):
        if depth > MAX_DEPTH:
            raise _too_deep()
        if texts:
            _check_texts(level)


def _check_texts(level: list[Any]) -> None:
    """The strings in one level's arrays and objects, keys included, must be encodable as UTF-8."""
    for node in level:
        for item in chain(node.keys(), node.values()) if type(node) is dict else node:
            if type(item) is str:
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    raise _bad_json("a string holds an unpaired UTF-16 surrogate escape") from None


def parse_body(data: bytes) -> dict[str, Any]:
    """The JSON object a request sends; an empty body is an empty object."""
    if not data.strip():
        return {}
    value = _load(data)
    if not isinstance(value, dict):
        raise SandboxError(400, f"Request body must be a JSON object, not {kind(value)}")
    return value


# -- typed fields (absent and null are the same: not given) --------------------------------------
@overload
def text(body: dict[str, Any], field: str, *, required: Literal[True]) -> str: ...
@overload
def text(body: dict[str, Any], field: str, *, required: bool = False) -> str | None: ...
def text(body: dict[str, Any], field: str, *, required: bool = False) -> str | None:
    """A string; `required` also refuses the empty string."""
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise invalid(field, "is required" if value is None else f"must be a string, not {kind(value)}")
    if required and not value:
        raise invalid(field, "is required")
    return value


def flag(body: dict[str, Any], field: str) -> bool:
    """A boolean (false when not given); "yes", 1 and the like are refused, not taken as true."""
    value = body.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(field, f"must be true or false, not {kind(value)}")
    return value


def count(body: dict[str, Any], field: str, low: int = 1, high: int = MAX_COUNT) -> int | None:
    """An integer from `low` to `high`, or None when not given."""
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid(field, f"must be an integer, not {kind(value)}")
    if not low <= value <= high:
        raise invalid(field, f"must be an integer from {low} to {high}")
    return value


def choice(body: dict[str, Any], field: str, options: Iterable[str]) -> str:
    """One of `options` (required)."""
    value, options = body.get(field), tuple(options)
    if not isinstance(value, str) or value not in options:
        raise invalid(field, f"must be one of {', '.join(options)}")
    return value


def mapping(body: dict[str, Any], field: str) -> dict[str, Any] | None:
    """A JSON object, or None when not given."""
    value = body.get(field)
    if value is not None and not isinstance(value, dict):
        raise invalid(field, f"must be an object, not {kind(value)}")
    return value


def strings(body: dict[str, Any], field: str, *, required: bool = True) -> list[str]:
    """An array of strings; when not `required`, an absent one is empty."""
    value = body.get(field)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(field, "must be an array of strings")
    return value
