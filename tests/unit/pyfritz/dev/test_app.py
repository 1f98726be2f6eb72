"""The dev server serves the site's files with the right types, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pyfritz.dev.app import create_app, resolve_site_file

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
