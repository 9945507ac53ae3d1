"""Fault injection for the sandbox: latency, random failures before/after a write, rate limits."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class FaultConfig:
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    fault_mode: str = "before"  # before: fail without acting; after: act, then fail the response
    rate_limit: float = 0.0  # requests per second; 0 = unlimited
    seed: int | None = None
    # Requests the faults apply to, each "PATH" or "METHOD PATH" with the raw path as sent
    # ("POST /v1/projects"); empty means every request.
    fault_on: tuple[str, ...] = ()
    fault_status: int = 503  # the status an injected failure answers with
    fault_retry_after: str | None = None  # its Retry-After header; None sends none


class Faults:
    def __init__(self, config: FaultConfig):
        self.config = config
        self.rng = random.Random(config.seed)
        self.tokens = config.rate_limit
        self.refilled = time.monotonic()

    def throttle(self) -> int | None:
        """None when the request may go on, else the Retry-After seconds for a 429."""
        rate = self.config.rate_limit
        if rate <= 0:
            return None
        now = time.monotonic()
        self.tokens = min(rate, self.tokens + (now - self.refilled) * rate)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return max(1, math.ceil((1 - self.tokens) / rate))

    def should_fail(self, method: str, path: str) -> bool:
        """Whether this request fails (before or after acting, per fault_mode)."""
        aimed = self.config.fault_on
        if aimed and path not in aimed and f"{method} {path}" not in aimed:
            return False
        return self.config.fault_rate > 0 and self.rng.random() < self.config.fault_rate

    def failure(self, *, after: bool) -> tuple[int, str, dict[str, str]]:
        """The injected answer: status, error message and headers."""
        status = self.config.fault_status
        if status == 429:
            text = "Too many requests hit the API too quickly"
        elif status == 503:
            text = "Server timeout from request queueing"
        else:
            text = "Injected failure"
        text += " (injected fault after the write)" if after else " (injected fault)"
        retry_after = self.config.fault_retry_after
        return status, text, {} if retry_after is None else {"Retry-After": retry_after}
