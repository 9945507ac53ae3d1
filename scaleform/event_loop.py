"""Running a coroutine to completion from synchronous code (the CLI and the Python API)."""
from __future__ import annotations

import asyncio
from typing import Any, Coroutine, TypeVar

T = TypeVar("T")


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)`, without formatting the result.

    When asyncio.run hands SIGINT back, `signal.getsignal` tries to turn its handler (a partial
    holding the main task) into an enum, and the failed lookup formats the repr of that task,
    result included. For a 1,500-operation plan that repr took 0.15 to 0.2 s, twice. Here the
    main task returns None and the result travels beside it.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]
