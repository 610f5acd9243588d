"""Small helpers the tests share: waiting for a condition (never a fixed sleep) and unique ids."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
from typing import Any, Callable, Dict, List

from claw_chat_hub import BackoffOptions
from hubs import HubProcess

_ids = itertools.count(1)
#: Reconnects within half a second, so the tests wait for the hub, not for the backoff.
FAST_RECONNECT = BackoffOptions(base_delay=0.05, max_delay=0.5)
#: How the hub writes times: ISO 8601, UTC.
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def unique(prefix: str) -> str:
    """An agent or service id no other test uses, even on the shared hub."""
    return f"{prefix}-{os.getpid()}-{next(_ids)}"


async def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.02)


def stored_messages(hub: HubProcess, channel_id: str) -> List[Dict[str, Any]]:
    """The channel's whole history over REST (the operator's view), oldest first."""
    stored: List[Dict[str, Any]] = []
    while True:
        after = stored[-1]["seq"] if stored else 0
        status, page = hub.request("GET", f"/channels/{channel_id}/messages?limit=500&after_seq={after}")
        assert status == 200, page
        stored += page["messages"]
        if not page["has_more"]:
            return stored
