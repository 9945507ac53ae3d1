"""Slots: the client's concurrency limit, urgent waiters first."""

from __future__ import annotations

import asyncio

from scaleform.api.slots import Slots


def test_urgent_waiters_go_first_then_arrival_order():
    async def go():
        slots, order = Slots(1), []

        async def hold(name, urgent=False):
            await slots.acquire(urgent=urgent)
            order.append(name)
            await asyncio.sleep(0)
            slots.release()

        await slots.acquire()  # taken: everyone below has to wait
        tasks = [asyncio.ensure_future(hold(n, n.startswith("u"))) for n in ("a", "b", "u1", "c", "u2")]
        await asyncio.sleep(0)  # all five are queued
        slots.release()
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(go()) == ["u1", "u2", "a", "b", "c"]


def test_never_more_holders_than_slots():
    async def go():
        slots, inside, peak = Slots(3), [0], [0]

        async def work(i):
            await slots.acquire(urgent=i % 4 == 0)
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
            await asyncio.sleep(0)
            inside[0] -= 1
            slots.release()

        await asyncio.gather(*(work(i) for i in range(40)))
        return peak[0], slots._free

    assert asyncio.run(go()) == (3, 3)


def test_a_cancelled_wait_takes_no_slot():
    async def go():
        slots = Slots(1)
        await slots.acquire()
        gone = asyncio.ensure_future(slots.acquire())
        later = asyncio.ensure_future(slots.acquire())
        await asyncio.sleep(0)
        gone.cancel()
        slots.release()  # must reach `later`, not the cancelled wait
        await asyncio.wait_for(later, 5)
        # A wait cancelled after the slot was handed to it passes the slot on.
        third = asyncio.ensure_future(slots.acquire())
        fourth = asyncio.ensure_future(slots.acquire())
        await asyncio.sleep(0)
        slots.release()  # handed to `third`...
        third.cancel()  # ...which is cancelled before it runs
        await asyncio.wait_for(fourth, 5)
        slots.release()
        return slots._free

    assert asyncio.run(go()) == 1
