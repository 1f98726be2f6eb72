"""The ASGI adapter: the protocol over real sockets, the Origin check, limits, slow clients."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fakes.sync_server import FailingStorage, FakeWebSocket, serve
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

import pyfritz.server.asgi
from pyfritz.server import CLOSE_POLICY, CLOSE_TOO_SLOW, Hub, Limits, SqliteStorage, sync_app
from pyfritz.server.asgi import SyncApp


def starlette_app(app: SyncApp) -> Starlette:
    return Starlette(routes=[WebSocketRoute("/sync", app)])


async def recv(ws: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(await ws.recv(decode=True)))


async def send(ws: ClientConnection, **frame: Any) -> None:
    await ws.send(json.dumps(frame))


async def join(ws: FakeWebSocket, id: str = "p1") -> None:
    """Start ``ws`` and join entity ``id``; return once the snapshot arrived."""
    ws.start()
    ws.send_text(json.dumps({"op": "join", "id": id, "rev": None}))
    await ws.wait_for(lambda: len(ws.frames) == 1)


@asynccontextmanager
async def running(app: SyncApp) -> AsyncIterator[str]:
    """Serve ``app`` at ``/sync`` on a free port; yield its URL."""
    async with serve(starlette_app(app)) as base:
        yield base + "/sync"


async def test_join_put_round_trip_reaches_every_follower() -> None:
    hub = Hub()
    async with running(sync_app(hub)) as url, connect(url) as a, connect(url) as b:
        await send(a, op="join", id="p1", rev=None)
        snapshot = await recv(a)
        assert snapshot == {
            "op": "snapshot",
            "id": "p1",
            "rev": 0,
            "value": None,
            "client": snapshot["client"],
        }
        await send(b, op="join", id="p1", rev=None)
        assert (await recv(b))["client"] != snapshot["client"]

        await send(a, op="put", id="p1", seq=1, base=0, value={"name": "Ada", "age": 36})
        state = {
            "op": "state",
            "id": "p1",
            "rev": 1,
            "value": {"name": "Ada", "age": 36},
            "origin": snapshot["client"],
            "seq": 1,
        }
        assert await recv(a) == state
        assert await recv(b) == state


async def test_server_side_set_reaches_connected_clients() -> None:
    hub = Hub()
    async with running(sync_app(hub)) as url, connect(url) as a:
        await send(a, op="join", id="p1", rev=None)
        await recv(a)
        await hub.set("p1", {"name": "from the server"})
        assert await recv(a) == {
            "op": "state",
            "id": "p1",
            "rev": 1,
            "value": {"name": "from the server"},
            "origin": None,
            "seq": None,
        }


async def test_bad_frames_get_errors_and_the_connection_stays_open() -> None:
    hub = Hub()
    async with running(sync_app(hub, limits=Limits(max_frame=1024))) as url, connect(url) as ws:
        await ws.send("not json")
        assert (await recv(ws))["reason"].startswith("not JSON")
        await ws.send(b"\x01\x02")
        assert (await recv(ws))["reason"] == "binary frames are not supported; send JSON text"
        await send(ws, op="put", id="p1", seq=1, base=0, value=1)
        assert (await recv(ws))["reason"] == "put: not joined; send join first"
        await send(ws, op="join", id="p1", rev=None)
        await recv(ws)
        await send(ws, op="put", id="p1", seq=2, base=0, value="x" * 2000)
        error = await recv(ws)
        assert (error["op"], error["id"], error["seq"]) == ("error", "p1", 2)
        assert error["reason"].startswith("frame too large: ")
        await send(ws, op="ping", t=42)
        assert await recv(ws) == {"op": "pong", "t": 42}
        assert await hub.get("p1") == (0, None)


async def test_a_foreign_origin_is_refused_before_the_handshake_completes() -> None:
    hub = Hub()
    async with running(sync_app(hub)) as url:
        with pytest.raises(InvalidStatus) as info:
            async with connect(url, origin=Origin("http://evil.example")):
                pass  # pragma: no cover - the handshake fails
        assert info.value.response.status_code == 403
        assert hub.session_count == 0
        async with connect(url, origin=Origin("http://localhost:5173")) as ws:
            await send(ws, op="ping", t=1)
            assert (await recv(ws))["op"] == "pong"
        async with connect(url) as ws:  # no Origin: not a browser
            await send(ws, op="ping", t=2)
            assert (await recv(ws))["op"] == "pong"


async def test_the_servers_own_origin_is_allowed_even_with_an_empty_list() -> None:
    hub = Hub()
    async with running(sync_app(hub, allowed_origins=[])) as url:
        port = url.split(":")[2].split("/")[0]
        async with connect(url, origin=Origin(f"http://127.0.0.1:{port}")) as ws:
            await send(ws, op="ping", t=1)
            assert (await recv(ws))["op"] == "pong"
        with pytest.raises(InvalidStatus):
            async with connect(url, origin=Origin(f"http://localhost:{port}")):
                pass  # pragma: no cover - the handshake fails


async def test_refusal_is_a_close_1008_before_accept() -> None:
    ws = FakeWebSocket(sync_app(Hub()), headers=[("origin", "http://evil.example")])
    ws.start()
    assert ws.task is not None
    await ws.wait_for(lambda: bool(ws.sent))
    await ws.task
    assert ws.sent == [
        {"type": "websocket.close", "code": CLOSE_POLICY, "reason": "origin not allowed"}
    ]


async def test_a_client_that_cannot_keep_up_is_closed_with_1013_and_others_carry_on() -> None:
    hub = Hub()
    # Room for about three small frames (a str of n ASCII characters holds 49 + n bytes).
    app = sync_app(hub, limits=Limits(queue_bytes=3 * 120))
    slow, fast = FakeWebSocket(app), FakeWebSocket(app)
    await join(slow)
    await join(fast)
    slow.stalled = True
    for n in range(10):
        await hub.set("p1", n)
        await fast.wait_for(lambda: len(fast.frames) == n + 2)  # noqa: B023 - awaited at once

    assert slow.task is not None
    await slow.wait_for(lambda: slow.sent[-1]["type"] == "websocket.close")
    close = slow.sent[-1]
    assert (close["type"], close["code"]) == ("websocket.close", CLOSE_TOO_SLOW)
    assert re.fullmatch(r"too slow: \d+ bytes queued", close["reason"])
    await slow.task
    assert [f["value"] for f in fast.frames[1:]] == list(range(10))
    assert hub.follower_count("p1") == 1
    assert hub.session_count == 1


async def test_the_outgoing_queue_is_bounded_in_bytes_not_frames() -> None:
    hub = Hub()
    app = sync_app(hub, limits=Limits(queue_bytes=500))
    slow = FakeWebSocket(app)
    await join(slow)
    slow.stalled = True
    await hub.set("p1", "x" * 1000)  # alone: allowed despite its size; the sender hangs on it
    await slow.wait_for(lambda: len(slow.stuck) == 1)
    assert slow.sent[-1]["type"] == "websocket.send"
    await hub.set("p1", "y")  # the frame being sent still counts: over the bound
    await slow.wait_for(lambda: slow.sent[-1]["type"] == "websocket.close")
    assert slow.sent[-1]["code"] == CLOSE_TOO_SLOW


async def test_disconnect_forgets_the_session_and_its_follows() -> None:
    hub = Hub()
    ws = FakeWebSocket(sync_app(hub))
    await join(ws)
    assert hub.follower_count("p1") == 1
    ws.disconnect()
    assert ws.task is not None
    await ws.task
    assert hub.follower_count("p1") == 0
    assert hub.session_count == 0


async def test_connects_and_refusals_are_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pyfritz.server")
    app = sync_app(Hub())
    good = FakeWebSocket(app, headers=[("origin", "http://localhost:3000")])
    bad = FakeWebSocket(app, headers=[("origin", "http://evil.example")])
    good.start()
    bad.start()
    assert good.task is not None and bad.task is not None
    await bad.task
    good.send_text('{"op":"ping"}')
    await good.wait_for(lambda: len(good.frames) == 1)
    good.disconnect()
    await good.task
    messages = [r.getMessage() for r in caplog.records if r.name == "pyfritz.server"]
    assert any(
        m.startswith("connect client ") and m.endswith(" (origin 'http://localhost:3000')")
        for m in messages
    )
    assert (
        "refused a connection from 127.0.0.1:50000: origin 'http://evil.example' not allowed"
        in messages
    )


async def test_plain_http_gets_426_upgrade_required() -> None:
    transport = httpx.ASGITransport(app=sync_app(Hub()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"


async def test_runs_standalone_on_any_path() -> None:
    hub = Hub()
    async with serve(sync_app(hub), lifespan="on") as base, connect(base + "/any/path") as ws:
        await send(ws, op="ping", t="x")
        assert await recv(ws) == {"op": "pong", "t": "x"}


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        sync_app(Hub(), limits=Limits(queue_bytes=0))
    with pytest.raises(ValueError, match="not an origin"):
        sync_app(Hub(), allowed_origins=["example.com"])


def mounting_example() -> str:
    """The example in ``pyfritz.server.asgi``'s docstring, as code."""
    doc = pyfritz.server.asgi.__doc__ or ""
    start = doc.index("append the same\n``WebSocketRoute`` to ``app.router.routes``)::")
    block = doc[start:].split("::\n", 1)[1].split("\nUse ``WebSocketRoute``", 1)[0]
    return textwrap.dedent(block)


async def test_the_documented_mounting_example_works_under_its_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(compile(mounting_example(), "asgi-docstring-example", "exec"), namespace)
    async with serve(namespace["app"], lifespan="on") as base:
        async with connect(base + "/api/sync") as ws:
            await send(ws, op="join", id="p1", rev=None)
            client = (await recv(ws))["client"]
            await send(ws, op="put", id="p1", seq=1, base=0, value={"name": "Ada"})
            state = await recv(ws)
            assert (state["op"], state["rev"], state["origin"]) == ("state", 1, client)
        with pytest.raises(InvalidStatus):
            async with connect(base + "/sync"):
                pass  # pragma: no cover - only the prefixed path exists
    # The lifespan closed the hub; the state is in the example's file.
    reopened = SqliteStorage(tmp_path / "sync.db")
    assert await reopened.load("p1") is not None
    await reopened.close()


async def test_an_unreachable_database_closes_the_connection_with_try_again_later() -> None:
    storage = FailingStorage()
    ws = FakeWebSocket(sync_app(Hub(storage)))
    await join(ws)
    storage.unavailable = True
    ws.send_text(json.dumps({"op": "put", "id": "p1", "seq": 1, "base": 0, "value": 1}))
    await ws.wait_for(lambda: ws.sent[-1]["type"] == "websocket.close")
    assert ws.sent[-1] == {
        "type": "websocket.close",
        "code": CLOSE_TOO_SLOW,
        "reason": "database unavailable; try again later",
    }
    assert [f["op"] for f in ws.frames] == ["snapshot"]  # no state, no error


def run_server(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pyfritz.server`` over ``db`` until it exits (it should, at once)."""
    return subprocess.run(
        [sys.executable, "-m", "pyfritz.server", "--port", "0", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )


async def test_a_second_server_process_on_one_sqlite_file_fails_at_start(tmp_path: Path) -> None:
    db = tmp_path / "sync.sqlite3"
    held = SqliteStorage(db)  # the first server
    try:
        second = run_server(db)
    finally:
        await held.close()
    assert second.returncode == 2
    assert "already served by another process" in second.stderr
    assert "use PostgreSQL" in second.stderr
