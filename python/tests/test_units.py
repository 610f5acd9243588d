"""The client's pure parts: the hub URL, backoff with full jitter, duplicate suppression and
resume cursors, and the message stream."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest

from claw_chat_hub.backoff import Backoff, BackoffOptions
from claw_chat_hub.errors import ChatError
from claw_chat_hub.hub_url import socket_url
from claw_chat_hub.inbox import BACKLOG_LIMIT, Inbox
from claw_chat_hub.message_stream import MessageStream
from claw_chat_hub.seq_tracker import SeqTracker


@pytest.mark.parametrize(
    ("hub_url", "expected"),
    [
        ("ws://localhost:8765", "ws://localhost:8765/ws?agent_id=a1&resume=1"),
        ("ws://localhost:8765/", "ws://localhost:8765/ws?agent_id=a1&resume=1"),
        ("ws://localhost:8765/ws", "ws://localhost:8765/ws?agent_id=a1&resume=1"),
        ("ws://localhost:8765/ws/", "ws://localhost:8765/ws?agent_id=a1&resume=1"),
        ("http://hub.example:80/chat", "ws://hub.example:80/chat/ws?agent_id=a1&resume=1"),
        ("https://hub.example", "wss://hub.example/ws?agent_id=a1&resume=1"),
        ("wss://hub.example/ws?tenant=x&agent_id=old", "wss://hub.example/ws?tenant=x&agent_id=a1&resume=1"),
    ],
)
def test_socket_url(hub_url: str, expected: str) -> None:
    assert socket_url(hub_url, "a1") == expected


@pytest.mark.parametrize("hub_url", ["localhost:8765", "ftp://hub", "ws://", ""])
def test_socket_url_refuses_what_is_no_hub_url(hub_url: str) -> None:
    with pytest.raises(ChatError) as caught:
        socket_url(hub_url, "a1")
    assert caught.value.code == "INVALID_ARGUMENT"


def test_backoff_doubles_its_bound_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(BackoffOptions(base_delay=0.25, max_delay=2.0, random=lambda: 0.999999))
    delays = [round(backoff.next(), 3) for _ in range(6)]
    assert delays == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    backoff.reset()
    assert round(backoff.next(), 3) == 0.25 and backoff.attempts == 1


def test_backoff_is_full_jitter_and_gives_up_after_max_attempts() -> None:
    backoff = Backoff(BackoffOptions(base_delay=1.0, max_delay=1.0, max_attempts=2, random=lambda: 0.0))
    assert backoff.next() == 0.0 and backoff.can_retry
    backoff.next()
    assert not backoff.can_retry
    for _ in range(200):
        assert 0 <= Backoff(BackoffOptions(base_delay=1.0, max_delay=8.0)).next() < 1.0
    with pytest.raises(ValueError):
        Backoff(BackoffOptions(base_delay=2.0, max_delay=1.0))


def msg(channel: str, seq: int, sender: str = "peer") -> Any:
    return {"message_id": f"msg_{channel}_{seq}", "channel_id": channel, "sender_id": sender, "content": "x", "seq": seq, "timestamp": "t"}


def test_seq_tracker_drops_repeats_and_own_messages() -> None:
    tracker = SeqTracker("me")
    assert [tracker.accept(msg("ch_a", seq)) for seq in (1, 2, 2, 1, 3)] == [True, True, False, False, True]
    assert tracker.accept(msg("ch_a", 4, sender="me")) is False
    assert tracker.cursor("ch_a") == 3


def test_seq_tracker_resume_cursors_open_first_and_floors_from_acks_and_accepts() -> None:
    tracker = SeqTracker("me")
    tracker.accept(msg("ch_a", 5))
    tracker.own("ch_b", 7)  # first seen through our own ack: nothing of the peer's delivered yet
    tracker.see("ch_c", 3)
    tracker.mark_ended("ch_a")
    assert tracker.resume_cursors(1 << 20) == [
        {"channel_id": "ch_b", "last_seq": 6},
        {"channel_id": "ch_c", "last_seq": 3},
        {"channel_id": "ch_a", "last_seq": 5},
    ]
    assert tracker.accept(msg("ch_b", 7)) is True, "the floor never hides a message above it"
    assert len(tracker.resume_cursors(200)) == 1, "cursors that would not fit the frame are left to the hub"


def test_seq_tracker_leaves_out_channels_ended_before_an_answered_resume() -> None:
    tracker = SeqTracker("me")
    for channel in ("ch_open", "ch_ended"):
        tracker.accept(msg(channel, 3))
    tracker.mark_ended("ch_ended")
    tracker.resumed()
    tracker.mark_ended("ch_open")
    assert [c["channel_id"] for c in tracker.resume_cursors(1 << 20)] == ["ch_open"], "ended since: still owed a replay"
    assert tracker.accept(msg("ch_ended", 3)) is False, "its repeats are still recognised"
    tracker.resumed()
    assert tracker.resume_cursors(1 << 20) == []


def test_inbox_holds_messages_until_a_reader_comes_then_fans_out() -> None:
    inbox = Inbox("me")
    for seq in range(1, BACKLOG_LIMIT + 3):
        inbox.receive(msg("ch_a", seq))
    first = inbox.stream()
    second = inbox.stream()
    inbox.receive(msg("ch_a", BACKLOG_LIMIT + 3))
    inbox.receive(msg("ch_a", BACKLOG_LIMIT + 3))
    got = drain(first)
    assert len(got) == BACKLOG_LIMIT + 1 and got[0]["seq"] == 3 and got[-1]["seq"] == BACKLOG_LIMIT + 3
    assert [m["seq"] for m in drain(second)] == [BACKLOG_LIMIT + 3]


def test_an_abandoned_stream_stops_collecting() -> None:
    inbox = Inbox("me")
    stream = inbox.stream()
    del stream
    inbox.receive(msg("ch_a", 1))
    assert [m["seq"] for m in drain(inbox.stream())] == [1], "held for the next reader instead"


def drain(stream: MessageStream[Any]) -> List[Dict[str, Any]]:
    stream.end()
    return asyncio.run(collect(stream))


async def collect(stream: MessageStream[Any]) -> List[Dict[str, Any]]:
    return [item async for item in stream]


async def test_message_stream_waits_drains_and_raises_a_failure() -> None:
    stream: MessageStream[int] = MessageStream()
    reading = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0)
    stream.push(1)
    assert await reading == 1
    stream.push(2)
    stream.end(ChatError("CONNECTION_LOST", "gone"))
    assert await stream.__anext__() == 2
    with pytest.raises(ChatError):
        await stream.__anext__()
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()
