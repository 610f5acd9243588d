"""The client's guarantees when a connection goes away: a hub killed and restarted (resume from
the last seq per channel, re-send of unacked messages, nothing lost, nothing twice), a socket cut
mid-stream, and what becomes of requests the hub may or may not have applied."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List

import pytest

from claw_chat_hub import ChatError, ClientErrorCode, Message
from claw_chat_hub.transport import abort
from clients import Clients
from hubs import HubProcess
from support import FAST_RECONNECT, stored_messages, unique, wait_until

async def test_resumes_after_the_hub_is_killed_and_restarted(own_hub: Callable[..., HubProcess]) -> None:
    await resume_after_restart(own_hub())


async def resume_after_restart(hub: HubProcess) -> None:
    """Messages before, during and after a hub crash reach the consumer once each, in order."""
    clients = Clients(hub.ws_url)
    try:
        provider, consumer, channel_id = await clients.pair(reconnect=FAST_RECONNECT)
        events: List[Any] = []
        consumer.on("reconnecting", lambda event: events.append("reconnecting"))
        consumer.on("connected", lambda event: events.append(("connected", event["reconnected"])))
        received: List[Message] = []
        listening = asyncio.ensure_future(consumer.listen_for_messages(received.append))
        for n in range(5):
            await provider.send_message(channel_id=channel_id, content=f"before {n}")
        await wait_until(lambda: len(received) == 5)

        hub.kill()
        # Sent while the hub is down: held by the client, written once it is back.
        during = [asyncio.ensure_future(provider.send_message(channel_id=channel_id, content=f"during {n}")) for n in range(10)]
        await wait_until(lambda: provider.state == "reconnecting" and consumer.state == "reconnecting")
        await hub.start_async()
        acks = await asyncio.gather(*during)
        after = await provider.send_message(channel_id=channel_id, content="after")

        await wait_until(lambda: len(received) == 16, what="all 16 messages delivered")
        assert [m["content"] for m in received] == [f"before {n}" for n in range(5)] + [f"during {n}" for n in range(10)] + ["after"]
        assert [m["seq"] for m in received] == list(range(1, 17))
        assert sorted(a["seq"] for a in acks) == list(range(6, 16)) and after["seq"] == 16
        assert "reconnecting" in events and ("connected", True) in events
        assert [m["seq"] for m in stored_messages(hub, channel_id)] == list(range(1, 17))
        listening.cancel()
    finally:
        await clients.close()


async def test_a_graceful_restart_mid_stream_stores_every_message_once(own_hub: Callable[..., HubProcess]) -> None:
    """SIGTERM: the hub refuses new frames (UNAVAILABLE), acks what it accepted and closes with 1001;
    the client sends the rest to the restarted hub."""
    hub = own_hub()
    clients = Clients(hub.ws_url)
    try:
        _provider, consumer, channel_id = await clients.pair(reconnect=FAST_RECONNECT, request_timeout=120.0)
        closes: List[int] = []
        consumer.on("disconnected", lambda event: closes.append(event["code"]))
        acks: List[Any] = []

        async def send(n: int) -> None:
            acks.append(await consumer.send_message(channel_id=channel_id, content=f"m{n}", client_msg_id=f"m{n}"))

        sending = asyncio.ensure_future(asyncio.gather(*(send(n) for n in range(300))))
        await wait_until(lambda: len(acks) >= 50)
        await asyncio.to_thread(hub.stop)
        await hub.start_async()
        await sending
        assert closes[0] == 1001
        stored = stored_messages(hub, channel_id)
        assert [m["seq"] for m in stored] == list(range(1, 301))
        assert sorted(m["client_msg_id"] for m in stored) == sorted(f"m{n}" for n in range(300))
        assert sorted(a["seq"] for a in acks) == list(range(1, 301))
    finally:
        await clients.close()


async def test_a_cut_socket_resumes_exactly_what_it_missed(clients: Clients) -> None:
    provider, consumer, channel_id = await clients.pair(reconnect=FAST_RECONNECT)
    received: List[Message] = []
    listening = asyncio.ensure_future(consumer.listen_for_messages(received.append))
    reconnects: List[bool] = []
    consumer.on("connected", lambda event: reconnects.append(event["reconnected"]))
    sending = asyncio.ensure_future(asyncio.gather(*(provider.send_message(channel_id=channel_id, content=f"m{n}") for n in range(200))))
    cuts = 0
    while cuts < 3 and len(received) < 200:
        socket = consumer.socket_for_testing
        if socket is not None:
            abort(socket)  # as a network failure would: no close frame
            cuts += 1
        await asyncio.sleep(0.02)
    await sending
    await wait_until(lambda: len(received) == 200, what="200 messages delivered")
    assert [m["seq"] for m in received] == list(range(1, 201))
    assert len({m["message_id"] for m in received}) == 200
    assert cuts >= 1 and reconnects.count(True) >= 1
    listening.cancel()


async def test_a_send_interrupted_by_a_cut_is_stored_once(clients: Clients) -> None:
    provider, consumer, channel_id = await clients.pair(reconnect=FAST_RECONNECT)
    sending = asyncio.ensure_future(consumer.send_message(channel_id=channel_id, content="exactly once", client_msg_id="once"))
    await asyncio.sleep(0)  # handed to the socket, not yet acked
    socket = consumer.socket_for_testing
    assert socket is not None
    abort(socket)
    ack = await sending
    history = await consumer.get_history(channel_id=channel_id)
    assert [(m["message_id"], m["client_msg_id"]) for m in history] == [(ack["message_id"], "once")]


async def test_a_channel_change_written_before_a_cut_fails_with_connection_lost(clients: Clients) -> None:
    provider = await clients.connected("silent")
    service_id = unique("svc")
    await provider.register_service(service_id=service_id)
    consumer = await clients.connected("consumer", reconnect=FAST_RECONNECT)
    asking = asyncio.ensure_future(consumer.request_chat(service_id=service_id))
    await asyncio.sleep(0)
    socket = consumer.socket_for_testing
    assert socket is not None
    abort(socket)
    with pytest.raises(ChatError) as caught:
        await asking
    assert caught.value.code == ClientErrorCode.CONNECTION_LOST
    await wait_until(lambda: consumer.state == "open")


async def test_without_reconnect_a_lost_connection_ends_everything(clients: Clients) -> None:
    _provider, consumer, _channel_id = await clients.pair(reconnect=False)
    stream = consumer.messages()
    lost: List[Dict[str, Any]] = []
    consumer.on("disconnected", lost.append)
    socket = consumer.socket_for_testing
    assert socket is not None
    abort(socket)
    with pytest.raises(ChatError) as caught:
        await stream.__anext__()
    assert caught.value.code == ClientErrorCode.CONNECTION_LOST
    assert consumer.state == "closed" and lost[0]["will_reconnect"] is False
