"""DOM events as flows: one listener per element and event type, shared by all collectors.

An element's ``clicks``, ``inputs``, ``changes``, ``keydowns``, ``submits``,
``focuses``, ``blurs`` and ``events(name)`` are :class:`DomEvents` flows of
the browser's event objects. Projections read plain values inside the JS
listener call: ``.values()`` (the target's ``value``), ``.checked()``,
``.keys()``. ``.prevent_default()`` and ``.stop_propagation()`` act inside
the listener call too, before any collector runs, as the browser requires
(``preventDefault`` after the dispatch has no effect).

Why one listener: the first collector of an element's event type adds one
``addEventListener`` with one proxy; every other collector shares it; the
last one to leave removes the listener and destroys the proxy (fritz2's
``Listener`` does the same with a callbackFlow). When the element's subtree
is unmounted, its event flows complete, so ``handled_by`` tasks on them end
and the proxies are destroyed even if someone still collects.

Events are pushed synchronously (a sync ``handled_by`` handler runs inside
the browser's event dispatch, ≈ 5 µs instead of an asyncio hop).

Example::

    with form() as editor:
        field = input_(placeholder="Name")
        field.inputs.values().handled_by(name.update)          # Flow[str]
        field.keydowns.keys().filter(lambda k: k == "Enter").handled_by(store.save)
    editor.submits.prevent_default().handled_by(store.save)    # no page reload
"""

from __future__ import annotations

from typing import Any

from . import (
    _js,
    _wakeup,  # noqa: F401  # async for wakes from a microtask in the browser
)
from .flows import Flow, MutableSharedFlow, Sink

__all__ = ["DomEvents", "JsEvent", "Listeners", "live_listeners"]

#: A browser ``Event`` object (a Pyodide ``JsProxy``); read its fields, don't keep it.
JsEvent = Any

_live = 0


def live_listeners() -> int:
    """How many DOM event listeners (each holding one proxy) are attached now.

    Example::

        assert live_listeners() == 0   # after unmounting everything
    """
    return _live


class _Listener:
    """One ``addEventListener`` on one node for one event type, started on demand."""

    __slots__ = ("_node", "_proxy", "_type", "events", "prevent", "stop")

    def __init__(self, node: Any, event_type: str) -> None:
        self._node = node
        self._type = event_type
        self._proxy: Any = None
        # How many collectors asked for preventDefault / stopPropagation.
        self.prevent = 0
        self.stop = 0
        self.events: MutableSharedFlow[JsEvent] = MutableSharedFlow(
            on_start=self._start, on_stop=self._stop
        )

    def _start(self) -> None:
        global _live
        self._proxy = _js.create_proxy(self._handle)
        self._node.addEventListener(self._type, self._proxy)
        _live += 1

    def _stop(self) -> None:
        global _live
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            self._node.removeEventListener(self._type, proxy)
            _js.destroy_proxy(proxy)
            _live -= 1

    def _handle(self, event: JsEvent) -> None:
        # Called by the browser during dispatch: these must happen now.
        if self.prevent:
            event.preventDefault()
        if self.stop:
            event.stopPropagation()
        # Collector errors are caught and reported by the flow, so nothing
        # raises into JS (where it would be an uncaught page error).
        self.events.emit_nowait(event)


class Listeners:
    """The listeners of one DOM node, by event type; closed with the node's subtree.

    Made by :class:`pyfritz.dom.Element` on first use; not made directly.
    """

    __slots__ = ("_by_type", "_closed", "_node")

    def __init__(self, node: Any) -> None:
        self._node = node
        self._by_type: dict[str, _Listener] = {}
        self._closed = False

    def get(self, event_type: str) -> _Listener:
        """The listener for ``event_type`` (made on first use, attached on first collector)."""
        listener = self._by_type.get(event_type)
        if listener is None:
            listener = self._by_type[event_type] = _Listener(self._node, event_type)
            if self._closed:
                listener.events.close()
        return listener

    def close(self) -> None:
        """Complete every event flow: collectors end, listeners go, proxies are destroyed."""
        self._closed = True
        for listener in self._by_type.values():
            listener.events.close()


class DomEvents(Flow[JsEvent]):
    """The events of one type on one element, as a flow of JS event objects.

    Get it from an element (``button(...).clicks``, ``el.events("dblclick")``).
    The listener is added when the first collector subscribes and removed
    when the last one leaves or the element is unmounted (the flow then
    completes).

    Example::

        button("Save").clicks.handled_by(store.save)
        input_().inputs.values().handled_by(name.update)
    """

    def __init__(
        self,
        listeners: Listeners,
        event_type: str,
        *,
        prevent: bool = False,
        stop: bool = False,
    ) -> None:
        self._listeners = listeners
        self._type = event_type
        self._prevent = prevent
        self._stop = stop

    def __repr__(self) -> str:
        return f"<DomEvents {self._type!r}>"

    def _subscribe(self, sink: Sink[JsEvent]) -> Any:
        listener = self._listeners.get(self._type)
        prevent, stop = int(self._prevent), int(self._stop)
        listener.prevent += prevent
        listener.stop += stop
        unsub = listener.events._subscribe(sink)
        done = False

        def unsubscribe() -> None:
            nonlocal done
            if not done:
                done = True
                listener.prevent -= prevent
                listener.stop -= stop
                if unsub is not None:
                    unsub()

        return unsubscribe

    def prevent_default(self) -> DomEvents:
        """The same events, with ``preventDefault()`` called in the listener while collected.

        Example::

            form_el.submits.prevent_default().handled_by(store.save)
        """
        return DomEvents(self._listeners, self._type, prevent=True, stop=self._stop)

    def stop_propagation(self) -> DomEvents:
        """The same events, with ``stopPropagation()`` called in the listener while collected."""
        return DomEvents(self._listeners, self._type, prevent=self._prevent, stop=True)

    def values(self) -> Flow[str]:
        """The target's ``value`` at each event, as a ``str``.

        Example::

            input_(value=name.data).inputs.values().handled_by(name.update)
        """
        return self.map(_target_value)

    def checked(self) -> Flow[bool]:
        """The target's ``checked`` state at each event.

        Example::

            input_(type="checkbox", checked=done.data).changes.checked().handled_by(done.update)
        """
        return self.map(_target_checked)

    def keys(self) -> Flow[str]:
        """The ``key`` of each keyboard event (``"Enter"``, ``"a"``, ``"ArrowUp"``).

        Example::

            field.keydowns.keys().filter(lambda k: k == "Enter").handled_by(store.add)
        """
        return self.map(_key)


def _target_value(event: JsEvent) -> str:
    value = event.target.value
    return "" if value is None else str(value)


def _target_checked(event: JsEvent) -> bool:
    return bool(event.target.checked)


def _key(event: JsEvent) -> str:
    return str(event.key)
