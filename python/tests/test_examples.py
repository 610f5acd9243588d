"""python/examples run as a user would (separate processes) against a real hub, and the seed's
two quick-start snippets, pasted as they are written (top-level ``await``), fed to Python's
asyncio REPL (``python3 -m asyncio``) the way a user pastes them; only the hub address and the
agent ids differ."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Dict, Iterator, List

import pytest

from hubs import HubProcess
from support import unique, wait_until

HERE = Path(__file__).resolve().parent
PYTHON_DIR = HERE.parent


class Run:
    """A Python process whose output (stdout and stderr together) the test reads as it comes."""

    def __init__(self, args: List[str], env: Dict[str, str], stdin: str | None = None) -> None:
        self._out: IO[bytes] = tempfile.TemporaryFile()
        full_env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR), "PYTHONUNBUFFERED": "1", "HUB_URL": "", **env}
        self.process = subprocess.Popen(
            [sys.executable, *args], cwd=PYTHON_DIR, env=full_env, stdin=subprocess.PIPE, stdout=self._out, stderr=subprocess.STDOUT
        )
        assert self.process.stdin is not None
        if stdin is not None:
            self.process.stdin.write(stdin.encode("utf-8"))
        self.process.stdin.close()

    def output(self) -> str:
        self._out.seek(0)
        return self._out.read().decode("utf-8", "replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def runs() -> Iterator[List[Run]]:
    started: List[Run] = []
    yield started
    for run in started:
        run.stop()


async def test_weather_examples(hub: HubProcess, runs: List[Run]) -> None:
    provider = Run(["examples/weather_provider.py", hub.ws_url], {})
    runs.append(provider)
    await wait_until(lambda: "weather-svc ready" in provider.output(), what=f"the provider to start: {provider.output()}")
    # The consumer reads the hub from HUB_URL, written with /ws this time.
    consumer = Run(["examples/weather_consumer.py"], {"HUB_URL": f"{hub.ws_url}/ws"})
    runs.append(consumer)
    await wait_until(lambda: consumer.process.poll() is not None, what="the consumer to finish")
    assert "weather-svc: Forecast for Beijing: sunny" in consumer.output()
    assert consumer.process.returncode == 0, consumer.output()
    await wait_until(lambda: "ended by weather-consumer" in provider.output(), what="the provider to hear of the end")
    assert "weather-consumer: What's the weather in Beijing today?" in provider.output()
    provider.process.send_signal(signal.SIGTERM)
    await wait_until(lambda: provider.process.poll() is not None, what="the provider to stop")
    assert "SIGTERM: disconnecting" in provider.output() and provider.process.returncode == 0


def snippet(name: str, hub: HubProcess, ids: Dict[str, str]) -> str:
    """A seed snippet as written, for this hub and these agent ids, plus the Enter that ends a paste."""
    text = (HERE / "seed" / f"{name}.py").read_text(encoding="utf-8")
    text = text.replace("ws://localhost:8765", hub.ws_url)
    for seed_id, test_id in ids.items():
        text = text.replace(f'"{seed_id}"', f'"{test_id}"')
    return text + "\n"


async def test_the_seeds_quick_start(hub: HubProcess, runs: List[Run]) -> None:
    ids = {"weather-provider": unique("seed-provider"), "weather-consumer": unique("seed-consumer")}
    provider = Run(["-m", "asyncio"], {}, stdin=snippet("provider", hub, ids))
    runs.append(provider)
    consumer = Run(["-m", "asyncio"], {}, stdin=snippet("consumer", hub, ids))
    runs.append(consumer)
    await wait_until(lambda: "收到: 消息已收到!" in consumer.output(), what=f"the reply: {consumer.output()}")
    assert f"收到消息 from {ids['weather-consumer']}: 查询北京天气" in provider.output()
    assert "Traceback" not in provider.output() + consumer.output()
