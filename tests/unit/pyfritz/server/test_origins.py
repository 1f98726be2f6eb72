"""The Origin allow-list: own origin, loopback by default, exact or any-port entries."""

from __future__ import annotations

import pytest

from pyfritz.server.origins import DEFAULT_ALLOWED_ORIGINS, OriginPolicy


@pytest.mark.parametrize(
    "origin",
    ["http://127.0.0.1:8000", "http://localhost:5173", "http://LOCALHOST:1", "http://[::1]:8080"],
)
def test_default_allows_loopback_pages_on_any_port(origin: str) -> None:
    assert OriginPolicy().allows(origin, host="127.0.0.1:8000")


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://localhost:8000",  # the defaults are http only
        "http://localhost.evil.example:8000",
        "http://127.0.0.2:8000",
        "null",
        "file://",
        "",
    ],
)
def test_default_refuses_other_origins(origin: str) -> None:
    assert not OriginPolicy().allows(origin, host="127.0.0.1:8000")


def test_own_origin_is_allowed_from_the_host_header() -> None:
    policy = OriginPolicy([])
    assert policy.allows("http://app.example:8080", host="app.example:8080")
    assert policy.allows("http://App.Example", host="app.example:80")
    assert policy.allows("https://app.example", host="app.example", secure=True)
    assert not policy.allows("https://app.example", host="app.example")  # ws, not wss
    assert not policy.allows("http://app.example:8081", host="app.example:8080")
    assert not policy.allows("http://app.example", host=None)


def test_own_origin_can_be_switched_off() -> None:
    policy = OriginPolicy([], allow_own=False)
    assert not policy.allows("http://app.example", host="app.example")


def test_missing_origin_is_allowed_unless_switched_off() -> None:
    assert OriginPolicy().allows(None, host="x")
    assert not OriginPolicy(allow_missing=False).allows(None, host="x")


def test_exact_entries_imply_default_ports() -> None:
    policy = OriginPolicy(["https://app.example.com", "http://dev.example:3000/"])
    assert policy.allows("https://app.example.com:443")
    assert policy.allows("https://app.example.com")
    assert not policy.allows("https://app.example.com:8443")
    assert policy.allows("http://dev.example:3000")
    assert not policy.allows("http://dev.example")


def test_star_allows_every_origin() -> None:
    assert OriginPolicy(["*"]).allows("null")
    assert OriginPolicy(["*"]).allows("https://anything.example")


@pytest.mark.parametrize(
    "entry", ["localhost", "http://", "http://a/b", "http://a:port", "http://[::1", "ftp://a"]
)
def test_invalid_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        OriginPolicy([entry])


def test_defaults_are_loopback_only() -> None:
    assert all(
        "127.0.0.1" in e or "localhost" in e or "[::1]" in e for e in DEFAULT_ALLOWED_ORIGINS
    )
