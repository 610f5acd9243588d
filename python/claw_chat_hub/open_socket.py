"""Opens one WebSocket to the hub and brings it to live traffic: waits for ``welcome``, sends
``resume`` as the connection's first frame, hands on what the hub replays, and is ready at the
``resume`` reply, when every missed message has been handed over. Owns everything about opening
a single socket: the auth header, turning a refused upgrade (HTTP 401/403/429/503 with a JSON
body) into a ChatError with the hub's code, and JSON parsing of frames."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple, cast

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from . import protocol
from .errors import ChatError, ClientErrorCode
from .protocol import ErrorPayload, Frame, Resumed, ResumeCursor, Welcome
from .transport import BACKEND, Backend, Refused, Socket, abort, closed_with


@dataclass(frozen=True)
class SocketOptions:
    url: str
    #: Limit for the welcome, and for each silence while the replay streams in (seconds).
    connect_timeout: float
    #: Ping interval and pong timeout (seconds); None disables the heartbeat.
    heartbeat: Optional[float]
    backend: Backend = BACKEND


async def open_socket(
    options: SocketOptions,
    token: Optional[str],
    on_welcome: Callable[[Welcome], List[ResumeCursor]],
    on_frame: Callable[[Frame], None],
) -> Tuple[Socket, Welcome, int]:
    """The socket, its welcome and how many messages the hub replayed; raises ChatError."""
    headers = {protocol.HEADER_AUTHORIZATION: f"Bearer {token}"} if token else {}
    try:
        socket = await options.backend.connect(
            options.url, headers, open_timeout=options.connect_timeout, heartbeat=options.heartbeat
        )
    except Refused as refused:
        raise refusal_error(refused) from refused
    except (OSError, asyncio.TimeoutError, TimeoutError, InvalidHandshake, InvalidURI, EOFError) as error:
        raise ChatError(ClientErrorCode.CONNECT_FAILED, f"cannot reach the hub at {options.url}: {error!r}") from error
    try:
        welcome = await _next(socket, options.connect_timeout, "welcome")
        if welcome.get(protocol.TYPE) == protocol.FrameType.ERROR:
            refusal = cast(ErrorPayload, welcome)
            raise ChatError(refusal["code"], refusal["message"])
        if welcome.get(protocol.TYPE) != protocol.FrameType.WELCOME:
            message = f"the hub's first frame was {welcome.get(protocol.TYPE)!r}, not welcome"
            raise ChatError(ClientErrorCode.CONNECT_FAILED, message)
        hello = cast(Welcome, welcome)
        await socket.send(json.dumps(protocol.resume(on_welcome(hello))))
        while True:
            frame = await _next(socket, options.connect_timeout, "frame during the resume replay")
            if frame.get(protocol.REQUEST_ID) != protocol.RESUME_REQUEST_ID:
                on_frame(frame)
            elif frame.get(protocol.TYPE) == protocol.FrameType.ERROR:
                refusal = cast(ErrorPayload, frame)
                raise ChatError(refusal["code"], f"the hub refused resume: {refusal['message']}")
            elif frame.get(protocol.TYPE) == protocol.FrameType.RESUME:
                return socket, hello, cast(Resumed, frame)["replayed"]
    except ConnectionClosed as closed:
        code, reason = closed_with(closed)
        abort(socket)
        message = f"socket closed before the resume reply ({code} {reason})"
        raise ChatError(ClientErrorCode.CONNECT_FAILED, message) from closed
    except BaseException:
        abort(socket)
        raise


def parse_frame(data: Any) -> Optional[Frame]:
    """A hub frame, or None for anything that is not one (the hub only sends JSON objects)."""
    try:
        value = json.loads(data)
    except (TypeError, ValueError):
        return None
    if isinstance(value, dict) and isinstance(value.get(protocol.TYPE), str):
        return value
    return None


def refusal_error(refused: Refused) -> ChatError:
    """The hub answers a refused upgrade with ``{"error": {"code", "message"}}``: keep its code."""
    code = _STATUS_CODES.get(refused.status, ClientErrorCode.CONNECT_FAILED)
    message = refused.body.decode("utf-8", "replace")
    try:
        error = json.loads(refused.body)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        pass
    text = f"the hub refused the connection ({refused.status}): {message}".rstrip(": ")
    return ChatError(code, text, status=refused.status)


#: Codes for a refusal without a readable body.
_STATUS_CODES = {
    400: protocol.ErrorCode.BAD_REQUEST,
    401: protocol.ErrorCode.UNAUTHORIZED,
    403: protocol.ErrorCode.FORBIDDEN,
    429: protocol.ErrorCode.RATE_LIMITED,
    503: protocol.ErrorCode.UNAVAILABLE,
}


async def _next(socket: Socket, timeout: float, waiting_for: str) -> Frame:
    while True:
        try:
            data = await asyncio.wait_for(socket.recv(), timeout)
        except asyncio.TimeoutError as error:
            message = f"no {waiting_for} from the hub within {timeout:g} s"
            raise ChatError(ClientErrorCode.CONNECT_FAILED, message) from error
        frame = parse_frame(data)
        if frame is not None:
            return frame
