"""Running a coroutine to completion from synchronous code (the CLI and the Python API)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)`, without formatting the result.

    When asyncio.run hands SIGINT back, a failed enum lookup formats the repr of the main task,
    result included, which is slow for a large plan; here the main task returns None and the
    result travels beside it (docs/performance.md).
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]
