"""The client on a hub backed by PostgreSQL (a database of the test's own, dropped afterwards): the
seed's conversation, history, and a resume after the hub is killed and restarted."""

from __future__ import annotations

from typing import Callable

from clients import Clients
from hubs import HubProcess
from support import stored_messages
from test_reliability import resume_after_restart


async def test_a_conversation_on_postgres(own_hub: Callable[..., HubProcess]) -> None:
    hub = own_hub("postgres")
    assert hub.database.kind == "postgres"
    clients = Clients(hub.ws_url)
    try:
        provider, consumer, channel_id = await clients.pair()
        ack = await consumer.send_message(target_agent=provider.agent_id, content="查询北京天气")
        assert ack["channel_id"] == channel_id
        async for message in provider.messages():
            reply = await provider.send_message(target_agent=message["sender_id"], content="消息已收到!")
            break
        assert (ack["seq"], reply["seq"]) == (1, 2)
        history = await consumer.get_history(channel_id=channel_id)
        assert [m["content"] for m in history] == ["查询北京天气", "消息已收到!"]
        assert [m["seq"] for m in stored_messages(hub, channel_id)] == [1, 2]
        ended = await provider.end_chat(channel_id=channel_id)
        assert ended["ended_by"] == provider.agent_id
    finally:
        await clients.close()


async def test_resume_after_a_crash_on_postgres(own_hub: Callable[..., HubProcess]) -> None:
    await resume_after_restart(own_hub("postgres"))
