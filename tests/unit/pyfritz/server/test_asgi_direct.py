"""The ASGI adapter's direct writes: batched per turn, bounded in bytes, cut off when stuck."""

from __future__ import annotations

import asyncio
import json
import re

from fakes.sync_server import FakeDirectWriter, FakeWebSocket

from pyfritz.server import CLOSE_TOO_SLOW, Hub, Limits, sync_app
from pyfritz.server.asgi import SyncApp


async def joined(app: SyncApp, id: str = "p1") -> tuple[FakeWebSocket, FakeDirectWriter]:
    """A connection with a direct writer that joined ``id`` and got its snapshot."""
    ws = FakeWebSocket(app, direct=True)
    ws.start()
    ws.send_text(json.dumps({"op": "join", "id": id, "rev": None}))
    await ws.wait_for(lambda: len(ws.frames) == 1)
    assert ws.direct is not None
    return ws, ws.direct


def values(writes: list[list[str]]) -> list[list[object]]:
    return [[json.loads(text)["value"] for text in write] for write in writes]


async def test_the_first_frame_of_a_turn_is_written_at_once_the_rest_in_one_write() -> None:
    hub = Hub()
    ws, direct = await joined(sync_app(hub))
    direct.writes.clear()
    await hub.set("p1", 1)  # a memory hub never suspends: still the same turn
    assert values(direct.writes) == [[1]]
    for n in range(2, 6):
        await hub.set("p1", n)
    assert values(direct.writes) == [[1]]
    await asyncio.sleep(0)  # the turn ends
    assert values(direct.writes) == [[1], [2, 3, 4, 5]]
    await hub.set("p1", 6)  # a new turn: at once again
    assert values(direct.writes)[-1] == [6]
    assert ws.sent == [{"type": "websocket.accept"}]  # nothing went through ASGI send


async def test_a_burst_of_puts_reaches_every_follower_in_order_in_few_writes() -> None:
    hub = Hub()
    app = sync_app(hub, limits=Limits(put_rate=1e9, put_burst=1 << 30))
    (producer, mine), (_, theirs) = await joined(app), await joined(app)
    mine.writes.clear()
    theirs.writes.clear()
    for n in range(300):
        put = {"op": "put", "id": "p1", "seq": n + 1, "base": None, "value": n}
        producer.send_text(json.dumps(put))  # all buffered at once, as from one socket read
    await producer.wait_for(lambda: len(producer.frames) == 300)  # the snapshot was cleared
    for direct in (mine, theirs):
        assert [v for write in values(direct.writes) for v in write] == list(range(300))
        assert len(direct.writes) < 30  # about two writes per 32 puts, not one per put
    assert app.queued_bytes == 0


async def test_a_client_whose_transport_is_full_queues_and_gets_it_all_in_one_write() -> None:
    hub = Hub()
    app = sync_app(hub)
    ws, direct = await joined(app)
    direct.writes.clear()
    direct.writable = False
    for n in range(5):
        await hub.set("p1", n)
        await asyncio.sleep(0)
    assert direct.writes == []
    assert app.queued_bytes > 0
    direct.writable = True  # the sender task waits on this: it wakes and writes
    await ws.wait_for(lambda: len(direct.writes) == 1)
    assert values(direct.writes) == [[0, 1, 2, 3, 4]]
    assert app.queued_bytes == 0


async def test_a_client_that_stops_reading_is_cut_off_when_its_queue_is_full() -> None:
    hub = Hub()
    app = sync_app(hub, limits=Limits(queue_bytes=1000))
    (slow, stuck), (fast, _) = await joined(app), await joined(app)
    stuck.writable = False
    for n in range(40):
        await hub.set("p1", n)  # ~80 bytes queued a frame for the slow one
        await asyncio.sleep(0)
    await slow.wait_for(lambda: slow.sent[-1]["type"] == "websocket.close")
    close = slow.sent[-1]
    assert close["code"] == CLOSE_TOO_SLOW
    assert re.fullmatch(r"too slow: \d+ bytes queued", close["reason"])
    assert slow.task is not None
    await slow.task
    assert [f["value"] for f in fast.frames[1:]] == list(range(40))
    assert hub.session_count == 1
    assert app.queued_bytes == 0


async def test_a_client_that_reads_is_never_cut_off_by_the_frames_of_one_turn() -> None:
    hub = Hub()
    app = sync_app(hub, limits=Limits(queue_bytes=300, total_queue_bytes=600))
    (ws, direct), (other, _) = await joined(app), await joined(app)
    for n in range(50):  # one turn: far more than either bound holds
        await hub.set("p1", "x" * 20 + str(n))
    await asyncio.sleep(0)
    assert [f["value"] for f in ws.frames[1:]] == ["x" * 20 + str(n) for n in range(50)]
    assert len(other.frames) == 51
    assert all(m["type"] != "websocket.close" for m in ws.sent + other.sent)
    assert len(direct.writes) > 2  # written as the bound was reached, before the turn ended


async def test_a_full_transport_for_the_write_timeout_is_cut_off() -> None:
    hub = Hub()
    app = sync_app(hub, limits=Limits(write_timeout=0.2, close_timeout=0.2))
    (stuck, direct), (fine, _) = await joined(app), await joined(app)
    direct.writable = False
    await hub.set("p1", 1)
    assert stuck.task is not None
    await asyncio.wait_for(stuck.task, 2)
    assert stuck.sent[-1]["code"] == CLOSE_TOO_SLOW
    assert stuck.sent[-1]["reason"] == "not reading: no frame taken for 0.2 s"
    assert hub.session_count == 1
    assert app.queued_bytes == 0
    await hub.set("p1", 2)
    await fine.wait_for(lambda: [f.get("value") for f in fine.frames[1:]] == [1, 2])


async def test_a_write_to_a_closing_connection_ends_it_quietly() -> None:
    hub = Hub()
    app = sync_app(hub)
    (ws, direct), (other, _) = await joined(app), await joined(app)
    direct.closing = True
    await hub.set("p1", 1)
    assert ws.task is not None
    await asyncio.wait_for(ws.task, 2)
    assert ws.sent == [{"type": "websocket.accept"}]  # no close: the connection is going
    assert hub.session_count == 1
    assert app.queued_bytes == 0
    await other.wait_for(lambda: len(other.frames) == 2)
