"""Real hubs for the tests: ``node --import tsx src/server.ts`` as its own process (Node itself with
tsx's loader, so a SIGKILL reaches the hub and not a wrapper), on a free port and a fresh database
of its own: a temporary SQLite file, or a new PostgreSQL database dropped afterwards."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any, Dict, Optional

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_ADMIN_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


class TempDatabase:
    """A database no other test uses: ``kind`` is "sqlite" or "postgres"."""

    def __init__(self, kind: str = "sqlite") -> None:
        self.kind = kind
        if kind == "postgres":
            self.name = f"hub_pytest_{os.getpid()}_{random.randrange(16**8):08x}"
            _psql(f'CREATE DATABASE "{self.name}"')
            self.url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"
        else:
            self._dir = tempfile.mkdtemp(prefix="claw-hub-py-")
            self.url = f"file:{self._dir}/hub.db"

    def remove(self) -> None:
        if self.kind == "postgres":
            _psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            shutil.rmtree(self._dir, ignore_errors=True)


def _psql(sql: str) -> None:
    subprocess.run(["psql", POSTGRES_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True)


def free_port() -> int:
    """A port below Linux's ephemeral range (32768 and up), where outgoing connections take theirs."""
    while True:
        port = random.randrange(10_000, 20_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


class HubProcess:
    def __init__(self, database: TempDatabase, env: Optional[Dict[str, str]] = None) -> None:
        self.database = database
        self.env = env or {}
        self.port = free_port()
        self.process: Optional[subprocess.Popen[bytes]] = None
        self._log: Optional[IO[bytes]] = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        env = {"PATH": os.environ.get("PATH", ""), "HOST": "127.0.0.1", "LOG_LEVEL": "warn", **self.env}
        env.update(PORT=str(self.port), DATABASE_URL=self.database.url)
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            ["node", "--import", "tsx", "src/server.ts"], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def start(self, timeout: float = 60) -> None:
        """Starts the hub and waits until /readyz answers 200."""
        self.spawn()
        deadline = time.monotonic() + timeout
        while not self.ready():
            if time.monotonic() > deadline:
                raise RuntimeError(f"hub not ready within {timeout} s: {self.output()}")
            time.sleep(0.05)

    async def start_async(self, timeout: float = 60) -> None:
        """start() without blocking the event loop, so clients keep running while the hub boots."""
        self.spawn()
        deadline = time.monotonic() + timeout
        while not await asyncio.to_thread(self.ready):
            if time.monotonic() > deadline:
                raise RuntimeError(f"hub not ready within {timeout} s: {self.output()}")
            await asyncio.sleep(0.05)

    def ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"hub exited with {self.process.returncode}: {self.output()}")
        try:
            with urllib.request.urlopen(f"{self.http_url}/readyz", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing is flushed, no socket is closed cleanly."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM: the hub's graceful shutdown."""
        self._signal(signal.SIGTERM)

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def output(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-4000:]

    def request(self, method: str, path: str, body: Any = None, token: Optional[str] = None) -> Any:
        """A REST call; returns (status, JSON body)."""
        headers = {"content-type": "application/json"} if body is not None else {}
        if token:
            headers["authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.http_url}{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def _signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
