"""Fixtures: one shared hub for the API tests (distinct agent ids keep them apart), and the means
for tests that need a hub of their own. Every async test runs under a deadline, so a regression
fails instead of hanging the suite."""

from __future__ import annotations

import asyncio
import functools
import inspect
from typing import Any, Callable, Iterator, List

import pytest

from clients import Clients
from hubs import HubProcess, TempDatabase

#: Per async test; the crash test asks for more with @pytest.mark.deadline(seconds).
DEFAULT_DEADLINE = 60.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "deadline(seconds): the async test fails after this long")


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        test = getattr(item, "obj", None)
        if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(test):
            marker = item.get_closest_marker("deadline")
            item.obj = _with_deadline(test, float(marker.args[0]) if marker else DEFAULT_DEADLINE)


def _with_deadline(test: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    @functools.wraps(test)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await asyncio.wait_for(test(*args, **kwargs), seconds)

    return run


def start_hub(kind: str = "sqlite", **env: str) -> HubProcess:
    hub = HubProcess(TempDatabase(kind), env)
    try:
        hub.start()
    except BaseException:
        hub.kill()
        hub.database.remove()
        raise
    return hub


def close_hub(hub: HubProcess) -> None:
    hub.kill()
    hub.database.remove()


@pytest.fixture(scope="session")
def hub() -> Iterator[HubProcess]:
    """The shared hub, as `npm start` runs it (defaults), on SQLite."""
    shared = start_hub()
    yield shared
    close_hub(shared)


@pytest.fixture
def own_hub() -> Iterator[Callable[..., HubProcess]]:
    """Starts hubs of the test's own (with the environment it names); closes them afterwards."""
    started: List[HubProcess] = []

    def start(kind: str = "sqlite", **env: str) -> HubProcess:
        started.append(start_hub(kind, **env))
        return started[-1]

    yield start
    for each in started:
        close_hub(each)


@pytest.fixture
async def clients(hub: HubProcess) -> Any:
    """Clients of the shared hub, disconnected after the test."""
    made = Clients(hub.ws_url)
    yield made
    await made.close()
