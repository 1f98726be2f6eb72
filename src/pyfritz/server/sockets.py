"""Listening sockets whose connections send at once (``TCP_NODELAY``).

asyncio turns Nagle's algorithm off for every TCP connection it accepts, but
only when the listening socket says it is TCP: its ``proto`` must be
``IPPROTO_TCP``. ``socket.create_server()`` and ``socket.socket(AF_INET,
SOCK_STREAM)`` leave it ``0``, and every connection accepted from such a socket
keeps Nagle's algorithm on. A response written in two parts (uvicorn writes
an HTTP response's headers, then its body) then waits with its second part
until the client acknowledges the first, and a client delays that
acknowledgement: on Linux loopback each such response took ≈ 44 ms instead of
≈ 2 ms (a page's stylesheet, ``pyscript.toml``, every script of the runtime;
measured with ``http.client`` against the dev server). WebSocket frames sent
back to back on one connection wait the same way.

:func:`listen` makes the socket as ``socket.create_server()`` does and marks it
as TCP, so that uvicorn, given it, serves every connection without delay.

Example::

    sock = listen("127.0.0.1", 0)
    await uvicorn.Server(config).serve(sockets=[sock])
"""

from __future__ import annotations

import socket

__all__ = ["listen"]


def listen(host: str, port: int, *, backlog: int = 128) -> socket.socket:
    """A socket listening on ``host``:``port`` (``0``: a free port), marked as TCP.

    ``host`` is an IPv4 or IPv6 address (``::1`` or ``[::1]``) or a name.

    Raises:
        OSError: the address cannot be bound (in use, not local, ...).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    made = socket.create_server((host.strip("[]"), port), family=family, backlog=backlog)
    # The same descriptor, as a socket object whose proto is IPPROTO_TCP: the
    # sockets it accepts inherit that, and asyncio sets TCP_NODELAY on them.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno=made.detach())
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock
