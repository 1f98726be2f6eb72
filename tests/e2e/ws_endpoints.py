"""Test-only WebSocket endpoints (and the docs examples) for the e2e tests.

Each endpoint does one thing a test needs from a server, besides the dev
server's ``/ws/echo``:

* ``/ws/close``: closes with the code and reason the client sends as text
  (``"4001 bye"``), so the close is server-initiated;
* ``/ws/burst``: for each text ``"N"`` sends the N text frames ``"0"`` ...
  ``"N-1"``; ``"N close"`` then closes with 1000;
* ``/ws/protocol``: chooses the *last* offered sub-protocol (so the choice is
  the server's, not the echo's "first") and sends the offered list as JSON;
* ``/ws/mixed``: for each text ``"N"`` sends N frames, frame ``i`` the text
  ``str(i)`` for even ``i`` and the 4 bytes of ``i`` (big-endian) for odd ``i``;
* ``/ws/binary``: sends a binary frame (``bytes(range(256))``) before the client
  sends anything, then echoes;
* ``/docs-examples/websocket.json``: the ```python blocks of
  ``docs/websocket.md``, for the page that runs them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from pyfritz.dev.app import echo_frames

__all__ = ["BINARY_GREETING", "DOCS", "python_blocks", "routes"]

#: What ``/ws/binary`` sends first.
BINARY_GREETING = bytes(range(256))

DOCS = Path(__file__).resolve().parents[2] / "docs"


def python_blocks(page: Path) -> list[str]:
    """Return the ```python code blocks of a markdown page, in order."""
    return re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S)


async def _texts(websocket: WebSocket) -> list[str] | None:
    """Receive one message; its text (``None`` on disconnect); binary is ignored."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    return [text] if text is not None else []


async def close_endpoint(websocket: WebSocket) -> None:
    """Close with the code and reason of the first text frame (``"CODE REASON"``)."""
    await websocket.accept()
    try:
        while (texts := await _texts(websocket)) is not None:
            for text in texts:
                code, _, reason = text.partition(" ")
                await websocket.close(int(code), reason)
                return
    except WebSocketDisconnect:
        return


async def burst_endpoint(websocket: WebSocket) -> None:
    """For each ``"N"`` send ``"0"`` ... ``"N-1"``; ``"N close"`` closes afterwards."""
    await websocket.accept()
    try:
        while (texts := await _texts(websocket)) is not None:
            for text in texts:
                count, _, then = text.partition(" ")
                for i in range(int(count)):
                    await websocket.send_text(str(i))
                if then == "close":
                    await websocket.close(1000, "burst done")
                    return
    except WebSocketDisconnect:
        return


async def mixed_endpoint(websocket: WebSocket) -> None:
    """For each ``"N"`` send N frames alternating text ``str(i)`` and binary ``i``."""
    await websocket.accept()
    try:
        while (texts := await _texts(websocket)) is not None:
            for text in texts:
                for i in range(int(text)):
                    if i % 2:
                        await websocket.send_bytes(i.to_bytes(4, "big"))
                    else:
                        await websocket.send_text(str(i))
    except WebSocketDisconnect:
        return


async def protocol_endpoint(websocket: WebSocket) -> None:
    """Accept the last offered sub-protocol and tell the client what was offered."""
    offered = list(websocket.scope.get("subprotocols") or [])
    await websocket.accept(subprotocol=offered[-1] if offered else None)
    try:
        await websocket.send_text(json.dumps(offered))
        while await _texts(websocket) is not None:
            pass
    except WebSocketDisconnect:
        return


async def binary_endpoint(websocket: WebSocket) -> None:
    """Send :data:`BINARY_GREETING` first, then echo every frame."""
    await websocket.accept()
    await websocket.send_bytes(BINARY_GREETING)
    await echo_frames(websocket)


async def docs_examples(request: Request) -> JSONResponse:
    """The python examples of docs/websocket.md, as a JSON list of strings."""
    return JSONResponse(python_blocks(DOCS / "websocket.md"))


def routes() -> list[BaseRoute]:
    """The routes to pass to ``pyfritz.dev.create_app(..., routes=...)``."""
    return [
        WebSocketRoute("/ws/close", close_endpoint),
        WebSocketRoute("/ws/burst", burst_endpoint),
        WebSocketRoute("/ws/mixed", mixed_endpoint),
        WebSocketRoute("/ws/protocol", protocol_endpoint),
        WebSocketRoute("/ws/binary", binary_endpoint),
        Route("/docs-examples/websocket.json", docs_examples),
    ]
