"""A soak run against a real sync server: many clients, some of them hostile.

Well-behaved clients each put a counter into an entity of their own and into
a shared one, reading everything. The rest misbehave: some never read (they
join the shared entity, whose states pile up for them), some flood joins of
ever new entities, some send puts over the size limits. The run samples the
server's RSS throughout and checks at the end that every well-behaved edit
arrived. ``tests/unit/pyfritz/server/test_soak.py`` runs a short form;
``python -m bench.soak`` the long one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from .raw_client import RawClient, SyncProcess

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
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for a log or a report."""
        return (
            f"{self.good} good clients, {self.puts} puts, {self.acked} acknowledged, "
            f"{len(self.refused)} refused, {len(self.lost)} lost; RSS start "
            f"{self.rss_start / MIB:.1f} MiB, peak {self.rss_peak / MIB:.1f} MiB, end "
            f"{self.rss_end / MIB:.1f} MiB; hostile clients' answers {self.hostile_answers}; "
            f"client failures {self.failures}"
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
    with contextlib.suppress(OSError, asyncio.TimeoutError):
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
    for key, count in answers.items():
        name = f"{kind}:{key}"
        result.hostile_answers[name] = result.hostile_answers.get(name, 0) + count


def _never_reading(server: SyncProcess, n: int) -> RawClient:
    client = RawClient(server.port, local_addr=_address(n))
    client.send(op="join", id="soak:shared", rev=None)
    return client


async def _sample(server: SyncProcess, result: SoakResult, stop: asyncio.Event) -> None:
    while not stop.is_set():
        result.rss_peak = max(result.rss_peak, server.rss)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


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
    server: SyncProcess, *, clients: int, seconds: float, rate: float = 5.0
) -> SoakResult:
    """Run ``clients`` clients for ``seconds``: 70 % good, 10 % each kind of hostile."""
    result = SoakResult(rss_start=server.rss)
    _acks.clear()
    _ack_events.clear()
    deadline = time.monotonic() + seconds
    kinds = ["good"] * 7 + ["never reads", "joins", "oversize"]
    roles = [kinds[n % len(kinds)] for n in range(clients)]
    stuck = [_never_reading(server, n) for n, role in enumerate(roles) if role == "never reads"]
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample(server, result, stop))
    good = [n for n, role in enumerate(roles) if role == "good"]
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
    finally:
        stop.set()
        await sampler
        for client in stuck:
            client.close()
    result.rss_end = server.rss
    for n in good:
        last = _acks.get(f"client {n}", 0)
        if values.get(n) != [n, last]:
            result.lost.append(f"client {n}: stored {values.get(n)}, last acknowledged {last}")
    return result
