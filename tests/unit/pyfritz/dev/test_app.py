"""The dev server serves the site's files with the right types, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pyfritz.dev.app import create_app, resolve_site_file, with_head_script
from pyfritz.dev.new import create_project

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(ROOT))


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/", "text/html"),
        ("/pyscript.toml", "application/toml"),
        ("/pkg/app.zip", "application/zip"),
        ("/static/pyfritz.css", "text/css"),
    ],
)
def test_site_files_are_served_with_their_type(
    client: TestClient, path: str, media_type: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)


@pytest.mark.parametrize(
    "path",
    ["/.git/config", "/app/pyfritz/__init__.py", "/pyproject.toml", "/static/../Makefile", "/x.py"],
)
def test_files_outside_the_site_are_not_served(path: str) -> None:
    assert resolve_site_file([ROOT], path) is None


def test_echo_endpoint_echoes_text_and_binary_and_picks_the_first_protocol(
    client: TestClient,
) -> None:
    with client.websocket_connect("/ws/echo", subprotocols=["proto-a", "proto-b"]) as ws:
        assert ws.accepted_subprotocol == "proto-a"
        ws.send_text("grüße")
        assert ws.receive_text() == "grüße"
        ws.send_bytes(b"\x00\xff")
        assert ws.receive_bytes() == b"\x00\xff"


def test_a_config_edited_to_load_packages_is_answered_with_the_reason(tmp_path: Path) -> None:
    # The archive is the one way Python reaches the page: no micropip, so a
    # `packages` entry would leave a blank page; the dev server says why.
    create_project("kanban", tmp_path / "k")
    config = tmp_path / "k" / "pyscript.toml"
    config.write_text('packages = ["./x.whl"]\n' + config.read_text())
    response = TestClient(create_app(tmp_path / "k")).get("/pyscript.toml")
    assert response.status_code == 500
    assert "put a pure-Python package under app/" in response.text


def test_the_archive_is_answered_from_the_cache_by_etag(tmp_path: Path) -> None:
    create_project("kanban", tmp_path / "k")
    client = TestClient(create_app(tmp_path / "k"))
    first = client.get("/pkg/app.zip")
    again = client.get("/pkg/app.zip", headers={"If-None-Match": first.headers["etag"]})
    assert (first.status_code, again.status_code) == (200, 304)


def test_head_script_goes_first_in_every_page_and_nowhere_else() -> None:
    client = TestClient(create_app(ROOT, harness=True, head_script="/hook.js"))
    tag = '<script src="/hook.js"></script>'
    for path in ("/", "/todos.html", "/harness.html?py=hello"):
        html = client.get(path).text
        head = html.index("<head>") + len("<head>")
        assert html[head : head + len(tag)] == tag, path
        assert html.count(tag) == 1
    assert tag not in client.get("/pyscript.toml").text
    assert tag not in TestClient(create_app(ROOT)).get("/").text  # opt-in only


def test_with_head_script_escapes_the_url_and_handles_a_page_without_head() -> None:
    assert with_head_script("<p>x</p>", '/a"b.js') == '<script src="/a&quot;b.js"></script><p>x</p>'
    assert with_head_script("<HEAD lang=x><title>", "/h.js") == (
        '<HEAD lang=x><script src="/h.js"></script><title>'
    )
