"""Pacer: a 429 closes the gate for everyone and sets a learned rate; successes raise it again."""

from __future__ import annotations

import pytest

from scaleform.api.pacing import DECREASE, GROWTH, INCREASE, QUIET, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_unthrottled_requests_never_wait():
    pacer = Pacer(clock=Clock())
    assert [pacer.reserve() for _ in range(50)] == [0.0] * 50
    assert pacer.rate is None and not pacer.throttled


def test_a_429_closes_the_gate_and_paces_at_a_share_of_the_accepted_rate():
    clock = Clock()
    pacer = Pacer(clock=clock)
    for _ in range(20):  # 20 answers within the last second
        clock.now += 0.04
        pacer.served()
    pacer.throttle(1.0, sent=clock.now)
    assert pacer.rate == 20 * DECREASE and pacer.throttled
    waits = [pacer.reserve() for _ in range(3)]
    interval = 1 / pacer.rate
    assert waits == pytest.approx([1.0, 1.0 + interval, 1.0 + 2 * interval])


def test_429s_already_in_flight_at_a_cut_do_not_cut_again():
    clock = Clock()
    pacer = Pacer(clock=clock)
    for _ in range(10):
        pacer.served()
    sent = clock.now
    clock.now += 0.01
    pacer.throttle(0.5, sent=sent)
    rate = pacer.rate
    clock.now += 0.01
    pacer.throttle(0.5, sent=sent)  # sent before the cut: the same round
    assert pacer.rate == rate
    pacer.throttle(0.5, sent=clock.now)  # sent after it: a new round
    assert pacer.rate == max(pacer.min_rate, min(rate, 10) * DECREASE)


def test_a_steady_429_stream_keeps_the_rate_at_its_minimum():
    clock = Clock()
    pacer = Pacer(clock=clock)
    for _ in range(5):
        pacer.throttle(0.5, sent=clock.now)
        clock.now += 0.6
    assert pacer.rate == pacer.min_rate


def test_successes_raise_the_rate_and_quiet_ends_the_throttled_state():
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.throttle(0.2, sent=clock.now)
    low = pacer.rate
    for _ in range(10):
        clock.now += 0.1
        pacer.served()
    assert pacer.rate > low
    assert pacer.throttled
    clock.now += QUIET
    assert not pacer.throttled


def test_a_pause_holds_everyone_without_pacing():
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.pause(2.0)
    assert pacer.reserve() == 2.0 and pacer.reserve() == 2.0 and pacer.rate is None
    assert pacer.eta() == 2.0


def test_below_the_ceiling_the_rate_grows_fast_and_above_it_slowly():
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.throttle(0.2, sent=clock.now)  # refused before anything was accepted: no ceiling
    assert pacer.rate == pacer.min_rate and pacer.ceiling == 0
    for _ in range(40):
        pacer.served()
    assert pacer.rate == pytest.approx(pacer.min_rate + 40 * GROWTH)  # exponential in time
    clock.now += 10
    for _ in range(8):
        pacer.served()
    pacer.throttle(0.2, sent=clock.now)  # refused at 8 accepted/s
    assert pacer.ceiling == 8 and pacer.rate == 8 * DECREASE
    while pacer.rate < pacer.ceiling:
        pacer.served()
    above = pacer.rate
    for _ in range(10):
        pacer.served()
    assert pacer.rate - above < 10 * INCREASE / above + 1e-9  # about INCREASE per second
