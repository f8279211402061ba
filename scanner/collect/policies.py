"""Pipeline policies of ours in the Azure SDK clients: count what was sent, retry boundedly, pace.

Coverage must say how many requests a query took and how many were retries, so counting happens
in the pipeline itself rather than being estimated. Resource Graph reports its per-user quota in
`x-ms-user-quota-remaining` / `x-ms-user-quota-resets-after` (hh:mm:ss): the pacer waits for the
window to reset before the quota runs out, instead of provoking 429s; a 429's `Retry-After` is
honoured by the retry policy. Both take a `Clock`, so tests can record waits instead of waiting.
"""

from __future__ import annotations

import re
import time

from azure.core.pipeline.policies import RetryPolicy, SansIOHTTPPolicy


class Clock:
    """Real time. Tests pass one whose `sleep` records the wait and moves `now` on without waiting."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


REAL_TIME = Clock()
_RESET = re.compile(r"^(\d+):(\d{2}):(\d{2})(?:\.\d+)?$")


class CountingRetryPolicy(RetryPolicy):
    """azure-core's retry policy (429 with Retry-After, 5xx, connection errors), bounded and counted."""

    def __init__(self, clock: Clock = REAL_TIME, total: int = 4, backoff: float = 0.8):
        super().__init__(retry_total=total, retry_backoff_factor=backoff, retry_backoff_max=30)
        self._clock = clock
        self.retries = 0
        self.waits: list[float] = []

    def increment(self, settings, response=None, error=None) -> bool:
        more = super().increment(settings, response=response, error=error)
        if more:
            self.retries += 1
        return more

    def sleep(self, settings, transport, response=None) -> None:
        delay = self.get_retry_after(response) if response is not None else None
        if delay is None:
            delay = self.get_backoff_time(settings)
        if delay and delay > 0:
            self.waits.append(delay)
            self._clock.sleep(delay)


def parse_reset(text: str | None) -> float | None:
    """`hh:mm:ss` (the quota window's remaining time) in seconds."""
    match = _RESET.match((text or "").strip())
    if not match:
        return None
    hours, minutes, seconds = (int(g) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


class QuotaPacer(SansIOHTTPPolicy):
    """Counts every request sent and waits for the quota window to reset when it is nearly spent."""

    def __init__(self, clock: Clock = REAL_TIME, keep: int = 1):
        self._clock = clock
        self.keep = keep  # requests kept in hand: pace when the remaining quota falls to this
        self.requests = 0
        self.remaining: int | None = None
        self.resets_at: float | None = None
        self.waits: list[float] = []

    def on_request(self, request) -> None:
        if self.remaining is not None and self.remaining <= self.keep and self.resets_at is not None:
            delay = self.resets_at - self._clock.now()
            if delay > 0:
                self.waits.append(delay)
                self._clock.sleep(delay)
            self.remaining = None
        self.requests += 1

    def on_response(self, request, response) -> None:
        headers = response.http_response.headers
        remaining = headers.get("x-ms-user-quota-remaining")
        reset = parse_reset(headers.get("x-ms-user-quota-resets-after"))
        if remaining is not None and remaining.strip().isdigit():
            self.remaining = int(remaining)
            self.resets_at = self._clock.now() + reset if reset is not None else None
