"""Limits: each one hit, the answer checked, and the others unaffected."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakes.sync_server import FakeWebSocket, Frames, serve
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from pyfritz.server import CLOSE_TOO_SLOW, Hub, Limits, Session, SqliteStorage, sync_app
from pyfritz.server.limits import ConnectionCounter, QueueMemory, TokenBucket, longest_stalled


async def send(session: Session, **frame: Any) -> None:
    await session.receive(json.dumps(frame))


def test_limits_refuse_what_is_not_positive() -> None:
    for name in ("max_joined", "queue_bytes", "put_rate", "write_timeout"):
        with pytest.raises(ValueError, match=name):
            Limits(**{name: 0})


async def test_joins_per_connection_are_capped_and_leaving_makes_room() -> None:
    hub = Hub()
    frames = Frames()
    session = hub.connect(frames, limits=Limits(max_joined=2))
    other = hub.connect(Frames(), limits=Limits(max_joined=2))
    for id in ("a", "b", "c"):
        await send(session, op="join", id=id, rev=None)
    ops = frames.take()
    assert [f["op"] for f in ops] == ["snapshot", "snapshot", "error"]
    assert ops[2]["code"] == "limit"
    assert session.joined == {"a", "b"}
    await send(session, op="join", id="a", rev=None)  # joining again is not a new entity
    assert frames.take()[0]["op"] == "snapshot"
    await send(session, op="leave", id="a")
    await send(session, op="join", id="c", rev=None)
    assert frames.take()[0]["op"] == "snapshot"
    await send(other, op="join", id="a", rev=None)  # another connection has its own count
    assert other.joined == {"a"}


def test_token_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2.0, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5  # one token back
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] = 100.0  # never more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


async def test_puts_over_the_rate_are_refused_with_rate_limited_and_change_nothing() -> None:
    hub = Hub()
    frames, calm_frames = Frames(), Frames()
    limits = Limits(put_rate=0.001, put_burst=3)
    session = hub.connect(frames, limits=limits)
    calm = hub.connect(calm_frames, limits=limits)
    await send(session, op="join", id="p1", rev=None)
    await send(calm, op="join", id="p2", rev=None)
    for seq in range(1, 6):
        await send(session, op="put", id="p1", seq=seq, base=None, value=seq)
    replies = [f for f in frames.take() if f["op"] != "snapshot"]
    assert [f["op"] for f in replies] == ["state", "state", "state", "error", "error"]
    assert replies[3]["code"] == "rate_limited"
    assert replies[3]["seq"] == 4
    assert "too fast" in replies[3]["reason"]
    assert await hub.get("p1") == (3, 3)
    await send(calm, op="put", id="p2", seq=1, base=0, value="fine")  # its own bucket
    assert calm_frames.take()[-1]["op"] == "state"


async def test_puts_past_max_stored_are_refused_with_quota_and_shrinking_is_allowed() -> None:
    hub = Hub(max_stored=100)
    frames = Frames()
    session = hub.connect(frames)
    await send(session, op="join", id="p1", rev=None)
    await send(session, op="join", id="p2", rev=None)
    await send(session, op="put", id="p1", seq=1, base=0, value="x" * 60)  # 62 bytes stored
    await send(session, op="put", id="p2", seq=2, base=0, value="y" * 60)  # would be 124
    await send(session, op="put", id="p1", seq=3, base=1, value="x" * 90)  # replaces: 92
    await send(session, op="put", id="p2", seq=4, base=0, value="y")  # 95
    ops = frames.take()[2:]
    assert [(f["op"], f.get("code")) for f in ops] == [
        ("state", None),
        ("error", "quota"),
        ("state", None),
        ("state", None),
    ]
    assert ops[1]["reason"] == "put: storage full (100 bytes); state unchanged"
    assert await hub.storage.stored_bytes() == 95
    # The server's own writes are not held to it, but counted.
    await hub.set("p3", "z" * 50)
    assert await hub.storage.stored_bytes() == 147
    await send(session, op="put", id="p1", seq=5, base=2, value="x")  # shrinking: always fine
    assert frames.take()[-1]["op"] == "state"


async def test_stored_bytes_are_counted_from_the_database_at_start(tmp_path: Path) -> None:
    hub = Hub(SqliteStorage(tmp_path / "s.db"))
    await hub.set("a", "é" * 10)  # 22 bytes of UTF-8 JSON
    await hub.set("b", [1, 2])
    await hub.close()
    reopened = Hub(SqliteStorage(tmp_path / "s.db"), max_stored=30)
    await reopened.open()
    assert await reopened.storage.stored_bytes() == 22 + 5
    frames = Frames()
    session = reopened.connect(frames)
    await send(session, op="join", id="b", rev=None)
    await send(session, op="put", id="b", seq=1, base=1, value=[1, 2, 3, 4])  # 27 + 4 > 30
    await send(session, op="put", id="b", seq=2, base=1, value=[1, 2, 3])  # 27 + 2 fits
    refused, accepted = frames.take()[1:]
    assert (refused["op"], refused["code"], refused["seq"]) == ("error", "quota", 1)
    assert (accepted["op"], accepted["rev"], accepted["value"]) == ("state", 2, [1, 2, 3])
    await reopened.close()
    again = Hub(SqliteStorage(tmp_path / "s.db"))
    assert await again.get("b") == (2, [1, 2, 3])
    assert await again.storage.stored_bytes() == 22 + 7
    await again.close()


def test_queue_memory_counts_an_object_once_until_its_last_queue_lets_go() -> None:
    memory = QueueMemory(limit=100)
    shared, other = "s" * 10, "o" * 10
    memory.hold(shared, 60)
    memory.hold(shared, 60)  # the same frame for a second follower: no new bytes
    assert memory.used == 60
    assert memory.fits(shared, 60)  # queued once more, it costs nothing
    assert not memory.fits(other, 41)
    memory.hold(other, 40)
    memory.release(shared)
    assert memory.used == 100
    memory.release(shared)
    assert memory.used == 40
    memory.release(other)
    assert memory.used == 0


class _Queue:
    def __init__(self, queued: int, waiting_since: float | None) -> None:
        self.queued = queued
        self.waiting_since = waiting_since

    def stalled_for(self, now: float) -> float:
        return 0.0 if self.waiting_since is None else now - self.waiting_since


def test_longest_stalled_picks_the_client_that_reads_least_not_the_longest_queue() -> None:
    reading = _Queue(900_000, waiting_since=9.9)  # a long queue, but its write just began
    stuck = _Queue(1_000, waiting_since=1.0)  # a short one, waiting for 9 s
    fresh = _Queue(500_000, waiting_since=None)  # nothing waiting yet
    assert longest_stalled([reading, stuck, fresh], now=10.0) is stuck
    assert longest_stalled([reading, fresh], now=10.0) is reading
    longer = _Queue(600_000, waiting_since=None)
    assert longest_stalled([fresh, longer], now=10.0) is longer  # none waits: the longer queue
    assert longest_stalled([_Queue(0, waiting_since=0.0)], now=10.0) is None  # nothing queued


def test_connection_counter_counts_in_total_and_per_address() -> None:
    counter = ConnectionCounter(total=3, per_address=2)
    assert counter.open("a") is None
    assert counter.open("a") is None
    assert counter.open("a") == (429, "too many connections from one address (2)")
    assert counter.open("b") is None
    assert counter.open("c") == (503, "too many connections (3); try again later")
    counter.close("a")
    assert counter.open("c") is None
    assert counter.count == 3


async def test_connections_over_the_limits_get_503_or_429_and_others_carry_on() -> None:
    hub = Hub()
    endpoint = sync_app(hub, limits=Limits(max_connections=3, max_connections_per_address=2))
    app = Starlette(routes=[WebSocketRoute("/sync", endpoint)])
    async with serve(app) as base, connect(base + "/sync") as a, connect(base + "/sync") as b:
        with pytest.raises(InvalidStatus) as info:
            async with connect(base + "/sync"):
                pass  # pragma: no cover - refused
        assert info.value.response.status_code == 429
        assert b"too many connections from one address" in info.value.response.body
        for ws in (a, b):
            await ws.send('{"op":"ping","t":1}')
            assert json.loads(await ws.recv()) == {"op": "pong", "t": 1}
        # Another address (127.0.0.2 is loopback too) still gets in, up to the total.
        async with connect(base + "/sync", local_addr=("127.0.0.2", 0)) as c:
            await c.send('{"op":"ping","t":2}')
            assert json.loads(await c.recv())["t"] == 2
    assert endpoint.connections.count == 0


async def until(predicate: Callable[[], bool]) -> None:
    """Run the event loop until ``predicate()`` holds (for states no frame announces)."""
    async with asyncio.timeout(5):
        while not predicate():  # noqa: ASYNC110 - no event to wait on: a stuck send
            await asyncio.sleep(0)


async def test_total_queue_cuts_off_the_client_that_stopped_reading_not_the_longest_queue() -> None:
    hub = Hub()
    app = sync_app(hub, limits=Limits(total_queue_bytes=4000))
    stuck, reader, other = FakeWebSocket(app), FakeWebSocket(app), FakeWebSocket(app)
    for ws, id in ((stuck, "a"), (reader, "b"), (other, "c")):
        ws.start()
        ws.send_text(json.dumps({"op": "join", "id": id, "rev": None}))
        await ws.wait_for(lambda ws=ws: len(ws.frames) == 1)  # type: ignore[misc]
    stuck.stalled = True
    await hub.set("a", "x" * 300)  # stuck's sender takes it, and waits for ever
    await until(lambda: len(stuck.stuck) == 1)
    for n in range(8):  # reader: ~3.3 KB queued at once, more than stuck holds
        await hub.set("b", "y" * 300 + str(n))
    await hub.set("c", "z" * 300)  # over the total by less than stuck holds: one must go
    await stuck.wait_for(lambda: stuck.sent[-1]["type"] == "websocket.close")
    assert stuck.sent[-1]["code"] == CLOSE_TOO_SLOW
    assert stuck.sent[-1]["reason"].startswith("server busy: ")
    await reader.wait_for(lambda: len(reader.frames) == 9)
    await other.wait_for(lambda: len(other.frames) == 2)
    assert [f["value"][-1] for f in reader.frames[1:]] == [str(n) for n in range(8)]
    assert app.queued_bytes == 0


async def test_a_frame_queued_for_many_followers_counts_once_in_the_total() -> None:
    hub = Hub()
    app = sync_app(hub, limits=Limits(total_queue_bytes=4000))
    followers = [FakeWebSocket(app) for _ in range(20)]
    for ws in followers:
        ws.start()
        ws.send_text(json.dumps({"op": "join", "id": "p1", "rev": None}))
        await ws.wait_for(lambda ws=ws: len(ws.frames) == 1)  # type: ignore[misc]
        ws.stalled = True
    for n in range(3):  # 20 queues x 3 frames of ~1 KB: 60 KB if counted per queue
        await hub.set("p1", "x" * 1000 + str(n))
    await until(lambda: all(len(ws.stuck) == 1 for ws in followers))
    assert 3 * 1000 < app.queued_bytes < 3 * 1200
    assert all(ws.sent[-1]["type"] != "websocket.close" for ws in followers)
    for ws in followers:
        ws.disconnect()
        ws._never.set()  # the stuck send returns, as a closing socket's would
    await asyncio.gather(*(ws.task for ws in followers if ws.task is not None))
    assert app.queued_bytes == 0


async def test_a_client_that_takes_nothing_for_the_write_timeout_is_cut_off() -> None:
    hub = Hub()
    app = sync_app(hub, limits=Limits(write_timeout=0.2, close_timeout=0.2))
    stuck, fine = FakeWebSocket(app), FakeWebSocket(app)
    for ws in (stuck, fine):
        ws.start()
        ws.send_text(json.dumps({"op": "join", "id": "p1", "rev": None}))
        await ws.wait_for(lambda ws=ws: len(ws.frames) == 1)  # type: ignore[misc]
    stuck.stalled = True
    await hub.set("p1", 1)
    assert stuck.task is not None
    # Its close cannot be sent either (the socket takes nothing): the app gives up in time.
    await asyncio.wait_for(stuck.task, 2)
    assert hub.session_count == 1
    assert app.queued_bytes == 0
    await hub.set("p1", 2)
    await fine.wait_for(lambda: [f.get("value") for f in fine.frames[1:]] == [1, 2])


async def test_an_idle_client_is_never_cut_off() -> None:
    app = sync_app(Hub(), limits=Limits(write_timeout=0.05))
    idle = FakeWebSocket(app)
    idle.start()
    idle.stalled = True  # nothing to send, so nothing is waiting
    await asyncio.sleep(0.2)  # several write timeouts: time itself is what is tested
    assert idle.task is not None and not idle.task.done()
    idle.disconnect()
    await idle.task


# -- untrusted input in logs and replies --------------------------------------------


async def test_an_id_with_a_newline_cannot_forge_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="pyfritz.server")
    hub = Hub()
    session = hub.connect(Frames())
    forged = "p1\nINFO pyfritz.server: join admin by client root"
    await send(session, op="join", id=forged, rev=None)
    await send(session, op="put", id=forged, seq=1, base=0, value=1)
    await send(session, op="nope\nforged")
    for record in caplog.records:
        assert "\n" not in record.getMessage()


async def test_non_finite_numbers_are_refused_and_never_sent() -> None:
    hub = Hub()
    frames = Frames()
    session = hub.connect(frames)
    await send(session, op="join", id="p1", rev=None)
    await session.receive('{"op":"ping","t":1e999}')
    await session.receive('{"op":"put","id":"p1","seq":1,"base":0,"value":{"x":-1e400}}')
    await session.receive('{"op":"ping","t":1.5e300}')
    raw = frames.raw[1:]
    assert all("Infinity" not in frame and "NaN" not in frame for frame in raw)
    ping, put, fine = (json.loads(frame) for frame in raw)
    assert (ping["op"], put["op"], put["seq"]) == ("error", "error", None)
    assert "number out of range" in ping["reason"]
    assert fine == {"op": "pong", "t": 1.5e300}
    assert await hub.get("p1") == (0, None)


async def test_error_replies_echo_a_bounded_prefix_of_the_input() -> None:
    hub = Hub()
    frames = Frames()
    session = hub.connect(frames)
    await session.receive(json.dumps({"op": "x" * 100_000}))
    await session.receive("[" * 5000 + "]" * 5000)
    await session.receive('{"op":"join","id":"' + "y" * 100_000 + '","rev":null}')
    for frame in frames.raw:
        assert len(frame) < 400
