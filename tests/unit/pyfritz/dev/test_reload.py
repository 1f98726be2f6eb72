"""Open pages are told to reload when a source changes, through an external script."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from pyfritz.dev.app import create_app
from pyfritz.dev.new import create_project
from pyfritz.dev.reload import RELOAD_SCRIPT, inject_reload

# A loopback name: the dev server answers to no other Host.
BASE = "http://127.0.0.1:8000"


def test_the_script_goes_before_the_head_ends() -> None:
    html = inject_reload("<html><head><title>x</title></HEAD><body></body></html>")
    assert html.index(RELOAD_SCRIPT) < html.index("</HEAD>")
    assert "<script>" not in html  # never an inline script (a strict CSP forbids them)


def test_pages_get_the_script_and_the_script_is_served(tmp_path: Path) -> None:
    create_project("kanban", tmp_path / "k")
    client = TestClient(create_app(tmp_path / "k", reload=True), base_url=BASE)
    assert f'src="{RELOAD_SCRIPT}"' in client.get("/").text
    script = client.get(RELOAD_SCRIPT)
    assert script.headers["content-type"].startswith("text/javascript")
    assert "location.reload()" in script.text


def test_without_reload_pages_are_served_as_they_are(tmp_path: Path) -> None:
    create_project("kanban", tmp_path / "k")
    client = TestClient(create_app(tmp_path / "k"), base_url=BASE)
    assert client.get("/").text == (tmp_path / "k" / "index.html").read_text()
    assert client.get(RELOAD_SCRIPT).status_code == 404


def test_an_edited_module_sends_reload(tmp_path: Path) -> None:
    create_project("kanban", tmp_path / "k")
    client = TestClient(create_app(tmp_path / "k", reload=True), base_url=BASE)
    with client.websocket_connect("ws://127.0.0.1:8000/_pyfritz/reload") as socket:
        main = tmp_path / "k" / "app" / "kanban" / "main.py"
        main.write_text(main.read_text() + "\n# edited\n")
        assert socket.receive_text() == "reload"
