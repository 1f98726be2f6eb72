"""Who may connect, and who may read and write which entity: the app decides.

Two hooks, in the shape Starlette's ``AuthenticationBackend`` gives ASGI apps:

* ``async authenticate(connection) -> principal | None`` runs once per
  WebSocket handshake, before it is accepted. ``connection`` is a Starlette
  :class:`~starlette.requests.HTTPConnection`: ``headers``, ``cookies``,
  ``query_params``, ``client`` (the peer's address) and ``url``. Whatever it
  returns is the connection's *principal* (a user name, a dataclass, ...);
  ``None`` refuses the handshake with HTTP 403, so the client never gets a
  byte of the protocol.
* ``authorize(principal, entity_id, action) -> bool`` runs for every ``join``
  (``action == "join"``, read) and every ``put`` (``"put"``, write). A refused
  join is answered with ``error`` code ``forbidden`` and no snapshot, whether
  or not the entity exists; a refused put with ``error`` code ``forbidden``,
  the state unchanged. It is synchronous on purpose: it runs on every frame,
  so load what it needs (roles, groups) in ``authenticate`` and carry it in
  the principal.

Without hooks, every connection that passes the ``Origin`` check may read and
write every entity (the principal is ``None``). :meth:`Hub.set
<pyfritz.server.hub.Hub.set>` is server code and is never asked.

On the command line the hooks are named as ``module:function``
(``--authenticate myapp.auth:authenticate``), loaded by :func:`load_hook`.

Example::

    async def authenticate(connection):
        return verify(connection.query_params.get("token", ""))  # user name or None

    def authorize(user, entity_id, action):
        return entity_id.startswith(f"user:{user}:")

    app = sync_app(hub, authenticate=authenticate, authorize=authorize)
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from starlette.requests import HTTPConnection

__all__ = ["Action", "Authenticate", "Authorize", "load_hook"]

#: What a principal asks to do with an entity: read it (``join``) or write it (``put``).
Action = Literal["join", "put"]
#: The handshake hook: a principal, or ``None`` to refuse the connection.
Authenticate = Callable[[HTTPConnection], Awaitable[Any]]
#: The per-frame hook: whether ``principal`` may do ``action`` to entity ``entity_id``.
Authorize = Callable[[Any, str, Action], bool]


def load_hook(spec: str) -> Callable[..., Any]:
    """Import the function named by ``spec``, written ``package.module:function``.

    Raises:
        ValueError: ``spec`` is not of that form, or names something that
            cannot be imported or is not callable.

    Example::

        authenticate = load_hook("myapp.auth:authenticate")
    """
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"expected 'module:function', not {spec!r}")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load {spec!r}: {exc}") from exc
    if not callable(target):
        raise ValueError(f"{spec!r} is not callable")
    return target  # type: ignore[no-any-return]
