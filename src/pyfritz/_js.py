"""The one private shim between pyfritz and the browser's JavaScript runtime.

Only this module touches ``js`` and ``pyodide.ffi``; both are imported when a
function runs, not at import time, so CPython (tests, the sync server) can
import ``pyfritz`` without a browser. Unit tests put a fake ``js`` module in
``sys.modules`` and a fake ``create_proxy`` on ``pyodide.ffi``.

Why ``pyodide.ffi`` and not ``pyscript.ffi``: PyScript's ``create_proxy`` and
``to_js`` are portable wrappers that also run on MicroPython, but hide the
lifetime of what they create. Pyodide's ``create_proxy`` returns a
``JsDoubleProxy`` whose ``destroy()`` frees it exactly when we say, which is
what "every proxy of a session is destroyed when it closes" needs. We need no
``to_js`` at all: strings cross implicitly, and bytes are copied into a
``Uint8Array`` explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "binary_kind",
    "create_proxy",
    "destroy_proxy",
    "forward_data",
    "live_proxies",
    "new_blob",
    "new_websocket",
    "to_array_buffer",
    "to_bytes",
    "to_uint8array",
]

_live = 0


def _js() -> Any:
    import js  # type: ignore[import-not-found]  # only exists inside Pyodide (or a test fake)

    return js


def new_websocket(url: str, protocols: Sequence[str]) -> Any:
    """Open ``new WebSocket(url, protocols)``; the browser's error if it refuses."""
    js = _js()
    if protocols:
        return js.WebSocket.new(url, js.Array.of(*protocols))
    return js.WebSocket.new(url)


def create_proxy(fn: Callable[..., Any]) -> Any:
    """Wrap ``fn`` for JS to call until :func:`destroy_proxy`; counted."""
    from pyodide import ffi

    global _live
    proxy = ffi.create_proxy(fn)
    _live += 1
    return proxy


def destroy_proxy(proxy: Any) -> None:
    """Free a proxy made by :func:`create_proxy`."""
    global _live
    proxy.destroy()
    _live -= 1


def live_proxies() -> int:
    """How many proxies made by :func:`create_proxy` are not destroyed yet."""
    return _live


def binary_kind(value: Any) -> str | None:
    """``"Blob"``, ``"ArrayBuffer"`` or ``"ArrayBufferView"`` for JS binary data, else ``None``."""
    if isinstance(value, str | bytes | bytearray | memoryview | int | float | bool) or (
        value is None
    ):
        return None
    js = _js()
    if js.ArrayBuffer.isView(value):
        return "ArrayBufferView"
    # Object.prototype.toString works across realms, unlike instanceof.
    tag = str(js.Object.prototype.toString.call(value))
    if tag == "[object ArrayBuffer]":
        return "ArrayBuffer"
    if tag in ("[object Blob]", "[object File]"):
        return "Blob"
    return None


def to_uint8array(data: bytes | bytearray | memoryview) -> Any:
    """Copy Python bytes into a new JS ``Uint8Array``."""
    view = memoryview(data).cast("B")
    array = _js().Uint8Array.new(view.nbytes)
    array.assign(view)
    return array


def to_array_buffer(data: bytes | bytearray | memoryview) -> Any:
    """Copy Python bytes into a new JS ``ArrayBuffer``."""
    return to_uint8array(data).buffer


def to_bytes(buffer: Any) -> bytes:
    """Copy a JS ``ArrayBuffer`` (or typed array) into Python ``bytes``."""
    return bytes(buffer.to_bytes())


def new_blob(part: Any) -> Any:
    """A JS ``Blob`` holding one part (a string, ``ArrayBuffer`` or typed array)."""
    js = _js()
    return js.Blob.new(js.Array.of(part))


_data_forwarder: Any = None


def forward_data(proxy: Any) -> Any:
    """A JS function ``(event) => proxy(event.data)``, to set as ``onmessage``.

    Hands the proxy a plain value instead of the event object: no JsProxy of
    the event per message, one boundary crossing instead of two (DESIGN.md
    section 5: pass plain values across the boundary).
    """
    global _data_forwarder
    if _data_forwarder is None:
        _data_forwarder = _js().Function.new("handler", "return (event) => handler(event.data);")
    return _data_forwarder(proxy)


# --- dom --- (helpers for pyfritz.dom and pyfritz.events)

__all__ += ["document", "page_url", "window"]


def document() -> Any:
    """The page's ``document``."""
    return _js().document


def page_url() -> str:
    """The page's URL (``location.href``), which relative WebSocket URLs resolve against."""
    return str(_js().location.href)


def window() -> Any:
    """The page's ``window`` (for its ``online`` event)."""
    return _js().window
