"""pyfritz's uvicorn protocol: text frames written directly, compressed or not, in order."""

from __future__ import annotations

import json

import pytest
from fakes.sync_server import serve
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from pyfritz.server import Hub, Limits, sync_app
from pyfritz.server.transport import DIRECT, DirectWriter, text_frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_text_frame_is_what_websockets_sends(size: int) -> None:
    text = "é" * (size // 2) + "x" * (size % 2)
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])
    assert text_frame(text) == expected


def test_the_same_text_is_framed_once() -> None:
    text = json.dumps({"op": "state", "value": list(range(10))})
    first = text_frame(text)
    assert text_frame(text) is first
    assert text_frame(str(text[:5] + text[5:])) == first  # an equal text: same bytes


async def test_every_accepted_connection_gets_a_direct_writer() -> None:
    writers: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        writers.append(scope["extensions"].get(DIRECT, {}).get("writer"))
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 1000})

    async with serve(app) as base, connect(base) as ws:
        await ws.wait_closed()
    assert len(writers) == 1 and isinstance(writers[0], DirectWriter)


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_a_burst_reaches_every_follower_in_order(compression: str | None) -> None:
    hub = Hub()
    app = sync_app(hub, limits=Limits(put_rate=1e9, put_burst=1 << 30))
    async with serve(app) as base:
        url = base + "/"
        async with (
            connect(url, compression=None) as producer,
            connect(url, compression=compression) as follower,
        ):
            assert bool(follower.protocol.extensions) == (compression is not None)
            for ws in (producer, follower):
                await ws.send(json.dumps({"op": "join", "id": "p1", "rev": None}))
                assert json.loads(await ws.recv())["op"] == "snapshot"
            puts = [
                json.dumps({"op": "put", "id": "p1", "seq": n + 1, "base": None, "value": n})
                for n in range(2000)
            ]
            for put in puts:
                await producer.send(put)
            for ws in (follower, producer):
                got = [json.loads(await ws.recv())["value"] for _ in range(2000)]
                assert got == list(range(2000))
