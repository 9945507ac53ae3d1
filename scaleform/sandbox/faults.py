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
        """Whether this request fails with a 503 (before or after acting, per fault_mode)."""
        return self.config.fault_rate > 0 and self.rng.random() < self.config.fault_rate

    def intercept(self, method: str, path: str) -> tuple[int, str] | None:
        """A response to send instead of handling the request (none by default)."""
        return None
