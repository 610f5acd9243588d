"""The crash test: one client sends 2,000 messages to another while the hub is SIGKILLed and
restarted twice. Every acked message is stored once, delivered once, and in seq order; the stored
history is exactly the acked set. Prints the figures."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Set

import pytest

from claw_chat_hub import Message
from clients import Clients
from hubs import HubProcess
from support import FAST_RECONNECT, stored_messages, wait_until

TOTAL = 2_000


@pytest.mark.deadline(240)
async def test_two_hub_crashes_lose_nothing_and_repeat_nothing(
    own_hub: Callable[..., HubProcess], capsys: pytest.CaptureFixture[str]
) -> None:
    hub = own_hub()
    clients = Clients(hub.ws_url)
    options: Dict[str, Any] = {"reconnect": FAST_RECONNECT, "request_timeout": 180.0}
    try:
        receiver, sender, channel_id = await clients.pair(**options)
        received: List[Message] = []
        seen: Set[str] = set()
        duplicates = 0

        def collect(message: Message) -> None:
            nonlocal duplicates
            duplicates += message["message_id"] in seen
            seen.add(message["message_id"])
            received.append(message)

        listening = asyncio.ensure_future(receiver.listen_for_messages(collect))
        reconnects = 0

        def count(event: Dict[str, Any]) -> None:
            nonlocal reconnects
            reconnects += event["reconnected"]

        sender.on("connected", count)
        closes: List[int] = []
        sender.on("disconnected", lambda event: closes.append(event["code"]))
        acks: Dict[str, int] = {}

        async def send(n: int) -> None:
            ack = await sender.send_message(channel_id=channel_id, content=f"message {n}", client_msg_id=f"m-{n}")
            acks[ack["message_id"]] = ack["seq"]

        # All at once: the client keeps max_in_flight (32) unacked and queues the rest.
        sending = asyncio.ensure_future(asyncio.gather(*(send(n) for n in range(TOTAL))))
        crashes = 0
        for fraction in (0.25, 0.6):
            await wait_until(lambda: len(acks) >= TOTAL * fraction, timeout=120, what=f"{fraction:.0%} acked")
            hub.kill()
            crashes += 1
            await hub.start_async()
        await sending
        await wait_until(lambda: len(received) >= len(acks), timeout=60, what="every acked message delivered")
        stored = stored_messages(hub, channel_id)
        lost = len(set(acks) - seen)
        with capsys.disabled():  # the figures belong in every run's output
            print(
                f"\ncrash test: hub SIGKILLed {crashes}x, sender reconnected {reconnects}x; sent {TOTAL}, acked {len(acks)}, "
                f"stored {len(stored)}, delivered {len(received)}, duplicates {duplicates}, lost {lost}; "
                f"sender's closes {closes}"
            )
        assert crashes == 2 and reconnects >= 2
        assert len(acks) == TOTAL and lost == 0 and duplicates == 0 and len(received) == TOTAL
        assert [m["seq"] for m in received] == sorted(m["seq"] for m in received)
        assert [m["seq"] for m in stored] == list(range(1, TOTAL + 1))
        assert {m["message_id"] for m in stored} == set(acks) == seen
        assert sorted(m["client_msg_id"] for m in stored) == sorted(f"m-{n}" for n in range(TOTAL))
        listening.cancel()
    finally:
        await clients.close()
