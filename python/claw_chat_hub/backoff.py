"""Reconnect (and retry) delays: exponential backoff with full jitter, each delay drawn uniformly
from [0, min(max_delay, base_delay · 2^attempt)], so a hub restart is not met by every client at
once."""

from __future__ import annotations

import random as _random
from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass(frozen=True)
class BackoffOptions:
    """How the client waits between reconnect attempts. Times are in seconds."""

    #: The first retry waits up to this long; each further one doubles the bound.
    base_delay: float = 0.25
    #: Upper bound of any single delay.
    max_delay: float = 10.0
    #: Give up after this many failed attempts in a row (None: never, until disconnect()).
    max_attempts: Optional[int] = None
    #: Source of jitter in [0, 1); tests pass a constant to make delays predictable.
    random: Callable[[], float] = field(default=_random.random, compare=False)


class Backoff:
    def __init__(self, options: BackoffOptions = BackoffOptions()) -> None:
        if not (options.base_delay > 0 and options.max_delay >= options.base_delay):
            raise ValueError("backoff needs 0 < base_delay <= max_delay")
        self._options = options
        self._attempts = 0

    @property
    def attempts(self) -> int:
        """Delays handed out since the last reset()."""
        return self._attempts

    @property
    def can_retry(self) -> bool:
        limit = self._options.max_attempts
        return limit is None or self._attempts < limit

    def next(self) -> float:
        """The delay before the next attempt; counts the attempt."""
        # 2**attempts grows past any float long before it matters; the cap keeps it finite.
        ceiling = min(self._options.max_delay, self._options.base_delay * 2.0 ** min(self._attempts, 60))
        self._attempts += 1
        return self._options.random() * ceiling

    def reset(self) -> None:
        """After a success, so that the next outage starts from a short delay."""
        self._attempts = 0
