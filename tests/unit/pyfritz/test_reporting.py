"""Unit tests of pyfritz.reporting: report() logs and emits on errors."""

from __future__ import annotations

import logging

import pytest
from fakes.loop import settle

from pyfritz.flows import MutableStateFlow, report


async def test_report_logs_to_stderr_and_emits_on_errors(
    reported: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    exc = ValueError("visible")
    report(exc, "while testing")
    assert reported == [exc]
    err = capsys.readouterr().err
    assert "while testing" in err and "ValueError: visible" in err


def _user_code(value: int) -> int:
    raise ValueError(f"bad {value}")


async def test_a_reported_traceback_starts_at_the_users_frame(
    reported: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    # The error is raised by user code called from inside pyfritz's push path.
    source = MutableStateFlow(1)
    task = source.map(_user_code).watch()
    await settle(lambda: bool(reported))
    task.cancel()
    err = capsys.readouterr().err
    frames = [line for line in err.splitlines() if line.strip().startswith("File ")]
    assert frames and "test_reporting.py" in frames[0]
    assert not any("/pyfritz/sinks.py" in line for line in frames)


async def test_the_whole_traceback_at_debug_level(
    reported: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("pyfritz")
    old = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        task = MutableStateFlow(1).map(_user_code).watch()
        await settle(lambda: bool(reported))
        task.cancel()
    finally:
        logger.setLevel(old)
    assert "/pyfritz/sinks.py" in capsys.readouterr().err
