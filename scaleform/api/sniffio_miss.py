"""A recorded miss for sniffio while a client is open.

httpcore imports sniffio for every lock it sets up; when sniffio is not installed, each miss
searches sys.path again. While a client is open, a None entry in sys.modules answers the miss at
once (httpcore then assumes asyncio, which is what runs); the last client to close removes it.
"""

from __future__ import annotations

import importlib.util
import sys

_users = 0
_placed = False


def hold() -> None:
    global _users, _placed
    if _users == 0 and "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        # typeshed leaves out the None that the import system reads as "not installed"
        sys.modules["sniffio"] = None  # type: ignore[assignment]
        _placed = True
    _users += 1


def release() -> None:
    global _users, _placed
    _users = max(0, _users - 1)
    if _users == 0 and _placed:
        if "sniffio" in sys.modules and sys.modules["sniffio"] is None:
            del sys.modules["sniffio"]
        _placed = False
