"""Stuck clients are cut off within a bounded time, and the server's memory comes back.

Measured on a real server process (``python -m pyfritz.server``) as its
resident set size, with clients that never read on plain sockets.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from fakes.raw_client import RawClient, established, sync_process
from websockets.sync.client import ClientConnection, connect

MIB = 1024 * 1024
#: How far above its settled size the server may stay once stuck clients are gone.
RSS_SLACK = 6 * MIB


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for ``condition`` (a state of another process), checking every 50 ms."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def put(ws: ClientConnection, seq: int, value: object, id: str = "big") -> dict[str, object]:
    """Put ``value`` and return the server's answer to it."""
    ws.send(json.dumps({"op": "put", "id": id, "seq": seq, "base": None, "value": value}))
    while True:
        frame = json.loads(ws.recv(timeout=30))
        if frame.get("seq") == seq:
            return dict(frame)


def test_clients_that_never_read_are_cut_off_and_rss_comes_back() -> None:
    options = ["--put-rate", "1000", "--put-burst", "1000", "--write-timeout", "3"]
    with sync_process(*options, "--close-timeout", "1") as server, connect(server.url) as good:
        good.send(json.dumps({"op": "join", "id": "big", "rev": None}))
        assert json.loads(good.recv(timeout=30))["op"] == "snapshot"
        # Settle: the same traffic once without stuck clients, so that what
        # is measured after is what the stuck clients left behind.
        for seq in range(1, 41):
            assert put(good, seq, f"{seq:06d}" + "x" * 200_000)["op"] == "state"
        settled = server.rss

        stuck = [RawClient(server.port) for _ in range(10)]
        for client in stuck:
            assert client.status == 101
            client.send(op="join", id="big", rev=None)
        for seq in range(41, 121):  # 80 states of 200 KB: far more than anyone buffers
            assert put(good, seq, f"{seq:06d}" + "x" * 200_000)["op"] == "state"
        peak = server.rss
        # Only the good client's connection is left on the server's side.
        wait_until(lambda: established(server.port) == 1)
        after = server.rss
        assert put(good, 121, "still works")["op"] == "state"
        for client in stuck:
            client.close()
        mib = [round(size / MIB, 1) for size in (settled, peak, after)]
        print(f"RSS settled, peak, after (MiB): {mib}")
        assert after - settled < RSS_SLACK
