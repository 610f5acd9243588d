"""Every error code a caller of the client can meet, as a ChatError with that ``code``, and never a
hang. Codes a client cannot provoke (INVALID_JSON and UNKNOWN_TYPE: it only writes valid frames;
INVALID_STATE: it sends resume itself; AGENT_HAS_KEY: REST only; ORIGIN_NOT_ALLOWED: it sends no
Origin) are not here; UNAVAILABLE and RATE_LIMITED on frames are retried, never raised (see
test_reliability and test_pending)."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, List

import pytest

from claw_chat_hub import BackoffOptions, ChatClient, ChatError, ClientErrorCode, ErrorCode
from clients import Clients
from hubs import HubProcess, free_port
from support import unique


async def code_of(call: Any) -> str:
    with pytest.raises(ChatError) as caught:
        await call
    return caught.value.code


async def test_refusals_of_channel_operations(clients: Clients) -> None:
    provider, consumer, channel_id = await clients.pair()
    outsider = await clients.connected("outsider")
    assert await code_of(consumer.send_message(channel_id="ch_nope", content="x")) == ErrorCode.CHANNEL_NOT_FOUND
    assert await code_of(outsider.send_message(channel_id=channel_id, content="x")) == ErrorCode.FORBIDDEN
    assert await code_of(outsider.get_history(channel_id=channel_id)) == ErrorCode.FORBIDDEN
    assert await code_of(provider.accept_chat(channel_id=channel_id)) == ErrorCode.CHANNEL_NOT_PENDING
    assert await code_of(provider.accept_chat(consumer_id=outsider.agent_id)) == ErrorCode.REQUEST_NOT_FOUND
    assert await code_of(consumer.send_message(target_agent=consumer.agent_id, content="me")) == ErrorCode.BAD_REQUEST
    await consumer.end_chat(channel_id=channel_id)
    error = await code_of(consumer.send_message(channel_id=channel_id, content="too late"))
    assert error == ErrorCode.CHANNEL_NOT_ACTIVE
    assert await code_of(provider.end_chat(channel_id=channel_id)) == ErrorCode.CHANNEL_NOT_ACTIVE


async def test_refusals_about_services(clients: Clients) -> None:
    provider, service_id = await clients.provider()
    rival = await clients.connected("rival")
    assert await code_of(rival.register_service(service_id=service_id)) == ErrorCode.SERVICE_TAKEN
    assert await code_of(rival.request_chat(service_id=unique("missing"))) == ErrorCode.SERVICE_NOT_FOUND
    assert await code_of(rival.get_history(service_id=service_id)) == ErrorCode.NOT_FOUND
    unknown = rival.send_message(target_agent=provider.agent_id, content="x", service_id=unique("missing"))
    assert await code_of(unknown) == ErrorCode.SERVICE_NOT_FOUND


async def test_frames_the_hub_finds_invalid(clients: Clients) -> None:
    _provider, consumer, channel_id = await clients.pair()
    assert await code_of(consumer.send_message(channel_id=channel_id, content="a\u0000b")) == ErrorCode.INVALID_FRAME
    assert await code_of(consumer.send_message(target_agent="no spaces!", content="x")) == ErrorCode.INVALID_FRAME
    assert await code_of(consumer.send_message(channel_id=channel_id, content="")) == ErrorCode.INVALID_FRAME
    assert await code_of(consumer.get_history(channel_id=channel_id, limit=100_000)) == ErrorCode.INVALID_FRAME
    # The connection stays usable.
    assert (await consumer.send_message(channel_id=channel_id, content="still here"))["seq"] == 1


async def test_a_frame_over_the_hubs_limit_is_refused_before_it_is_sent(clients: Clients) -> None:
    _provider, consumer, channel_id = await clients.pair()
    huge = {"blob": "x" * 1_100_000}
    error = await code_of(consumer.send_message(channel_id=channel_id, content="big", metadata=huge))
    assert error == ErrorCode.FRAME_TOO_LARGE
    assert (await consumer.send_message(channel_id=channel_id, content="small"))["seq"] == 1


async def test_too_many_pending_requests(clients: Clients) -> None:
    provider = await clients.connected("silent-provider")
    services = [unique("svc") for _ in range(21)]
    for service_id in services:
        await provider.register_service(service_id=service_id)
    consumer = await clients.connected("eager")
    waiting = [asyncio.ensure_future(consumer.request_chat(service_id=service_id)) for service_id in services]
    done, pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_EXCEPTION)
    assert [task.exception().code for task in done if task.exception()] == [ErrorCode.TOO_MANY_PENDING]  # type: ignore[union-attr]
    assert len(pending) == 20
    for task in pending:
        task.cancel()


async def test_upgrade_refusals(clients: Clients, hub: HubProcess) -> None:
    agent_id = unique("keyed")
    # The operator (a keyless caller on the hub's machine) issues the agent its key.
    status, body = hub.request("POST", "/agents", {"agent_id": agent_id})
    assert status == 201, body
    first = ChatClient(hub_url=hub.ws_url, agent_id=agent_id, api_key=str(body["api_key"]))
    await first.connect()
    await first.disconnect()
    wrong = ChatClient(hub_url=hub.ws_url, agent_id=agent_id, api_key="a-key-nobody-issued")
    with pytest.raises(ChatError) as caught:
        await wrong.connect()
    assert (caught.value.code, caught.value.status) == (ErrorCode.UNAUTHORIZED, 401)
    assert wrong.state == "idle"
    with pytest.raises(ChatError) as caught:
        await ChatClient(hub_url=hub.ws_url, agent_id="bad id!").connect()
    assert (caught.value.code, caught.value.status) == (ErrorCode.BAD_REQUEST, 400)


async def test_too_many_connections_for_one_agent(clients: Clients) -> None:
    agent_id = unique("crowd")
    for _ in range(16):  # MAX_CONNECTIONS_PER_AGENT's default
        client = ChatClient(hub_url=clients.hub_url, agent_id=agent_id)
        clients.made.append(client)
        await client.connect()
    one_more = ChatClient(hub_url=clients.hub_url, agent_id=agent_id)
    with pytest.raises(ChatError) as caught:
        await one_more.connect()
    assert (caught.value.code, caught.value.status) == (ErrorCode.TOO_MANY_CONNECTIONS, 429)


async def test_rate_limited_upgrades(own_hub: Callable[..., HubProcess]) -> None:
    hub = own_hub(RATE_LIMIT_PER_MINUTE="3")
    codes: List[str] = []
    for _ in range(4):
        client = ChatClient(hub_url=hub.ws_url, agent_id=unique("hasty"))
        try:
            await client.connect()
        except ChatError as error:
            codes.append(error.code)
        await client.disconnect()
    assert codes == [ErrorCode.RATE_LIMITED]


async def test_client_side_codes(clients: Clients, hub: HubProcess) -> None:
    idle = clients.new("idle")
    assert await code_of(idle.send_message(target_agent="x", content="x")) == ClientErrorCode.NOT_CONNECTED
    client = await clients.connected("careless")
    assert await code_of(client.send_message(content="nowhere")) == ClientErrorCode.INVALID_ARGUMENT
    assert await code_of(client.send_message(target_agent="x")) == ClientErrorCode.INVALID_ARGUMENT
    assert await code_of(client.accept_chat()) == ClientErrorCode.INVALID_ARGUMENT
    assert await code_of(client.reject_chat(reason="no one")) == ClientErrorCode.INVALID_ARGUMENT
    assert await code_of(client.get_history()) == ClientErrorCode.INVALID_ARGUMENT
    unserializable = client.send_message(target_agent="x", content="x", metadata={"when": object()})
    assert await code_of(unserializable) == ClientErrorCode.INVALID_ARGUMENT
    with pytest.raises(ChatError) as caught:
        ChatClient(hub_url="ftp://example.com", agent_id="x")
    assert caught.value.code == ClientErrorCode.INVALID_ARGUMENT
    mistakes: List[Callable[[], Any]] = [
        lambda: ChatClient(hub_url=hub.ws_url, agent_id=""),
        lambda: ChatClient(hub_url=hub.ws_url, agent_id="x", max_in_flight=0),
        lambda: ChatClient(hub_url=hub.ws_url, agent_id="x", reconnect=BackoffOptions(base_delay=0)),
    ]
    for mistake in mistakes:
        with pytest.raises(ChatError) as caught:
            mistake()
        assert caught.value.code == ClientErrorCode.INVALID_ARGUMENT
    with pytest.raises(ChatError) as caught:
        client.on("chat_started", print)
    assert caught.value.code == ClientErrorCode.INVALID_ARGUMENT
    await client.disconnect()
    assert await code_of(client.send_message(target_agent="x", content="x")) == ClientErrorCode.NOT_CONNECTED


async def test_disconnect_fails_waiting_calls_with_client_closed(clients: Clients) -> None:
    provider = await clients.connected("silent")
    service_id = unique("svc")
    await provider.register_service(service_id=service_id)
    consumer = await clients.connected("consumer")
    asking = asyncio.ensure_future(consumer.request_chat(service_id=service_id))
    await asyncio.sleep(0)
    await consumer.disconnect()
    assert await code_of(asking) == ClientErrorCode.CLIENT_CLOSED


async def test_nothing_listening_is_connect_failed() -> None:
    client = ChatClient(hub_url=f"ws://127.0.0.1:{free_port()}", agent_id="nobody-home")
    assert await code_of(client.connect()) == ClientErrorCode.CONNECT_FAILED
    assert client.state == "idle"


async def test_a_server_that_never_answers_is_connect_failed_after_connect_timeout() -> None:
    accepted: List[asyncio.StreamWriter] = []
    server = await asyncio.start_server(lambda _reader, writer: accepted.append(writer), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        client = ChatClient(hub_url=f"ws://127.0.0.1:{port}", agent_id="patient", connect_timeout=0.3)
        assert await code_of(client.connect()) == ClientErrorCode.CONNECT_FAILED
        assert accepted, "the TCP connection was made; the upgrade was never answered"
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_call_without_a_reply_times_out(clients: Clients) -> None:
    provider = await clients.connected("undecided")
    service_id = unique("svc")
    await provider.register_service(service_id=service_id)
    consumer = await clients.connected("consumer")
    assert await code_of(consumer.request_chat(service_id=service_id, timeout=0.2)) == ClientErrorCode.TIMEOUT
    # The request is forgotten here (the hub still holds it for the provider); the session goes on.
    assert (await consumer.register_service(service_id=unique("svc")))["provider_id"] == consumer.agent_id
