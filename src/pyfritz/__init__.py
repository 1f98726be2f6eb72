"""pyfritz: a reactive web framework for Python in the browser, after fritz2.

The public names of every module are re-exported here::

    from pyfritz import RootStore, Resource, websocket, handler, unique_id

The browser edge (``pyfritz.websocket``, ``pyfritz.dom``) imports ``js`` only
when it touches the browser, so ``import pyfritz`` works on CPython too.
"""

from __future__ import annotations

from .errors import (
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
from .history import History, history
from .lenses import Lens, by_id, field_lens
from .messages import Message, Severity, Validator, has_errors, run_validator
from .reconnect import Backoff, Reconnect, ReconnectFailed, ReconnectingSession, ReconnectState
from .resource import Codec, JsonCodec, JsonValue, Resource, unique_id
from .router import Location, Route, Router
from .store import Handler, HandlerMethod, RootStore, Store, SubStore, handler
from .sync import SYNC_RECONNECT, BadFrame, PutRefused, Sync, SyncMode, SyncStatus, sync_with
from .tracker import Tracker, tracker
from .urls import sync_url, websocket_url
from .validation import Validation, validation
from .views import ListView, view
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
