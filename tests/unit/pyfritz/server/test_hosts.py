"""The Host check: DNS rebinding gets 400 before anything else, pages and WebSockets alike."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from pyfritz.dev.threaded import free_socket
from pyfritz.server import default_allowed_hosts

ROOT = Path(__file__).resolve().parents[4]


def test_default_hosts_follow_the_bind_address() -> None:
    assert default_allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost", "[::1]"]
    assert default_allowed_hosts("localhost") == ["127.0.0.1", "localhost", "[::1]"]
    assert default_allowed_hosts("::1") == ["127.0.0.1", "localhost", "[::1]"]
    assert default_allowed_hosts("127.0.0.5")[-1] == "127.0.0.5"
    assert default_allowed_hosts("192.0.2.7") == ["192.0.2.7"]
    assert default_allowed_hosts("fd00::7") == ["[fd00::7]"]
    assert default_allowed_hosts("App.Example") == ["app.example"]
    for every in ("0.0.0.0", "::"):
        with pytest.raises(ValueError, match="--allowed-host"):
            default_allowed_hosts(every)


def start(module: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    """Run ``python -m module`` on a free port; return it once it listens."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), "--db", ":memory:", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:  # printed once the port listens
        if "answers to host names" in line:
            # Keep reading its log, so that a full pipe never blocks the server.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, port
    raise AssertionError(f"{module} did not start")


def get(port: int, path: str, host: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host})
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.fixture(params=["pyfritz.server", "pyfritz.dev"])
def server(request: pytest.FixtureRequest) -> Iterator[int]:
    process, port = start(request.param)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(10)


def test_a_foreign_host_gets_400_for_pages_and_websockets(server: int) -> None:
    port = server
    assert get(port, "/", f"evil.example:{port}") == 400
    with pytest.raises(InvalidStatus) as info:
        connect(
            f"ws://127.0.0.1:{port}/sync",
            additional_headers={"Host": f"evil.example:{port}"},
            origin=f"http://evil.example:{port}",  # type: ignore[arg-type]
        )
    assert info.value.response.status_code == 400
    # The server's own names still work.
    with connect(f"ws://localhost:{port}/sync") as ws:
        ws.send(json.dumps({"op": "ping", "t": 1}))
        assert json.loads(ws.recv()) == {"op": "pong", "t": 1}


def test_allowed_host_names_the_hosts_and_every_interface_needs_one() -> None:
    process, port = start("pyfritz.server", "--allowed-host", "app.example")
    try:
        assert get(port, "/", "app.example") == 404  # let in: no page at / here
        assert get(port, "/sync", "127.0.0.1") == 400
    finally:
        process.terminate()
        process.wait(10)
    refused = subprocess.run(
        [sys.executable, "-m", "pyfritz.server", "--host", "0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2
    assert "--allowed-host" in refused.stderr
