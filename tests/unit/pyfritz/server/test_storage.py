"""Storages assign revisions, report changes, and SQLite keeps them across reopening."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pyfritz.server.errors import StorageError, StorageLocked
from pyfritz.server.storage import Change, MemoryStorage, Record, SqliteStorage, Storage


class Changes:
    """A listener that keeps what it is told."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.events: list[str] = []

    def changed(self, change: Change) -> None:
        self.changes.append(change)

    def lost(self) -> None:
        self.events.append("lost")

    def resumed(self) -> None:
        self.events.append("resumed")


@pytest.fixture(params=["memory", "sqlite"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    made: Storage = (
        MemoryStorage() if request.param == "memory" else SqliteStorage(tmp_path / "s.db")
    )
    yield made
    await made.close()


async def test_load_of_an_unknown_entity_is_none(storage: Storage) -> None:
    assert await storage.load("nobody") is None


async def test_commit_assigns_revisions_one_by_one_per_entity(storage: Storage) -> None:
    assert await storage.commit("p1", '{"name":"Ada"}') == 1
    assert await storage.commit("p2", "[]") == 1
    assert await storage.commit("p1", '{"name":"Grace"}') == 2
    assert await storage.load("p1") == Record(2, '{"name":"Grace"}')
    assert await storage.load("p2") == Record(1, "[]")


async def test_load_many_returns_those_that_exist(storage: Storage) -> None:
    await storage.commit("p1", "1")
    await storage.commit("p2", "2")
    assert await storage.load_many(["p1", "p2", "p3"]) == {
        "p1": Record(1, "1"),
        "p2": Record(1, "2"),
    }


async def test_each_commit_is_reported_to_the_listener_with_its_origin(storage: Storage) -> None:
    changes = Changes()
    await storage.open(changes)
    await storage.commit("p1", "1", origin="client-a", seq=7)
    await storage.commit("p1", "2")
    assert changes.changes == [
        Change("p1", 1, "1", "client-a", 7),
        Change("p1", 2, "2", None, None),
    ]


async def test_sqlite_records_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sync.db"
    first = SqliteStorage(path)
    await first.commit("p1", '{"a":"é"}')
    await first.commit("p1", '{"a":"è"}')
    await first.close()
    second = SqliteStorage(str(path))
    assert await second.load("p1") == Record(2, '{"a":"è"}')
    assert await second.commit("p1", "3") == 3
    await second.close()


async def test_sqlite_commit_is_committed_when_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "sync.db"
    storage = SqliteStorage(path)
    await storage.commit("p1", "true")
    # Another connection sees it at once: nothing is left in an open transaction.
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT rev, value FROM entities").fetchall() == [(1, "true")]
    await storage.close()


async def test_sqlite_uses_wal_and_records_its_schema_version(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "sync.db")
    with sqlite3.connect(tmp_path / "sync.db") as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert other.execute("PRAGMA user_version").fetchone() == (1,)
    await storage.close()


async def test_sqlite_refuses_a_schema_newer_than_it_knows(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "sync.db") as other:
        other.execute("PRAGMA user_version = 99")
    with pytest.raises(StorageError, match="schema version 99 is newer"):
        SqliteStorage(tmp_path / "sync.db")
    SqliteStorage(tmp_path / "other.db")  # the lock of the refused one was released


async def test_sqlite_in_memory_works() -> None:
    storage = SqliteStorage(":memory:")
    await storage.commit("p1", "1")
    assert await storage.load("p1") == Record(1, "1")
    await storage.close()


async def test_sqlite_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not SQLite " * 100)
    with pytest.raises(StorageError, match=r"notes\.txt"):
        SqliteStorage(path)


async def test_sqlite_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot open"):
        SqliteStorage(tmp_path / "missing" / "sync.db")


async def test_sqlite_after_close_raises_storage_error(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "sync.db")
    await storage.close()
    await storage.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        await storage.load("p1")
    with pytest.raises(StorageError, match="closed"):
        await storage.commit("p1", "1")


async def test_a_second_sqlite_storage_on_one_file_is_refused_until_the_first_closes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sync.db"
    first = SqliteStorage(path)
    with pytest.raises(StorageLocked, match="use PostgreSQL"):
        SqliteStorage(path)
    await first.commit("p1", "1")  # the refused one disturbed nothing
    await first.close()
    second = SqliteStorage(path)
    assert await second.load("p1") == Record(1, "1")
    await second.close()
