"""pyfritz: a reactive web framework for Python in the browser, after fritz2.

The public names of every module are re-exported here::

    from pyfritz import RootStore, Resource, websocket, handler, unique_id

The browser edge (``pyfritz.websocket``, ``pyfritz.dom``) imports ``js`` only
when it touches the browser, so ``import pyfritz`` works on CPython too.

Why the names load lazily (PEP 562 ``__getattr__``): in the browser every
module is compiled from source at each page load, so ``import pyfritz``
importing everything cost a page ≈ 190 ms before it did anything. Now a name
loads its module on first use: a page that uses stores and the DOM never
compiles the WebSocket, reconnect and sync modules. ``RootStore.sync_with``
works once :mod:`pyfritz.sync` is imported, which :mod:`pyfritz.websocket`
(where a page gets its socket) does.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

# Some public names are also names of submodules: ``errors``, ``history``,
# ``tracker``, ``validation``, ``websocket`` (the functions of those modules;
# ``errors`` is the flow of reported errors,
# not the module of exceptions). Importing a submodule sets the package's
# attribute of its name; with the names loaded lazily that would replace the
# public name by the module, so the package refuses it, as the eager imports
# used to override it.
_PUBLIC_OVER_SUBMODULE = frozenset({"errors", "history", "tracker", "validation", "websocket"})


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: object) -> None:
        if name in _PUBLIC_OVER_SUBMODULE and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

# The exceptions are few and small: imported at once.
from .errors import (  # noqa: E402  (after the class swap above)
    BufferOverflowError,
    ConnectionClosed,
    ConnectionException,
    DecodeError,
    FlowError,
    LensError,
    PyfritzError,
    SendException,
    SyncError,
    WebSocketError,
)

if TYPE_CHECKING:  # for type checkers and IDEs: the names, eagerly
    from .flows import (
        Flow,
        MutableSharedFlow,
        MutableStateFlow,
        SharedFlow,
        StateFlow,
        combine,
        errors,
        flow,
        flow_of,
        report,
    )
    from .history import (
        History,
        history,
    )
    from .lenses import (
        Lens,
        by_id,
        field_lens,
    )
    from .messages import (
        Message,
        Severity,
        Validator,
        has_errors,
        run_validator,
    )
    from .reconnect import (
        Backoff,
        Reconnect,
        ReconnectFailed,
        ReconnectingSession,
        ReconnectState,
    )
    from .resource import (
        Codec,
        JsonCodec,
        JsonValue,
        Resource,
        unique_id,
    )
    from .router import (
        Location,
        Route,
        Router,
    )
    from .store import (
        Handler,
        HandlerMethod,
        RootStore,
        Store,
        SubStore,
        handler,
    )
    from .sync import (
        SYNC_RECONNECT,
        BadFrame,
        PutRefused,
        Sync,
        SyncMode,
        SyncStatus,
        sync_with,
    )
    from .tracker import (
        Tracker,
        tracker,
    )
    from .urls import (
        sync_url,
        websocket_url,
    )
    from .validation import (
        Validation,
        validation,
    )
    from .views import (
        ListView,
        view,
    )
    from .websocket import (
        CloseEvent,
        MessageEvent,
        Messages,
        OpenEvent,
        ReconnectingWebSocket,
        Session,
        Socket,
        State,
        live_proxies,
        websocket,
    )

# Which module defines each public name, for the lazy __getattr__ below.
_MODULES: dict[str, tuple[str, ...]] = {
    "flows": (
        "combine",
        "errors",
        "Flow",
        "flow",
        "flow_of",
        "MutableSharedFlow",
        "MutableStateFlow",
        "report",
        "SharedFlow",
        "StateFlow",
    ),
    "history": (
        "History",
        "history",
    ),
    "lenses": (
        "by_id",
        "field_lens",
        "Lens",
    ),
    "messages": (
        "has_errors",
        "Message",
        "run_validator",
        "Severity",
        "Validator",
    ),
    "reconnect": (
        "Backoff",
        "Reconnect",
        "ReconnectFailed",
        "ReconnectingSession",
        "ReconnectState",
    ),
    "resource": (
        "Codec",
        "JsonCodec",
        "JsonValue",
        "Resource",
        "unique_id",
    ),
    "router": (
        "Location",
        "Route",
        "Router",
    ),
    "store": (
        "Handler",
        "handler",
        "HandlerMethod",
        "RootStore",
        "Store",
        "SubStore",
    ),
    "sync": (
        "BadFrame",
        "PutRefused",
        "Sync",
        "SYNC_RECONNECT",
        "sync_with",
        "SyncMode",
        "SyncStatus",
    ),
    "tracker": (
        "Tracker",
        "tracker",
    ),
    "urls": (
        "sync_url",
        "websocket_url",
    ),
    "validation": (
        "Validation",
        "validation",
    ),
    "views": (
        "ListView",
        "view",
    ),
    "websocket": (
        "CloseEvent",
        "live_proxies",
        "MessageEvent",
        "Messages",
        "OpenEvent",
        "ReconnectingWebSocket",
        "Session",
        "Socket",
        "State",
        "websocket",
    ),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> object:
    """Import the module that defines ``name`` on first use (PEP 562)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pyfritz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__version__ = "0.1.0"

__all__ = [
    "SYNC_RECONNECT",
    "Backoff",
    "BadFrame",
    "BufferOverflowError",
    "CloseEvent",
    "Codec",
    "ConnectionClosed",
    "ConnectionException",
    "DecodeError",
    "Flow",
    "FlowError",
    "Handler",
    "HandlerMethod",
    "History",
    "JsonCodec",
    "JsonValue",
    "Lens",
    "LensError",
    "ListView",
    "Location",
    "Message",
    "MessageEvent",
    "Messages",
    "MutableSharedFlow",
    "MutableStateFlow",
    "OpenEvent",
    "PutRefused",
    "PyfritzError",
    "Reconnect",
    "ReconnectFailed",
    "ReconnectState",
    "ReconnectingSession",
    "ReconnectingWebSocket",
    "Resource",
    "RootStore",
    "Route",
    "Router",
    "SendException",
    "Session",
    "Severity",
    "SharedFlow",
    "Socket",
    "State",
    "StateFlow",
    "Store",
    "SubStore",
    "Sync",
    "SyncError",
    "SyncMode",
    "SyncStatus",
    "Tracker",
    "Validation",
    "Validator",
    "WebSocketError",
    "__version__",
    "by_id",
    "combine",
    "errors",
    "field_lens",
    "flow",
    "flow_of",
    "handler",
    "has_errors",
    "history",
    "live_proxies",
    "report",
    "run_validator",
    "sync_url",
    "sync_with",
    "tracker",
    "unique_id",
    "validation",
    "view",
    "websocket",
    "websocket_url",
]
