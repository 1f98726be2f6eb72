"""The ``fanout`` bench, driven from Python: states/s the sync server delivers to 50 clients.

No browser: CPython ``websockets`` clients against two servers, each in its
own subprocess (``python -m bench.fanout serve sync|plain``) so that the
clients and the server do not share one GIL:

* **pyfritz sync server**: ``Hub(MemoryStorage())`` behind
  :func:`pyfritz.server.sync_app`, served by uvicorn, as ``python -m pyfritz.server``
  serves it;
* **plain websockets broadcast**: a ``websockets`` server doing the same work
  by hand: parse each incoming JSON ``put``, keep the latest value per id with
  a revision, encode one ``state`` frame and hand it to every follower with
  :func:`websockets.asyncio.server.broadcast`.

Per round and server: ``CLIENTS`` clients and one producer connect and join
a fresh entity; then, ``BURSTS`` times, the producer sends ``PUTS`` puts as
fast as it can, and the burst is timed from the first send to the moment the
last client has received the last state (every client checks it got all
``PUTS`` states, the last one last). The server's CPU time over the round is
read from ``/proc/<pid>/stat`` (Linux; 10 ms ticks). Servers alternate, the
order rotating per round; round 0 warms up and is not counted.

Clients connect without ``permessage-deflate``, so neither server compresses:
the bench compares the servers' own work, not zlib's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

__all__ = ["BURSTS", "CLIENTS", "PUTS", "ROUNDS", "SERVERS", "main", "run"]

ROOT = Path(__file__).resolve().parents[1]
#: Clients that follow the entity and count what they receive.
CLIENTS = 50
#: Puts the producer sends per round. Well below the sync server's per-client queue
#: bound (``pyfritz.server.Limits.queue_bytes``, 1 MiB), so that no client is cut off
#: as too slow whatever the scheduling.
PUTS = 500
#: Bursts of ``PUTS`` puts per round, each waited for before the next.
BURSTS = 4
#: Counted rounds per server (plus one warm-up round).
ROUNDS = 9
#: Variant name → the ``serve`` argument that starts its server.
SERVERS = {"pyfritz sync server": "sync", "plain websockets broadcast": "plain"}
_BASELINE = "plain websockets broadcast"
_TIMEOUT_S = 60.0
_CLOCK_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# -- the servers (each runs in its own subprocess) ----------------------------------


def serve_sync(ws: str = "pyfritz") -> None:
    """Serve the sync hub at ``/sync`` on a free loopback port; print ``port N`` first.

    ``ws`` is the uvicorn WebSocket implementation: ``pyfritz`` (what
    ``python -m pyfritz.server`` runs, :func:`pyfritz.server.transport.uvicorn_config`)
    or one of uvicorn's own (``websockets-sansio``, ``websockets``, ``wsproto``).
    """
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    from pyfritz.dev.threaded import free_socket
    from pyfritz.server import MAX_FRAME, Hub, Limits, MemoryStorage, sync_app
    from pyfritz.server.transport import uvicorn_config

    sock = free_socket()
    # The producer's bursts are far over the default put rate: measure throughput, not it.
    limits = Limits(put_rate=1e9, put_burst=1 << 30)
    app = Starlette(routes=[WebSocketRoute("/sync", sync_app(Hub(MemoryStorage()), limits=limits))])
    config = uvicorn_config(app, max_frame=MAX_FRAME)
    if ws != "pyfritz":
        config = uvicorn.Config(app, log_level="warning", ws=ws)  # type: ignore[arg-type]
    # The socket listens already: a client connecting now waits in the backlog.
    print(f"port {sock.getsockname()[1]}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])


async def serve_plain() -> None:
    """Serve the plain broadcast server on a free loopback port; print ``port N`` first."""
    followers: dict[str, set[ServerConnection]] = {}
    latest: dict[str, tuple[int, Any]] = {}

    async def handler(connection: ServerConnection) -> None:
        joined: set[str] = set()
        try:
            async for message in connection:
                frame = json.loads(message)
                id = frame["id"]
                if frame["op"] == "join":
                    followers.setdefault(id, set()).add(connection)
                    joined.add(id)
                    rev, value = latest.get(id, (0, None))
                    snapshot = {"op": "snapshot", "id": id, "rev": rev, "value": value}
                    await connection.send(json.dumps(snapshot, separators=(",", ":")))
                elif frame["op"] == "put":
                    rev = latest.get(id, (0, None))[0] + 1
                    latest[id] = (rev, frame["value"])
                    state = {
                        "op": "state",
                        "id": id,
                        "rev": rev,
                        "value": frame["value"],
                        "origin": None,
                        "seq": frame["seq"],
                    }
                    broadcast(followers[id], json.dumps(state, separators=(",", ":")))
        finally:
            for id in joined:
                followers[id].discard(connection)

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"port {port}", flush=True)
        await server.serve_forever()


# -- the clients (in the bench's process) --------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux ``/proc``), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICK


async def _follow(connection: ClientConnection, entity: str, last: int) -> float:
    """Count ``PUTS`` states of ``entity``; return when the last one (``n == last``) came."""
    count = 0
    async for message in connection:
        count += 1
        if count == PUTS:
            arrived = time.perf_counter()
            frame = json.loads(message)
            if frame.get("op") != "state" or frame["value"]["n"] != last:
                raise RuntimeError(f"the last frame of {entity} is not its last state: {message!r}")
            return arrived
    raise RuntimeError(f"a client of {entity} was disconnected after {count} frames")


async def _round(url: str, pid: int, entity: str) -> tuple[float, float]:
    """One round against the server at ``url``: (states/s, server CPU µs per state).

    ``BURSTS`` bursts of ``PUTS`` puts, one after the other, over the same
    connections: more states per round make the 10 ms CPU ticks matter less.
    """
    connections = [await connect(url, compression=None) for _ in range(CLIENTS + 1)]
    try:
        for connection in connections:
            await connection.send(json.dumps({"op": "join", "id": entity, "rev": None}))
            snapshot = json.loads(await connection.recv())
            if snapshot.get("op") != "snapshot":
                raise RuntimeError(f"expected a snapshot, got {snapshot}")
        producer, clients = connections[0], connections[1:]
        elapsed = 0.0
        cpu = _cpu_seconds(pid)
        for burst in range(BURSTS):
            first = burst * PUTS
            puts = [
                json.dumps(
                    {"op": "put", "id": entity, "seq": n + 1, "base": None, "value": {"n": n}}
                )
                for n in range(first, first + PUTS)
            ]
            last = first + PUTS - 1
            followers = [asyncio.ensure_future(_follow(client, entity, last)) for client in clients]
            # The producer follows too (the server sends every state to the sender as well).
            own = asyncio.ensure_future(_follow(producer, entity, last))
            start = time.perf_counter()
            for put in puts:
                await producer.send(put)
            arrivals = await asyncio.wait_for(asyncio.gather(*followers), _TIMEOUT_S)
            elapsed += max(arrivals) - start
            await asyncio.wait_for(own, _TIMEOUT_S)
        cpu = _cpu_seconds(pid) - cpu
    finally:
        await asyncio.gather(*(connection.close() for connection in connections))
    delivered = CLIENTS * PUTS * BURSTS
    return delivered / elapsed, cpu / delivered * 1e6


async def _measure(servers: dict[str, tuple[str, int]]) -> dict[str, Any]:
    rates: dict[str, list[float]] = {name: [] for name in servers}
    costs: dict[str, list[float]] = {name: [] for name in servers}
    for round_ in range(ROUNDS + 1):
        names = list(servers)
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            url, pid = servers[name]
            rate, cost = await _round(url, pid, f"fanout-{round_}")
            if round_ > 0:  # round 0 warms up
                rates[name].append(rate)
                costs[name].append(cost)
    return {
        "environment": {
            "python": platform.python_version(),
            "websockets": version("websockets"),
            "uvicorn": uvicorn.__version__,
            "cpus": os.cpu_count(),
            "clients": CLIENTS,
            "puts per burst": PUTS,
            "bursts per round": BURSTS,
            "rounds": ROUNDS,
        },
        "metrics": [
            {
                "label": f"bursts of {PUTS:,} puts fanned out to {CLIENTS} clients",
                "unit": "states/s",
                "better": "higher",
                "baseline": _BASELINE,
                "samples": rates,
                "note": (
                    "States delivered (puts x clients) per second, each burst timed from the "
                    "producer's first send to the last client's last state."
                ),
            },
            {
                "label": "server CPU per delivered state",
                "unit": "µs",
                "better": "lower",
                "baseline": _BASELINE,
                "samples": costs,
                "note": (
                    "The server process's user + system time over the round (`/proc`, 10 ms "
                    "ticks) divided by the states delivered; unlike states/s it does not "
                    "depend on how fast the clients read."
                ),
            },
        ],
    }


def _start(kind: str) -> tuple[subprocess.Popen[str], int]:
    """Start ``python -m bench.fanout serve <kind>`` (words split); return it and its port."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.fanout", "serve", *kind.split()],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("port "):
        process.kill()
        raise RuntimeError(f"the {kind} server did not start (exit code {process.wait()})")
    return process, int(line.split()[1])


def run(browser: object = None) -> dict[str, Any]:
    """Start both servers, measure them in interleaved rounds, return the result.

    A ``Bench.driver``: the browser the runner passes is not used. The
    measurement runs its own event loop in a worker thread, since the caller
    may be inside Playwright's.

    Example::

        result = run()  # the format of bench/report.py
    """
    processes: list[subprocess.Popen[str]] = []
    try:
        servers: dict[str, tuple[str, int]] = {}
        for name, kind in SERVERS.items():
            process, port = _start(kind)
            processes.append(process)
            path = "/sync" if kind.startswith("sync") else "/"
            servers[name] = (f"ws://127.0.0.1:{port}{path}", process.pid)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, _measure(servers)).result()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.fanout serve sync|plain`` runs one server; without arguments, the bench."""
    args = sys.argv[1:] if argv is None else argv
    if args[:2] == ["serve", "sync"]:
        serve_sync(*args[2:3])
    elif args[:2] == ["serve", "plain"]:
        asyncio.run(serve_plain())
    elif not args:
        print(json.dumps(run(), indent=1))
    else:
        print("usage: python -m bench.fanout [serve sync [WS]|plain]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
