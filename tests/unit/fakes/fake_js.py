"""A fake of the slice of the browser's ``js`` module and ``pyodide.ffi`` that pyfritz uses.

A test installs it with :func:`install`, then drives a :class:`FakeWebSocket`
as the browser would: ``fire_open``, ``fire_message``, ``fire_error``,
``fire_close``. Handlers are called through :class:`FakeProxy` objects, which
refuse calls once destroyed, like Pyodide's proxies.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from pyodide import ffi

from pyfritz import _js

__all__ = [
    "FakeArrayBuffer",
    "FakeBlob",
    "FakeEventTarget",
    "FakeJs",
    "FakeJsError",
    "FakeProxy",
    "FakeUint8Array",
    "FakeWebSocket",
    "install",
]


class FakeJsError(Exception):
    """Stands for a JS exception (Pyodide's ``JsException``)."""


class FakeProxy:
    """A ``create_proxy`` result: callable until destroyed."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.destroyed = False

    def __call__(self, *args: Any) -> Any:
        if self.destroyed:
            raise FakeJsError("Object has already been destroyed")
        return self.fn(*args)

    def destroy(self) -> None:
        if self.destroyed:
            raise FakeJsError("Object has already been destroyed")
        self.destroyed = True


class FakeArrayBuffer:
    tag = "[object ArrayBuffer]"

    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)

    def to_bytes(self) -> bytes:
        return self.data


class FakeUint8Array:
    tag = "[object Uint8Array]"

    def __init__(self, size: int) -> None:
        self._data = bytearray(size)

    @classmethod
    def new(cls, size: int) -> FakeUint8Array:
        return cls(size)

    def assign(self, source: memoryview) -> None:
        self._data[:] = bytes(source)

    @property
    def buffer(self) -> FakeArrayBuffer:
        return FakeArrayBuffer(bytes(self._data))

    def to_bytes(self) -> bytes:
        return bytes(self._data)


class FakeBlob:
    tag = "[object Blob]"

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts

    @classmethod
    def new(cls, parts: list[Any]) -> FakeBlob:
        return cls(list(parts))


class FakeWebSocket:
    """A browser WebSocket that a test drives; records what pyfritz does to it."""

    CONNECTING, OPEN, CLOSING, CLOSED = 0, 1, 2, 3
    tag = "[object WebSocket]"

    def __init__(self, owner: FakeJs, url: str, protocols: list[str]) -> None:
        self.url = url
        self.protocols = protocols
        self.binaryType = "blob"
        self.readyState = self.CONNECTING
        self.protocol = ""
        self.onopen: Any = None
        self.onmessage: Any = None
        self.onclose: Any = None
        self.onerror: Any = None
        self.sent: list[Any] = []
        self.close_calls: list[tuple[int, str]] = []
        self.owner = owner
        owner.sockets.append(self)

    def send(self, data: Any) -> None:
        if self.readyState != self.OPEN:
            raise FakeJsError("InvalidStateError: still in CONNECTING state")
        self.sent.append(data)

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.close_calls.append((code, reason))
        self.readyState = self.CLOSING

    # -- driving it, as the browser would ----------------------------------
    def _fire(self, handler: Any, **fields: Any) -> None:
        if handler is not None:
            handler(SimpleNamespace(**fields))

    def fire_open(self, protocol: str = "") -> None:
        self.readyState = self.OPEN
        self.protocol = protocol
        self._fire(self.onopen, type="open")

    def fire_message(self, data: Any) -> None:
        """One message in a task of its own: the tasks posted before it run first."""
        self.owner.run_tasks()
        self._fire(self.onmessage, type="message", data=data)

    def fire_burst(self, *data: Any) -> None:
        """Several messages dispatched in one task, as Chromium does with a buffered burst."""
        self.owner.run_tasks()
        for item in data:
            self._fire(self.onmessage, type="message", data=item)

    def fire_error(self) -> None:
        self._fire(self.onerror, type="error")

    def fire_close(self, code: int = 1000, reason: str = "", was_clean: bool = True) -> None:
        self.readyState = self.CLOSED
        self._fire(self.onclose, type="close", code=code, reason=reason, wasClean=was_clean)

    @property
    def handlers(self) -> list[Any]:
        return [self.onopen, self.onmessage, self.onclose, self.onerror]


class FakeEventTarget:
    """``window`` or ``document``: ``addEventListener``/``removeEventListener``; ``dispatch``."""

    def __init__(self, **fields: Any) -> None:
        self.listeners: dict[str, list[Any]] = {}
        for name, value in fields.items():
            setattr(self, name, value)

    def addEventListener(self, event_type: str, listener: Any) -> None:
        self.listeners.setdefault(event_type, []).append(listener)

    def removeEventListener(self, event_type: str, listener: Any) -> None:
        self.listeners[event_type].remove(listener)

    def dispatch(self, event_type: str) -> None:
        """Fire an event of ``event_type`` at every listener, as the browser would."""
        for listener in list(self.listeners.get(event_type, ())):
            listener(SimpleNamespace(type=event_type))

    def count(self, event_type: str) -> int:
        """How many listeners of ``event_type`` are attached."""
        return len(self.listeners.get(event_type, ()))


def _hold_messages(owner: FakeJs) -> Callable[..., Any]:
    """The fake of ``_js.hold_messages``' JS function: the same rules, in Python.

    A message goes to ``message(data)`` at once unless a drain task is
    posted; the ``every``-th one since the last drain (the first one after a
    drain that carried two or more) posts one (kept in ``owner.tasks`` until
    :meth:`FakeJs.run_tasks`); the messages that arrive meanwhile are held and
    handed over as ``message(list, True)`` by the drain, or by an error or
    close event first.
    """

    def hold(ws: FakeWebSocket, message: Any, close: Any, error: Any, every: int) -> Any:
        held: list[Any] | None = None
        direct = 0
        budget = every
        detached = False

        def drain() -> None:
            nonlocal held, direct, budget
            items, held, direct = held, None, 0
            budget = 1 if items is not None and len(items) > 1 else every
            if items and not detached:
                message(list(items), True)

        def on_message(event: Any) -> None:
            nonlocal held, direct
            if held is not None:
                held.append(event.data)
                return
            direct += 1
            if direct < budget:
                message(event.data)
            else:
                held = []
                try:
                    message(event.data)
                finally:
                    owner.tasks.append(drain)

        def on_error(event: Any) -> None:
            drain()
            error(event)

        def on_close(event: Any) -> None:
            drain()
            close(event)

        def unhold() -> None:
            nonlocal held, detached
            ws.onmessage = ws.onerror = ws.onclose = None
            held, detached = None, True

        ws.onmessage, ws.onerror, ws.onclose = on_message, on_error, on_close
        return unhold

    return hold


class FakeJs:
    """The fake ``js`` module.

    Has ``WebSocket``, ``Array``, ``ArrayBuffer``, ``Object``, ``Uint8Array``, ``Blob``,
    and a ``window`` and ``document`` that only carry event listeners (and the
    document's ``visibilityState``).
    """

    def __init__(self) -> None:
        #: The page's URL, for relative WebSocket URLs (``js.location``, ``window.location``).
        self.location = SimpleNamespace(href="https://example.org/app/index.html", search="")
        self.window = FakeEventTarget(location=self.location)
        self.document = FakeEventTarget(visibilityState="visible")
        self.sockets: list[FakeWebSocket] = []
        self.proxies: list[FakeProxy] = []
        self.Uint8Array = FakeUint8Array
        self.Blob = FakeBlob
        self.Array = SimpleNamespace(of=lambda *items: list(items))
        self.ArrayBuffer = SimpleNamespace(isView=lambda x: isinstance(x, FakeUint8Array))
        to_string = SimpleNamespace(call=lambda x: getattr(x, "tag", "[object Object]"))
        self.Object = SimpleNamespace(prototype=SimpleNamespace(toString=to_string))
        self.WebSocket = SimpleNamespace(new=self._new_websocket)
        self.Function = SimpleNamespace(new=self._new_function)
        # Tasks the page posted (drains of held messages), run by run_tasks().
        self.tasks: list[Callable[[], object]] = []
        # Microtasks queued with queueMicrotask, run by run_microtasks().
        self.microtasks: list[Callable[[], object]] = []
        self.queueMicrotask = self.microtasks.append

    def _new_function(self, *args: str) -> Callable[[], Any]:
        """``new Function(...)`` for the one body pyfritz uses (``_js.hold_messages``)."""
        if args != (_js._HOLD_MESSAGES,):
            raise FakeJsError(f"the fake knows no Function {args!r}")
        return lambda: _hold_messages(self)

    def run_microtasks(self) -> int:
        """Run the queued microtasks (and those they queue); return how many ran."""
        count = 0
        while self.microtasks:
            self.microtasks.pop(0)()
            count += 1
        return count

    def run_microtasks_after_loop_callbacks(self) -> None:
        """Run queued microtasks once the current loop callback is done, as the browser would.

        (By default they wait for :meth:`run_microtasks`.) For tests that
        install :mod:`pyfritz._wakeup`, whose wake-ups would otherwise never run.
        """
        loop = asyncio.get_running_loop()

        def queue_microtask(fn: Callable[[], object]) -> None:
            self.microtasks.append(fn)
            loop.call_soon(self.run_microtasks)

        self.queueMicrotask = queue_microtask

    def run_tasks(self) -> None:
        """Run the posted tasks, as the browser does between two event tasks."""
        while self.tasks:
            self.tasks.pop(0)()

    def _new_websocket(self, url: str, protocols: list[str] | None = None) -> FakeWebSocket:
        if not url.startswith(("ws://", "wss://")):
            raise FakeJsError(f"SyntaxError: The URL's scheme must be 'ws' or 'wss'. {url!r}")
        return FakeWebSocket(self, url, list(protocols or []))

    def create_proxy(self, fn: Callable[..., Any]) -> FakeProxy:
        proxy = FakeProxy(fn)
        self.proxies.append(proxy)
        return proxy

    @property
    def socket(self) -> FakeWebSocket:
        """The most recently created socket."""
        return self.sockets[-1]


def install(monkeypatch: pytest.MonkeyPatch) -> FakeJs:
    """Put a fresh :class:`FakeJs` in place of ``js`` and of ``pyodide.ffi.create_proxy``."""
    fake = FakeJs()
    monkeypatch.setitem(sys.modules, "js", fake)
    monkeypatch.setattr(ffi, "create_proxy", fake.create_proxy)
    return fake
