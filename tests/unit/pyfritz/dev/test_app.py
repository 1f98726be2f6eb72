"""The dev server serves the site's files with the right types, and nothing else."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from pyfritz.dev.app import create_app, resolve_site_file, with_head_script
from pyfritz.dev.new import create_project

ROOT = Path(__file__).resolve().parents[4]
ECHO = "ws://127.0.0.1:8000/ws/echo"
# A loopback name: the dev server answers to no other Host.
BASE = "http://127.0.0.1:8000"


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(ROOT), base_url="http://127.0.0.1:8000")


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
    with client.websocket_connect(ECHO, subprotocols=["proto-a", "proto-b"]) as ws:
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
    response = TestClient(create_app(tmp_path / "k"), base_url="http://127.0.0.1:8000").get(
        "/pyscript.toml"
    )
    assert response.status_code == 500
    assert "put a pure-Python package under app/" in response.text


def test_the_archive_is_answered_from_the_cache_by_etag(tmp_path: Path) -> None:
    create_project("kanban", tmp_path / "k")
    client = TestClient(create_app(tmp_path / "k"), base_url="http://127.0.0.1:8000")
    first = client.get("/pkg/app.zip")
    again = client.get("/pkg/app.zip", headers={"If-None-Match": first.headers["etag"]})
    assert (first.status_code, again.status_code) == (200, 304)


def test_head_script_goes_first_in_every_page_and_nowhere_else() -> None:
    client = TestClient(create_app(ROOT, harness=True, head_script="/hook.js"), base_url=BASE)
    tag = '<script src="/hook.js"></script>'
    for path in ("/", "/todos.html", "/harness.html?py=hello"):
        html = client.get(path).text
        head = html.index("<head>") + len("<head>")
        assert html[head : head + len(tag)] == tag, path
        assert html.count(tag) == 1
    assert tag not in client.get("/pyscript.toml").text
    assert tag not in TestClient(create_app(ROOT), base_url=BASE).get("/").text  # opt-in only


def test_with_head_script_escapes_the_url_and_handles_a_page_without_head() -> None:
    assert with_head_script("<p>x</p>", '/a"b.js') == '<script src="/a&quot;b.js"></script><p>x</p>'
    assert with_head_script("<HEAD lang=x><title>", "/h.js") == (
        '<HEAD lang=x><script src="/h.js"></script><title>'
    )


def test_a_foreign_host_gets_400_for_pages_and_websockets() -> None:
    client = TestClient(create_app(ROOT), base_url="http://evil.example:8000")
    assert client.get("/").status_code == 400
    assert client.get("/static/pyfritz.css").status_code == 400
    with (
        pytest.raises(WebSocketDenialResponse) as info,
        client.websocket_connect("ws://evil.example:8000/ws/echo"),
    ):
        pass  # pragma: no cover - refused
    assert info.value.status_code == 400


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost.evil:80"])
def test_every_websocket_refuses_a_foreign_origin(client: TestClient, origin: str) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect(ECHO, headers={"origin": origin}),
    ):
        pass  # pragma: no cover - refused
    assert info.value.code == 1008
    with client.websocket_connect(ECHO, headers={"origin": "http://localhost:5173"}) as ws:
        ws.send_text("fine")
        assert ws.receive_text() == "fine"


@pytest.mark.parametrize(
    "path", ["/static/x%00.html", "/x%00", "/static/" + "a" * 5000, "/%2e%2e/Makefile", "/\\x"]
)
def test_bad_paths_are_404_never_500(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.text(min_size=1, max_size=300))
def test_no_path_makes_the_server_fail(client: TestClient, path: str) -> None:
    response = client.get("/" + quote(path, safe="/"))
    assert response.status_code in (200, 404)
