"""The snapshot's packed form: all-zero 64 KiB blocks left out, the rest as it was."""

from __future__ import annotations

import struct

import pytest
from pyfritz_runtime import SNAPSHOT_MAGIC, pack_snapshot, unpack_snapshot

BLOCK = 1 << 16


def _memory() -> bytes:
    # data, two zero blocks, data that ends mid-block, a zero tail.
    return b"\x01" * BLOCK + bytes(2 * BLOCK) + b"\x02" * (BLOCK + 10) + bytes(3 * BLOCK - 10)


def test_packing_leaves_out_zero_blocks_and_unpacking_restores_every_byte() -> None:
    memory = _memory()
    packed = pack_snapshot(memory)
    assert unpack_snapshot(packed) == memory
    assert packed[:8] == SNAPSHOT_MAGIC
    size, count = struct.unpack_from("<II", packed, 8)
    assert (size, count) == (len(memory), 2)
    # The second part starts at its block and runs to the end of its last
    # non-zero block (the zeros inside it stay: whole blocks only).
    parts = [struct.unpack_from("<II", packed, 16 + 8 * index) for index in range(count)]
    assert parts == [(0, BLOCK), (3 * BLOCK, 2 * BLOCK)]
    assert len(packed) == 16 + 8 * count + 3 * BLOCK


def test_a_memory_without_zero_blocks_is_one_part_and_an_empty_one_none() -> None:
    assert unpack_snapshot(pack_snapshot(b"\x07" * 100)) == b"\x07" * 100
    assert struct.unpack_from("<II", pack_snapshot(b"\x07" * 100), 8) == (100, 1)
    assert unpack_snapshot(pack_snapshot(bytes(5 * BLOCK))) == bytes(5 * BLOCK)
    assert struct.unpack_from("<II", pack_snapshot(bytes(5 * BLOCK)), 8) == (5 * BLOCK, 0)


@pytest.mark.parametrize(
    ("packed", "message"),
    [
        (b"not a snapshot at all", "not a packed pyfritz snapshot"),
        (pack_snapshot(_memory())[:-1], "cut short"),
        (pack_snapshot(_memory()) + b"\x00", "bytes after its parts"),
    ],
)
def test_bytes_that_are_not_a_whole_packed_snapshot_are_refused(
    packed: bytes, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        unpack_snapshot(packed)
