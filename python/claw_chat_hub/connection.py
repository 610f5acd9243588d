"""The connection's life cycle: connect, notice an unexpected close, wait a jittered backoff,
reopen, until disconnect() or a refusal that retrying cannot fix (a bad or missing credential, a
forbidden agent). The first connect() is never retried: a wrong URL or key should fail loudly, not
spin. A socket counts as open only once the hub has answered its ``resume``, so nothing else is
written to it before that. Close code 4401 (the credential is no longer valid) ends the session,
unless a token provider can hand out a fresh credential for the next attempt.

Knows nothing about frames beyond passing them on; the session decides what to resume from and
what a (re)connection means for its requests.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, List, Literal, Optional, Protocol

from . import protocol
from .backoff import Backoff
from .errors import ChatError, ClientErrorCode
from .live_socket import LiveSocket
from .open_socket import SocketOptions, open_socket
from .protocol import Frame, ResumeCursor, Welcome
from .transport import Socket, abort

log = logging.getLogger("claw_chat_hub")

ConnectionState = Literal["idle", "connecting", "open", "reconnecting", "closed"]

#: Upgrade refusals after which reconnecting would only be refused again. Every close code the hub
#: uses but 4401 is worth a reconnect (the resume makes up for what the socket lost), and so are
#: 429 and 503 (too many connections for now, a hub shutting down).
FATAL_STATUSES = frozenset({400, 401, 403, 404})


class ConnectionEvents(Protocol):
    def resume_cursors(self, welcome: Welcome) -> List[ResumeCursor]: ...

    def opened(self, welcome: Welcome, reconnected: bool, replayed: int) -> None: ...

    def frame(self, frame: Frame) -> None: ...

    def lost(self, code: int, reason: str, will_reconnect: bool, error: Optional[ChatError]) -> None: ...

    def reconnecting(self, attempt: int, delay: float) -> None: ...


class Connection:
    def __init__(
        self,
        options: SocketOptions,
        backoff: Optional[Backoff],
        events: ConnectionEvents,
        credential: Callable[[], Awaitable[Optional[str]]],
        refreshes_credential: bool,
    ) -> None:
        self._options = options
        self._backoff = backoff
        self._events = events
        self._credential = credential
        self._refreshes = refreshes_credential
        self._state: ConnectionState = "idle"
        self._live: Optional[LiveSocket] = None
        self._welcome: Optional[Welcome] = None
        self._opening: Optional["asyncio.Task[Welcome]"] = None
        self._retrying: Optional["asyncio.Task[None]"] = None
        #: connect() calls made while reconnecting: they get the next welcome.
        self._waiting: List["asyncio.Future[Welcome]"] = []

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def socket_for_testing(self) -> Optional[Socket]:
        return self._live.socket if self._live is not None else None

    async def connect(self) -> Welcome:
        """Idempotent: while open it returns the current welcome, while reconnecting the next one."""
        if self._state == "open" and self._welcome is not None:
            return self._welcome
        if self._state == "reconnecting":
            waiter: "asyncio.Future[Welcome]" = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            return await waiter
        if self._state != "connecting" or self._opening is None:
            self._state = "connecting"
            self._opening = asyncio.ensure_future(self._open(reconnected=False))
        opening = self._opening
        try:
            await asyncio.wait([opening])
        except asyncio.CancelledError:
            opening.cancel()
            raise
        if opening.cancelled():
            raise ChatError(ClientErrorCode.CLIENT_CLOSED, "disconnect() was called while connecting")
        return opening.result()

    def send(self, data: str) -> bool:
        """Queues a serialized frame for the open socket; False when there is none (the caller keeps it)."""
        if self._state != "open" or self._live is None:
            return False
        self._live.send(data)
        return True

    def close(self) -> Awaitable[None]:
        """Closes for good (until the next connect()). Takes effect at once; await the result to
        know the socket is gone."""
        self._state = "closed"
        for task in (self._retrying, self._opening):
            if task is not None:
                task.cancel()
        self._settle_waiting(ChatError(ClientErrorCode.CLIENT_CLOSED, "disconnect() was called"))
        live, self._live = self._live, None
        return live.close() if live is not None else asyncio.sleep(0)

    async def _open(self, reconnected: bool) -> Welcome:
        try:
            try:
                token = await self._credential()
            except Exception as error:
                raise ChatError(ClientErrorCode.CONNECT_FAILED, f"the token provider failed: {error!r}") from error
            socket, welcome, replayed = await open_socket(
                self._options, token, self._events.resume_cursors, self._events.frame
            )
        except BaseException:
            if not reconnected and self._state == "connecting":
                self._state = "idle"
            raise
        if self._state == "closed":
            abort(socket)
            raise ChatError(ClientErrorCode.CLIENT_CLOSED, "disconnect() was called while connecting")
        self._live = LiveSocket(socket, self._events.frame, self._closed)
        self._welcome, self._state = welcome, "open"
        if self._backoff is not None:
            self._backoff.reset()
        self._events.opened(welcome, reconnected, replayed)
        self._settle_waiting(welcome)
        return welcome

    def _closed(self, live: LiveSocket, code: int, reason: str) -> None:
        if live is not self._live:
            return
        self._live = None
        if self._state == "closed":
            return
        if code == protocol.CloseCode.UNAUTHORIZED and not (self._refreshes and self._backoff is not None):
            message = f"the hub closed the connection ({code} {reason}): the credential is no longer valid"
            self._stop(code, reason, ChatError(protocol.ErrorCode.UNAUTHORIZED, message))
        elif self._backoff is None:
            self._stop(code, reason, ChatError(ClientErrorCode.CONNECTION_LOST, f"connection lost: {code} {reason}"))
        else:
            self._state = "reconnecting"
            self._events.lost(code, reason, True, None)
            self._retrying = asyncio.ensure_future(self._reconnect(self._backoff, code, reason))

    async def _reconnect(self, backoff: Backoff, code: int, reason: str) -> None:
        while self._state == "reconnecting":
            if not backoff.can_retry:
                message = f"gave up reconnecting after {backoff.attempts} attempts"
                error = ChatError(ClientErrorCode.CONNECTION_LOST, message)
                return self._stop(code, reason, error)
            delay = backoff.next()
            self._events.reconnecting(backoff.attempts, delay)
            await asyncio.sleep(delay)
            if self._state != "reconnecting":
                return
            try:
                await self._open(reconnected=True)
                return
            except ChatError as error:
                if self._state == "reconnecting" and self._fatal(error):
                    return self._stop(code, reason, error)
            except Exception:
                log.exception("claw-chat-hub: reconnecting failed; retrying")

    def _fatal(self, error: ChatError) -> bool:
        if error.status is None or error.status not in FATAL_STATUSES:
            return False
        # A token provider may hand out a valid credential next time.
        return not (error.status == 401 and self._refreshes)

    def _stop(self, code: int, reason: str, error: ChatError) -> None:
        self._state = "closed"
        self._events.lost(code, reason, False, error)
        self._settle_waiting(error)

    def _settle_waiting(self, outcome: Any) -> None:
        waiting, self._waiting = self._waiting, []
        for waiter in waiting:
            if waiter.done():
                continue
            if isinstance(outcome, ChatError):
                waiter.set_exception(outcome)
            else:
                waiter.set_result(outcome)
