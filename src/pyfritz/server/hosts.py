"""The ``Host`` check: a server answers only to the names it is meant to have.

A page on ``http://evil.example`` whose name the attacker re-points at
127.0.0.1 (DNS rebinding) is same-origin with a server on the developer's
machine: the browser sends its requests, ``Origin`` and all, with
``Host: evil.example``. Refusing every ``Host`` not on a short list closes that
hole for pages and WebSockets alike: such a request gets HTTP 400 before any
route sees it.

The list defaults to the loopback names when the server is bound to a
loopback address, and to the bind address itself otherwise; a server bound to
every interface (``0.0.0.0``) must be told its names (``--allowed-host``).

Example::

    app = check_hosts(app, default_allowed_hosts("127.0.0.1"))
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp

__all__ = ["LOOPBACK_HOSTS", "check_hosts", "default_allowed_hosts"]

#: The names of the loopback interface, as they appear in a ``Host`` header.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _as_host(address: str) -> str:
    """``address`` as a ``Host`` header names it (IPv6 literals in brackets)."""
    try:
        return f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    except ValueError:
        return address.lower()


def default_allowed_hosts(bind: str) -> list[str]:
    """The host names a server bound to ``bind`` answers to by default.

    Raises:
        ValueError: ``bind`` is every interface (``0.0.0.0``, ``::``): the
            server's public names cannot be guessed and must be given.

    Example::

        >>> default_allowed_hosts("127.0.0.1")
        ['127.0.0.1', 'localhost', '[::1]']
    """
    address = bind.strip("[]")
    if address == "localhost":
        return list(LOOPBACK_HOSTS)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return [_as_host(address)]
    if ip.is_unspecified:
        raise ValueError(
            f"bound to every interface ({bind}): name the host names clients use with "
            "--allowed-host NAME (repeatable), or --allowed-host '*' to accept any"
        )
    if ip.is_loopback:
        own = _as_host(address)
        return list(LOOPBACK_HOSTS) + ([own] if own not in LOOPBACK_HOSTS else [])
    return [_as_host(address)]


def check_hosts(app: ASGIApp, allowed_hosts: Iterable[str]) -> ASGIApp:
    """Wrap ``app`` so that a request (page or WebSocket) with another ``Host`` gets 400.

    Entries are exact names (``example.com``, ``[::1]``), ``*.example.com`` for
    any subdomain, or ``*`` for any name (no check). The port is not compared.
    """
    return TrustedHostMiddleware(app, allowed_hosts=list(allowed_hosts), www_redirect=False)
