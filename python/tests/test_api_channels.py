"""The seed's API against a real hub, connections and channels: connect, register_service,
request_chat, accept_chat, reject_chat, end_chat and the events both sides see."""

from __future__ import annotations

from typing import Any, Dict, List

from claw_chat_hub import ChatClient
from clients import Clients
from hubs import HubProcess
from support import TIMESTAMP, unique, wait_until

async def test_connect_returns_the_welcome_and_is_idempotent(clients: Clients) -> None:
    client = clients.new("welcome")
    assert str(client.state) == "idle"
    welcome = await client.connect()
    assert welcome["agent_id"] == client.agent_id
    assert welcome["protocol"] == 1 and welcome["max_frame_bytes"] > 0
    assert TIMESTAMP.match(welcome["server_time"])
    assert "type" not in welcome
    assert client.state == "open"
    assert await client.connect() == welcome


async def test_hub_url_with_or_without_ws_and_as_http(hub: HubProcess) -> None:
    port = hub.port
    for url in (f"ws://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/ws", f"http://localhost:{port}"):
        async with ChatClient(hub_url=url, agent_id=unique("url")) as chat:
            assert str(chat.state) == "open", url
        assert str(chat.state) == "closed"


async def test_register_service_returns_the_service(clients: Clients) -> None:
    provider = await clients.connected("registrar")
    service_id = unique("svc")
    service = await provider.register_service(service_id=service_id, description="Forecasts")
    assert service["service_id"] == service_id and service["provider_id"] == provider.agent_id
    assert service["description"] == "Forecasts" and TIMESTAMP.match(service["created_at"])
    assert (await provider.register_service(service_id=service_id))["service_id"] == service_id


async def test_request_chat_accepted_with_the_events_on_both_sides(clients: Clients) -> None:
    provider = await clients.connected("provider")
    service_id = unique("svc")
    await provider.register_service(service_id=service_id)
    requests: List[Dict[str, Any]] = []
    accepts: Dict[str, List[Dict[str, Any]]] = {"provider": [], "consumer": []}

    @provider.on("chat_request")
    async def answer(request: Dict[str, Any]) -> None:
        requests.append(request)
        accepted = await provider.accept_chat(consumer_id=request["consumer_id"])
        assert accepted["status"] == "active"

    provider.on("chat_accept", accepts["provider"].append)
    consumer = await clients.connected("consumer")
    consumer.on("chat_accept", accepts["consumer"].append)
    result = await consumer.request_chat(service_id=service_id, message="Hello")
    assert result == {"status": "accepted", "channel_id": result["channel_id"]}
    assert result["channel_id"].startswith("ch_")
    assert requests[0]["consumer_id"] == consumer.agent_id and requests[0]["channel_id"] == result["channel_id"]
    assert requests[0]["service_id"] == service_id and requests[0]["message"] == "Hello"
    await wait_until(lambda: len(accepts["provider"]) == 1 and len(accepts["consumer"]) == 1)
    for seen in accepts.values():
        assert seen[0]["channel_id"] == result["channel_id"] and seen[0]["provider_id"] == provider.agent_id


async def test_request_chat_rejected_with_the_reason(clients: Clients) -> None:
    provider = await clients.connected("provider")
    service_id = unique("svc")
    await provider.register_service(service_id=service_id)
    rejections: List[Any] = []
    provider.on("chat_request", lambda request: provider.reject_chat(consumer_id=request["consumer_id"], reason="Busy"))
    consumer = await clients.connected("consumer")
    consumer.on("chat_reject", rejections.append)
    result = await consumer.request_chat(service_id=service_id)
    assert result == {"status": "rejected", "channel_id": result["channel_id"], "reason": "Busy"}
    await wait_until(lambda: len(rejections) == 1)
    assert rejections[0]["status"] == "rejected" and rejections[0]["reason"] == "Busy"


async def test_reject_chat_by_channel_returns_the_channel(clients: Clients) -> None:
    provider = await clients.connected("provider")
    service_id = unique("svc")
    await provider.register_service(service_id=service_id)
    answered: List[Any] = []

    async def reject(request: Dict[str, Any]) -> None:
        answered.append(await provider.reject_chat(channel_id=request["channel_id"]))

    provider.on("chat_request", reject)
    consumer = await clients.connected("consumer")
    result = await consumer.request_chat(service_id=service_id)
    assert result == {"status": "rejected", "channel_id": result["channel_id"], "reason": None}
    await wait_until(lambda: len(answered) == 1)
    assert answered[0]["channel_id"] == result["channel_id"] and answered[0]["status"] == "rejected"


async def test_end_chat_returns_the_end_and_both_sides_hear_of_it(clients: Clients) -> None:
    provider, consumer, channel_id = await clients.pair()
    ends: List[Dict[str, Any]] = []
    provider.on("chat_end", ends.append)
    ended = await consumer.end_chat(channel_id=channel_id, reason="thanks")
    assert ended["channel_id"] == channel_id and ended["ended_by"] == consumer.agent_id
    assert ended["reason"] == "thanks" and TIMESTAMP.match(ended["ended_at"])
    await wait_until(lambda: len(ends) == 1)
    assert ends[0]["ended_by"] == consumer.agent_id


async def test_connected_and_disconnected_events(clients: Clients) -> None:
    client = clients.new("events")
    seen: List[Any] = []
    client.on("connected", lambda event: seen.append(("connected", event["reconnected"], event["welcome"]["agent_id"])))
    client.on("disconnected", lambda event: seen.append(("disconnected", event["code"], event["will_reconnect"])))
    await client.connect()
    await client.disconnect()
    assert seen == [("connected", False, client.agent_id), ("disconnected", 1000, False)]
