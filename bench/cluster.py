"""The ``cluster`` bench: the sync server on PostgreSQL over 1, 2 and 3 nodes against SQLite.

No browser: CPython ``websockets`` clients against real server processes
(``python -m pyfritz.server``), a real PostgreSQL server started for the run
(as in the tests) and a SQLite file.

* **Fan-out** (as ``bench/fanout.py``): ``CLIENTS`` clients spread round robin
  over the nodes and one producer on the first node join a fresh entity; the
  producer sends ``BURSTS`` bursts of ``PUTS`` puts, each timed until every
  client has the last state. Server CPU per delivered state is the nodes'
  user + system time (``/proc``) over the round divided by the states
  delivered, reported twice for PostgreSQL: the nodes alone, and the nodes
  plus every PostgreSQL server process (the database's own work).
* **Edit latency**: client A puts, client B (on another node, or on the same
  one) receives the ``state``; A waits for its own acknowledgement before the
  next edit. No DOM: the browser's part (``sync_latency.md``) is the same on
  every variant and is left out, so the ratio here is the stricter one.

Variants alternate in rounds, the order rotating; round 0 warms up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.fanout import _cpu_seconds

__all__ = ["BURSTS", "CLIENTS", "EDITS", "PUTS", "ROUNDS", "main", "run"]

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 48
PUTS = 300
BURSTS = 6
ROUNDS = 5
EDITS = 100
_TIMEOUT_S = 120.0
# The bursts are far over the default put rate: measure throughput, not it.
_FAST = ["--put-rate", "1e9", "--put-burst", "1000000"]

#: Fan-out variant → (storage, node count).
FANOUT = {
    "1 node, SQLite": ("sqlite", 1),
    "1 node, PostgreSQL": ("pg", 1),
    "2 nodes, PostgreSQL": ("pg", 2),
    "3 nodes, PostgreSQL": ("pg", 3),
}
#: Latency variant → (storage, whether A and B are on different nodes).
LATENCY = {
    "one node, SQLite": ("sqlite", False),
    "one node, PostgreSQL": ("pg", False),
    "two nodes, PostgreSQL": ("pg", True),
}


def _postgres_cpu(data: Path) -> float:
    """CPU seconds of the PostgreSQL postmaster and every process it started (Linux)."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                ppid = int(stat.read().rpartition(")")[2].split()[1])
            if int(entry) == postmaster or ppid == postmaster:
                total += _cpu_seconds(int(entry))
        except (OSError, ValueError):
            continue  # gone meanwhile
    return total


class Nodes:
    """``count`` server processes over one ``db``."""

    def __init__(self, db: str, count: int, workdir: Path) -> None:
        from restartable import free_port

        self.ports = [free_port() for _ in range(count)]
        path = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
        env = {**os.environ, "PYTHONPATH": path}
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "pyfritz.server", "--port", str(port), "--db", db, *_FAST],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in self.ports
        ]
        self.urls = [f"ws://127.0.0.1:{port}/sync" for port in self.ports]

    async def ready(self) -> None:
        for url in self.urls:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with connect(url):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.05)  # polling a port until the node listens

    def cpu(self) -> float:
        return sum(_cpu_seconds(process.pid) for process in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(10)


async def _joined(url: str, entity: str) -> ClientConnection:
    connection = await connect(url, compression=None)
    await connection.send(json.dumps({"op": "join", "id": entity, "rev": None}))
    snapshot = json.loads(await connection.recv())
    assert snapshot["op"] == "snapshot", snapshot
    return connection


async def _until(connection: ClientConnection, last: int) -> float:
    count = 0
    async for message in connection:
        frame = json.loads(message)
        if frame["op"] != "state":
            raise RuntimeError(f"unexpected frame {message!r}")
        count += 1
        if frame["value"]["n"] == last:
            return time.perf_counter()
    raise RuntimeError(f"disconnected after {count} states")


async def _fanout_round(nodes: Nodes, pg_data: Path | None, entity: str) -> dict[str, float]:
    clients = [await _joined(nodes.urls[i % len(nodes.urls)], entity) for i in range(CLIENTS)]
    producer = await _joined(nodes.urls[0], entity)
    try:
        elapsed = 0.0
        cpu, db_cpu = nodes.cpu(), _postgres_cpu(pg_data) if pg_data else 0.0
        for burst in range(BURSTS):
            first = burst * PUTS
            last = first + PUTS - 1
            waits = [asyncio.ensure_future(_until(c, last)) for c in [*clients, producer]]
            start = time.perf_counter()
            for n in range(first, first + PUTS):
                put = {"op": "put", "id": entity, "seq": n + 1, "base": None, "value": {"n": n}}
                await producer.send(json.dumps(put))
            arrivals = await asyncio.wait_for(asyncio.gather(*waits), _TIMEOUT_S)
            elapsed += max(arrivals) - start
        cpu = nodes.cpu() - cpu
        db_cpu = (_postgres_cpu(pg_data) - db_cpu) if pg_data else 0.0
    finally:
        await asyncio.gather(*(c.close() for c in [*clients, producer]))
    delivered = (CLIENTS + 1) * PUTS * BURSTS
    return {
        "rate": delivered / elapsed,
        "cpu": cpu / delivered * 1e6,
        "cpu_with_db": (cpu + db_cpu) / delivered * 1e6,
    }


async def _latency_round(a_url: str, b_url: str, entity: str) -> list[float]:
    a, b = await _joined(a_url, entity), await _joined(b_url, entity)
    times = []
    try:
        for n in range(EDITS):
            seen = asyncio.ensure_future(_until(b, n))
            acked = asyncio.ensure_future(_until(a, n))
            start = time.perf_counter()
            put = {"op": "put", "id": entity, "seq": n + 1, "base": None, "value": {"n": n}}
            await a.send(json.dumps(put))
            times.append((await asyncio.wait_for(seen, _TIMEOUT_S) - start) * 1000)
            await asyncio.wait_for(acked, _TIMEOUT_S)
    finally:
        await a.close()
        await b.close()
    return times


async def _measure(clusters: dict[tuple[str, int], Nodes], pg_data: Path) -> dict[str, Any]:
    for nodes in clusters.values():
        await nodes.ready()
    rates: dict[str, list[float]] = {name: [] for name in FANOUT}
    costs: dict[str, list[float]] = {name: [] for name in FANOUT}
    costs_db: dict[str, list[float]] = {name: [] for name in FANOUT if FANOUT[name][0] == "pg"}
    latency: dict[str, list[float]] = {name: [] for name in LATENCY}
    for round_ in range(ROUNDS + 1):
        names = list(FANOUT)
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            storage, count = FANOUT[name]
            nodes = clusters[storage, count]
            result = await _fanout_round(
                nodes, pg_data if storage == "pg" else None, f"f{round_}-{count}-{storage}"
            )
            if round_:
                rates[name].append(result["rate"])
                costs[name].append(result["cpu"])
                if name in costs_db:
                    costs_db[name].append(result["cpu_with_db"])
        for name, (storage, cross) in LATENCY.items():
            nodes = clusters[storage, 2 if cross else 1]
            b_url = nodes.urls[1] if cross else nodes.urls[0]
            times = await _latency_round(nodes.urls[0], b_url, f"l{round_}-{name}")
            if round_:
                latency[name].extend(times)
    return {
        "environment": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "clients": CLIENTS,
            "puts per burst": PUTS,
            "bursts per round": BURSTS,
            "rounds": ROUNDS,
            "edits per latency round": EDITS,
        },
        "metrics": [
            {
                "label": f"bursts of {PUTS} puts fanned out to {CLIENTS + 1} clients",
                "unit": "states/s",
                "better": "higher",
                "baseline": "1 node, SQLite",
                "samples": rates,
            },
            {
                "label": "node CPU per delivered state",
                "unit": "µs",
                "better": "lower",
                "baseline": "1 node, SQLite",
                "samples": costs,
            },
            {
                "label": "node + PostgreSQL CPU per delivered state",
                "unit": "µs",
                "better": "lower",
                "baseline": "1 node, PostgreSQL",
                "samples": costs_db,
            },
            {
                "label": "edit in A to state in B",
                "unit": "ms",
                "better": "lower",
                "baseline": "one node, PostgreSQL",
                "samples": latency,
            },
        ],
    }


def run(browser: object = None) -> dict[str, Any]:
    """Start PostgreSQL and the nodes, measure in interleaved rounds, return the result.

    Example::

        result = run()  # the format of bench/report.py
    """
    sys.path[:0] = [str(ROOT / "tests" / "unit"), str(ROOT / "tests" / "e2e")]
    from postgres_server import PostgresServer

    postgres = PostgresServer()
    postgres.init()
    postgres.start()
    clusters: dict[tuple[str, int], Nodes] = {}
    workdir = Path(tempfile.mkdtemp(prefix="pyfritz-bench-"))
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            db = pool.submit(asyncio.run, postgres.create_database()).result()
            clusters["sqlite", 1] = Nodes(str(workdir / "bench.sqlite3"), 1, workdir)
            for count in (1, 2, 3):
                clusters["pg", count] = Nodes(db, count, workdir)
            return pool.submit(asyncio.run, _measure(clusters, postgres.data)).result()
    finally:
        for nodes in clusters.values():
            nodes.stop()
        postgres.stop()
        postgres.remove()


def _summary(result: dict[str, Any]) -> str:
    lines = []
    for metric in result["metrics"]:
        base = statistics.median(metric["samples"][metric["baseline"]])
        lines.append(f"{metric['label']} ({metric['unit']}):")
        for name, samples in metric["samples"].items():
            median = statistics.median(samples)
            lines.append(f"  {name}: median {median:.3g}, ratio {median / base:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.cluster``: run the bench, print the JSON result and a summary."""
    result = run()
    print(json.dumps(result, indent=1))
    print(_summary(result), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
