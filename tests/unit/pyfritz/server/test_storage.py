"""Storages keep one record per entity; SQLite keeps them across reopening."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyfritz.server.errors import StorageError
from pyfritz.server.storage import MemoryStorage, Record, SqliteStorage, Storage


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    made: Storage = (
        MemoryStorage() if request.param == "memory" else SqliteStorage(tmp_path / "s.db")
    )
    yield made
    made.close()


def test_load_of_an_unknown_entity_is_none(storage: Storage) -> None:
    assert storage.load("nobody") is None


def test_save_then_load_returns_the_record(storage: Storage) -> None:
    storage.save("p1", Record(1, '{"name":"Ada"}'))
    storage.save("p2", Record(4, "[]"))
    assert storage.load("p1") == Record(1, '{"name":"Ada"}')
    assert storage.load("p2") == Record(4, "[]")


def test_save_replaces_the_previous_record(storage: Storage) -> None:
    storage.save("p1", Record(1, "1"))
    storage.save("p1", Record(2, "2"))
    assert storage.load("p1") == Record(2, "2")


def test_sqlite_records_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sync.db"
    first = SqliteStorage(path)
    first.save("p1", Record(3, '{"a":"é"}'))
    first.close()
    second = SqliteStorage(str(path))
    assert second.load("p1") == Record(3, '{"a":"é"}')
    second.close()


def test_sqlite_save_is_committed_when_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "sync.db"
    storage = SqliteStorage(path)
    storage.save("p1", Record(1, "true"))
    # Another connection sees it at once: nothing is left in an open transaction.
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT rev, value FROM entities").fetchall() == [(1, "true")]
    storage.close()


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "sync.db")
    with sqlite3.connect(tmp_path / "sync.db") as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    storage.close()


def test_sqlite_in_memory_works(tmp_path: Path) -> None:
    storage = SqliteStorage(":memory:")
    storage.save("p1", Record(1, "1"))
    assert storage.load("p1") == Record(1, "1")
    storage.close()


def test_sqlite_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not SQLite " * 100)
    with pytest.raises(StorageError, match=r"notes\.txt"):
        SqliteStorage(path)


def test_sqlite_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot open"):
        SqliteStorage(tmp_path / "missing" / "sync.db")


def test_sqlite_after_close_raises_storage_error(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "sync.db")
    storage.close()
    storage.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        storage.load("p1")
    with pytest.raises(StorageError, match="closed"):
        storage.save("p1", Record(1, "1"))
