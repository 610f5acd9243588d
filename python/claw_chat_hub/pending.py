"""Requests waiting for their reply, keyed by the ``request_id`` this client stamps on them, and
the order and pace in which they are written.

Reconnect policy, per request:

- ``resend`` requests (chat_message with its client_msg_id, chat_history, register_service) are
  idempotent at the hub, so one written to a socket that then dropped is written again, unchanged,
  on the next connection; a repeated send comes back as the original ack.
- ``fail`` requests (chat_request, chat_accept, chat_reject, chat_end) change channel state and are
  not safe to repeat: if the socket drops after one was written, it fails with CONNECTION_LOST, as
  the hub may or may not have applied it (the matching chat_* event tells the caller if it did).

A refusal with RATE_LIMITED or UNAVAILABLE means the hub did not handle the frame: it is written
again, unchanged, once the Pace allows (after the error's ``retry_after_ms``, or a backoff), and
the caller never sees it. Frames are written in the order they were made, so a request never
overtakes a message queued before it, and at most ``max_in_flight`` messages are unacked at once
(the rest wait here).
"""

from __future__ import annotations

import asyncio
import heapq
import json
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, List, Literal, Optional, Tuple, cast

from . import protocol
from .backoff import Backoff
from .pace import Pace
from .errors import ChatError, ClientErrorCode
from .protocol import ErrorPayload, Frame

RetryPolicy = Literal["resend", "fail"]


@dataclass
class _Entry:
    order: int
    request_id: str
    frame_type: str
    #: Serialized once, so a re-send is byte for byte the original (request_id, client_msg_id).
    data: str
    replies: FrozenSet[str]
    retry: RetryPolicy
    #: Counts against max_in_flight (chat_message).
    windowed: bool
    future: "asyncio.Future[Frame]"
    written: bool = False
    #: The pacing episode the entry was last written in (see _refused).
    epoch: int = 0
    timer: Optional[asyncio.TimerHandle] = field(default=None, repr=False)


class PendingRequests:
    def __init__(self, write: Callable[[str], bool], *, max_in_flight: int, refusal_backoff: Backoff) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        #: Writes to the open socket; False when there is none.
        self._write = write
        self._pace = Pace(max_in_flight, refusal_backoff, self.flush)
        self._entries: Dict[str, _Entry] = {}
        #: Unwritten entries by order of creation (lazily purged of settled ones).
        self._queue: List[Tuple[int, str]] = []
        self._counter = 0
        self._in_flight = 0
        #: The hub's limit (from welcome): a larger frame is refused here, before it could close the socket.
        self.max_frame_bytes: Optional[int] = None

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def request(
        self,
        frame: Frame,
        replies: FrozenSet[str],
        retry: RetryPolicy,
        timeout: Optional[float],
        windowed: bool = False,
    ) -> "asyncio.Future[Frame]":
        self._counter += 1
        request_id = f"c{self._counter}"
        try:
            data = json.dumps({**frame, protocol.REQUEST_ID: request_id}, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            message = f"{frame[protocol.TYPE]} cannot be sent as JSON: {error}"
            raise ChatError(ClientErrorCode.INVALID_ARGUMENT, message) from error
        size = len(data.encode("utf-8"))
        if self.max_frame_bytes is not None and size > self.max_frame_bytes:
            message = f"a {frame[protocol.TYPE]} frame of {size} bytes exceeds the hub's {self.max_frame_bytes}"
            raise ChatError(protocol.ErrorCode.FRAME_TOO_LARGE, message)
        loop = asyncio.get_running_loop()
        future: "asyncio.Future[Frame]" = loop.create_future()
        entry = _Entry(self._counter, request_id, frame[protocol.TYPE], data, replies, retry, windowed, future)
        if timeout is not None and timeout > 0:
            entry.timer = loop.call_later(timeout, self._time_out, entry, timeout)
        # A caller that stops waiting (cancellation) takes its request out of the queue.
        entry.future.add_done_callback(lambda future: self._abandoned(entry) if future.cancelled() else None)
        self._entries[request_id] = entry
        heapq.heappush(self._queue, (entry.order, request_id))
        self.flush()
        return entry.future

    def settle(self, frame: Frame) -> bool:
        """Settles the request a hub frame answers; False when it answers none of ours."""
        request_id = frame.get(protocol.REQUEST_ID)
        entry = self._entries.get(str(request_id)) if request_id is not None else None
        if entry is None:
            return False
        if frame.get(protocol.TYPE) == protocol.FrameType.ERROR:
            refusal = cast(ErrorPayload, frame)
            code, message, retry_after = refusal["code"], refusal["message"], refusal.get("retry_after_ms")
            if code in protocol.RETRYABLE_CODES:
                self._unwrite(entry)
                delay = retry_after if isinstance(retry_after, (int, float)) and retry_after >= 0 else None
                self._pace.refused(entry.epoch, code == protocol.ErrorCode.RATE_LIMITED, delay)
                return True
            self._finish(entry)
            if not entry.future.done():
                entry.future.set_exception(ChatError(code, message))
            return True
        if frame.get(protocol.TYPE) not in entry.replies:
            return False
        self._finish(entry)
        if not entry.future.done():
            entry.future.set_result(frame)
        if entry.windowed:
            self._pace.acked(entry.epoch)
        self.flush()
        return True

    def connection_lost(self) -> None:
        """The socket dropped: what it carried is queued again (resend) or fails now (fail)."""
        for entry in list(self._entries.values()):
            if not entry.written:
                continue
            if entry.retry == "resend":
                self._unwrite(entry)
            else:
                message = f"connection lost after {entry.frame_type} was sent; the hub may or may not have applied it"
                self._fail(entry, ChatError(ClientErrorCode.CONNECTION_LOST, message))

    def connection_opened(self, max_frame_bytes: int) -> None:
        """A socket is open: a fresh pace (its limits are its own), and everything waiting goes out."""
        self.max_frame_bytes = max_frame_bytes
        self._pace.reset()
        self.flush()

    def flush(self) -> None:
        """Writes waiting entries, oldest first, while the pace and the window allow."""
        while self._queue:
            blocked = self._pace.blocked_until()
            if blocked is not None:
                return self._pace.wait(blocked)
            order, request_id = self._queue[0]
            entry = self._entries.get(request_id)
            if entry is None or entry.written or entry.order != order:
                heapq.heappop(self._queue)
                continue
            if entry.windowed and self._in_flight >= self._pace.window:
                return
            if not self._write(entry.data):
                return
            heapq.heappop(self._queue)
            entry.written = True
            entry.epoch = self._pace.epoch
            self._in_flight += entry.windowed
            self._pace.wrote()

    def fail_all(self, error: ChatError) -> None:
        for entry in list(self._entries.values()):
            self._fail(entry, error)

    def _unwrite(self, entry: _Entry) -> None:
        if entry.written:
            entry.written = False
            self._in_flight -= entry.windowed
            heapq.heappush(self._queue, (entry.order, entry.request_id))

    def _time_out(self, entry: _Entry, timeout: float) -> None:
        self._fail(entry, ChatError(ClientErrorCode.TIMEOUT, f"no reply to {entry.frame_type} within {timeout:g} s"))
        # The freed window slot may let the next message go.
        self.flush()

    def _fail(self, entry: _Entry, error: ChatError) -> None:
        self._finish(entry)
        if not entry.future.done():
            entry.future.set_exception(error)

    def _finish(self, entry: _Entry) -> None:
        if self._entries.pop(entry.request_id, None) is None:
            return
        if entry.timer is not None:
            entry.timer.cancel()
        if entry.written:
            self._in_flight -= entry.windowed

    def _abandoned(self, entry: _Entry) -> None:
        self._finish(entry)
        self.flush()
