"""Tests of pyfritz.router: routes, and a router kept equal to the URL both ways."""

from __future__ import annotations

import pytest
from fakes.fake_location import FakeLocation
from hypothesis import given
from hypothesis import strategies as st

from pyfritz.router import Route, Router

ROUTES = ("/all", "/active", "/done")


def test_a_route_prints_and_parses_its_path_and_query() -> None:
    route = Route("/todos", {"q": "milk & honey", "page": "2"})
    assert str(route) == "/todos?page=2&q=milk%20%26%20honey"
    assert Route.parse(str(route)) == route


def test_parse_never_fails_on_odd_text() -> None:
    assert Route.parse("") == Route("/")
    assert Route.parse("todos") == Route("/todos")
    assert Route.parse("/x?a=1&a=2&b") == Route("/x", {"a": "2", "b": ""})


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.dictionaries(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
        max_size=4,
    ),
)
def test_every_route_survives_a_round_trip_through_its_text(
    path: str, params: dict[str, str]
) -> None:
    route = Route("/" + path.replace("?", ""), params)
    assert Route.parse(str(route)) == route


def test_routes_are_immutable_values() -> None:
    params = {"q": "a"}
    route = Route("/x", params)
    params["q"] = "changed"
    assert route.params["q"] == "a"
    with pytest.raises(TypeError):
        route.params["q"] = "b"  # type: ignore[index]
    assert hash(route) == hash(Route("/x", {"q": "a"}))
    assert route.with_params(q=None, page="1") == Route("/x", {"page": "1"})


def test_route_parameters_must_be_text() -> None:
    with pytest.raises(TypeError, match="str to str"):
        Route("/x", {"page": 1})  # type: ignore[dict-item]


async def test_the_router_starts_at_the_url_it_finds() -> None:
    location = FakeLocation("/done?q=x")
    nav = Router(location, "/all", routes=ROUTES)
    assert nav.current == Route("/done", {"q": "x"})


async def test_an_unknown_or_empty_url_goes_to_the_default_and_replaces_it() -> None:
    location = FakeLocation("/nowhere")
    nav = Router(location, "/all", routes=ROUTES)
    assert nav.current == Route("/all")
    assert location.entries == ["/all"]
    location.visit("/elsewhere")
    assert nav.current == Route("/all")
    assert location.entries == ["/all", "/all"]


async def test_navigate_pushes_a_history_entry_and_back_returns() -> None:
    location = FakeLocation("/all")
    nav = Router(location, "/all", routes=ROUTES)
    nav.navigate("/done", q="milk")
    assert nav.current == Route("/done", {"q": "milk"})
    assert location.entries == ["/all", "/done?q=milk"]
    location.back()
    assert nav.current == Route("/all")
    location.forward()
    assert nav.current == Route("/done", {"q": "milk"})


async def test_writing_the_store_replaces_the_url_without_a_new_entry() -> None:
    location = FakeLocation("/all")
    nav = Router(location, "/all", routes=ROUTES)
    query = nav.param("q")
    query.update("m")
    query.update("mi")
    assert location.entries == ["/all?q=mi"]
    assert query.current == "mi"
    query.update("")  # the default removes the parameter
    assert location.entries == ["/all"]


async def test_a_link_the_user_follows_reaches_the_store() -> None:
    location = FakeLocation("/all")
    nav = Router(location, "/all", routes=ROUTES)
    seen: list[str] = []
    task = nav.data.map(str).on_each(seen.append).watch()
    location.visit("/active")
    location.back()
    task.cancel()
    assert seen == ["/all", "/active", "/all"]


async def test_a_default_outside_the_routes_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of the routes"):
        Router(FakeLocation(), "/home", routes=ROUTES)


async def test_stop_removes_the_listener() -> None:
    location = FakeLocation("/all")
    nav = Router(location, "/all", routes=ROUTES)
    nav.stop()
    assert location.listeners == []
