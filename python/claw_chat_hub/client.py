"""ChatClient: the calls an agent makes on the hub, with the seed's names, arguments and results.
Each call is one frame out and its reply back; session mechanics (reconnects, re-sends,
exactly-once delivery, pace, events) live in ChatSession. This file only maps keyword arguments
onto frames and replies onto the dicts the API returns."""

from __future__ import annotations

import inspect
import uuid
from types import TracebackType
from typing import Any, Callable, Dict, List, Literal, Optional, Type, TypedDict, cast

from . import protocol
from .errors import ChatError, ClientErrorCode
from .message_stream import MessageStream
from .protocol import Ack, Channel, ChatEnded, ChatRejection, Frame, FrameType, HistoryPage, Message, Service, Welcome
from .session import ChatSession, payload

#: How long request_chat waits for the provider's decision by default (a person may be deciding).
REQUEST_CHAT_TIMEOUT = 60.0

class _ChatDecision(TypedDict):
    status: Literal["accepted", "rejected"]
    channel_id: str


class RequestChatResult(_ChatDecision, total=False):
    #: The provider's reason, when it rejected (None if it gave none).
    reason: Optional[str]


class ChatClient(ChatSession):
    """One agent's connection to the hub. ``async with ChatClient(...) as chat:`` connects and
    disconnects around the block."""

    async def connect(self) -> Welcome:
        """Opens the session; returns the hub's welcome once the hub has replayed what this agent
        missed (held for the first reader). A first connect that fails is not retried."""
        try:
            welcome: Welcome = payload(cast(Frame, await self._connection.connect()))
            return welcome
        except ChatError as error:
            if self.state != "open":
                self._pending.fail_all(error)
            raise

    async def disconnect(self) -> None:
        """Closes the session: waiting calls fail with CLIENT_CLOSED, messages() iterators end and
        listen_for_messages returns."""
        was_active = self.state not in ("idle", "closed")
        closing = self._connection.close()
        self._pending.fail_all(ChatError(ClientErrorCode.CLIENT_CLOSED, "disconnect() was called"))
        self._inbox.end_streams()
        await closing
        if was_active:
            event = {"code": 1000, "reason": "client disconnect", "will_reconnect": False, "error": None}
            self._emitter.emit("disconnected", event)

    async def __aenter__(self) -> ChatClient:
        await self.connect()
        return self

    async def __aexit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        await self.disconnect()

    async def send_message(
        self,
        target_agent: Optional[str] = None,
        content: Optional[str] = None,
        service_id: Optional[str] = None,
        *,
        channel_id: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        client_msg_id: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Ack:
        """Sends a message to ``target_agent`` (on the pair's channel for ``service_id``, opened if
        need be) or on ``channel_id``; returns the ack once the hub stored it. Unacked sends survive
        reconnects and hub restarts; retrying with the same ``client_msg_id`` never stores a copy."""
        if content is None:
            raise ChatError(ClientErrorCode.INVALID_ARGUMENT, "send_message needs content")
        if channel_id is None and target_agent is None:
            raise ChatError(ClientErrorCode.INVALID_ARGUMENT, "send_message needs target_agent or channel_id")
        frame = protocol.chat_message(
            channel_id=channel_id,
            target_agent=target_agent,
            content=content,
            metadata=metadata,
            service_id=service_id,
            client_msg_id=client_msg_id or str(uuid.uuid4()),
        )
        ack: Ack = await self._request(frame, [FrameType.ACK], "resend", timeout, windowed=True)
        return ack

    async def request_chat(
        self, service_id: str, message: Optional[str] = None, *, timeout: Optional[float] = None
    ) -> RequestChatResult:
        """Asks a service's provider for a channel; returns its decision:
        ``{"status": "accepted", "channel_id": …}`` or ``{"status": "rejected", "channel_id": …, "reason": …}``."""
        if timeout is None and self._request_timeout is not None:
            timeout = max(self._request_timeout, REQUEST_CHAT_TIMEOUT)
        frame = protocol.chat_request(service_id, message)
        replies = [FrameType.CHAT_ACCEPT, FrameType.CHAT_REJECT]
        channel: ChatRejection = await self._request(frame, replies, "fail", timeout if timeout is not None else 0)
        if channel["status"] == "rejected":
            return {"status": "rejected", "channel_id": channel["channel_id"], "reason": channel.get("reason")}
        return {"status": "accepted", "channel_id": channel["channel_id"]}

    async def accept_chat(
        self, consumer_id: Optional[str] = None, *, channel_id: Optional[str] = None, timeout: Optional[float] = None
    ) -> Channel:
        """Provider: accepts a pending request, named by the consumer that sent it or by its channel."""
        _one_target("accept_chat", consumer_id, channel_id)
        frame = protocol.chat_accept(channel_id, consumer_id)
        channel: Channel = await self._request(frame, [FrameType.CHAT_ACCEPT], "fail", timeout)
        return channel

    async def reject_chat(
        self,
        consumer_id: Optional[str] = None,
        reason: Optional[str] = None,
        *,
        channel_id: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> ChatRejection:
        """Provider: rejects a pending request; the consumer's request_chat returns ``rejected``."""
        _one_target("reject_chat", consumer_id, channel_id)
        frame = protocol.chat_reject(channel_id, consumer_id, reason)
        rejection: ChatRejection = await self._request(frame, [FrameType.CHAT_REJECT], "fail", timeout)
        return rejection

    async def end_chat(
        self, channel_id: str, reason: Optional[str] = None, *, timeout: Optional[float] = None
    ) -> ChatEnded:
        """Ends a channel; both sides get ``chat_end``. Returns this side's copy."""
        frame = protocol.chat_end(channel_id, reason)
        ended: ChatEnded = await self._request(frame, [FrameType.CHAT_END], "fail", timeout)
        return ended

    async def get_history(
        self,
        channel_id: Optional[str] = None,
        service_id: Optional[str] = None,
        limit: Optional[int] = 50,
        *,
        before_seq: Optional[int] = None,
        after_seq: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> List[Message]:
        """A channel's messages (or those of this agent's latest channel for ``service_id``), oldest
        first: the latest ``limit`` of them, or the page before/after a seq."""
        page = await self.get_history_page(
            channel_id, service_id, limit, before_seq=before_seq, after_seq=after_seq, timeout=timeout
        )
        return page["messages"]

    async def get_history_page(
        self,
        channel_id: Optional[str] = None,
        service_id: Optional[str] = None,
        limit: Optional[int] = 50,
        *,
        before_seq: Optional[int] = None,
        after_seq: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> HistoryPage:
        """Like get_history, with ``has_more``: whether more lies beyond the page in the direction read."""
        if channel_id is None and service_id is None:
            raise ChatError(ClientErrorCode.INVALID_ARGUMENT, "get_history needs channel_id or service_id")
        frame = protocol.chat_history(
            channel_id=channel_id, service_id=service_id, limit=limit, before_seq=before_seq, after_seq=after_seq
        )
        page: HistoryPage = await self._request(frame, [FrameType.CHAT_HISTORY], "resend", timeout)
        return page

    async def register_service(
        self, service_id: str, description: Optional[str] = None, *, timeout: Optional[float] = None
    ) -> Service:
        """Provider: binds a service to this agent, so requests for it arrive here."""
        frame = protocol.register_service(service_id, description)
        service: Service = await self._request(frame, [FrameType.REGISTER_SERVICE], "resend", timeout)
        return service

    async def listen_for_messages(self, handler: Callable[[Message], Any]) -> None:
        """Calls ``handler(msg)`` (plain or async) for every incoming message, once each and in seq
        order, one at a time; returns when the client disconnects. A handler that raises is reported
        to ``listener_error`` listeners (or the log) and listening goes on."""
        async for message in self.messages():
            try:
                result = handler(message)
                if inspect.isawaitable(result):
                    await result
            except Exception as error:
                self._emitter.report(error, {"message": message})

    def messages(self) -> MessageStream[Message]:
        """Incoming chat messages as an async iterator, starting with those that arrived before
        anyone read them; it ends on disconnect() and raises the ChatError of a fatal connection loss."""
        stream = self._inbox.stream()
        if self.state == "closed":
            stream.end()
        return stream


def _one_target(call: str, consumer_id: Optional[str], channel_id: Optional[str]) -> None:
    if consumer_id is None and channel_id is None:
        raise ChatError(ClientErrorCode.INVALID_ARGUMENT, f"{call} needs consumer_id or channel_id")
