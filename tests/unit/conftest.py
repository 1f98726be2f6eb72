"""Shared setup for the CPython unit tests: the ``fakes`` helpers, shared fixtures."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pyfritz.flows import errors

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture
async def reported() -> AsyncIterator[list[BaseException]]:
    """Every error passed to ``pyfritz.flows.report`` while the test runs."""
    seen: list[BaseException] = []
    task = errors.handled_by(seen.append)
    yield seen
    task.cancel()
