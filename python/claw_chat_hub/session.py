"""The machinery under ChatClient: one agent's session with the hub. It wires Connection (socket
life cycle, reconnects, the resume handshake), PendingRequests (request/reply, pace, what
survives a reconnect) and Inbox (exactly-once delivery, resume cursors) together, and turns hub
frames into settled requests and events.

Every connection, the first included, resumes: the Inbox's cursors go out in ``resume``, the hub
replays exactly what this client lacks (and, for channels not listed, what it never sent this
agent), and only then do queued requests go out and ``connected`` fire. Events fire for every
state change a frame reports, this client's own included (its accept, its end), so one listener
sees it all.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, Awaitable, Callable, Iterable, List, Optional, TypeVar, Union, cast, overload

from . import protocol
from .backoff import Backoff, BackoffOptions
from .connection import Connection, ConnectionState
from .errors import ChatError, ClientErrorCode
from .events import Emitter, Handler
from .hub_url import socket_url
from .inbox import Inbox
from .open_socket import SocketOptions
from .pending import PendingRequests, RetryPolicy
from .protocol import Ack, Channel, ChatEnded, ErrorPayload, Frame, FrameType, Message, ResumeCursor, Welcome
from .transport import Socket

#: Called before every (re)connect; its result is sent as ``Authorization: Bearer``.
TokenProvider = Callable[[], Union[str, Awaitable[str]]]
H = TypeVar("H", bound=Handler)


def payload(frame: Frame) -> Any:
    """A frame's content without its envelope, as the API hands it out."""
    return {key: value for key, value in frame.items() if key not in (protocol.TYPE, protocol.REQUEST_ID)}


class ChatSession:
    def __init__(
        self,
        hub_url: str,
        agent_id: str,
        api_key: Optional[str] = None,
        *,
        token_provider: Optional[TokenProvider] = None,
        reconnect: Union[bool, BackoffOptions] = True,
        request_timeout: Optional[float] = 30.0,
        connect_timeout: float = 10.0,
        heartbeat: Optional[float] = 30.0,
        max_in_flight: int = 32,
    ) -> None:
        if not agent_id:
            raise ChatError(ClientErrorCode.INVALID_ARGUMENT, "agent_id is required")
        if max_in_flight < 1:
            raise ChatError(ClientErrorCode.INVALID_ARGUMENT, "max_in_flight must be at least 1")
        self.agent_id = agent_id
        self.hub_url = hub_url
        self._api_key = api_key
        self._token_provider = token_provider
        self._request_timeout = request_timeout
        self._emitter = Emitter()
        self._inbox = Inbox(agent_id)
        self._pending = PendingRequests(self._write, max_in_flight=max_in_flight, refusal_backoff=Backoff())
        try:
            backoff = None if reconnect is False else Backoff(BackoffOptions() if reconnect is True else reconnect)
        except ValueError as error:
            raise ChatError(ClientErrorCode.INVALID_ARGUMENT, str(error)) from error
        options = SocketOptions(socket_url(hub_url, agent_id), connect_timeout, heartbeat or None)
        self._connection = Connection(options, backoff, _Events(self), self._credential, token_provider is not None)

    @property
    def state(self) -> ConnectionState:
        """'idle' before connect(), 'open', 'reconnecting' while restoring a lost connection, 'closed' after."""
        return self._connection.state

    @property
    def socket_for_testing(self) -> Optional[Socket]:
        """The open socket, for tests that cut it as a network failure would. Not API."""
        return self._connection.socket_for_testing

    @overload
    def on(self, event: str) -> Callable[[H], H]: ...

    @overload
    def on(self, event: str, handler: H) -> H: ...

    def on(self, event: str, handler: Optional[H] = None) -> Any:
        """Calls ``handler(event_dict)`` (plain or async) on ``event``; without a handler, a decorator.
        Events: chat_request, chat_accept, chat_reject, chat_end, connected, reconnecting,
        disconnected, hub_error, listener_error."""
        if handler is None:
            return lambda decorated: self._emitter.on(event, decorated)
        return self._emitter.on(event, handler)

    def off(self, event: str, handler: Handler) -> None:
        self._emitter.off(event, handler)

    async def _request(
        self,
        frame: Frame,
        replies: Iterable[str],
        retry: RetryPolicy,
        timeout: Optional[float] = None,
        windowed: bool = False,
    ) -> Any:
        if self.state in ("idle", "closed"):
            message = f"cannot send {frame[protocol.TYPE]}: not connected, call connect() first"
            raise ChatError(ClientErrorCode.NOT_CONNECTED, message)
        wait = self._request_timeout if timeout is None else timeout
        limit = None if wait is None or wait <= 0 or math.isinf(wait) else wait
        reply = await self._pending.request(frame, frozenset(replies), retry, limit, windowed)
        return payload(reply)

    async def _credential(self) -> Optional[str]:
        if self._token_provider is None:
            return self._api_key
        token = self._token_provider()
        return await token if inspect.isawaitable(token) else cast(str, token)

    def _write(self, data: str) -> bool:
        return self._connection.send(data)

    def _on_frame(self, frame: Frame) -> None:
        kind = frame.get(protocol.TYPE)
        try:
            answered = self._pending.settle(frame)
            body = payload(frame)
            if kind == FrameType.ERROR and not answered:
                refusal = cast(ErrorPayload, body)
                self._emitter.emit("hub_error", {"error": ChatError(refusal["code"], refusal["message"])})
            elif kind == FrameType.CHAT_MESSAGE:
                self._inbox.receive(cast(Message, body))
            elif kind == FrameType.ACK:
                ack = cast(Ack, body)
                self._inbox.acked(ack["channel_id"], ack["seq"])
            elif kind == FrameType.CHAT_REQUEST:
                self._emitter.emit("chat_request", body)
            elif kind == FrameType.CHAT_ACCEPT:
                channel = cast(Channel, body)
                self._inbox.channel_seen(channel["channel_id"], channel["last_seq"])
                self._emitter.emit("chat_accept", body)
            elif kind in (FrameType.CHAT_REJECT, FrameType.CHAT_END):
                self._inbox.channel_ended(cast(ChatEnded, body)["channel_id"])
                self._emitter.emit(str(kind), body)
        except Exception as error:  # a malformed frame must not stop the read loop
            self._emitter.report(error, {"frame": kind})

    def _on_lost(self, code: int, reason: str, will_reconnect: bool, error: Optional[ChatError]) -> None:
        self._pending.connection_lost()
        if not will_reconnect:
            why = error or ChatError(ClientErrorCode.CONNECTION_LOST, f"connection lost: {code} {reason}")
            self._pending.fail_all(why)
            self._inbox.end_streams(why)
        event = {"code": code, "reason": reason, "will_reconnect": will_reconnect, "error": error}
        self._emitter.emit("disconnected", event)


class _Events:
    """The session as the Connection sees it (kept off ChatClient's public surface)."""

    def __init__(self, session: ChatSession) -> None:
        self._session = session

    def resume_cursors(self, welcome: Welcome) -> List[ResumeCursor]:
        return self._session._inbox.resume_cursors(welcome["max_frame_bytes"])

    def opened(self, welcome: Welcome, reconnected: bool, replayed: int) -> None:
        self._session._inbox.resumed()
        self._session._pending.connection_opened(welcome["max_frame_bytes"])
        event = {"welcome": payload(cast(Frame, welcome)), "reconnected": reconnected, "replayed": replayed}
        self._session._emitter.emit("connected", event)

    def frame(self, frame: Frame) -> None:
        self._session._on_frame(frame)

    def lost(self, code: int, reason: str, will_reconnect: bool, error: Optional[ChatError]) -> None:
        self._session._on_lost(code, reason, will_reconnect, error)

    def reconnecting(self, attempt: int, delay: float) -> None:
        self._session._emitter.emit("reconnecting", {"attempt": attempt, "delay": delay})
