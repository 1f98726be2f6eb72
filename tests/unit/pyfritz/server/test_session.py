"""A session's frames taken together: handled and answered in order, puts committed together."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakes.sync_server import FailingStorage, Frames, LoggingStorage

from pyfritz.server import Hub, Limits, Session, StorageUnavailable


def put(value: Any, seq: int, id: str = "p1") -> str:
    return json.dumps({"op": "put", "id": id, "seq": seq, "base": None, "value": value})


def join(id: str = "p1") -> str:
    return json.dumps({"op": "join", "id": id, "rev": None})


def anonymous(frames: list[dict[str, Any]], client: str) -> list[dict[str, Any]]:
    """``frames`` with the session's client id replaced by ``"me"``."""
    return [{k: "me" if v == client else v for k, v in f.items()} for f in frames]


def connect(hub: Hub) -> tuple[Session, Frames]:
    frames = Frames()
    return hub.connect(frames, limits=Limits(put_rate=1e9, put_burst=1000)), frames


async def test_frames_taken_together_are_answered_as_one_by_one() -> None:
    frames = [
        join(),
        put(1, 1),
        put(2, 2),
        "not json",
        put(3, 3, id="unjoined"),
        put(4, 4),
        '{"op":"ping","t":7}',
        put(5, 5),
    ]
    (single, single_frames), (batch, batch_frames) = connect(Hub()), connect(Hub())
    for frame in frames:
        await single.receive(frame)
    await batch.receive_many(frames)
    expected = anonymous(single_frames.take(), single.client)
    assert anonymous(batch_frames.take(), batch.client) == expected
    ops = [f["op"] for f in expected]
    assert ops == ["snapshot", "state", "state", "error", "error", "state", "pong", "state"]


async def test_consecutive_puts_are_committed_in_their_order() -> None:
    log: list[Any] = []
    hub = Hub(LoggingStorage(log))
    session, frames = connect(hub)
    await session.receive(join())
    await session.receive_many([put(n, n + 1) for n in range(20)])
    assert [entry for entry in log if entry[0] == "save"] == [
        ("save", "p1", n) for n in range(1, 21)
    ]
    assert [f["value"] for f in frames.take()[1:]] == list(range(20))
    assert await hub.get("p1") == (20, 19)


async def test_an_unreachable_database_raises_and_later_frames_are_not_handled() -> None:
    storage = FailingStorage()
    hub = Hub(storage)
    session, frames = connect(hub)
    await session.receive(join())
    frames.take()
    storage.unavailable = True
    with pytest.raises(StorageUnavailable):
        await session.receive_many([put(1, 1), put(2, 2), '{"op":"ping","t":1}'])
    assert frames.take() == []  # no state, no error, no pong: the connection is closed
    storage.unavailable = False
    assert await hub.get("p1") == (0, None)
