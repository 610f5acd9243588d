"""How fast this client writes frames: the ``max_in_flight`` window for messages, and what it
learns from a hub that refuses frames as too fast (RATE_LIMITED) or for now (UNAVAILABLE).

A refusal starts an episode: nothing is written until the error's ``retry_after_ms`` has passed
(or a jittered backoff, when it carries none), then messages restart from a window of one that
grows by one per ack back to ``max_in_flight``. A window alone cannot slow a client whose acks
come back within a millisecond, so a RATE_LIMITED episode also doubles a minimum spacing between
frames, which then shrinks by 1% per ack: the client settles just under the hub's pace instead of
probing it with bursts (each refusal counts against the client at the hub). Refusals of frames
written before the episode began belong to it and change nothing more. A new connection starts
afresh: the limits are per connection.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Optional

from .backoff import Backoff

#: The first spacing a RATE_LIMITED episode sets (then doubled by each further one), in seconds.
_FIRST_SPACING = 0.002
#: Below this the spacing is dropped: the client writes as fast as the window allows.
_NO_SPACING = 0.0005


class Pace:
    def __init__(self, max_in_flight: int, refusal_backoff: Backoff, wake: Callable[[], None]) -> None:
        self.max_in_flight = max_in_flight
        self.window = max_in_flight
        #: Episodes so far; a frame remembers the one it was written in.
        self.epoch = 0
        self._backoff = refusal_backoff
        self._wake = wake
        self._spacing = 0.0
        self._not_before = 0.0
        self._timer: Optional[asyncio.TimerHandle] = None

    def blocked_until(self) -> Optional[float]:
        """When the next frame may go (loop time), or None if it may go now."""
        now = asyncio.get_running_loop().time()
        return self._not_before if self._not_before > now else None

    def wrote(self) -> None:
        if self._spacing:
            self._not_before = max(self._not_before, asyncio.get_running_loop().time() + self._spacing)

    def acked(self, epoch: int) -> None:
        if epoch != self.epoch:
            return
        if self._spacing:
            self._spacing = self._spacing * 0.99 if self._spacing > _NO_SPACING else 0.0
        if self.window < self.max_in_flight:
            self.window += 1
            if self.window == self.max_in_flight:
                self._backoff.reset()

    def refused(self, epoch: int, too_fast: bool, retry_after_ms: Optional[float]) -> None:
        if epoch != self.epoch:
            return
        self.epoch += 1
        self.window = 1
        if too_fast:
            self._spacing = max(self._spacing * 2, _FIRST_SPACING)
        delay = retry_after_ms / 1000 if retry_after_ms is not None else self._backoff.next()
        self._hold(asyncio.get_running_loop().time() + delay)

    def wait(self, until: float) -> None:
        """Wakes the writer at ``until`` (a blocked flush calls this)."""
        self._hold(until)

    def reset(self) -> None:
        self.epoch += 1
        self.window = self.max_in_flight
        self._spacing = 0.0
        self._not_before = 0.0
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _hold(self, until: float) -> None:
        self._not_before = max(self._not_before, until)
        if self._timer is not None:
            if self._timer.when() == self._not_before:
                return
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_at(self._not_before, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._wake()
