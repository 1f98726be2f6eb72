"""Unit tests of pyfritz.reporting: report() logs and emits on errors."""

from __future__ import annotations

import pytest

from pyfritz.flows import (
    report,
)


async def test_report_logs_to_stderr_and_emits_on_errors(
    reported: list[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    exc = ValueError("visible")
    report(exc, "while testing")
    assert reported == [exc]
    err = capsys.readouterr().err
    assert "while testing" in err and "ValueError: visible" in err
