"""The client and a hub that pushes back: frames refused as too fast (sent again, unchanged, until
stored once), a hub that stops answering (heartbeat, request timeouts), and a credential revoked
under an open socket (4401: the end of the session, or a reconnect with a token provider's fresh
one)."""

from __future__ import annotations

import asyncio
import urllib.request
from typing import Any, Dict, Iterator, List

import pytest

from claw_chat_hub import ChatClient, ChatError, ClientErrorCode, ErrorCode
from clients import Clients
from conftest import close_hub, start_hub
from hubs import HubProcess
from support import FAST_RECONNECT, stored_messages, unique, wait_until

@pytest.fixture(scope="module")
def slow_hub() -> Iterator[HubProcess]:
    """A hub that takes 20 frames a second per connection, in bursts of 40."""
    hub = start_hub(MAX_FRAMES_PER_SECOND="20")
    yield hub
    close_hub(hub)


async def test_frames_refused_as_too_fast_are_sent_again(slow_hub: HubProcess) -> None:
    clients = Clients(slow_hub.ws_url)
    try:
        provider, consumer, channel_id = await clients.pair(reconnect=FAST_RECONNECT)
        acks = await asyncio.gather(*(consumer.send_message(channel_id=channel_id, content=f"m{n}", client_msg_id=f"m{n}") for n in range(100)))
        stored = stored_messages(slow_hub, channel_id)
        assert len(stored) == 100 and {m["client_msg_id"] for m in stored} == {f"m{n}" for n in range(100)}
        assert sorted(a["seq"] for a in acks) == list(range(1, 101))
        assert frames_refused_as_too_fast(slow_hub) > 0, "the hub refused no frame: the retry path was not exercised"
    finally:
        await clients.close()


def frames_refused_as_too_fast(hub: HubProcess) -> float:
    with urllib.request.urlopen(f"{hub.http_url}/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    counter = 'hub_limit_breaches_total{limit="max_frames_per_second"}'
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(counter))


async def test_heartbeat_notices_a_hub_that_stopped_answering(slow_hub: HubProcess) -> None:
    clients = Clients(slow_hub.ws_url)
    try:
        provider, consumer, channel_id = await clients.pair(reconnect=FAST_RECONNECT, heartbeat=0.5, connect_timeout=1.0)
        lost: List[Dict[str, Any]] = []
        connected: List[Dict[str, Any]] = []
        consumer.on("disconnected", lost.append)
        consumer.on("connected", connected.append)
        slow_hub.pause()  # SIGSTOP: the TCP connection stays up, nothing answers
        try:
            with pytest.raises(ChatError) as caught:
                await consumer.get_history(channel_id=channel_id, timeout=0.3)
            assert caught.value.code == ClientErrorCode.TIMEOUT
            await wait_until(lambda: len(lost) >= 1, what="the heartbeat to notice")
            assert lost[0]["will_reconnect"] is True
            sending = asyncio.ensure_future(consumer.send_message(channel_id=channel_id, content="after the pause"))
        finally:
            slow_hub.resume()
        await wait_until(lambda: any(event["reconnected"] for event in connected), what="a reconnect")
        assert (await sending)["seq"] == 1
    finally:
        await clients.close()


@pytest.fixture(scope="module")
def strict_hub() -> Iterator[HubProcess]:
    hub = start_hub(HUB_ADMIN_TOKEN="operator-token-for-tests")
    yield hub
    close_hub(hub)


def issue_key(hub: HubProcess, agent_id: str, rotate: bool = False) -> str:
    path = f"/agents/{agent_id}/key" if rotate else "/agents"
    status, body = hub.request("POST", path, None if rotate else {"agent_id": agent_id}, token="operator-token-for-tests")
    assert status in (200, 201), body
    return str(body["api_key"])


async def test_a_revoked_credential_ends_the_session(strict_hub: HubProcess) -> None:
    agent_id = unique("revoked")
    key = issue_key(strict_hub, agent_id)
    without_key = ChatClient(hub_url=strict_hub.ws_url, agent_id=agent_id)
    with pytest.raises(ChatError) as caught:
        await without_key.connect()
    assert (caught.value.code, caught.value.status) == (ErrorCode.UNAUTHORIZED, 401)
    client = ChatClient(hub_url=strict_hub.ws_url, agent_id=agent_id, api_key=key, reconnect=FAST_RECONNECT)
    lost: List[Dict[str, Any]] = []
    client.on("disconnected", lost.append)
    await client.connect()
    stream = client.messages()
    issue_key(strict_hub, agent_id, rotate=True)
    with pytest.raises(ChatError) as stream_error:
        await stream.__anext__()
    assert stream_error.value.code == ErrorCode.UNAUTHORIZED
    assert client.state == "closed"
    assert (lost[0]["code"], lost[0]["will_reconnect"], lost[0]["error"].code) == (4401, False, ErrorCode.UNAUTHORIZED)


async def test_a_token_provider_reconnects_with_a_fresh_credential(strict_hub: HubProcess) -> None:
    agent_id = unique("refreshed")
    keys = [issue_key(strict_hub, agent_id)]
    calls: List[str] = []

    async def token() -> str:
        calls.append(keys[-1])
        return keys[-1]

    client = ChatClient(hub_url=strict_hub.ws_url, agent_id=agent_id, token_provider=token, reconnect=FAST_RECONNECT)
    peer_key = issue_key(strict_hub, f"{agent_id}-peer")
    peer = ChatClient(hub_url=strict_hub.ws_url, agent_id=f"{agent_id}-peer", token_provider=lambda: peer_key)
    reconnected: List[bool] = []
    client.on("connected", lambda event: reconnected.append(event["reconnected"]))
    try:
        await client.connect()
        await peer.connect()
        keys.append(issue_key(strict_hub, agent_id, rotate=True))  # the hub closes the socket with 4401
        await wait_until(lambda: reconnected == [False, True], what="a reconnect with the new key")
        assert calls == [keys[0], keys[1]]
        ack = await client.send_message(target_agent=peer.agent_id, content="still talking")
        async for message in peer.messages():
            assert message["message_id"] == ack["message_id"]
            break
    finally:
        await client.disconnect()
        await peer.disconnect()
