"""Hubs on PostgreSQL: several nodes over one real database serve one truth.

Every test runs against a real PostgreSQL server started by the test session
(:mod:`postgres_server`), in a fresh database; a node is a :class:`Hub` over
its own :class:`PostgresStorage` (its own connections and LISTEN), as in
separate processes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import asyncpg
import pytest
from fakes.sync_server import TIMEOUT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from postgres_server import PostgresServer, pg_url, postgres

from pyfritz.server import Hub, Record, Session, StorageError, StorageUnavailable
from pyfritz.server.storage_pg import NOTIFY_LIMIT, PG_SCHEMA_VERSION, PostgresStorage

__all__ = ["pg_url", "postgres"]  # the fixtures this module uses


_examples = itertools.count()


class Follower:
    """A session on a node that keeps what it was sent, and can wait for a condition."""

    def __init__(self, hub: Hub) -> None:
        self.frames: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self.session: Session = hub.connect(self._deliver)

    def _deliver(self, frame: str) -> None:
        self.frames.append(json.loads(frame))
        self._arrived.set()

    @property
    def client(self) -> str:
        return self.session.client

    @property
    def last(self) -> tuple[int, Any]:
        """The revision and value of the last snapshot or state received."""
        frame = [f for f in self.frames if f["op"] in ("snapshot", "state")][-1]
        return frame["rev"], frame["value"]

    def states(self) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["op"] == "state"]

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(TIMEOUT * 3):
            while not predicate():
                self._arrived.clear()
                await self._arrived.wait()

    async def join(self, id: str = "p1") -> None:
        await self.session.receive(json.dumps({"op": "join", "id": id, "rev": None}))

    async def put(self, value: Any, *, seq: int, id: str = "p1") -> None:
        frame = {"op": "put", "id": id, "seq": seq, "base": None, "value": value}
        await self.session.receive(json.dumps(frame))


async def db_row(url: str, id: str = "p1") -> tuple[int, Any]:
    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow("SELECT rev, value FROM pyfritz_entities WHERE id=$1", id)
    finally:
        await connection.close()
    return (0, None) if row is None else (row[0], json.loads(row[1]))


@pytest.fixture
async def nodes(pg_url: str) -> AsyncIterator[list[Hub]]:
    """Three nodes over one fresh database, opened; closed after the test."""
    async with AsyncExitStack() as stack:
        hubs = []
        for _ in range(3):
            hub = Hub(PostgresStorage(pg_url))
            await hub.open()
            stack.push_async_callback(hub.close)
            hubs.append(hub)
        yield hubs


async def followers(hubs: list[Hub], per_node: int = 2, id: str = "p1") -> list[Follower]:
    made = [Follower(hub) for hub in hubs for _ in range(per_node)]
    for follower in made:
        await follower.join(id)
    return made


async def converged(url: str, clients: list[Follower], id: str = "p1") -> tuple[int, Any]:
    """Wait until every client's last state is the database's row; return that row."""
    row = await db_row(url, id)
    for client in clients:
        await client.wait_for(lambda c=client: c.last == row)  # type: ignore[misc]
    return row


@pytest.mark.parametrize("node_count", [2, 3])
async def test_concurrent_puts_on_several_nodes_get_one_revision_order(
    nodes: list[Hub], pg_url: str, node_count: int
) -> None:
    hubs = nodes[:node_count]
    clients = await followers(hubs)
    puts = [
        client.put({"by": client.client, "n": n}, seq=n + 1)
        for n in range(10)
        for client in clients
    ]
    await asyncio.gather(*puts)
    rev, _ = await converged(pg_url, clients)
    assert rev == len(puts)
    for client in clients:
        revs = [f["rev"] for f in client.states()]
        assert revs == list(range(1, rev + 1))  # every revision, once, in order
        own = [(f["origin"], f["seq"]) for f in client.states() if f["origin"] == client.client]
        assert sorted(seq for _, seq in own) == list(range(1, 11))  # each put acknowledged
    # Every node's followers saw the same value for each revision.
    by_rev = {}
    for client in clients:
        for frame in client.states():
            assert by_rev.setdefault(frame["rev"], frame["value"]) == frame["value"]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 5), st.booleans()), min_size=1, max_size=25
    ),
)
async def test_when_quiet_every_client_on_every_node_equals_the_database_row(
    nodes: list[Hub], pg_url: str, steps: list[tuple[int, int, bool]]
) -> None:
    id = f"e{next(_examples)}"  # one database for every example, an entity for each
    clients = await followers(nodes, id=id)
    pending = []
    for seq, (node, client, wait) in enumerate(steps, 1):
        if node == 2 and client == 5:
            pending.append(nodes[0].set(id, {"server": seq}))
        else:
            pending.append(clients[node * 2 + client % 2].put({"n": seq}, seq=seq, id=id))
        if wait:  # interleave: some puts wait for the ones before them, others race
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    rev, _ = await converged(pg_url, clients, id)
    assert rev == len(steps)
    for client in clients:
        client.session.close()


async def test_values_over_the_notify_limit_reach_every_node(nodes: list[Hub], pg_url: str) -> None:
    clients = await followers(nodes)
    values = [{"text": "é" * NOTIFY_LIMIT}, {"small": 1}, {"text": "x" * 100_000}]
    for seq, (client, value) in enumerate(zip(clients[::2], values, strict=True), 1):
        await client.put(value, seq=seq)  # é is two bytes: twice the limit
    await converged(pg_url, clients)
    for client in clients:
        states = client.states()
        assert [f["rev"] for f in states] == [1, 2, 3]
        # A node that reads a row may find a newer value: it sends that one
        # early, never an older one after a newer.
        shown = [values.index(f["value"]) for f in states]
        assert shown == sorted(shown)
        assert all(index >= rev - 1 for index, rev in zip(shown, [1, 2, 3], strict=True))
        assert shown[-1] == 2


async def test_a_row_read_late_never_sends_a_client_back_to_an_older_value(
    nodes: list[Hub], pg_url: str
) -> None:
    clients = await followers(nodes[:2], per_node=1)
    big = "y" * (NOTIFY_LIMIT + 1)
    # Large values one after the other (so value n is revision n), faster than
    # the nodes read them: a node reading a row may find a later revision.
    for n in range(1, 9):
        await clients[0].put(f"{n}{big}", seq=n)
    await converged(pg_url, clients)
    for client in clients:
        values = [int(f["value"][: -len(big)]) for f in client.states()]
        assert values == sorted(values)
        assert [f["rev"] for f in client.states()] == list(range(1, 9))


async def test_hub_set_and_a_direct_sql_call_reach_every_node(
    nodes: list[Hub], pg_url: str
) -> None:
    clients = await followers(nodes)
    assert await nodes[1].set("p1", {"from": "hub.set"}) == 1
    connection = await asyncpg.connect(pg_url)
    try:
        rev = await connection.fetchval(
            "SELECT pyfritz_put('p1', $1)", json.dumps({"from": "another service"})
        )
        assert rev == 2
        with pytest.raises(asyncpg.RaiseError, match="not null"):
            await connection.fetchval("SELECT pyfritz_put('p1', 'null')")
    finally:
        await connection.close()
    await converged(pg_url, clients)
    for client in clients:
        assert [(f["value"], f["origin"], f["seq"]) for f in client.states()] == [
            ({"from": "hub.set"}, None, None),
            ({"from": "another service"}, None, None),
        ]
    assert await nodes[2].get("p1") == (2, {"from": "another service"})


async def test_a_node_whose_listen_connection_is_dropped_catches_up(
    nodes: list[Hub], pg_url: str
) -> None:
    clients = await followers(nodes[:2], per_node=1)
    await clients[0].put("before", seq=1)
    await converged(pg_url, clients)
    storage = nodes[1].storage
    assert isinstance(storage, PostgresStorage)
    listen_pid = storage._listen.get_server_pid()  # type: ignore[union-attr]
    connection = await asyncpg.connect(pg_url)
    try:
        # Node 1 is told at once (its backend's end closes the socket)...
        await connection.fetchval("SELECT pg_terminate_backend($1)", listen_pid)
    finally:
        await connection.close()
    # ... and while it reconnects, node 0 goes on; node 1 refuses until back.
    await clients[0].put("while node 1 was away", seq=2)
    await clients[0].put("and more", seq=3)
    await nodes[1].wait_available()
    rev, value = await converged(pg_url, clients)
    assert (rev, value) == (3, "and more")
    await clients[1].put("node 1 is back", seq=1)
    await converged(pg_url, clients)


async def test_database_restarted_under_load_loses_no_acknowledged_put_and_duplicates_none(
    nodes: list[Hub], pg_url: str, postgres: PostgresServer
) -> None:
    clients = await followers(nodes[:2], per_node=2)
    refused = 0
    stop = asyncio.Event()

    async def writer(client: Follower) -> None:
        nonlocal refused
        seq = 0
        while not stop.is_set():
            seq += 1
            try:
                await client.put({"by": client.client, "seq": seq}, seq=seq)
            except StorageUnavailable:
                refused += 1
                await asyncio.sleep(0.02)  # the browser would back off and reconnect

    writers = [asyncio.create_task(writer(client)) for client in clients]
    await clients[0].wait_for(lambda: len(clients[0].states()) >= 20)
    await asyncio.to_thread(postgres.stop)
    await asyncio.to_thread(postgres.start)
    for hub in nodes[:2]:
        await hub.wait_available()
    await clients[0].wait_for(lambda: len(clients[0].states()) >= 60)
    stop.set()
    await asyncio.gather(*writers)
    assert refused > 0  # the outage was real
    rev, value = await converged(pg_url, clients)
    for client in clients:
        states = client.states()
        revs = [f["rev"] for f in states]
        assert revs == sorted(set(revs))  # strictly increasing: nothing twice
        acked = [f["seq"] for f in states if f["origin"] == client.client]
        assert acked == sorted(set(acked))  # each put acknowledged at most once
    # A node catching up acknowledges its own missed puts with the newest
    # value (docs/deploy.md, like a row read late), so a frame may carry a value newer than its
    # revision, never an older one. A value's own revision is thus the
    # highest it was seen at: no two values may share one (a revision given
    # twice would be a lost put), and no client may go back to an older value.
    own_rev: dict[tuple[str, int], int] = {}
    for client in clients:
        for frame in client.states():
            key = (frame["value"]["by"], frame["value"]["seq"])
            own_rev[key] = max(own_rev.get(key, 0), frame["rev"])
    assert len(set(own_rev.values())) == len(own_rev)
    for client in clients:
        seen = [own_rev[f["value"]["by"], f["value"]["seq"]] for f in client.states()]
        assert seen == sorted(seen)
    assert own_rev[value["by"], value["seq"]] == rev


async def test_puts_while_the_database_is_down_are_refused_and_change_nothing(
    pg_url: str, postgres: PostgresServer
) -> None:
    hub = Hub(PostgresStorage(pg_url))
    client = Follower(hub)
    await client.join()
    await client.put("kept", seq=1)
    await client.wait_for(lambda: client.last == (1, "kept"))
    await asyncio.to_thread(postgres.stop)
    try:
        with pytest.raises(StorageUnavailable):
            await client.put("refused", seq=2)
        with pytest.raises(StorageError):
            await hub.set("p1", "refused too")
        assert client.last == (1, "kept")
    finally:
        await asyncio.to_thread(postgres.start)
    await hub.wait_available()
    assert await db_row(pg_url) == (1, "kept")
    await client.put("after", seq=3)
    await client.wait_for(lambda: client.last == (2, "after"))
    await hub.close()


async def test_a_put_held_by_a_lock_elsewhere_times_out_as_unavailable(pg_url: str) -> None:
    hub = Hub(PostgresStorage(pg_url, query_timeout=0.5))
    client = Follower(hub)
    await client.join()
    await client.put("kept", seq=1)
    await client.wait_for(lambda: client.last == (1, "kept"))
    other = await asyncpg.connect(pg_url)
    try:
        # Another service holds the row: the put waits for its lock...
        transaction = other.transaction()
        await transaction.start()
        await other.execute("SELECT 1 FROM pyfritz_entities WHERE id = 'p1' FOR UPDATE")
        with pytest.raises(StorageUnavailable, match="saving 'p1'"):
            # ... no longer than query_timeout (the test's own bound is far longer).
            await asyncio.wait_for(client.put("held", seq=2), TIMEOUT)
        await transaction.rollback()
    finally:
        await other.close()
    assert await db_row(pg_url) == (1, "kept")
    await client.put("after", seq=3)
    await client.wait_for(lambda: client.last == (2, "after"))
    await hub.close()


def test_the_query_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="query_timeout must be positive"):
        PostgresStorage("postgresql://localhost/x", query_timeout=0)


async def test_the_schema_is_created_once_with_its_version(pg_url: str) -> None:
    first, second = PostgresStorage(pg_url), PostgresStorage(pg_url)
    hubs = [Hub(first), Hub(second)]
    await asyncio.gather(*(hub.open() for hub in hubs))  # starting together
    connection = await asyncpg.connect(pg_url)
    try:
        version = await connection.fetchval(
            "SELECT value FROM pyfritz_meta WHERE key = 'schema_version'"
        )
        assert version == str(PG_SCHEMA_VERSION)
        await connection.execute("UPDATE pyfritz_meta SET value = '99'")
    finally:
        await connection.close()
    assert await first.commit("p1", "1") == 1
    assert await second.load("p1") == Record(1, "1")
    for hub in hubs:
        await hub.close()
    with pytest.raises(StorageError, match="version 99, newer"):
        await Hub(PostgresStorage(pg_url)).open()


async def test_an_unreachable_database_fails_the_open_loudly(postgres: PostgresServer) -> None:
    url = postgres.url("no_such_database")
    with pytest.raises(StorageError, match="cannot connect to postgresql://"):
        await Hub(PostgresStorage(url)).open()


# -- the stored-bytes cap, kept in the database ------------------------------------


async def stored_in_database(url: str) -> tuple[int, int]:
    """The total the database keeps, and the sum of its rows' sizes, measured afresh."""
    connection = await asyncpg.connect(url)
    try:
        kept = await connection.fetchval("SELECT bytes FROM pyfritz_stored")
        summed = await connection.fetchval(
            "SELECT COALESCE(sum(octet_length(value)), 0) FROM pyfritz_entities"
        )
    finally:
        await connection.close()
    return kept, summed


async def test_a_node_started_on_a_database_with_data_counts_it_against_the_cap(
    pg_url: str,
) -> None:
    first = Hub(PostgresStorage(pg_url))
    for n in range(3):
        await first.set(f"old{n}", "x" * 298)  # 300 bytes each, not held to any cap
    await first.close()
    hub = Hub(PostgresStorage(pg_url), max_stored=1000)
    client = Follower(hub)
    await client.join()
    await client.put("y" * 198, seq=1)  # 900 + 200 > 1000
    await client.wait_for(lambda: client.frames[-1]["op"] == "error")
    assert client.frames[-1]["code"] == "quota"
    await client.put("y" * 98, seq=2)  # 900 + 100 fits exactly
    await client.wait_for(lambda: client.last == (1, "y" * 98))
    assert await hub.storage.stored_bytes() == 1000
    assert await stored_in_database(pg_url) == (1000, 1000)
    await hub.close()


async def test_a_version_1_database_is_migrated_with_its_data_counted(pg_url: str) -> None:
    from pyfritz.server.pg_schema import META, MIGRATIONS

    connection = await asyncpg.connect(pg_url)
    try:  # a database as version 1 left it, with data written by a version 1 node
        await connection.execute(META)
        await connection.execute(MIGRATIONS[0])
        await connection.execute("INSERT INTO pyfritz_meta VALUES ('schema_version', '1')")
        await connection.execute(
            "SELECT pyfritz_put('a', $1, 'c', 1)", json.dumps("é" * 100, ensure_ascii=False)
        )
        await connection.execute("SELECT pyfritz_put('b', '[1,2]')")
    finally:
        await connection.close()
    hub = Hub(PostgresStorage(pg_url), max_stored=210)
    await hub.open()
    assert await hub.storage.stored_bytes() == 202 + 5
    assert await stored_in_database(pg_url) == (207, 207)
    client = Follower(hub)
    await client.join("b")
    await client.put([1, 2, 3, 4], seq=1, id="b")  # 9 bytes: 211 > 210
    await client.wait_for(lambda: client.frames[-1]["op"] == "error")
    assert client.frames[-1]["code"] == "quota"
    assert await db_row(pg_url, "b") == (1, [1, 2])
    await hub.close()


async def test_two_nodes_racing_to_the_cap_land_exactly_the_puts_that_fit(
    pg_url: str,
) -> None:
    hubs = [Hub(PostgresStorage(pg_url), max_stored=1000) for _ in range(2)]
    clients = [Follower(hub) for hub in hubs for _ in range(3)]
    ids = [[f"c{c}e{n}" for n in range(4)] for c in range(len(clients))]
    for client, own in zip(clients, ids, strict=True):
        for id in own:
            await client.join(id)
    # 24 puts of 100 bytes, each to an entity of its own, all at once: 10 fit.
    await asyncio.gather(
        *(
            client.put("z" * 98, seq=n + 1, id=id)
            for client, own in zip(clients, ids, strict=True)
            for n, id in enumerate(own)
        )
    )
    for client in clients:
        await client.wait_for(
            lambda c=client: len([f for f in c.frames if f["op"] in ("state", "error")]) == 4  # type: ignore[misc]
        )
    answers = [f for client in clients for f in client.frames if f["op"] in ("state", "error")]
    assert len([f for f in answers if f["op"] == "state"]) == 10
    refused = [f for f in answers if f["op"] == "error"]
    assert len(refused) == 14
    assert {f["code"] for f in refused} == {"quota"}
    assert await stored_in_database(pg_url) == (1000, 1000)
    for frame in refused:  # a refused put left no row behind
        assert await db_row(pg_url, frame["id"]) == (0, None)
    for hub in hubs:
        await hub.close()


async def test_a_put_over_the_cap_changes_nothing_and_freed_space_can_be_used(
    nodes: list[Hub], pg_url: str
) -> None:
    writer = Hub(PostgresStorage(pg_url), max_stored=500)
    client, watcher = Follower(writer), Follower(nodes[1])
    await client.join()
    await watcher.join()
    await client.put("a" * 198, seq=1)
    await watcher.wait_for(lambda: watcher.last == (1, "a" * 198))
    await nodes[0].set("other", "b" * 248)  # hub.set: counted, never refused
    await client.put("a" * 298, seq=2)  # 200 -> 300: 550 > 500
    await client.wait_for(lambda: client.frames[-1]["op"] == "error")
    assert client.frames[-1] == {
        "op": "error",
        "id": "p1",
        "seq": 2,
        "reason": "put: storage full (500 bytes); state unchanged",
        "code": "quota",
    }
    assert await db_row(pg_url) == (1, "a" * 198)
    assert await stored_in_database(pg_url) == (450, 450)
    # Not committed, so never notified: the next state any node sends is rev 2.
    await client.put("a" * 8, seq=3)  # shrinking is always allowed
    await watcher.wait_for(lambda: watcher.last == (2, "a" * 8))
    assert [f["rev"] for f in watcher.states()] == [1, 2]
    # Rows removed by hand free their space (the total is kept by a trigger).
    connection = await asyncpg.connect(pg_url)
    try:
        await connection.execute("DELETE FROM pyfritz_entities WHERE id = 'other'")
    finally:
        await connection.close()
    await client.put("a" * 298, seq=4)
    await watcher.wait_for(lambda: watcher.last == (3, "a" * 298))
    assert await stored_in_database(pg_url) == (300, 300)
    await writer.close()


async def transactions(url: str) -> int:
    """How many transactions wrote the rows there are (rows of one share its ``xmin``)."""
    connection = await asyncpg.connect(url)
    try:
        found = await connection.fetchval("SELECT count(DISTINCT xmin::text) FROM pyfritz_entities")
    finally:
        await connection.close()
    return int(found)


async def test_puts_asked_for_in_one_turn_are_one_transaction_in_their_order(
    nodes: list[Hub], pg_url: str
) -> None:
    writer, other = Follower(nodes[0]), Follower(nodes[1])
    for n in range(20):
        await writer.join(f"e{n}")
    await other.join("e19")
    await writer.session.receive_many(
        [
            json.dumps({"op": "put", "id": f"e{n}", "seq": n + 1, "base": None, "value": n})
            for n in range(20)
        ]
    )
    await writer.wait_for(lambda: len(writer.states()) == 20)
    assert [(f["id"], f["seq"]) for f in writer.states()] == [(f"e{n}", n + 1) for n in range(20)]
    assert await transactions(pg_url) == 1
    await other.wait_for(lambda: other.last == (1, 19))  # notified to the other node too
    # Puts each waited for before the next: one transaction each.
    for n in range(3):
        await writer.join(f"s{n}")
        await writer.put(n, seq=100 + n, id=f"s{n}")
        await writer.wait_for(lambda n=n: writer.states()[-1]["seq"] == 100 + n)  # type: ignore[misc]
    assert await transactions(pg_url) == 4


async def test_a_refused_put_among_others_asked_together_refuses_only_itself(
    pg_url: str,
) -> None:
    hub = Hub(PostgresStorage(pg_url), max_stored=300)
    client = Follower(hub)
    for id in ("a", "b", "c"):
        await client.join(id)
    frames = [
        json.dumps({"op": "put", "id": id, "seq": seq, "base": None, "value": "x" * size})
        for seq, (id, size) in enumerate((("a", 98), ("b", 400), ("c", 98)), start=1)
    ]
    await client.session.receive_many(frames)
    await client.wait_for(lambda: len(client.states()) == 2)
    answers = [(f["op"], f["id"], f["seq"]) for f in client.frames if f["op"] != "snapshot"]
    assert sorted(answers) == [("error", "b", 2), ("state", "a", 1), ("state", "c", 3)]
    assert [f["code"] for f in client.frames if f["op"] == "error"] == ["quota"]
    assert await stored_in_database(pg_url) == (200, 200)
    await hub.close()
