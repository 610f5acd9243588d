"""The seed's API against a real hub, messages: send_message and its ack, get_history,
messages(), listen_for_messages, store-and-forward and quick_send."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from claw_chat_hub import Message, quick_send
from clients import Clients
from hubs import HubProcess
from support import TIMESTAMP, unique, wait_until

async def test_send_message_returns_the_ack_and_delivers_once(clients: Clients) -> None:
    provider, consumer, channel_id = await clients.pair()
    ack = await consumer.send_message(channel_id=channel_id, content="Weather in Beijing?", metadata={"city": "beijing"})
    assert ack["message_id"].startswith("msg_") and ack["channel_id"] == channel_id and ack["seq"] == 1
    assert TIMESTAMP.match(ack["timestamp"]) and ack["client_msg_id"]
    second = await consumer.send_message(channel_id=channel_id, content="And tomorrow?", client_msg_id="ask-2")
    assert second["seq"] == 2 and second["client_msg_id"] == "ask-2"
    received = []
    async for message in provider.messages():
        received.append(message)
        if len(received) == 2:
            break
    assert [m["content"] for m in received] == ["Weather in Beijing?", "And tomorrow?"]
    assert received[0]["sender_id"] == consumer.agent_id and received[0]["metadata"] == {"city": "beijing"}
    assert received[0]["message_id"] == ack["message_id"] and received[1]["seq"] == 2


async def test_a_repeated_client_msg_id_returns_the_original_message(clients: Clients) -> None:
    _provider, consumer, channel_id = await clients.pair()
    first = await consumer.send_message(channel_id=channel_id, content="once", client_msg_id="same")
    again = await consumer.send_message(channel_id=channel_id, content="once", client_msg_id="same")
    assert again["message_id"] == first["message_id"] and again["seq"] == first["seq"]
    assert again.get("duplicate") is True and "duplicate" not in first
    assert len(await consumer.get_history(channel_id=channel_id)) == 1


async def test_target_agent_opens_the_pair_channel_and_the_reply_reuses_it(clients: Clients) -> None:
    provider = await clients.connected("provider")
    consumer = await clients.connected("consumer")
    ack = await consumer.send_message(target_agent=provider.agent_id, content="hi")
    async for message in provider.messages():
        assert message["content"] == "hi" and message["channel_id"] == ack["channel_id"]
        reply = await provider.send_message(target_agent=message["sender_id"], content="hello back")
        break
    assert reply["channel_id"] == ack["channel_id"] and reply["seq"] == 2
    async for message in consumer.messages():
        assert message["content"] == "hello back" and message["sender_id"] == provider.agent_id
        break


async def test_send_message_with_service_id_uses_that_service_channel(clients: Clients) -> None:
    provider, service_id = await clients.provider()
    consumer = await clients.connected("consumer")
    ack = await consumer.send_message(target_agent=provider.agent_id, content="direct", service_id=service_id)
    history = await consumer.get_history(service_id=service_id)
    assert [m["message_id"] for m in history] == [ack["message_id"]]


async def test_get_history_oldest_first_with_limit_and_cursors(clients: Clients) -> None:
    provider, consumer, channel_id = await clients.pair()
    for n in range(1, 8):
        await (consumer if n % 2 else provider).send_message(channel_id=channel_id, content=f"m{n}")
    history = await consumer.get_history(channel_id=channel_id, limit=50)
    assert [m["content"] for m in history] == [f"m{n}" for n in range(1, 8)]
    assert [m["seq"] for m in history] == list(range(1, 8))
    first = history[0]
    assert set(first) >= {"message_id", "channel_id", "sender_id", "content", "timestamp", "seq"}
    assert first["sender_id"] == consumer.agent_id and history[1]["sender_id"] == provider.agent_id
    assert [m["seq"] for m in await consumer.get_history(channel_id=channel_id, limit=3)] == [5, 6, 7]
    assert [m["seq"] for m in await consumer.get_history(channel_id=channel_id, limit=2, before_seq=5)] == [3, 4]
    assert [m["seq"] for m in await provider.get_history(channel_id=channel_id, after_seq=5)] == [6, 7]
    page = await consumer.get_history_page(channel_id=channel_id, limit=3, after_seq=0)
    assert [m["seq"] for m in page["messages"]] == [1, 2, 3] and page["has_more"] is True


async def test_get_history_as_the_seed_calls_it(clients: Clients) -> None:
    provider, service_id = await clients.provider()
    consumer = await clients.connected("consumer")
    decision = await consumer.request_chat(service_id=service_id)
    await consumer.send_message(channel_id=decision["channel_id"], content="kept")
    history = await consumer.get_history(channel_id=decision["channel_id"], service_id=service_id, limit=50)
    assert [m["content"] for m in history] == ["kept"]
    assert [m["content"] for m in await provider.get_history(service_id=service_id)] == ["kept"]


async def test_messages_keeps_what_arrived_before_anyone_read(clients: Clients) -> None:
    provider, consumer, channel_id = await clients.pair()
    for n in range(3):
        await provider.send_message(channel_id=channel_id, content=f"early {n}")
    await consumer.get_history(channel_id=channel_id)  # the three are delivered by now
    seen = []
    async for message in consumer.messages():
        seen.append(message["content"])
        if len(seen) == 3:
            break
    assert seen == ["early 0", "early 1", "early 2"]


async def test_listen_for_messages_runs_until_disconnect(clients: Clients) -> None:
    provider, consumer, channel_id = await clients.pair()
    got: List[str] = []
    errors: List[Dict[str, Any]] = []
    consumer.on("listener_error", errors.append)

    async def handler(message: Message) -> None:
        got.append(message["content"])
        if message["content"] == "boom":
            raise ValueError("handler failed")

    listening = asyncio.ensure_future(consumer.listen_for_messages(handler))
    for content in ("one", "boom", "three"):
        await provider.send_message(channel_id=channel_id, content=content)
    await wait_until(lambda: len(got) == 3)
    assert got == ["one", "boom", "three"]
    assert isinstance(errors[0]["error"], ValueError) and errors[0]["message"]["content"] == "boom"
    assert not listening.done()
    await consumer.disconnect()
    await asyncio.wait_for(listening, 5)
    assert listening.result() is None


async def test_listen_for_messages_takes_a_plain_function(clients: Clients) -> None:
    provider, consumer, channel_id = await clients.pair()
    got: List[int] = []
    listening = asyncio.ensure_future(consumer.listen_for_messages(lambda message: got.append(message["seq"])))
    await provider.send_message(channel_id=channel_id, content="x")
    await wait_until(lambda: got == [1])
    await consumer.disconnect()
    await asyncio.wait_for(listening, 5)


async def test_store_and_forward_to_an_agent_that_connects_later(clients: Clients) -> None:
    sender = await clients.connected("sender")
    later = clients.new("later")
    await sender.send_message(target_agent=later.agent_id, content="while you were away")
    await later.connect()
    async for message in later.messages():
        assert message["content"] == "while you were away" and message["sender_id"] == sender.agent_id
        break


async def test_quick_send_returns_the_ack(clients: Clients, hub: HubProcess) -> None:
    receiver = await clients.connected("receiver")
    ack = await quick_send(hub_url=hub.ws_url, agent_id=unique("sender"), target_agent=receiver.agent_id, content="Hello!")
    assert ack["seq"] == 1 and ack["message_id"].startswith("msg_")
    async for message in receiver.messages():
        assert message["message_id"] == ack["message_id"] and message["content"] == "Hello!"
        break
