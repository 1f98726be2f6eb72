"""A cluster in real Chromium: three nodes over one real PostgreSQL, behind a real nginx.

Each node is ``python -m pyfritz.dev --db postgresql://...`` in a subprocess
(``restartable``); nginx runs the configuration of ``docs/deploy.md`` (read
from the page, its ports changed), round robin over the nodes. Pages load and
sync through nginx, so which node serves a page's WebSocket is up to nginx; a
test that kills a node kills one that serves a page. A killed node makes
Chromium log "WebSocket connection ... failed": that, and only that, is allowed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from browser_guard import PageGuard
from harness import CONFIG, ROOT, guarded_windows, open_py
from playwright.sync_api import Browser, Page, expect
from postgres_server import PostgresServer, postgres
from restartable import RestartableServer, free_port

__all__ = ["postgres"]  # the fixture this module uses

T = TypeVar("T")

WS_FAILED = r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/sync' failed"
FAST = {"cap": "0.5"}  # a short reconnect backoff cap
_NGINX_START_S = 20.0


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end in a thread of its own (Playwright's loop owns this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=60)


def documented_nginx_config() -> str:
    """The ``nginx`` block of docs/deploy.md, as documented."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    match = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert match, "docs/deploy.md has no nginx block"
    return match.group(1)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Nginx:
    """nginx in the foreground with the documented config, on a free port over ``nodes``."""

    def __init__(self, nodes: list[RestartableServer]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Not pytest's tmp_path (mode 0700): nginx's workers run as another user as root.
        self.dir = Path(tempfile.mkdtemp(prefix="pyfritz-nginx-"))
        self.dir.chmod(0o755)
        servers = "".join(f"    server 127.0.0.1:{node.port};\n" for node in nodes)
        config = re.sub(r"(    server 127\.0\.0\.1:\d+;\n)+", servers, documented_nginx_config())
        config = config.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{self.port};")
        temp = "".join(
            f"{kind}_temp_path {self.dir / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.dir / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {self.dir / 'nginx.pid'};\n"
            f"error_log {self.dir / 'error.log'} warn;\nevents {{}}\n"
            f"http {{\naccess_log off;\n{temp}{config}}}\n"
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(
            [nginx, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / "stderr.log").open("wb"),
        )
        deadline = time.monotonic() + _NGINX_START_S
        while not _accepts(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {(self.dir / 'stderr.log').read_text()}")
            time.sleep(0.02)  # polling a port, not waiting for a page

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Cluster:
    """Three nodes over one fresh database, and nginx in front of them."""

    def __init__(self, postgres: PostgresServer, workdir: Path) -> None:
        self.db = run_async(postgres.create_database())
        self.nodes = [RestartableServer(workdir, db=self.db) for _ in range(3)]
        for node in self.nodes:
            node.start()
        self.nginx = Nginx(self.nodes)

    def row(self, id: str) -> tuple[int, Any]:
        """Entity ``id``'s revision and value in the database."""

        async def read() -> tuple[int, Any]:
            connection = await asyncpg.connect(self.db)
            try:
                row = await connection.fetchrow(
                    "SELECT rev, value FROM pyfritz_entities WHERE id = $1", id
                )
            finally:
                await connection.close()
            return (0, None) if row is None else (row[0], json.loads(row[1]))

        return run_async(read())

    def stop(self) -> None:
        self.nginx.stop()
        for node in self.nodes:
            if node.running:
                node.kill()


@pytest.fixture
def cluster(postgres: PostgresServer, tmp_path: Path) -> Iterator[Cluster]:
    made = Cluster(postgres, tmp_path)
    try:
        yield made
    finally:
        made.stop()


def open_entity(guards: list[PageGuard], entity: str) -> list[Page]:
    for guard in guards:
        open_py(guard.page, "sync_person", id=entity, **FAST)
        # Pyodide boots first: on a loaded machine that alone can take longer
        # than an expectation's default wait.
        status = guard.page.locator("#status")
        expect(status).to_have_text("synced", timeout=CONFIG.BOOT_TIMEOUT_MS)
    return [guard.page for guard in guards]


def shown_everywhere(pages: list[Page], name: str) -> None:
    for page in pages:
        expect(page.locator("#shown")).to_have_text(name)
        expect(page.locator("#status")).to_have_text("synced")


def test_pages_through_nginx_survive_a_killed_node_and_converge(
    browser: Browser, cluster: Cluster
) -> None:
    entity = "e2e-" + uuid.uuid4().hex[:12]
    with guarded_windows(browser, cluster.nginx.url, 3, allow=[WS_FAILED]) as guards:
        pages = open_entity(guards, entity)
        pages[0].locator("#name").fill("first")
        shown_everywhere(pages, "first")
        # Kill a node that serves at least one of the pages' sync connections.
        victim = max(cluster.nodes, key=RestartableServer.connections)
        assert victim.connections() > 0
        before = sum(node.connections() for node in cluster.nodes)
        victim.kill()
        for n, page in enumerate(pages):  # an edit from each page, its node dead or not
            page.locator("#name").fill(f"edit {n} after the kill")
            shown_everywhere(pages, f"edit {n} after the kill")
        # The pages it served reconnected through nginx to the other nodes.
        assert sum(node.connections() for node in cluster.nodes) > before
        assert cluster.row(entity)[1]["name"] == "edit 2 after the kill"
        victim.start()
        pages[0].locator("#name").fill("node back")
        shown_everywhere(pages, "node back")
        assert cluster.row(entity)[1]["name"] == "node back"


def test_pages_pinned_to_different_nodes_see_each_others_edits(
    browser: Browser, cluster: Cluster
) -> None:
    entity = "e2e-" + uuid.uuid4().hex[:12]
    urls = [cluster.nodes[0].url, cluster.nodes[1].url]
    with guarded_windows(browser, urls) as guards:
        a, b = open_entity(guards, entity)
        a.locator("#name").fill("from node 1")
        shown_everywhere([a, b], "from node 1")
        b.locator("#name").fill("from node 2")
        shown_everywhere([a, b], "from node 2")
        assert cluster.row(entity)[1]["name"] == "from node 2"
    assert cluster.nodes[0].connections() >= 1 and cluster.nodes[1].connections() >= 1


def test_an_edit_made_while_the_database_is_down_stays_pending_and_arrives(
    browser: Browser, cluster: Cluster, postgres: PostgresServer
) -> None:
    entity = "e2e-" + uuid.uuid4().hex[:12]
    with guarded_windows(browser, cluster.nginx.url, allow=[WS_FAILED]) as guards:
        a, b = open_entity(guards, entity)
        a.locator("#name").fill("before")
        shown_everywhere([a, b], "before")
        postgres.stop()
        try:
            a.locator("#name").fill("while the database is down")
            # Not applied, not refused: the node closed the connection ("try
            # again later") and the page keeps its edit while it reconnects.
            expect(a.locator("#status")).to_have_text("reconnecting")
            expect(a.locator("#shown")).to_have_text("while the database is down")
            expect(b.locator("#shown")).to_have_text("before")
        finally:
            postgres.start()
        shown_everywhere([a, b], "while the database is down")
        assert cluster.row(entity)[1]["name"] == "while the database is down"
