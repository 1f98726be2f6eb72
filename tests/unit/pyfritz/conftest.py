"""Fixtures of the framework's unit tests: the hub and clock the sync tests run on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes.fake_clock import FakeClock

from pyfritz.server import Hub, MemoryStorage
from pyfritz.sync_connection import _connections


@pytest.fixture
def no_connection_left() -> Iterator[None]:
    """Fails the test if it left a sync connection running (sync tests use it)."""
    yield
    left = dict(_connections)
    _connections.clear()
    assert not left, "a test left a sync running"


@pytest.fixture
def hub() -> Hub:
    return Hub(MemoryStorage(), max_value=200)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
