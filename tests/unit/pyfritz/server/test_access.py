"""Access hooks: authenticate at the handshake, authorize per join and put."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fakes.sync_server import FakeWebSocket, Frames, serve
from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from pyfritz.server import Action, Hub, Session, load_hook, sync_app

OWNER = "ada"


def owner_only(principal: Any, entity_id: str, action: Action) -> bool:
    """Users read and write their own entities; everyone reads ``public:``; no one writes it."""
    if entity_id.startswith("public:"):
        return action == "join"
    return entity_id.startswith(f"user:{principal}:")


def connect_as(hub: Hub, principal: Any) -> tuple[Session, Frames]:
    frames = Frames()
    return hub.connect(frames, principal=principal, authorize=owner_only), frames


async def send(session: Session, **frame: Any) -> None:
    await session.receive(json.dumps(frame))


async def test_a_forbidden_join_gets_forbidden_and_no_snapshot_whether_or_not_it_exists() -> None:
    hub = Hub()
    await hub.set("user:ada:notes", {"text": "secret"})
    grace, frames = connect_as(hub, "grace")
    await send(grace, op="join", id="user:ada:notes", rev=None)
    await send(grace, op="join", id="user:ada:missing", rev=None)
    existing, missing = frames.take()
    assert existing == {
        "op": "error",
        "id": "user:ada:notes",
        "seq": None,
        "reason": "join: forbidden",
        "code": "forbidden",
    }
    # The same answer, but for the id: nothing tells the two apart.
    assert {**missing, "id": "user:ada:notes"} == existing
    assert grace.joined == frozenset()
    assert hub.follower_count("user:ada:notes") == 0


async def test_a_forbidden_put_is_refused_and_changes_nothing() -> None:
    hub = Hub()
    rev = await hub.set("user:ada:notes", {"text": "mine"})
    ada, ada_frames = connect_as(hub, "ada")
    await send(ada, op="join", id="user:ada:notes", rev=None)
    grace, frames = connect_as(hub, "grace")
    await send(grace, op="put", id="user:ada:notes", seq=7, base=rev, value={"text": "hers"})
    assert frames.take() == [
        {
            "op": "error",
            "id": "user:ada:notes",
            "seq": 7,
            "reason": "put: forbidden; state unchanged",
            "code": "forbidden",
        }
    ]
    assert await hub.get("user:ada:notes") == (rev, {"text": "mine"})
    assert [f["op"] for f in ada_frames.take()] == ["snapshot"]  # no state went out


async def test_a_read_only_entity_can_be_joined_but_not_written() -> None:
    hub = Hub()
    await hub.set("public:news", ["hello"])
    reader, frames = connect_as(hub, "grace")
    await send(reader, op="join", id="public:news", rev=None)
    await send(reader, op="put", id="public:news", seq=1, base=1, value=["spam"])
    snapshot, error = frames.take()
    assert (snapshot["op"], snapshot["value"]) == ("snapshot", ["hello"])
    assert (error["op"], error["code"], error["seq"]) == ("error", "forbidden", 1)
    assert await hub.get("public:news") == (1, ["hello"])


async def test_the_owner_reads_and_writes_and_the_server_is_never_asked() -> None:
    hub = Hub()
    ada, frames = connect_as(hub, "ada")
    await send(ada, op="join", id="user:ada:notes", rev=None)
    await send(ada, op="put", id="user:ada:notes", seq=1, base=0, value={"text": "mine"})
    assert [f["op"] for f in frames.take()] == ["snapshot", "state"]
    # Server code is trusted: hub.set writes where no principal may.
    await hub.set("public:news", ["from the server"])
    assert await hub.get("public:news") == (1, ["from the server"])


async def test_a_hook_that_raises_refuses_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    def broken(principal: Any, entity_id: str, action: Action) -> bool:
        raise RuntimeError("database down")

    hub = Hub()
    frames = Frames()
    session = hub.connect(frames, principal="ada", authorize=broken)
    await send(session, op="join", id="p1", rev=None)
    assert frames.take()[0]["code"] == "forbidden"
    assert any("authorize('ada', 'p1', 'join') failed" in r.getMessage() for r in caplog.records)


async def test_a_hook_must_say_true_to_allow() -> None:
    hub = Hub()
    frames = Frames()
    session = hub.connect(frames, authorize=lambda *_: "yes")  # type: ignore[arg-type,return-value]
    await send(session, op="join", id="p1", rev=None)
    assert frames.take()[0]["code"] == "forbidden"


def test_load_hook_imports_module_colon_function() -> None:
    assert load_hook("json:dumps") is json.dumps
    assert load_hook("os.path:join.__call__") is not None
    for bad, message in [
        ("json.dumps", "expected 'module:function'"),
        ("no_such_module_x:f", "cannot load"),
        ("json:no_such_name", "cannot load"),
        ("json:__name__", "not callable"),
    ]:
        with pytest.raises(ValueError, match=message):
            load_hook(bad)


# -- authenticate, at the handshake -------------------------------------------------


async def test_authenticate_sees_the_handshake_and_its_principal_travels_on_the_session() -> None:
    seen: list[dict[str, Any]] = []

    async def authenticate(connection: HTTPConnection) -> str | None:
        seen.append(
            {
                "token": connection.query_params.get("token"),
                "cookie": connection.cookies.get("session"),
                "header": connection.headers.get("x-app"),
                "client": connection.client.host if connection.client else None,
            }
        )
        return "ada" if connection.query_params.get("token") == "good" else None

    hub = Hub()
    endpoint = sync_app(hub, authenticate=authenticate, authorize=owner_only)
    app = Starlette(routes=[WebSocketRoute("/sync", endpoint)])
    async with serve(app) as base:
        with pytest.raises(InvalidStatus) as info:
            async with connect(base + "/sync?token=bad"):
                pass  # pragma: no cover - refused
        assert info.value.response.status_code == 403
        assert hub.session_count == 0
        headers = {"Cookie": "session=abc", "X-App": "demo"}
        async with connect(base + "/sync?token=good", additional_headers=headers) as ws:
            await ws.send(json.dumps({"op": "join", "id": "user:ada:notes", "rev": None}))
            assert json.loads(await ws.recv())["op"] == "snapshot"
            await ws.send(json.dumps({"op": "join", "id": "user:bob:notes", "rev": None}))
            assert json.loads(await ws.recv())["code"] == "forbidden"
    assert seen == [
        {"token": "bad", "cookie": None, "header": None, "client": "127.0.0.1"},
        {"token": "good", "cookie": "abc", "header": "demo", "client": "127.0.0.1"},
    ]


async def test_an_authenticate_hook_that_raises_refuses_the_handshake(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(connection: HTTPConnection) -> str:
        raise RuntimeError("token service down")

    ws = FakeWebSocket(sync_app(Hub(), authenticate=broken))
    ws.start()
    assert ws.task is not None
    await ws.task
    assert ws.sent == [{"type": "websocket.close", "code": 1008, "reason": "forbidden"}]
    assert any(r.levelno == logging.ERROR for r in caplog.records)


def test_the_default_is_stated_plainly() -> None:
    assert "any client that passes the Origin check may read and write every entity" in (
        sync_app(Hub()).describe_access()
    )
    assert "authorize hook" in sync_app(Hub(), authorize=owner_only).describe_access()
