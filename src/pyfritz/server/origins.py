"""The ``Origin`` check of a WebSocket handshake, sans I/O.

Browsers send the page's origin with every WebSocket handshake and apply no
same-origin policy to WebSockets themselves, so a server that skips this check
lets any web page the user visits read and write its entities
(cross-site WebSocket hijacking). :class:`OriginPolicy` allows:

* the server's own origin, derived from the handshake's ``Host`` header and
  scheme (``ws`` → ``http``, ``wss`` → ``https``);
* the listed origins: exact (``https://app.example.com``, default ports
  implied) or any port (``http://localhost:*``); ``"*"`` allows every origin;
* a handshake without ``Origin``: browsers always send one, so its absence
  means a non-browser client (a script, a test, a benchmark), which could
  forge any header anyway.

The default list is the loopback origins (:data:`DEFAULT_ALLOWED_ORIGINS`),
which suits a development server bound to 127.0.0.1. Note that trusting the
``Host`` header leaves a loopback server open to DNS rebinding (a hostile name
resolving to 127.0.0.1 makes its pages same-origin); a server that must resist
that validates ``Host`` too (:mod:`~pyfritz.server.hosts`).

:class:`OriginCheck` applies a policy to every WebSocket of an application
(the dev server's echo endpoint as much as ``/sync``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["DEFAULT_ALLOWED_ORIGINS", "OriginCheck", "OriginPolicy"]

logger = logging.getLogger("pyfritz.server")

#: Loopback page origins on any port.
DEFAULT_ALLOWED_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

# (scheme, host, port); port None: any port (a pattern's ``:*``).
_Origin = tuple[str, str, int | None]


def _parse(origin: str, *, pattern: bool = False) -> _Origin | None:
    """Split an origin (or, with ``pattern``, an allow-list entry); ``None`` if invalid."""
    scheme, sep, rest = origin.partition("://")
    if not sep or not scheme or not rest or any(c in rest for c in "/?#@ "):
        return None
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            return None
        host, port_text = rest[: end + 1], rest[end + 1 :]
        if port_text and not port_text.startswith(":"):
            return None
        port_text = port_text[1:]
    else:
        host, _, port_text = rest.partition(":")
    if not host:
        return None
    scheme = scheme.lower()
    if port_text == "*" and pattern:
        return scheme, host.lower(), None
    if not port_text:
        default = _DEFAULT_PORTS.get(scheme)
        return None if default is None else (scheme, host.lower(), default)
    if not port_text.isdigit() or int(port_text) > 65535:
        return None
    return scheme, host.lower(), int(port_text)


class OriginPolicy:
    """Decides which handshake origins are allowed.

    Args:
        allowed: allow-list entries (see the module docstring); the loopback
            origins by default.
        allow_own: allow the server's own origin (from ``Host``).
        allow_missing: allow a handshake without ``Origin``.

    Raises:
        ValueError: an entry is not an origin or pattern.

    Example::

        policy = OriginPolicy(["https://app.example.com", "http://localhost:*"])
        policy.allows("http://localhost:5173", host="api.example.com")   # True
    """

    def __init__(
        self,
        allowed: Iterable[str] = DEFAULT_ALLOWED_ORIGINS,
        *,
        allow_own: bool = True,
        allow_missing: bool = True,
    ) -> None:
        self.allow_own = allow_own
        self.allow_missing = allow_missing
        self.allow_any = False
        self._patterns: list[_Origin] = []
        for entry in allowed:
            if entry == "*":
                self.allow_any = True
                continue
            parsed = _parse(entry.rstrip("/"), pattern=True)
            if parsed is None:
                raise ValueError(
                    f"not an origin: {entry!r} (expected e.g. 'https://example.com', "
                    "'http://localhost:*' or '*')"
                )
            self._patterns.append(parsed)

    def allows(self, origin: str | None, *, host: str | None = None, secure: bool = False) -> bool:
        """Whether a handshake with this ``Origin`` header may connect.

        Args:
            origin: the ``Origin`` header, ``None`` if absent.
            host: the ``Host`` header, for the own-origin rule.
            secure: whether the handshake came over TLS (``wss``).
        """
        if origin is None:
            return self.allow_missing
        if self.allow_any:
            return True
        parsed = _parse(origin)
        if parsed is None:  # e.g. "null" from a sandboxed frame or a file:// page
            return False
        own = _parse(("https://" if secure else "http://") + host) if host else None
        if self.allow_own and parsed == own:
            return True
        scheme, name, port = parsed
        return any(
            scheme == p_scheme and name == p_name and p_port in (None, port)
            for p_scheme, p_name, p_port in self._patterns
        )


class OriginCheck:
    """ASGI middleware: every WebSocket handshake must pass ``policy``, whatever its path.

    A refused handshake is closed before it is accepted (HTTP 403); HTTP
    requests pass untouched (browsers protect those by the same-origin policy).

    Example::

        app = OriginCheck(app, OriginPolicy(allow_missing=True))
    """

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a WebSocket with a foreign ``Origin``; pass everything else on."""
        if scope["type"] == "websocket":
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            secure = scope.get("scheme") == "wss"
            if not self.policy.allows(origin, host=headers.get("host"), secure=secure):
                path = scope["path"]
                logger.info("refused a WebSocket to %r: origin %r not allowed", path, origin)
                refusal = {"type": "websocket.close", "code": 1008, "reason": "origin not allowed"}
                await send(refusal)
                return
        await self.app(scope, receive, send)
