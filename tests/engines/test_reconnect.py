"""Sync survives a server killed (SIGKILL) and restarted, in every engine.

The server is the e2e tier's restartable subprocess, serving the hook too.
The engines report the dropped and refused sync sockets on their consoles:
those, and only those, are allowed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pagedriver import BOOT_TIMEOUT_S, PageDriver
from restartable import RestartableServer

from engines import Engine

ENGINE_PAGES = Path(__file__).resolve().parent / "pages"
WS_FAILED = r"ws://127\.0\.0\.1:\d+/sync"


class GuardedServer(RestartableServer):
    """A restartable dev server whose pages load the hook first."""

    program = (str(Path(__file__).resolve().parent / "guarded_dev.py"),)
    extra_roots = (*RestartableServer.extra_roots, ENGINE_PAGES)


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[GuardedServer]:
    running = GuardedServer(tmp_path)
    running.start()
    try:
        yield running
    finally:
        if running.running:
            running.kill()


def test_both_windows_reconnect_after_a_restart_and_converge(
    engine: Engine, open_page: Callable[[], PageDriver], restartable: GuardedServer
) -> None:
    entity = "engines-" + uuid.uuid4().hex[:12]
    a, b = open_page(), open_page()
    for window in (a, b):
        window.allow(WS_FAILED)
        window.base_url = restartable.url
        window.goto(f"/harness.html?py=sync_person&id={entity}&cap=0.5")
    for window in (a, b):
        window.wait_text("#status", "synced", timeout=BOOT_TIMEOUT_S)
    a.fill("#name", "before")
    b.wait_text("#shown", "before")
    restartable.kill()
    a.wait_text("#status", "reconnecting")
    b.wait_text("#status", "reconnecting")
    a.fill("#name", "typed offline")  # kept, sent after the reconnect
    restartable.start()
    a.wait_text("#status", "synced")
    b.wait_text("#shown", "typed offline")
    b.click("#older")
    a.wait_text("#age", "1")
    for window in (a, b):
        window.wait_text("#status", "synced")
    assert restartable.value(entity)[1] == {"name": "typed offline", "age": 1, "_id": entity}
