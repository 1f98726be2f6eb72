"""Async flows with a synchronous push fast path: the reactive core of pyfritz.

A :class:`Flow` is an async iterable with operators (``map``, ``filter``,
``on_each``, ``distinct``, ``take``, ``drop``) and terminals (``collect``,
``first``, ``watch``, ``handled_by``). Every callable may be sync or async.

Why two modes: in the browser an asyncio wake-up costs 46-110 µs while a sync
Python call from a JS event costs about 5 µs (DESIGN.md section 5). So hot
sources (:class:`MutableSharedFlow`, :class:`MutableStateFlow`, WebSocket
messages, DOM events) *push* each value by calling their subscribers
synchronously, operators with sync callables forward synchronously, and
``watch()`` on such a chain subscribes at once and never switches tasks per
value. A callable that returns an awaitable suspends only its own collector:
later values wait in that collector's bounded buffer, in order. ``async for``
reads a per-collector buffer in batches (one wake-up per batch; in the
browser that wake-up runs in a microtask, :mod:`pyfritz._wakeup`). Cold flows
(:func:`flow`) are pulled, which gives them natural back-pressure.

Error policy: an exception raised by a callable never reaches the emitter (in
the browser that would be an uncaught page error); it ends that collector with
the error, and ``watch()`` passes it to :func:`report`. A shared-flow
collector that falls more than ``capacity`` values behind is ended with
:class:`~pyfritz.errors.BufferOverflowError` rather than losing values.

Internal protocol, for edge modules that add hot sources: ``Flow._subscribe``
takes a :class:`Sink` and returns an unsubscribe callable, or ``None`` when
the flow can only be pulled. Prefer building sources on
:class:`MutableSharedFlow` with ``on_start``/``on_stop`` hooks.

This module gathers the public names of the flow modules, one idea each:
:mod:`pyfritz.sinks` (the push protocol and per-collector stages),
:mod:`pyfritz.operators` (:class:`Flow`, its operators),
:mod:`pyfritz.collector` (``async for``), :mod:`pyfritz.cold` (cold flows),
:mod:`pyfritz.hot` (shared and state flows) and :mod:`pyfritz.reporting`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .hot import MutableSharedFlow, MutableStateFlow, SharedFlow, StateFlow, errors
from .operators import Flow, combine
from .reporting import report
from .sinks import DEFAULT_CAPACITY, Sink

if TYPE_CHECKING:
    from .cold import flow, flow_of

__all__ = [
    "DEFAULT_CAPACITY",
    "Flow",
    "MutableSharedFlow",
    "MutableStateFlow",
    "SharedFlow",
    "Sink",
    "StateFlow",
    "combine",
    "errors",
    "flow",
    "flow_of",
    "report",
]


def __getattr__(name: str) -> Any:
    # Cold flows load on first use (PEP 562): a page of stores, DOM and
    # sockets makes none, and every module costs a page its import (issue 13).
    if name in ("flow", "flow_of"):
        from . import cold

        value = getattr(cold, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
