"""The one place that knows which ``websockets`` is installed. Releases 13 and later have
``websockets.asyncio.client.connect(..., additional_headers=...)`` and report a refused upgrade as
``InvalidStatus`` with the response (and its body); older ones (Debian's 10.4) have the legacy
``connect(..., extra_headers=...)`` and report ``InvalidStatusCode`` with the status alone, so the
legacy handshake is extended to read the refusal's body too. Everything above this module sees one
interface: ``Backend.connect()`` returns a :class:`Socket` or raises :class:`Refused`."""

from __future__ import annotations

import asyncio
import importlib
from types import ModuleType
from typing import Any, Callable, Dict, Optional, Protocol, Tuple

#: How long closing may wait for the hub's close frame before the TCP connection is dropped.
CLOSE_TIMEOUT = 2.0
#: Longest refusal body read (the hub's JSON errors are a few hundred bytes).
_MAX_BODY = 64 * 1024


class Socket(Protocol):
    """The part of a websockets connection the client uses (both APIs have it)."""

    async def send(self, message: str) -> None: ...

    async def recv(self) -> Any: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class Refused(Exception):
    """The hub answered the upgrade with an HTTP error instead of switching protocols."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body


class Backend:
    def __init__(self, name: str, connect: Callable[..., Any], headers_keyword: str, **options: Any) -> None:
        #: "asyncio" (websockets 13+) or "legacy" (websockets 10–12).
        self.name = name
        self._connect = connect
        self._headers_keyword = headers_keyword
        self._options = options

    async def connect(
        self, url: str, headers: Dict[str, str], *, open_timeout: float, heartbeat: Optional[float]
    ) -> Socket:
        """Opens a socket; a refused upgrade raises :class:`Refused`, other failures pass through."""
        options: Dict[str, Any] = {
            self._headers_keyword: headers,
            "open_timeout": open_timeout,
            # websockets' own keepalive: a hub that stops answering pings is cut, and reconnect starts.
            "ping_interval": heartbeat,
            "ping_timeout": heartbeat,
            "close_timeout": CLOSE_TIMEOUT,
            # The hub bounds what it accepts, not what it sends (a history page can be large).
            "max_size": None,
            **self._options,
        }
        try:
            socket: Socket = await self._connect(url, **options)
        except Refused:
            raise
        except Exception as error:
            refused = as_refusal(error)
            if refused is None:
                raise
            raise refused from error
        return socket


def as_refusal(error: BaseException) -> Optional[Refused]:
    """``InvalidStatus`` (13+: ``.response``) or ``InvalidStatusCode`` (legacy: ``.status_code``)."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        body = getattr(response, "body", None)
        return Refused(status, body if isinstance(body, bytes) else b"")
    status = getattr(error, "status_code", None)
    return Refused(status, b"") if isinstance(status, int) else None


def closed_with(error: BaseException) -> Tuple[int, str]:
    """Close code and reason of a ``ConnectionClosed``: what the hub sent, else 1006 (no close frame)."""
    received = getattr(error, "rcvd", None)
    code = getattr(received, "code", None)
    return (code, str(getattr(received, "reason", ""))) if isinstance(code, int) else (1006, "connection lost")


def select_backend(load: Callable[[str], ModuleType] = importlib.import_module) -> Backend:
    """The installed API, newest first; ``load`` is a parameter so tests can pose as either release."""
    try:
        modern = load("websockets.asyncio.client")
    except ImportError:
        pass
    else:
        return Backend("asyncio", modern.connect, "additional_headers")
    try:
        legacy = load("websockets.legacy.client")
    except ImportError:  # websockets < 10 kept the legacy client at the top level
        legacy = load("websockets.client")
    exceptions = load("websockets.exceptions")
    protocol = _body_reading_protocol(legacy.WebSocketClientProtocol, exceptions.InvalidStatusCode)
    return Backend("legacy", legacy.connect, "extra_headers", create_protocol=protocol)


def _body_reading_protocol(base: Any, invalid_status: Any) -> Any:
    """The legacy handshake, raising :class:`Refused` with the body (its docs: read it from ``reader``)."""

    class BodyReadingProtocol(base):  # type: ignore[misc]
        async def handshake(self, *args: Any, **kwargs: Any) -> None:
            try:
                await super().handshake(*args, **kwargs)
            except invalid_status as error:
                raise Refused(error.status_code, await self._read_body(error.headers)) from error

        async def _read_body(self, headers: Any) -> bytes:
            try:
                length = min(int(headers.get("Content-Length", "0")), _MAX_BODY)
                body: bytes = await asyncio.wait_for(self.reader.readexactly(length), CLOSE_TIMEOUT)
                return body
            except (ValueError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                return b""

    return BodyReadingProtocol


def abort(socket: Socket) -> None:
    """Drops the TCP connection without a close handshake, as a network failure would (tests)."""
    transport = getattr(socket, "transport", None)
    if transport is not None:
        transport.abort()


#: The backend of the installed websockets, chosen once at import.
BACKEND = select_backend()
