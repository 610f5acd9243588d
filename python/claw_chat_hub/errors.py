"""The one exception the client raises. It carries the hub's ``code`` when the hub refused a frame
or an upgrade (``CHANNEL_NOT_ACTIVE``, ``UNAUTHORIZED``, …), or one of the client's own codes below
when the failure happened on this side, so callers branch on ``error.code``, never on messages."""

from __future__ import annotations

from typing import Final, Optional


class ClientErrorCode:
    """Codes the client raises itself; the hub's codes (see ``protocol.ErrorCode``) pass through."""

    #: A method was called before connect() or after disconnect().
    NOT_CONNECTED: Final = "NOT_CONNECTED"
    #: disconnect() was called while the request was still waiting.
    CLIENT_CLOSED: Final = "CLIENT_CLOSED"
    #: The socket dropped after a request that changes a channel was written; the hub may or may
    #: not have applied it (the matching chat_* event says if it did).
    CONNECTION_LOST: Final = "CONNECTION_LOST"
    #: No reply arrived within the request's timeout.
    TIMEOUT: Final = "TIMEOUT"
    #: The socket could not be opened (network error, no welcome, no resume reply).
    CONNECT_FAILED: Final = "CONNECT_FAILED"
    #: The call's arguments cannot form a valid frame.
    INVALID_ARGUMENT: Final = "INVALID_ARGUMENT"


class ChatError(Exception):
    """A refused or failed call. ``code`` is the hub's error code or a :class:`ClientErrorCode`."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: Optional[int] = None,
        retry_after_ms: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: HTTP status when the hub refused the WebSocket upgrade.
        self.status = status
        #: How long the hub asked the client to wait before sending the frame again.
        self.retry_after_ms = retry_after_ms

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"ChatError({self.code!r}, {self.message!r})"
