"""A soak run against a real sync server: many clients, some of them hostile.

Well-behaved clients each put a counter into an entity of their own and into
a shared one, reading everything. The rest misbehave: some never read (they
join the shared entity, whose states pile up for them), some flood joins of
ever new entities, some send puts over the size limits. The run samples the
server's RSS throughout and checks at the end that every well-behaved edit
arrived, and that every client that never read was cut off by the server.

It also measures whether the well-behaved clients kept reading, so that a
cut-off can be blamed on the right side: the event-loop lag of this process
(all clients run in it), the bytes the kernel holds for those clients unread
(a client that reads has next to none: what waits for it waits in the
server), and the CPU time of both processes. ``tests/unit/pyfritz/server/test_soak.py``
runs a short form; ``python -m bench.soak`` the long one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .raw_client import RawClient, SyncProcess, cpu_seconds, unread, unsent

__all__ = ["SoakResult", "soak"]

MIB = 1024 * 1024
#: Characters of padding in the shared entity's values.
SHARED_VALUE = 4_000


@dataclass
class SoakResult:
    """What a soak run saw."""

    good: int = 0
    puts: int = 0
    acked: int = 0
    refused: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    rss_start: int = 0
    rss_peak: int = 0
    rss_end: int = 0
    hostile_answers: dict[str, int] = field(default_factory=dict)
    #: What ended a well-behaved client early (none should).
    failures: list[str] = field(default_factory=list)
    #: Clients that never read, and how many of them the server cut off.
    never_reading: int = 0
    never_reading_cut: int = 0
    #: For those not cut off: the bytes the kernel holds unsent for them, together.
    never_reading_unsent: int = 0
    #: Why the server's limits cut clients off (its log), reason -> count; a
    #: client that never answers the keepalive ping is closed by uvicorn instead.
    cut_offs: dict[str, int] = field(default_factory=dict)
    #: This process's event-loop lag, sampled: median and largest, in seconds.
    lag_median: float = 0.0
    lag_max: float = 0.0
    #: The most bytes the kernel held unread for one well-behaved client, and for all.
    unread_max: int = 0
    unread_total_max: int = 0
    #: CPU seconds used during the run by this process and by the server.
    cpu_clients: float = 0.0
    cpu_server: float = 0.0
    seconds: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)

    def summary(self) -> str:
        """One paragraph for a log or a report."""
        return (
            f"{self.good} good clients, {self.puts} puts, {self.acked} acknowledged, "
            f"{len(self.refused)} refused, {len(self.lost)} lost, failures {self.failures}; "
            f"never-reading clients cut off: {self.never_reading_cut} of {self.never_reading} "
            "(by the limits or the server's keepalive ping; the kernel holds "
            f"{self.never_reading_unsent / 1024:.0f} KiB unsent for the others); "
            f"cut-offs by the limits (server log) {self.cut_offs}; RSS start "
            f"{self.rss_start / MIB:.1f} MiB, peak {self.rss_peak / MIB:.1f} MiB, end "
            f"{self.rss_end / MIB:.1f} MiB; hostile clients' answers {self.hostile_answers}; "
            "clients' process: event-loop lag median "
            f"{self.lag_median * 1000:.0f} ms, max {self.lag_max * 1000:.0f} ms, unread in the "
            f"kernel max {self.unread_max / 1024:.0f} KiB per good client, "
            f"{self.unread_total_max / 1024:.0f} KiB all; CPU {self.cpu_clients:.1f} s clients, "
            f"{self.cpu_server:.1f} s server in {self.seconds:.0f} s; load average "
            f"{self.load[0]:.1f} at start, {self.load[1]:.1f} at end"
        )


def _address(n: int) -> tuple[str, int]:
    # Spread the clients over loopback addresses, as clients on many machines
    # would be, so the per-address connection limit keeps its default.
    return (f"127.0.{n // 200}.{n % 200 + 1}", 0)


async def _good(
    server: SyncProcess, n: int, deadline: float, result: SoakResult, rate: float
) -> None:
    own = f"soak:{n}"
    async with connect(server.url, local_addr=_address(n), max_size=None) as ws:
        await ws.send(json.dumps({"op": "join", "id": own, "rev": None}))
        await ws.send(json.dumps({"op": "join", "id": "soak:shared", "rev": None}))
        reader = asyncio.create_task(_read_acks(ws, result, f"client {n}"))
        seq = 0
        try:
            while time.monotonic() < deadline:
                seq += 1
                # Every eighth put goes to the shared entity, with some weight,
                # so that the states pile up for the clients that never read.
                shared = seq % 8 == 0
                target = "soak:shared" if shared else own
                value = [n, seq, "x" * SHARED_VALUE] if shared else [n, seq]
                frame = {"op": "put", "id": target, "seq": seq, "base": None, "value": value}
                await ws.send(json.dumps(frame))
                result.puts += 1
                await asyncio.sleep(1 / rate)
            # The last value of its own entity, once more, so the final check has it.
            seq += 1
            frame = {"op": "put", "id": own, "seq": seq, "base": None, "value": [n, seq]}
            await ws.send(json.dumps(frame))
            result.puts += 1
            # Generous: on a loaded machine the fan-out of the last burst takes a while.
            await asyncio.wait_for(_acked(result, f"client {n}", seq), 120)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    result.good += 1


_acks: dict[str, int] = {}
_ack_events: dict[str, asyncio.Event] = {}


async def _acked(result: SoakResult, who: str, seq: int) -> None:
    while _acks.get(who, 0) < seq:
        event = _ack_events.setdefault(who, asyncio.Event())
        event.clear()
        await event.wait()


async def _read_acks(ws: ClientConnection, result: SoakResult, who: str) -> None:
    client = None
    async for message in ws:
        frame = json.loads(message)
        if frame["op"] == "snapshot":
            client = frame["client"]
        elif frame["op"] == "state" and frame["origin"] == client and client is not None:
            result.acked += 1
            _acks[who] = max(_acks.get(who, 0), frame["seq"])
            _ack_events.setdefault(who, asyncio.Event()).set()
        elif frame["op"] == "error":
            result.refused.append(f"{who}: {frame['reason']}")


async def _hostile(
    server: SyncProcess, n: int, kind: str, deadline: float, result: SoakResult
) -> None:
    """A client that floods joins or sends oversize puts, and counts the answers."""
    answers: dict[str, int] = {}
    try:
        async with connect(server.url, local_addr=_address(n), max_size=None) as ws:
            await ws.send(json.dumps({"op": "join", "id": f"hostile:{n}", "rev": None}))
            sent = 0
            while time.monotonic() < deadline:
                if kind == "joins":  # a burst of joins of ever new entities
                    for _ in range(20):
                        frame = {"op": "join", "id": f"flood:{n}:{sent}", "rev": None}
                        await ws.send(json.dumps(frame))
                        sent += 1
                else:  # over max_value, then over max_frame
                    big = "x" * (600 * 1024 if sent % 2 else 1_100_000)
                    frame = {"op": "put", "id": f"hostile:{n}", "seq": sent, "base": None}
                    await ws.send(json.dumps({**frame, "value": big}))
                    sent += 1
                with contextlib.suppress(asyncio.TimeoutError):
                    while True:
                        reply = json.loads(await asyncio.wait_for(ws.recv(), 0.1))
                        key = reply.get("code") or reply["op"]
                        answers[key] = answers.get(key, 0) + 1
    except ConnectionClosed as exc:  # cut off (or timed out by its own keepalive)
        close = exc.rcvd or exc.sent
        key = f"closed {close.code if close else 'without a close frame'}"
        answers[key] = answers.get(key, 0) + 1
    except (TimeoutError, OSError) as exc:
        answers[type(exc).__name__] = answers.get(type(exc).__name__, 0) + 1
    for key, count in answers.items():
        name = f"{kind}:{key}"
        result.hostile_answers[name] = result.hostile_answers.get(name, 0) + count


def _never_reading(server: SyncProcess, n: int) -> RawClient:
    client = RawClient(server.port, local_addr=_address(n))
    client.send(op="join", id="soak:shared", rev=None)
    return client


async def _cut_off(port: int, addresses: set[str], within: float) -> int:
    """How many clients at ``addresses`` the server cut off, waiting ``within`` s for the last.

    Nothing is read from them (reading would make them readers): the
    server's end of each socket tells. A close leaves it in FIN_WAIT (while
    the client has not read up to the FIN, its own end still looks open), an
    abort removes it.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        served = len(unsent(port, addresses))
        if not served or loop.time() > deadline:
            return len(addresses) - served
        await asyncio.sleep(0.2)  # the kernel announces nothing: look again


async def _sample(
    server: SyncProcess, result: SoakResult, stop: asyncio.Event, good: set[str]
) -> None:
    loop = asyncio.get_running_loop()
    lags = []
    while not stop.is_set():
        result.rss_peak = max(result.rss_peak, server.rss)
        held = unread(server.port, good)
        result.unread_max = max(result.unread_max, *held, 0)
        result.unread_total_max = max(result.unread_total_max, sum(held))
        asleep = loop.time()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)
        lags.append(max(0.0, loop.time() - asleep - 0.2))
    lags.sort()
    result.lag_median = lags[len(lags) // 2] if lags else 0.0
    result.lag_max = lags[-1] if lags else 0.0


async def _final_values(server: SyncProcess, good: list[int]) -> dict[int, Any]:
    values: dict[int, Any] = {}
    async with connect(server.url, max_size=None) as ws:
        for n in good:
            await ws.send(json.dumps({"op": "join", "id": f"soak:{n}", "rev": None}))
            await ws.send(json.dumps({"op": "leave", "id": f"soak:{n}"}))
            while True:
                frame = json.loads(await ws.recv())
                if frame["op"] == "snapshot" and frame["id"] == f"soak:{n}":
                    values[n] = frame["value"]
                    break
    return values


async def soak(
    server: SyncProcess,
    *,
    clients: int,
    seconds: float,
    rate: float = 5.0,
    cut_within: float = 40.0,
) -> SoakResult:
    """Run ``clients`` clients for ``seconds``: 70 % good, 10 % each kind of hostile."""
    result = SoakResult(rss_start=server.rss, load=(os.getloadavg()[0], 0.0))
    _acks.clear()
    _ack_events.clear()
    started = time.monotonic()
    cpu = cpu_seconds(os.getpid()), cpu_seconds(server.process.pid)
    deadline = started + seconds
    kinds = ["good"] * 7 + ["never reads", "joins", "oversize"]
    roles = [kinds[n % len(kinds)] for n in range(clients)]
    stuck = [_never_reading(server, n) for n, role in enumerate(roles) if role == "never reads"]
    stop = asyncio.Event()
    good = [n for n, role in enumerate(roles) if role == "good"]
    addresses = {_address(n)[0] for n in good}
    sampler = asyncio.create_task(_sample(server, result, stop, addresses))
    tasks = [
        _good(server, n, deadline, result, rate)
        if role == "good"
        else _hostile(server, n, role, deadline, result)
        for n, role in enumerate(roles)
        if role != "never reads"
    ]
    try:
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        result.failures = [repr(outcome) for outcome in outcomes if outcome is not None]
        values = await _final_values(server, good)
        result.seconds = time.monotonic() - started
        result.cpu_clients = cpu_seconds(os.getpid()) - cpu[0]
        result.cpu_server = cpu_seconds(server.process.pid) - cpu[1]
    finally:
        stop.set()
        await sampler
        result.never_reading = len(stuck)
        # Cut off during the run, or once what they were sent stops fitting in
        # the kernel's buffers: within a write timeout and a close timeout.
        stuck_addresses = {_address(n)[0] for n, role in enumerate(roles) if role == "never reads"}
        result.never_reading_cut = await _cut_off(server.port, stuck_addresses, cut_within)
        result.never_reading_unsent = sum(unsent(server.port, stuck_addresses))
        for client in stuck:
            client.close()
    result.rss_end = server.rss
    result.load = (result.load[0], os.getloadavg()[0])
    for reason in server.cut_offs:
        kind = reason.split(":", 1)[0]
        result.cut_offs[kind] = result.cut_offs.get(kind, 0) + 1
    for n in good:
        last = _acks.get(f"client {n}", 0)
        if values.get(n) != [n, last]:
            result.lost.append(f"client {n}: stored {values.get(n)}, last acknowledged {last}")
    return result
