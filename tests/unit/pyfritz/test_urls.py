"""WebSocket URLs resolve against the page: relative paths, http → ws, ?sync= wins."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from fakes.fake_js import FakeJs, install
from hypothesis import example, given
from hypothesis import strategies as st

from pyfritz import websocket
from pyfritz.urls import _origin_path, sync_url, websocket_url


@pytest.fixture
def fake_js(monkeypatch: pytest.MonkeyPatch) -> FakeJs:
    return install(monkeypatch)


@dataclass
class Location:
    href: str
    search: str = ""


def test_a_path_resolves_against_the_page_origin() -> None:
    assert websocket_url("/sync", "http://127.0.0.1:8000/todos.html") == "ws://127.0.0.1:8000/sync"


def test_a_secure_page_gets_wss() -> None:
    assert websocket_url("/sync", "https://example.org/a/b.html") == "wss://example.org/sync"


def test_a_relative_path_resolves_against_the_page_folder() -> None:
    assert websocket_url("sync", "http://h:1/app/index.html") == "ws://h:1/app/sync"


def test_an_absolute_websocket_url_stays_and_loses_a_fragment() -> None:
    assert websocket_url("wss://other.org/s?x=1#f", "http://h/") == "wss://other.org/s?x=1"


_URL_CHARS = st.sampled_from([*"/abcXYZ019.-_~?&=#%:@ \\\t", "é"])


@given(
    path=st.text(_URL_CHARS, max_size=12).map(lambda text: "/" + text),
    page=st.sampled_from(
        [
            "http://127.0.0.1:8000/index.html",
            "https://example.org/a/b.html?x=1#f",
            "http://u:p@h:1/",
            "https://[::1]:8443/app/",
            "HTTP://h/",
            "http://h?q=1",
            "file:///index.html",
        ]
    ),
)
@example(path="/sync", page="http://127.0.0.1:8000/index.html")
@example(path="/a/../sync", page="http://h/")
def test_the_shortcut_for_an_absolute_path_agrees_with_urljoin(path: str, page: str) -> None:
    fast = _origin_path(path, page)
    if fast is None:
        return  # taken the general way
    parts = urlsplit(urljoin(page, path))
    assert fast == urlunsplit(
        ({"http": "ws", "https": "wss"}[parts.scheme], parts.netloc, parts.path, parts.query, "")
    )


def test_the_usual_sync_path_takes_the_shortcut() -> None:
    assert _origin_path("/sync", "http://127.0.0.1:8000/index.html") == "ws://127.0.0.1:8000/sync"
    assert _origin_path("/a/../sync", "http://h/") is None


def test_a_non_web_url_is_refused() -> None:
    with pytest.raises(ValueError, match="scheme must be"):
        websocket_url("ftp://h/sync", "http://h/")


def test_the_page_origin_gives_the_sync_url() -> None:
    assert sync_url(location=Location("http://127.0.0.1:8000/")) == "ws://127.0.0.1:8000/sync"


def test_a_sync_parameter_wins() -> None:
    page = Location("http://127.0.0.1:9000/?sync=x", "?sync=ws://127.0.0.1:8000/sync&x=1")
    assert sync_url(location=page) == "ws://127.0.0.1:8000/sync"


def test_sync_url_reads_the_browser_location_by_default(fake_js: FakeJs) -> None:
    assert sync_url("/other") == "wss://example.org/other"


async def test_websocket_connects_a_relative_url_to_the_page_origin(fake_js: FakeJs) -> None:
    session = websocket("/sync").connect()
    assert fake_js.socket.url == "wss://example.org/sync"
    assert session.url == "/sync"
