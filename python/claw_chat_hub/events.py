"""Event listeners: ``on(event, handler)`` with plain or async handlers. Every event hands its
handler one dict. A handler that raises (or whose coroutine raises) must not take the socket's
frame loop down with it: the error goes to ``listener_error`` listeners, or to the log."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Callable, Dict, List, Set

from .errors import ChatError, ClientErrorCode

log = logging.getLogger("claw_chat_hub")

#: Receives the event's dict; may return an awaitable, which then runs as a task.
Handler = Callable[[Any], object]

EVENTS = frozenset(
    {
        # What the other side (or this client) did to a channel: the frame's payload.
        "chat_request",
        "chat_accept",
        "chat_reject",
        "chat_end",
        # Connection state: {welcome, reconnected, replayed}, {attempt, delay}, {code, reason, will_reconnect, error}.
        "connected",
        "reconnecting",
        "disconnected",
        # An error frame that answered none of this client's requests: {error}.
        "hub_error",
        # A handler raised: {error, event} or {error, message}.
        "listener_error",
    }
)


class Emitter:
    def __init__(self) -> None:
        self._handlers: Dict[str, List[Handler]] = {}
        self._tasks: Set["asyncio.Task[Any]"] = set()

    def on(self, event: str, handler: Handler) -> Handler:
        if event not in EVENTS:
            message = f"unknown event {event!r}; events are {', '.join(sorted(EVENTS))}"
            raise ChatError(ClientErrorCode.INVALID_ARGUMENT, message)
        self._handlers.setdefault(event, []).append(handler)
        return handler

    def off(self, event: str, handler: Handler) -> None:
        handlers = self._handlers.get(event, [])
        if handler in handlers:
            handlers.remove(handler)

    def emit(self, event: str, payload: Dict[str, Any]) -> None:
        for handler in list(self._handlers.get(event, [])):
            self.call(handler, payload, {"event": event})

    def call(self, handler: Callable[[Any], Any], argument: Any, context: Dict[str, Any]) -> None:
        """Runs a handler; a coroutine it returns runs as a task. Errors are reported, not raised."""
        try:
            result = handler(argument)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(lambda done: self._finished(done, context))
        except Exception as error:
            self.report(error, context)

    def report(self, error: BaseException, context: Dict[str, Any]) -> None:
        listeners = self._handlers.get("listener_error", [])
        if not listeners or context.get("event") == "listener_error":
            log.error("claw-chat-hub: a listener raised (%s)", context, exc_info=error)
            return
        for listener in list(listeners):
            try:
                result = listener({"error": error, **context})
                if inspect.isawaitable(result):
                    asyncio.ensure_future(result)
            except Exception as nested:
                log.error("claw-chat-hub: a listener_error handler raised", exc_info=nested)

    def _finished(self, task: "asyncio.Task[Any]", context: Dict[str, Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.report(task.exception() or RuntimeError("listener failed"), context)
