"""Server-side validation: the resource's own validator refuses invalid puts, with its messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from fakes.sync_server import Frames

from pyfritz.messages import Message
from pyfritz.resource import Resource
from pyfritz.server import Hub
from pyfritz.server.cli import build_sync
from pyfritz.server.validate import Validators, load_resources


@dataclass(frozen=True)
class Todo:
    title: str
    id: str = "todo:1"


def check_todo(todo: Todo) -> list[Message]:
    if not todo.title.strip():
        return [Message("title", "A title is needed")]
    if todo.title.islower():
        return [Message("title", "Start with a capital?", severity="warning")]
    return []


todo_resource = Resource(Todo, id=lambda t: t.id, empty=Todo("x"), validate=check_todo)
RESOURCES = {"todo:*": todo_resource}


async def _put(hub: Hub, value: Any, id: str = "todo:1") -> list[dict[str, Any]]:
    frames = Frames()
    session = hub.connect(frames)
    await session.receive(json.dumps({"op": "join", "id": id, "rev": None}))
    frames.take()
    frame = {"op": "put", "id": id, "seq": 7, "base": 0, "value": value}
    await session.receive(json.dumps(frame))
    return frames.take()


async def test_an_invalid_put_is_refused_with_the_validators_messages() -> None:
    hub = Hub(resources=RESOURCES)
    replies = await _put(hub, {"title": "  ", "id": "todo:1"})
    assert replies == [
        {
            "op": "error",
            "id": "todo:1",
            "seq": 7,
            "reason": "put: invalid value: title: A title is needed",
            "messages": [{"path": "title", "text": "A title is needed", "severity": "error"}],
        }
    ]
    assert await hub.get("todo:1") == (0, None)  # nothing stored


async def test_a_value_of_the_wrong_shape_is_refused_where_it_is_wrong() -> None:
    hub = Hub(resources=RESOURCES)
    (reply,) = await _put(hub, {"title": 3})
    assert reply["op"] == "error"
    assert reply["messages"][0]["path"] == "title"
    assert "Resource(Todo)" in reply["messages"][0]["text"]


async def test_warnings_pass_and_unmatched_ids_are_not_checked() -> None:
    hub = Hub(resources=RESOURCES)
    assert (await _put(hub, {"title": "tea", "id": "todo:1"}))[0]["op"] == "state"
    assert (await _put(hub, {"anything": True}, id="note:1"))[0]["op"] == "state"


async def test_hub_set_is_server_code_and_not_checked() -> None:
    hub = Hub(resources=RESOURCES)
    await hub.set("todo:1", {"title": ""})
    assert await hub.get("todo:1") == (1, {"title": ""})


def test_the_first_matching_pattern_wins() -> None:
    other = Resource(Todo, id=lambda t: t.id, empty=Todo("x"))
    validators = Validators({"todo:special": other, "todo:*": todo_resource})
    assert validators.resource_for("todo:special") is other
    assert validators.resource_for("todo:2") is todo_resource
    assert validators.resource_for("person:1") is None


def test_something_that_is_not_a_resource_is_refused() -> None:
    with pytest.raises(TypeError, match="must be a Resource"):
        Validators({"todo:*": check_todo})  # type: ignore[dict-item]


def test_resources_load_from_module_and_name() -> None:
    assert load_resources(f"{__name__}:RESOURCES") == RESOURCES
    for bad in ("nocolon", f"{__name__}:missing", "no.such.module:x", f"{__name__}:todo_resource"):
        with pytest.raises(ValueError, match="--resources"):
            load_resources(bad)
    hub, _ = build_sync(":memory:", [], resources=f"{__name__}:RESOURCES")
    assert hub.validators.resource_for("todo:9") is todo_resource
