"""Listening sockets: uvicorn's connections from them send without delay (TCP_NODELAY)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import pytest
import uvicorn
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from pyfritz.dev.threaded import free_socket
from pyfritz.server.sockets import listen


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("hello")(scope, receive, send)


async def nodelay_of_connections(sock: socket.socket) -> list[int]:
    """Serve ``sock`` with uvicorn; TCP_NODELAY of its side of one open connection."""
    server = uvicorn.Server(uvicorn.Config(hello, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    host, port = sock.getsockname()[:2]
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"hello"), 30)
        assert head.startswith(b"HTTP/1.1 200")
        return [
            protocol.transport.get_extra_info("socket").getsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY
            )
            for protocol in server.server_state.connections
        ]
    finally:
        writer.close()
        server.should_exit = True
        await asyncio.wait_for(task, 30)
        sock.close()


@pytest.mark.parametrize("make", [lambda: listen("127.0.0.1", 0), free_socket])
def test_served_connections_send_without_delay(make: Callable[[], socket.socket]) -> None:
    assert asyncio.run(nodelay_of_connections(make())) == [1]


def test_a_plain_server_socket_keeps_nagle_on() -> None:
    # Why listen() exists: asyncio leaves Nagle's algorithm on for what this accepts.
    sock = socket.create_server(("127.0.0.1", 0))
    assert asyncio.run(nodelay_of_connections(sock)) == [0]


def test_ipv6_and_bracketed_addresses() -> None:
    with listen("[::1]", 0) as sock:
        assert sock.family == socket.AF_INET6
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[0] == "::1"


def test_a_bound_port_is_an_error() -> None:
    with listen("127.0.0.1", 0) as taken, pytest.raises(OSError):
        listen("127.0.0.1", taken.getsockname()[1])
