"""One open socket at work: a reader task that hands every hub frame on in arrival order, and a
writer task that sends queued frames in the order they were queued (so callers never wait on the
network to queue one). Reports the end once, with the hub's close code (1006 when the connection
just dropped)."""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from websockets.exceptions import ConnectionClosed

from .open_socket import parse_frame
from .protocol import Frame
from .transport import CLOSE_TIMEOUT, Socket, abort, closed_with

log = logging.getLogger("claw_chat_hub")


class LiveSocket:
    def __init__(
        self, socket: Socket, on_frame: Callable[[Frame], None], on_close: Callable[[LiveSocket, int, str], None]
    ) -> None:
        self.socket = socket
        self._on_frame = on_frame
        self._on_close = on_close
        self._outbox: "asyncio.Queue[str]" = asyncio.Queue()
        self._writer = asyncio.ensure_future(self._write())
        self._reader = asyncio.ensure_future(self._read())

    def send(self, data: str) -> None:
        self._outbox.put_nowait(data)

    async def close(self) -> None:
        """A clean close; a hub that never answers the close handshake does not hold it up."""
        self._writer.cancel()
        try:
            await asyncio.wait_for(self.socket.close(1000, "client disconnect"), CLOSE_TIMEOUT + 1)
        except Exception:
            abort(self.socket)
        await asyncio.wait([self._reader], timeout=CLOSE_TIMEOUT)

    async def _read(self) -> None:
        code, reason = 1006, "connection lost"
        try:
            while True:
                frame = parse_frame(await self.socket.recv())
                if frame is not None:
                    self._on_frame(frame)
        except ConnectionClosed as closed:
            code, reason = closed_with(closed)
        except Exception:
            log.exception("claw-chat-hub: reading from the hub failed; reconnecting")
            abort(self.socket)
        self._writer.cancel()
        self._on_close(self, code, reason)

    async def _write(self) -> None:
        try:
            while True:
                await self.socket.send(await self._outbox.get())
        except ConnectionClosed:
            pass  # the reader reports the close
