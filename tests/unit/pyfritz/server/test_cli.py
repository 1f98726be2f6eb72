"""The command line and the ASGI factory refuse a SQLite file served by more than one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_uvicorn_with_two_workers_on_one_sqlite_file_stops_with_a_message(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "PYFRITZ_DB": str(tmp_path / "sync.sqlite3"),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "pyfritz.server.cli:create_app"]
    result = subprocess.run(
        [*command, "--workers", "2", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,  # without the refusal, it would serve until killed
        env=env,
        cwd=tmp_path,
        check=False,
    )
    output = result.stdout + result.stderr
    assert "is already served by another process" in output
    assert "use PostgreSQL" in output
    # Stopped, not restarted again and again (the traceback may repeat the message).
    assert output.count("already served") <= 2
