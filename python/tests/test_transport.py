"""The websockets detection, posing as each release: 13+ (``websockets.asyncio.client``, keyword
``additional_headers``, refusals as ``InvalidStatus`` with the response) and 10–12 (the legacy
``connect``, keyword ``extra_headers``, refusals as ``InvalidStatusCode``), and the installed one."""

from __future__ import annotations

import types
from typing import Any, Dict, List

import pytest
import websockets.version

from claw_chat_hub.open_socket import refusal_error
from claw_chat_hub.transport import BACKEND, Refused, as_refusal, closed_with, select_backend


class Recorder:
    """A fake ``connect``: records its keyword arguments, returns a sentinel socket or raises."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.error = error

    async def __call__(self, url: str, **options: Any) -> Any:
        self.calls.append({"url": url, **options})
        if self.error is not None:
            raise self.error
        return "socket"


def loader(modules: Dict[str, types.ModuleType]) -> Any:
    def load(name: str) -> types.ModuleType:
        if name not in modules:
            raise ImportError(name)
        return modules[name]

    return load


def module(name: str, **attributes: Any) -> types.ModuleType:
    made = types.ModuleType(name)
    made.__dict__.update(attributes)
    return made


class FakeInvalidStatusCode(Exception):
    def __init__(self, status_code: int, headers: Dict[str, str]) -> None:
        super().__init__(status_code)
        self.status_code = status_code
        self.headers = headers


class FakeInvalidStatus(Exception):
    def __init__(self, status_code: int, body: bytes) -> None:
        super().__init__(status_code)
        self.response = types.SimpleNamespace(status_code=status_code, body=body, headers={})


def modern_modules(connect: Recorder) -> Dict[str, types.ModuleType]:
    return {"websockets.asyncio.client": module("websockets.asyncio.client", connect=connect)}


def legacy_modules(connect: Recorder) -> Dict[str, types.ModuleType]:
    return {
        "websockets.legacy.client": module("websockets.legacy.client", connect=connect, WebSocketClientProtocol=object),
        "websockets.exceptions": module("websockets.exceptions", InvalidStatusCode=FakeInvalidStatusCode),
    }


async def test_websockets_13_and_later_get_additional_headers() -> None:
    connect = Recorder()
    backend = select_backend(loader(modern_modules(connect)))
    assert backend.name == "asyncio"
    socket: Any = await backend.connect("ws://hub/ws", {"Authorization": "Bearer k"}, open_timeout=3, heartbeat=5)
    assert socket == "socket"
    call = connect.calls[0]
    assert call["additional_headers"] == {"Authorization": "Bearer k"} and "extra_headers" not in call
    assert (call["open_timeout"], call["ping_interval"], call["ping_timeout"], call["max_size"]) == (3, 5, 5, None)
    assert "create_protocol" not in call


async def test_legacy_websockets_get_extra_headers_and_a_body_reading_handshake() -> None:
    connect = Recorder()
    backend = select_backend(loader(legacy_modules(connect)))
    assert backend.name == "legacy"
    await backend.connect("ws://hub/ws", {"Authorization": "Bearer k"}, open_timeout=3, heartbeat=None)
    call = connect.calls[0]
    assert call["extra_headers"] == {"Authorization": "Bearer k"} and "additional_headers" not in call
    assert call["ping_interval"] is None and issubclass(call["create_protocol"], object)


async def test_websockets_before_10_keep_the_legacy_client_at_the_top() -> None:
    connect = Recorder()
    modules = legacy_modules(connect)
    modules["websockets.client"] = modules.pop("websockets.legacy.client")
    assert select_backend(loader(modules)).name == "legacy"


@pytest.mark.parametrize(
    ("shape", "error", "status", "body"),
    [
        ("13+", FakeInvalidStatus(403, b'{"error":{"code":"FORBIDDEN","message":"no"}}'), 403, b'{"error":{"code":"FORBIDDEN","message":"no"}}'),
        ("legacy, body unread", FakeInvalidStatusCode(429, {}), 429, b""),
    ],
)
async def test_refused_upgrades_of_either_shape_become_refused(shape: str, error: Exception, status: int, body: bytes) -> None:
    modules = modern_modules(Recorder(error)) if shape == "13+" else legacy_modules(Recorder(error))
    backend = select_backend(loader(modules))
    with pytest.raises(Refused) as caught:
        await backend.connect("ws://hub/ws", {}, open_timeout=1, heartbeat=None)
    assert (caught.value.status, caught.value.body) == (status, body)


async def test_other_failures_pass_through() -> None:
    backend = select_backend(loader(modern_modules(Recorder(ConnectionRefusedError("refused")))))
    with pytest.raises(ConnectionRefusedError):
        await backend.connect("ws://hub/ws", {}, open_timeout=1, heartbeat=None)


def test_a_refusal_keeps_the_hubs_code_or_falls_back_on_the_status() -> None:
    keyed = refusal_error(Refused(429, b'{"error":{"code":"TOO_MANY_CONNECTIONS","message":"16 already"}}'))
    assert (keyed.code, keyed.status) == ("TOO_MANY_CONNECTIONS", 429) and "16 already" in keyed.message
    assert refusal_error(Refused(401, b"")).code == "UNAUTHORIZED"
    assert refusal_error(Refused(503, b"<html>bad gateway</html>")).code == "UNAVAILABLE"
    assert refusal_error(Refused(418, b"")).code == "CONNECT_FAILED"
    assert as_refusal(ValueError("no status")) is None


def test_close_codes_come_from_the_received_close_frame() -> None:
    closed = types.SimpleNamespace(rcvd=types.SimpleNamespace(code=4401, reason="API key rotated"))
    assert closed_with(closed) == (4401, "API key rotated")  # type: ignore[arg-type]
    assert closed_with(types.SimpleNamespace(rcvd=None)) == (1006, "connection lost")  # type: ignore[arg-type]


def test_the_installed_websockets_is_detected() -> None:
    major = int(websockets.version.version.split(".")[0])
    assert BACKEND.name == ("asyncio" if major >= 13 else "legacy")
