"""The demo pages find their sync server from the page URL."""

from __future__ import annotations

from dataclasses import dataclass

from demo.common import sync_url


@dataclass
class Location:
    protocol: str
    host: str
    search: str = ""


def test_the_page_origin_gives_the_sync_url() -> None:
    assert sync_url(Location("http:", "127.0.0.1:8000")) == "ws://127.0.0.1:8000/sync"


def test_a_secure_page_syncs_over_wss() -> None:
    assert sync_url(Location("https:", "example.org")) == "wss://example.org/sync"


def test_a_sync_parameter_wins() -> None:
    location = Location("http:", "127.0.0.1:9000", "?sync=ws://127.0.0.1:8000/sync&x=1")
    assert sync_url(location) == "ws://127.0.0.1:8000/sync"
