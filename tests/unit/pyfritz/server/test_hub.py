"""The hub: joins, revisions, fan-out, refusals and persistence, without a network."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fakes.sync_server import FailingStorage, Frames, LoggingStorage

from pyfritz.server import Hub, MemoryStorage, Session, SqliteStorage


def join(session: Session, id: str = "p1", rev: int | None = None) -> None:
    session.receive(json.dumps({"op": "join", "id": id, "rev": rev}))


def put(
    session: Session, value: Any, *, id: str = "p1", seq: int = 1, base: int | None = 0
) -> None:
    session.receive(json.dumps({"op": "put", "id": id, "seq": seq, "base": base, "value": value}))


def connect(hub: Hub) -> tuple[Session, Frames]:
    frames = Frames()
    return hub.connect(frames), frames


def test_join_of_a_new_entity_gets_an_empty_snapshot_with_the_client_id() -> None:
    hub = Hub()
    session, frames = connect(hub)
    join(session)
    assert frames.take() == [
        {"op": "snapshot", "id": "p1", "rev": 0, "value": None, "client": session.client}
    ]
    assert session.joined == {"p1"}


def test_each_session_gets_its_own_client_id() -> None:
    hub = Hub()
    clients = {hub.connect(Frames()).client for _ in range(100)}
    assert len(clients) == 100
    assert hub.session_count == 100


def test_put_is_broadcast_to_every_follower_including_the_sender() -> None:
    hub = Hub()
    (a, a_frames), (b, b_frames), (c, c_frames) = connect(hub), connect(hub), connect(hub)
    join(a)
    join(b)
    join(c, id="other")
    for frames in (a_frames, b_frames, c_frames):
        frames.take()
    put(a, {"name": "Ada"}, seq=5)
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


def test_fan_out_hands_the_same_encoded_frame_to_every_follower() -> None:
    hub = Hub()
    pairs = [connect(hub) for _ in range(5)]
    for session, frames in pairs:
        join(session)
        frames.take()
    put(pairs[0][0], {"big": list(range(100))})
    sent = [frames.raw[0] for _, frames in pairs]
    assert all(frame is sent[0] for frame in sent)


def test_revisions_grow_by_one_per_accepted_state() -> None:
    hub = Hub()
    a, a_frames = connect(hub)
    b, _ = connect(hub)
    join(a)
    join(b)
    put(a, 1, seq=1)
    put(b, 2, seq=1)
    hub.set("p1", 3)
    put(a, 4, seq=2)
    states = [f for f in a_frames.take() if f["op"] == "state"]
    assert [(f["rev"], f["value"]) for f in states] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert hub.get("p1") == (4, 4)


def test_put_with_a_stale_base_is_accepted_last_writer_wins() -> None:
    hub = Hub()
    a, a_frames = connect(hub)
    b, _ = connect(hub)
    join(a)
    join(b)
    put(a, "from a", base=0)
    put(b, "from b", base=0)  # b had not seen a's state: still accepted
    assert hub.get("p1") == (2, "from b")
    assert [f["value"] for f in a_frames.take() if f["op"] == "state"] == ["from a", "from b"]


def test_a_late_joiner_gets_the_current_state_in_its_snapshot() -> None:
    hub = Hub()
    a, _ = connect(hub)
    join(a)
    put(a, {"n": 1})
    put(a, {"n": 2}, seq=2)
    b, b_frames = connect(hub)
    join(b, rev=1)
    assert b_frames.take() == [
        {"op": "snapshot", "id": "p1", "rev": 2, "value": {"n": 2}, "client": b.client}
    ]


def test_joining_again_resends_the_snapshot_without_duplicate_delivery() -> None:
    hub = Hub()
    a, frames = connect(hub)
    join(a)
    join(a)
    assert [f["op"] for f in frames.take()] == ["snapshot", "snapshot"]
    put(a, 1)
    assert [f["op"] for f in frames.take()] == ["state"]
    assert hub.follower_count("p1") == 1


def test_put_without_join_is_refused_and_changes_nothing() -> None:
    hub = Hub()
    a, a_frames = connect(hub)
    b, b_frames = connect(hub)
    join(b)
    b_frames.take()
    put(a, "sneaky", seq=3)
    assert a_frames.take() == [
        {"op": "error", "id": "p1", "seq": 3, "reason": "put: not joined; send join first"}
    ]
    assert b_frames.take() == []
    assert hub.get("p1") == (0, None)


def test_put_of_a_value_over_max_value_is_refused() -> None:
    hub = Hub(max_value=100)
    a, a_frames = connect(hub)
    b, b_frames = connect(hub)
    join(a)
    join(b)
    a_frames.take()
    b_frames.take()
    put(a, "x" * 98)  # 100 bytes with its quotes: accepted
    put(a, "x" * 99, seq=2)
    ops = a_frames.take()
    assert ops[0]["op"] == "state"
    assert ops[1] == {
        "op": "error",
        "id": "p1",
        "seq": 2,
        "reason": "put: value too large: 101 bytes > 100",
    }
    assert [f["op"] for f in b_frames.take()] == ["state"]
    assert hub.get("p1") == (1, "x" * 98)


def test_bad_frames_are_answered_and_the_session_keeps_working() -> None:
    hub = Hub()
    a, frames = connect(hub)
    a.receive("{nope")
    a.receive(b"\x00\x01")
    a.receive('{"op":"join","id":"p1"}')
    join(a)
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


def test_oversize_frame_is_refused_per_the_session_max_frame() -> None:
    hub = Hub()
    frames = Frames()
    session = hub.connect(frames, max_frame=64)
    join(session)
    put(session, "x" * 100, seq=8)
    error = frames.take()[-1]
    assert (error["op"], error["id"], error["seq"]) == ("error", "p1", 8)
    assert error["reason"].startswith("frame too large")


def test_ping_is_answered_with_pong() -> None:
    hub = Hub()
    session, frames = connect(hub)
    session.receive('{"op":"ping","t":1234.5}')
    assert frames.take() == [{"op": "pong", "t": 1234.5}]


def test_leave_stops_delivery_and_unknown_leave_is_a_no_op() -> None:
    hub = Hub()
    a, a_frames = connect(hub)
    b, _ = connect(hub)
    join(a)
    join(b)
    a.receive('{"op":"leave","id":"p1"}')
    a.receive('{"op":"leave","id":"never-joined"}')
    a_frames.take()
    put(b, 1)
    assert a_frames.take() == []
    assert a.joined == frozenset()
    assert hub.follower_count("p1") == 1


def test_close_forgets_the_session_and_its_follows() -> None:
    hub = Hub()
    a, _ = connect(hub)
    join(a, "p1")
    join(a, "p2")
    a.close()
    a.close()
    assert hub.session_count == 0
    assert hub.follower_count("p1") == hub.follower_count("p2") == 0
    with pytest.raises(RuntimeError, match="closed"):
        join(a)


def test_each_state_is_committed_before_it_is_delivered() -> None:
    log: list[Any] = []
    hub = Hub(LoggingStorage(log))
    a = hub.connect(Frames(log))
    b = hub.connect(Frames(log))
    join(a)
    join(b)
    log.clear()
    put(a, 1)
    hub.set("p1", 2)
    assert log == [
        ("save", "p1", 1),
        ("deliver", "state"),
        ("deliver", "state"),
        ("save", "p1", 2),
        ("deliver", "state"),
        ("deliver", "state"),
    ]


def test_storage_failure_refuses_the_put_and_keeps_the_state() -> None:
    storage = FailingStorage()
    hub = Hub(storage)
    a, a_frames = connect(hub)
    b, b_frames = connect(hub)
    join(a)
    join(b)
    put(a, "kept")
    a_frames.take()
    b_frames.take()
    storage.fail_saves = True
    put(a, "lost", seq=2)
    assert a_frames.take() == [
        {"op": "error", "id": "p1", "seq": 2, "reason": "put: storage failed; state unchanged"}
    ]
    assert b_frames.take() == []
    storage.fail_saves = False
    put(a, "next", seq=3)
    assert a_frames.take()[0]["rev"] == 2  # the refused put used no revision


def test_storage_failure_on_join_is_answered_with_error() -> None:
    storage = FailingStorage()
    storage.fail_loads = True
    hub = Hub(storage)
    a, frames = connect(hub)
    join(a)
    assert frames.take() == [
        {"op": "error", "id": "p1", "seq": None, "reason": "join: storage failed; try again"}
    ]
    assert a.joined == frozenset()
    assert hub.follower_count("p1") == 0


def test_server_set_broadcasts_with_null_origin_and_seq() -> None:
    hub = Hub()
    a, frames = connect(hub)
    join(a)
    frames.take()
    assert hub.set("p1", {"name": "Grace"}) == 1
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


def test_server_set_without_followers_is_stored_for_later_joiners() -> None:
    storage = MemoryStorage()
    hub = Hub(storage)
    assert hub.set("p1", [1]) == 1
    assert hub.set("p1", [1, 2]) == 2
    assert storage.load("p1") is not None
    a, frames = connect(hub)
    join(a)
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
def test_server_set_refuses_invalid_input(id: Any, value: Any, message: str) -> None:
    hub = Hub(max_value=100)
    with pytest.raises(ValueError, match=message):
        hub.set(id, value)
    assert hub.get("p1") == (0, None)


def test_a_hub_restarted_over_the_same_sqlite_file_has_every_entity_at_its_rev(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sync.db"
    hub = Hub(SqliteStorage(path))
    a, _ = connect(hub)
    join(a, "p1")
    join(a, "p2")
    put(a, {"name": "Ada"}, id="p1")
    put(a, {"name": "Ada", "age": 36}, id="p1", seq=2)
    put(a, ["todo"], id="p2", seq=3)
    hub.set("p3", "server only")
    a.close()
    hub.close()

    restarted = Hub(SqliteStorage(path))
    assert restarted.get("p1") == (2, {"name": "Ada", "age": 36})
    assert restarted.get("p2") == (1, ["todo"])
    assert restarted.get("p3") == (1, "server only")
    b, frames = connect(restarted)
    join(b, "p1", rev=2)
    assert frames.take()[0]["rev"] == 2
    put(b, {"name": "Ada", "age": 37}, id="p1")
    assert frames.take()[0]["rev"] == 3
    restarted.close()


def test_joins_and_refusals_are_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pyfritz.server")
    hub = Hub()
    a, _ = connect(hub)
    join(a)
    a.receive("garbage")
    messages = [r.getMessage() for r in caplog.records if r.name == "pyfritz.server"]
    assert f"join p1 by client {a.client} (client rev None)" in messages
    assert any(m.startswith(f"refused a frame from client {a.client}: not JSON") for m in messages)
