"""Exactly-once delivery per channel, from seqs alone, and the cursors a ``resume`` frame carries.

The hub writes other agents' messages to a connection in seq order and without gaps, and a resumed
connection starts right after the cursor this client sent: so one number per channel suffices, the
highest seq delivered. A message at or below it is a repeat; anything above it is new and next in
line, so nothing is ever held back waiting for a gap to close.

This agent's own seqs never move that number: the hub skips them in any replay anyway, and an ack
can overtake another agent's message with a lower seq committed in the same batch, so counting
acked seqs would drop that message (live) or skip it (on resume). A channel first seen through an
ack or a chat_accept has delivered nothing yet; it resumes from a floor (just below the acked seq,
or the accept's last_seq): what came before belongs to an earlier session, and the hub's own
cursor covered it when this connection opened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Optional

from . import protocol
from .protocol import Message, ResumeCursor

#: ``{"type":"resume","request_id":"resume","channels":[]}`` and some slack.
_FRAME_OVERHEAD_BYTES = 128


@dataclass
class _ChannelState:
    #: Highest seq delivered, or the floor while ``delivered`` is False.
    cursor: int
    delivered: bool = False
    ended: bool = False
    #: Ended, and a resume answered since: the hub has replayed all it held, nothing more can come.
    drained: bool = False


class SeqTracker:
    def __init__(self, self_id: str) -> None:
        self._self_id = self_id
        # Open channels in first-seen order; ended ones move to the end as they end.
        self._channels: Dict[str, _ChannelState] = {}
        self._ended = 0

    def see(self, channel_id: str, floor: int) -> None:
        """A channel became known without a message (chat_accept's last_seq); no-op if tracked."""
        if channel_id not in self._channels:
            self._channels[channel_id] = _ChannelState(cursor=max(0, floor))

    def own(self, channel_id: str, seq: int) -> None:
        """One of this agent's messages was acked: only a first sight of the channel counts."""
        self.see(channel_id, seq - 1)

    def accept(self, message: Message) -> bool:
        """True when the message is new and must be delivered; it then becomes the channel's cursor."""
        if message["sender_id"] == self._self_id:
            return False
        state = self._channels.get(message["channel_id"])
        if state is None:
            self._channels[message["channel_id"]] = _ChannelState(cursor=message["seq"], delivered=True)
            return True
        if state.delivered and message["seq"] <= state.cursor:
            return False
        state.cursor = message["seq"]
        state.delivered = True
        return True

    def mark_ended(self, channel_id: str) -> None:
        """The channel ended or was rejected. It stays listed: a replay may still carry its last messages."""
        state = self._channels.pop(channel_id, None)
        if state is None:
            return
        self._channels[channel_id] = state
        if state.ended:
            return
        state.ended = True
        self._ended += 1
        if self._ended > protocol.RESUME_MAX_CHANNELS:
            self._forget_oldest_ended()

    def cursor(self, channel_id: str) -> Optional[int]:
        state = self._channels.get(channel_id)
        return None if state is None else state.cursor

    def resume_cursors(self, max_frame_bytes: int) -> List[ResumeCursor]:
        """Cursors for a ``resume`` frame within ``max_frame_bytes`` and the hub's item limit, for the
        channels that can still deliver: open ones first, then the most recently ended that no resume
        has drained yet. A channel left out resumes from the hub's own record, which is never behind
        what this client received; a repeat is still recognised here."""
        open_channels = [protocol.cursor(cid, s.cursor) for cid, s in self._channels.items() if not s.ended]
        ended = [protocol.cursor(cid, s.cursor) for cid, s in self._channels.items() if s.ended and not s.drained]
        out: List[ResumeCursor] = []
        size = _FRAME_OVERHEAD_BYTES
        for item in open_channels + ended[::-1]:
            size += len(json.dumps(item)) + 1
            if len(out) == protocol.RESUME_MAX_CHANNELS or size > max_frame_bytes:
                break
            out.append(item)
        return out

    def resumed(self) -> None:
        """A resume was answered: every channel ended by now has had its last messages replayed."""
        for state in self._channels.values():
            if state.ended:
                state.drained = True

    def _forget_oldest_ended(self) -> None:
        for channel_id, state in self._channels.items():
            if state.ended:
                del self._channels[channel_id]
                self._ended -= 1
                return
