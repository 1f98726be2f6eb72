"""``python -m bench.soak [clients] [seconds]``: the long soak of the sync server.

200 clients for 60 s by default against ``python -m pyfritz.server`` with its
default limits: 70 % put a counter into their own entity and, every eighth
put, a 4 KB value into a shared one; 10 % never read; 10 % flood joins; 10 %
send puts over ``max_value`` and frames over ``max_frame``. It checks its
criteria (every well-behaved edit arrived and no well-behaved client was cut
off; the server's RSS stayed under its start + :data:`RSS_BOUND`), prints them
with what the run measured (the load average included: the machine is shared;
whether the well-behaved clients kept reading; how many never-reading clients
were cut off), writes them to ``bench/results/soak.md``, and exits 1 if one
failed. The short form runs in ``make test``
(``tests/unit/pyfritz/server/test_soak.py``).

A never-reading client is cut off once the server holds more than
``queue_bytes`` for it or a write to it has waited ``write_timeout``; what the
kernel's socket buffers take (Linux grows a socket's up to 4 MiB) is not held
by the server, so on a slow run some may still be connected at the end, with
that much unsent in the kernel: the run waits ``write_timeout`` +
``close_timeout`` for them and reports both numbers.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit"))

from fakes.raw_client import sync_process  # after the path is set
from fakes.soak import MIB, SoakResult, soak

__all__ = ["RSS_BOUND", "criteria", "main"]

#: How far the server's RSS may grow past its start: the 64 MiB the outgoing
#: queues may hold together (``total_queue_bytes``); the frames the 20
#: oversize clients have in flight (up to 2 MiB each, read whole, then decoded:
#: measured alone, those 20 clients add 56 MiB at their peak); and 40 MiB for
#: the rest (200 connections, the join flooders' entities, the allocator).
RSS_BOUND = 160 * MIB

RESULTS = Path(__file__).resolve().parent / "results" / "soak.md"


def criteria(result: SoakResult, good: int) -> list[tuple[str, bool]]:
    """The soak's criteria, each with whether the run met it."""
    return [
        (f"all {good} well-behaved clients finished", result.good == good),
        ("no well-behaved client failed or was cut off", not result.failures),
        ("every acknowledged edit is the stored one (none lost)", not result.lost),
        ("no well-behaved put refused", not result.refused),
        ("every put acknowledged", result.acked == result.puts),
        (
            f"RSS peak under start + {RSS_BOUND // MIB} MiB",
            result.rss_peak - result.rss_start < RSS_BOUND,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print and write its criteria and measurements."""
    args = sys.argv[1:] if argv is None else argv
    clients = int(args[0]) if args else 200
    seconds = float(args[1]) if len(args) > 1 else 60.0
    with sync_process() as server:
        result = asyncio.run(soak(server, clients=clients, seconds=seconds))
    good = sum(1 for n in range(clients) if n % 10 < 7)
    checks = criteria(result, good)
    summary = f"soak: {clients} clients, {seconds:g} s: {result.summary()}"
    print(summary)
    lines = [
        "# Soak of the sync server",
        "",
        f"`python -m bench.soak {clients} {seconds:g}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, on the shared 2-core "
        f"machine: load average {result.load[0]:.1f} at the start, {result.load[1]:.1f} "
        "at the end.",
        "",
        "| criterion | met |",
        "|---|---|",
        *(f"| {name} | {'yes' if met else '**no**'} |" for name, met in checks),
        "",
        "Output:",
        "",
        "```text",
        summary,
        "```",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    for name, met in checks:
        print(f"{'ok  ' if met else 'FAIL'} {name}")
    return 0 if all(met for _, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
