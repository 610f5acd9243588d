"""PendingRequests and its Pace with a fake socket: what is written when, in what order, and what a
refusal, a timeout, a cancellation or a lost connection does to each request."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

import pytest

from claw_chat_hub.backoff import Backoff, BackoffOptions
from claw_chat_hub.errors import ChatError
from claw_chat_hub.pending import PendingRequests
from support import wait_until

ACK = frozenset({"ack"})


class FakeSocket:
    def __init__(self) -> None:
        self.open = True
        self.written: List[Dict[str, Any]] = []

    def write(self, data: str) -> bool:
        if self.open:
            self.written.append(json.loads(data))
        return self.open

    def ids(self) -> List[str]:
        return [frame["request_id"] for frame in self.written]


def pending_with(socket: FakeSocket, max_in_flight: int = 32, delay: float = 0.01) -> PendingRequests:
    backoff = Backoff(BackoffOptions(base_delay=delay, max_delay=delay, random=lambda: 1.0))
    requests = PendingRequests(socket.write, max_in_flight=max_in_flight, refusal_backoff=backoff)
    requests.connection_opened(1 << 20)
    return requests


def message(n: int) -> Dict[str, Any]:
    return {"type": "chat_message", "channel_id": "ch_1", "content": f"m{n}", "client_msg_id": f"k{n}"}


def ack_for(frame: Dict[str, Any], seq: int = 1) -> Dict[str, Any]:
    return {"type": "ack", "request_id": frame["request_id"], "message_id": f"msg_{seq}", "channel_id": "ch_1", "seq": seq, "timestamp": "t"}


async def test_at_most_max_in_flight_messages_and_the_rest_in_order() -> None:
    socket = FakeSocket()
    requests = pending_with(socket, max_in_flight=3)
    futures = [requests.request(message(n), ACK, "resend", None, windowed=True) for n in range(7)]
    assert socket.ids() == ["c1", "c2", "c3"] and requests.in_flight == 3
    requests.settle(ack_for(socket.written[1]))
    assert socket.ids() == ["c1", "c2", "c3", "c4"]
    history = requests.request({"type": "chat_history", "channel_id": "ch_1"}, frozenset({"chat_history"}), "resend", None)
    assert socket.ids()[-1] == "c4", "a request does not overtake the messages queued before it"
    for frame in list(socket.written):
        requests.settle(ack_for(frame))
    for frame in list(socket.written[4:]):
        requests.settle(ack_for(frame))
    assert socket.ids() == [f"c{n}" for n in range(1, 9)]
    assert all(future.done() for future in futures) and not history.done()


async def test_a_rate_limited_frame_is_written_again_unchanged_after_retry_after_ms() -> None:
    socket = FakeSocket()
    requests = pending_with(socket)
    sent = requests.request(message(1), ACK, "resend", None, windowed=True)
    first = dict(socket.written[0])
    requests.settle({"type": "error", "request_id": "c1", "code": "RATE_LIMITED", "message": "slow down", "retry_after_ms": 30})
    later = requests.request(message(2), ACK, "resend", None, windowed=True)
    assert socket.ids() == ["c1"] and not sent.done(), "nothing is written during the pause"
    await wait_until(lambda: len(socket.written) == 2)
    assert socket.written[1] == first, "the same frame: same request_id, same client_msg_id"
    requests.settle(ack_for(socket.written[1]))
    assert (await sent)["seq"] == 1
    assert socket.ids() == ["c1", "c1", "c2"]
    requests.settle(ack_for(socket.written[2], 2))
    assert (await later)["seq"] == 2


async def test_unavailable_is_retried_after_a_backoff_when_no_delay_is_given() -> None:
    socket = FakeSocket()
    requests = pending_with(socket, delay=0.02)
    asked = requests.request({"type": "chat_end", "channel_id": "ch_1"}, frozenset({"chat_end"}), "fail", None)
    requests.settle({"type": "error", "request_id": "c1", "code": "UNAVAILABLE", "message": "shutting down"})
    assert socket.ids() == ["c1"]
    await wait_until(lambda: len(socket.written) == 2)
    assert socket.ids() == ["c1", "c1"] and not asked.done()


async def test_refusals_of_one_burst_are_one_episode_and_the_window_restarts_at_one() -> None:
    socket = FakeSocket()
    requests = pending_with(socket, max_in_flight=4)
    for n in range(6):
        requests.request(message(n), ACK, "resend", None, windowed=True)
    for frame in socket.written[:4]:
        requests.settle({"type": "error", "request_id": frame["request_id"], "code": "RATE_LIMITED", "message": "x", "retry_after_ms": 10})
    await wait_until(lambda: len(socket.written) == 5)
    assert socket.ids() == ["c1", "c2", "c3", "c4", "c1"], "after the pause: one message, the oldest first"
    requests.settle(ack_for(socket.written[-1]))
    # The window grew by one; the spacing a RATE_LIMITED episode sets lets them out one by one.
    await wait_until(lambda: len(socket.written) == 7)
    await asyncio.sleep(0.01)
    assert socket.ids()[5:] == ["c2", "c3"], "no more than the window"


async def test_a_refusal_with_another_code_is_the_callers_error() -> None:
    socket = FakeSocket()
    requests = pending_with(socket)
    sent = requests.request(message(1), ACK, "resend", None, windowed=True)
    requests.settle({"type": "error", "request_id": "c1", "code": "CHANNEL_NOT_ACTIVE", "message": "ended"})
    with pytest.raises(ChatError) as caught:
        await sent
    assert caught.value.code == "CHANNEL_NOT_ACTIVE" and requests.in_flight == 0


async def test_a_lost_connection_resends_idempotent_requests_and_fails_the_others() -> None:
    socket = FakeSocket()
    requests = pending_with(socket)
    sent = requests.request(message(1), ACK, "resend", None, windowed=True)
    accepted = requests.request({"type": "chat_accept", "channel_id": "ch_1"}, frozenset({"chat_accept"}), "fail", None)
    socket.open = False
    requests.connection_lost()
    with pytest.raises(ChatError) as caught:
        await accepted
    assert caught.value.code == "CONNECTION_LOST"
    queued = requests.request(message(2), ACK, "resend", None, windowed=True)
    socket.open = True
    requests.connection_opened(1 << 20)
    assert socket.ids() == ["c1", "c2", "c1", "c3"]
    assert not sent.done() and not queued.done()


async def test_timeouts_and_cancellation_free_the_window() -> None:
    socket = FakeSocket()
    requests = pending_with(socket, max_in_flight=1)
    timed = requests.request(message(1), ACK, "resend", 0.02, windowed=True)
    cancelled = requests.request(message(2), ACK, "resend", None, windowed=True)
    last = requests.request(message(3), ACK, "resend", None, windowed=True)
    with pytest.raises(ChatError) as caught:
        await timed
    assert caught.value.code == "TIMEOUT"
    assert socket.ids() == ["c1", "c2"]
    cancelled.cancel()
    await asyncio.sleep(0)
    assert socket.ids() == ["c1", "c2", "c3"] and requests.in_flight == 1
    requests.settle(ack_for(socket.written[-1]))
    assert (await last)["seq"] == 1


async def test_a_frame_over_the_hubs_limit_is_refused_here() -> None:
    socket = FakeSocket()
    requests = pending_with(socket)
    requests.connection_opened(100)
    with pytest.raises(ChatError) as caught:
        requests.request({**message(1), "content": "x" * 200}, ACK, "resend", None, windowed=True)
    assert caught.value.code == "FRAME_TOO_LARGE" and socket.written == []
