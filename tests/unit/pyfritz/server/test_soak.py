"""A short soak: many clients for a while, a share of them hostile; the server holds.

The long form (200 clients, 60 s) is ``python -m bench.soak``.
"""

from __future__ import annotations

from fakes.raw_client import sync_process
from fakes.soak import MIB, soak

#: The server's RSS may not grow past its start by more than this during the run.
RSS_BOUND = 100 * MIB


async def test_hostile_clients_cost_bounded_memory_and_every_good_edit_arrives() -> None:
    with sync_process("--write-timeout", "5", "--max-joined", "50") as server:
        # In 12 s the clients that never read are sent ~1 MB each, which the
        # kernel's socket buffers (up to 4 MiB a socket on Linux) take: the
        # server holds nothing for them and has no reason to cut them off.
        # The long form sends them far more (and checks they are cut off);
        # test_memory.py cuts off stuck clients on purpose.
        result = await soak(server, clients=60, seconds=12, cut_within=0)
    print(result.summary())
    assert result.failures == []
    assert result.good == 42
    assert result.lost == []
    assert result.refused == []
    assert result.acked == result.puts
    assert result.rss_peak - result.rss_start < RSS_BOUND
    # The hostile clients got their answers: the limits held.
    assert result.hostile_answers.get("joins:limit", 0) > 0
    assert result.hostile_answers.get("oversize:error", 0) > 0
