"""An unbounded queue read as an async iterator: the bridge between messages pushed by the socket
and a caller's ``async for``. Ending it lets queued items drain first; ending it with an error
raises that error from the iterator once they are drained."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Deque, Generic, Optional, TypeVar

T = TypeVar("T")


class MessageStream(Generic[T]):
    def __init__(self) -> None:
        self._items: Deque[T] = deque()
        self._waiter: Optional[asyncio.Future[None]] = None
        self._done = False
        self._failure: Optional[BaseException] = None

    @property
    def done(self) -> bool:
        return self._done

    def push(self, item: T) -> None:
        if self._done:
            return
        self._items.append(item)
        self._wake()

    def end(self, error: Optional[BaseException] = None) -> None:
        if self._done:
            return
        self._done = True
        self._failure = error
        self._wake()

    def __aiter__(self) -> MessageStream[T]:
        return self

    async def __anext__(self) -> T:
        while not self._items:
            if self._done:
                failure, self._failure = self._failure, None
                if failure is not None:
                    raise failure
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    async def aclose(self) -> None:
        """Stops the stream early: what is queued is dropped and nothing more arrives."""
        self._items.clear()
        self.end()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
