"""Incoming messages, live or replayed by the hub on resume, to every reader exactly once and in
seq order: the SeqTracker drops repeats, and what it lets through fans out to every open
``messages()`` stream (``listen_for_messages`` reads one too). The same tracker supplies the
cursors each connection's ``resume`` frame carries.

Messages that arrive while nobody reads (typically the replay, which connect() waits for, before
the caller's ``async for`` starts) are held until someone does, up to BACKLOG_LIMIT: past that the
oldest go (they stay in the hub's history), so an agent that never reads does not grow without
bound. Streams are held weakly: one its reader abandoned (``break`` out of ``async for``) is
garbage and stops collecting messages.
"""

from __future__ import annotations

import weakref
from collections import deque
from typing import Deque, List, Optional

from .message_stream import MessageStream
from .protocol import Message, ResumeCursor
from .seq_tracker import SeqTracker

BACKLOG_LIMIT = 10_000


class Inbox:
    def __init__(self, self_id: str) -> None:
        self._tracker = SeqTracker(self_id)
        self._streams: "weakref.WeakSet[MessageStream[Message]]" = weakref.WeakSet()
        self._backlog: Deque[Message] = deque(maxlen=BACKLOG_LIMIT)

    def receive(self, message: Message) -> None:
        if self._tracker.accept(message):
            self._deliver(message)

    def acked(self, channel_id: str, seq: int) -> None:
        self._tracker.own(channel_id, seq)

    def channel_seen(self, channel_id: str, last_seq: int) -> None:
        self._tracker.see(channel_id, last_seq)

    def channel_ended(self, channel_id: str) -> None:
        self._tracker.mark_ended(channel_id)

    def resume_cursors(self, max_frame_bytes: int) -> List[ResumeCursor]:
        """Where the hub should resume each channel this client knows."""
        return self._tracker.resume_cursors(max_frame_bytes)

    def resumed(self) -> None:
        """The hub answered a resume: ended channels need no cursor from now on."""
        self._tracker.resumed()

    def stream(self) -> MessageStream[Message]:
        """A new reader; it starts with whatever was held for the first reader."""
        stream: MessageStream[Message] = MessageStream()
        self._streams.add(stream)
        held, self._backlog = self._backlog, deque(maxlen=BACKLOG_LIMIT)
        for message in held:
            self._deliver(message)
        return stream

    def end_streams(self, error: Optional[BaseException] = None) -> None:
        """Ends every reader: cleanly on disconnect(), with the error on a fatal loss."""
        for stream in list(self._streams):
            stream.end(error)
        self._streams = weakref.WeakSet()

    def _deliver(self, message: Message) -> None:
        streams = list(self._streams)
        if not streams:
            self._backlog.append(message)
        for stream in streams:
            stream.push(message)
