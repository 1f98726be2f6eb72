"""The hub: joins, revisions, fan-out, refusals and persistence, without a network."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fakes.sync_server import FailingStorage, Frames, LoggingStorage

from pyfritz.server import (
    Change,
    Hub,
    Limits,
    Listener,
    MemoryStorage,
    Record,
    Session,
    SqliteStorage,
    StorageUnavailable,
)


async def join(session: Session, id: str = "p1", rev: int | None = None) -> None:
    await session.receive(json.dumps({"op": "join", "id": id, "rev": rev}))


async def put(
    session: Session, value: Any, *, id: str = "p1", seq: int = 1, base: int | None = 0
) -> None:
    await session.receive(
        json.dumps({"op": "put", "id": id, "seq": seq, "base": base, "value": value})
    )


def connect(hub: Hub) -> tuple[Session, Frames]:
    frames = Frames()
    return hub.connect(frames), frames


async def two_followers(hub: Hub) -> tuple[Session, Frames, Session, Frames]:
    """Two sessions that joined ``p1``, their snapshots taken."""
    (a, a_frames), (b, b_frames) = connect(hub), connect(hub)
    await join(a)
    await join(b)
    a_frames.take()
    b_frames.take()
    return a, a_frames, b, b_frames


async def test_join_of_a_new_entity_gets_an_empty_snapshot_with_the_client_id() -> None:
    hub = Hub()
    session, frames = connect(hub)
    await join(session)
    assert frames.take() == [
        {"op": "snapshot", "id": "p1", "rev": 0, "value": None, "client": session.client}
    ]
    assert session.joined == {"p1"}


async def test_each_session_gets_its_own_client_id() -> None:
    hub = Hub()
    clients = {hub.connect(Frames()).client for _ in range(100)}
    assert len(clients) == 100
    assert hub.session_count == 100


async def test_put_is_broadcast_to_every_follower_including_the_sender() -> None:
    hub = Hub()
    (a, a_frames), (b, b_frames), (c, c_frames) = connect(hub), connect(hub), connect(hub)
    await join(a)
    await join(b)
    await join(c, id="other")
    for frames in (a_frames, b_frames, c_frames):
        frames.take()
    await put(a, {"name": "Ada"}, seq=5)
    expected = {
        "op": "state",
        "id": "p1",
        "rev": 1,
        "value": {"name": "Ada"},
        "origin": a.client,
        "seq": 5,
    }
    assert a_frames.take() == [expected]
    assert b_frames.take() == [expected]
    assert c_frames.take() == []


async def test_fan_out_hands_the_same_encoded_frame_to_every_follower() -> None:
    hub = Hub()
    pairs = [connect(hub) for _ in range(5)]
    for session, frames in pairs:
        await join(session)
        frames.take()
    await put(pairs[0][0], {"big": list(range(100))})
    sent = [frames.raw[0] for _, frames in pairs]
    assert all(frame is sent[0] for frame in sent)


async def test_revisions_grow_by_one_per_accepted_state() -> None:
    hub = Hub()
    a, a_frames = connect(hub)
    b, _ = connect(hub)
    await join(a)
    await join(b)
    await put(a, 1, seq=1)
    await put(b, 2, seq=1)
    await hub.set("p1", 3)
    await put(a, 4, seq=2)
    states = [f for f in a_frames.take() if f["op"] == "state"]
    assert [(f["rev"], f["value"]) for f in states] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert await hub.get("p1") == (4, 4)


async def test_put_with_a_stale_base_is_accepted_last_writer_wins() -> None:
    hub = Hub()
    a, a_frames = connect(hub)
    b, _ = connect(hub)
    await join(a)
    await join(b)
    await put(a, "from a", base=0)
    await put(b, "from b", base=0)  # b had not seen a's state: still accepted
    assert await hub.get("p1") == (2, "from b")
    assert [f["value"] for f in a_frames.take() if f["op"] == "state"] == ["from a", "from b"]


async def test_a_late_joiner_gets_the_current_state_in_its_snapshot() -> None:
    hub = Hub()
    a, _ = connect(hub)
    await join(a)
    await put(a, {"n": 1})
    await put(a, {"n": 2}, seq=2)
    b, b_frames = connect(hub)
    await join(b, rev=1)
    assert b_frames.take() == [
        {"op": "snapshot", "id": "p1", "rev": 2, "value": {"n": 2}, "client": b.client}
    ]


async def test_joining_again_resends_the_snapshot_without_duplicate_delivery() -> None:
    hub = Hub()
    a, frames = connect(hub)
    await join(a)
    await join(a)
    assert [f["op"] for f in frames.take()] == ["snapshot", "snapshot"]
    await put(a, 1)
    assert [f["op"] for f in frames.take()] == ["state"]
    assert hub.follower_count("p1") == 1


async def test_put_without_join_is_refused_and_changes_nothing() -> None:
    hub = Hub()
    a, a_frames = connect(hub)
    b, b_frames = connect(hub)
    await join(b)
    b_frames.take()
    await put(a, "sneaky", seq=3)
    assert a_frames.take() == [
        {"op": "error", "id": "p1", "seq": 3, "reason": "put: not joined; send join first"}
    ]
    assert b_frames.take() == []
    assert await hub.get("p1") == (0, None)


async def test_put_of_a_value_over_max_value_is_refused() -> None:
    hub = Hub(max_value=100)
    a, a_frames, _b, b_frames = await two_followers(hub)
    await put(a, "x" * 98)  # 100 bytes with its quotes: accepted
    await put(a, "x" * 99, seq=2)
    ops = a_frames.take()
    assert ops[0]["op"] == "state"
    assert ops[1] == {
        "op": "error",
        "id": "p1",
        "seq": 2,
        "reason": "put: value too large: 101 bytes > 100",
    }
    assert [f["op"] for f in b_frames.take()] == ["state"]
    assert await hub.get("p1") == (1, "x" * 98)


async def test_bad_frames_are_answered_and_the_session_keeps_working() -> None:
    hub = Hub()
    a, frames = connect(hub)
    await a.receive("{nope")
    await a.receive(b"\x00\x01")
    await a.receive('{"op":"join","id":"p1"}')
    await join(a)
    replies = frames.take()
    assert [f["op"] for f in replies] == ["error", "error", "error", "snapshot"]
    assert replies[0]["reason"].startswith("not JSON")
    assert replies[1]["reason"] == "binary frames are not supported; send JSON text"
    assert replies[2] == {
        "op": "error",
        "id": "p1",
        "seq": None,
        "reason": "join: missing field 'rev' (an integer or null)",
    }


async def test_oversize_frame_is_refused_per_the_session_max_frame() -> None:
    hub = Hub()
    frames = Frames()
    session = hub.connect(frames, limits=Limits(max_frame=64))
    await join(session)
    await put(session, "x" * 100, seq=8)
    error = frames.take()[-1]
    assert (error["op"], error["id"], error["seq"]) == ("error", "p1", 8)
    assert error["reason"].startswith("frame too large")


async def test_ping_is_answered_with_pong() -> None:
    hub = Hub()
    session, frames = connect(hub)
    await session.receive('{"op":"ping","t":1234.5}')
    assert frames.take() == [{"op": "pong", "t": 1234.5}]


async def test_leave_stops_delivery_and_unknown_leave_is_a_no_op() -> None:
    hub = Hub()
    a, a_frames = connect(hub)
    b, _ = connect(hub)
    await join(a)
    await join(b)
    await a.receive('{"op":"leave","id":"p1"}')
    await a.receive('{"op":"leave","id":"never-joined"}')
    a_frames.take()
    await put(b, 1)
    assert a_frames.take() == []
    assert a.joined == frozenset()
    assert hub.follower_count("p1") == 1


async def test_close_forgets_the_session_and_its_follows() -> None:
    hub = Hub()
    a, _ = connect(hub)
    await join(a, "p1")
    await join(a, "p2")
    a.close()
    a.close()
    assert hub.session_count == 0
    assert hub.follower_count("p1") == hub.follower_count("p2") == 0
    with pytest.raises(RuntimeError, match="closed"):
        await join(a)


async def test_each_state_is_committed_before_it_is_delivered() -> None:
    log: list[Any] = []
    hub = Hub(LoggingStorage(log))
    a = hub.connect(Frames(log))
    b = hub.connect(Frames(log))
    await join(a)
    await join(b)
    log.clear()
    await put(a, 1)
    await hub.set("p1", 2)
    assert log == [
        ("save", "p1", 1),
        ("deliver", "state"),
        ("deliver", "state"),
        ("save", "p1", 2),
        ("deliver", "state"),
        ("deliver", "state"),
    ]


async def test_storage_failure_refuses_the_put_and_keeps_the_state() -> None:
    storage = FailingStorage()
    hub = Hub(storage)
    a, a_frames, _b, b_frames = await two_followers(hub)
    await put(a, "kept")
    a_frames.take()
    b_frames.take()
    storage.fail_saves = True
    await put(a, "lost", seq=2)
    assert a_frames.take() == [
        {"op": "error", "id": "p1", "seq": 2, "reason": "put: storage failed; state unchanged"}
    ]
    assert b_frames.take() == []
    storage.fail_saves = False
    await put(a, "next", seq=3)
    assert a_frames.take()[0]["rev"] == 2  # the refused put used no revision


async def test_storage_failure_on_join_is_answered_with_error() -> None:
    storage = FailingStorage()
    storage.fail_loads = True
    hub = Hub(storage)
    a, frames = connect(hub)
    await join(a)
    assert frames.take() == [
        {"op": "error", "id": "p1", "seq": None, "reason": "join: storage failed; try again"}
    ]
    assert a.joined == frozenset()
    assert hub.follower_count("p1") == 0


async def test_server_set_broadcasts_with_null_origin_and_seq() -> None:
    hub = Hub()
    a, frames = connect(hub)
    await join(a)
    frames.take()
    assert await hub.set("p1", {"name": "Grace"}) == 1
    assert frames.take() == [
        {
            "op": "state",
            "id": "p1",
            "rev": 1,
            "value": {"name": "Grace"},
            "origin": None,
            "seq": None,
        }
    ]


async def test_server_set_without_followers_is_stored_for_later_joiners() -> None:
    storage = MemoryStorage()
    hub = Hub(storage)
    assert await hub.set("p1", [1]) == 1
    assert await hub.set("p1", [1, 2]) == 2
    assert await storage.load("p1") is not None
    a, frames = connect(hub)
    await join(a)
    assert frames.take()[0]["value"] == [1, 2]


@pytest.mark.parametrize(
    ("id", "value", "message"),
    [
        ("", 1, "not a valid entity id"),
        (5, 1, "not a valid entity id"),
        ("p1", None, "must not be None"),
        ("p1", float("nan"), "not JSON"),
        ("p1", "x" * 200, "value too large"),
    ],
)
async def test_server_set_refuses_invalid_input(id: Any, value: Any, message: str) -> None:
    hub = Hub(max_value=100)
    with pytest.raises(ValueError, match=message):
        await hub.set(id, value)
    assert await hub.get("p1") == (0, None)


async def test_a_hub_restarted_over_the_same_sqlite_file_has_every_entity_at_its_rev(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sync.db"
    hub = Hub(SqliteStorage(path))
    a, _ = connect(hub)
    await join(a, "p1")
    await join(a, "p2")
    await put(a, {"name": "Ada"}, id="p1")
    await put(a, {"name": "Ada", "age": 36}, id="p1", seq=2)
    await put(a, ["todo"], id="p2", seq=3)
    await hub.set("p3", "server only")
    a.close()
    await hub.close()

    restarted = Hub(SqliteStorage(path))
    assert await restarted.get("p1") == (2, {"name": "Ada", "age": 36})
    assert await restarted.get("p2") == (1, ["todo"])
    assert await restarted.get("p3") == (1, "server only")
    b, frames = connect(restarted)
    await join(b, "p1", rev=2)
    assert frames.take()[0]["rev"] == 2
    await put(b, {"name": "Ada", "age": 37}, id="p1")
    assert frames.take()[0]["rev"] == 3
    await restarted.close()


async def test_joins_and_refusals_are_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pyfritz.server")
    hub = Hub()
    a, _ = connect(hub)
    await join(a)
    await a.receive("garbage")
    messages = [r.getMessage() for r in caplog.records if r.name == "pyfritz.server"]
    assert f"join 'p1' by client {a.client} (client rev None)" in messages
    assert any(m.startswith(f"refused a frame from client {a.client}: 'not JSON") for m in messages)


async def test_an_unreachable_database_refuses_join_and_put_by_raising() -> None:
    storage = FailingStorage()
    hub = Hub(storage)
    a, frames = connect(hub)
    await join(a)
    await put(a, "kept")
    frames.take()
    storage.unavailable = True
    with pytest.raises(StorageUnavailable):
        await put(a, "not applied", seq=2)
    with pytest.raises(StorageUnavailable):
        await join(a, "p2")
    assert frames.take() == []  # nothing acknowledged, nothing refused
    storage.unavailable = False
    assert await hub.get("p1") == (1, "kept")


async def test_while_the_change_feed_is_lost_nothing_is_served_then_followers_catch_up() -> None:
    storage = MemoryStorage()
    hub = Hub(storage)
    a, a_frames, b, b_frames = await two_followers(hub)
    await put(a, "before")
    a_frames.take()
    b_frames.take()
    hub.lost()
    assert not hub.available
    with pytest.raises(StorageUnavailable):
        await put(b, "refused", seq=2)
    with pytest.raises(StorageUnavailable):
        await join(b, "p2")
    # Another node commits meanwhile; this hub misses the change.
    storage.records["p1"] = Record(5, '"elsewhere"')
    hub.changed(Change("p1", 6, '"held"', None, None))  # reported while it re-reads
    hub.resumed()
    await hub.wait_available()
    expected = [
        {"op": "state", "id": "p1", "rev": 5, "value": "elsewhere", "origin": None, "seq": None},
        {"op": "state", "id": "p1", "rev": 6, "value": "held", "origin": None, "seq": None},
    ]
    assert a_frames.take() == expected
    assert b_frames.take() == expected


async def test_own_puts_committed_but_not_reported_are_acknowledged_after_a_lost_feed() -> None:
    class Silent(MemoryStorage):
        """Commits, but never reports (as if the change feed broke before each report)."""

        async def open(self, listener: Listener) -> None:
            pass

    storage = Silent()
    hub = Hub(storage)
    a, a_frames, _b, b_frames = await two_followers(hub)
    await put(a, "mine", seq=4)
    hub.lost()
    storage.records["p1"] = Record(2, '"newer"')
    hub.resumed()
    await hub.wait_available()
    expected = [
        {"op": "state", "id": "p1", "rev": 1, "value": "newer", "origin": a.client, "seq": 4},
        {"op": "state", "id": "p1", "rev": 2, "value": "newer", "origin": None, "seq": None},
    ]
    assert a_frames.take() == expected
    assert b_frames.take() == expected
