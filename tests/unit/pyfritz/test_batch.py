"""Tests of pyfritz._batch: a run of new render_each rows made in one JS call.

On a fake DOM whose builder follows the same steps as the JS one; the JS
builder itself runs in real Chromium in tests/e2e/test_dom.py.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fakes import fake_dom, fake_js
from fakes.fake_dom import FakeDocument, FakeNode

from pyfritz import _element, flows
from pyfritz.dom import (
    Element,
    div,
    input_,
    li,
    live_listeners,
    live_scopes,
    render,
    render_each,
    span,
    text,
    ul,
)
from pyfritz.flows import MutableStateFlow
from pyfritz.store import RootStore, SubStore


@pytest.fixture
def document(monkeypatch: pytest.MonkeyPatch) -> FakeDocument:
    fake_js.install(monkeypatch)  # create_proxy for event listeners
    document = fake_dom.install(monkeypatch)
    made: list[str] = []

    def make_element(parent: FakeNode | None, tag: str, text: str | None, *attrs: str) -> Any:
        made.append(tag)
        return document.make_element(parent, tag, text, *attrs)

    monkeypatch.setattr(_element, "_element_maker", make_element)
    document.made_one_by_one = made  # type: ignore[attr-defined]
    return document


@pytest.fixture
def reported() -> Iterator[list[BaseException]]:
    seen: list[BaseException] = []
    unsubscribe = flows.errors._subscribe(_Collect(seen))
    yield seen
    assert unsubscribe is not None
    unsubscribe()


class _Collect:
    def __init__(self, into: list[BaseException]) -> None:
        self.into = into

    def on_next(self, value: BaseException) -> None:
        self.into.append(value)

    def on_error(self, exc: BaseException) -> None:
        raise exc

    def on_complete(self) -> None:
        pass


def listing(document: FakeDocument) -> FakeNode:
    (node,) = document.app.children
    return node


def shape(node: FakeNode) -> Any:
    """A node as nested tuples: (tag, attributes, text or children)."""
    if node.tagName in ("#TEXT", "#COMMENT"):
        return node.tagName.lower(), node.data
    if node.children:
        return node.tagName.lower(), node.attributes, [shape(child) for child in node.children]
    return node.tagName.lower(), node.attributes, node.textContent


def each(items: Any, row: Callable[[Any], object], key: Callable[[Any], Any] = str) -> None:
    with ul():
        render_each(items, id=key, item=row)


def test_a_first_render_makes_every_static_element_in_one_call_in_order(
    document: FakeDocument,
) -> None:
    def row(key: str) -> None:
        with li(data_key=key, classes="row"):
            span(key, classes="name")
            with div():
                span("<b>not bold</b>")  # text, never HTML
            span("last")

    items = MutableStateFlow(["a", "b"])
    mount = render("#app", lambda: each(items, row))
    assert document.build_calls == 1
    assert document.made_one_by_one == ["ul"]  # type: ignore[attr-defined]
    assert [shape(node) for node in listing(document).children] == [
        (
            "li",
            {"data-key": key, "class": "row"},
            [
                ("span", {"class": "name"}, key),
                ("div", {}, [("span", {}, "<b>not bold</b>")]),
                ("span", {}, "last"),
            ],
        )
        for key in "ab"
    ] + [("#comment", "/render_each")]
    mount.unmount()


def test_a_bound_child_makes_what_is_recorded_first_and_keeps_the_order(
    document: FakeDocument,
) -> None:
    name = MutableStateFlow("Ann")

    def row(key: str) -> None:
        with li(data_key=key):
            span("before")
            span(name)  # needs its parent now: a flush
            span("after")  # its parent is made: made at once
            text("!")

    mount = render("#app", lambda: each(MutableStateFlow(["a", "b"]), row))
    rows = listing(document).children[:2]
    assert [[shape(child) for child in node.children] for node in rows] == [
        [
            ("span", {}, "before"),
            ("span", {}, [("#text", "Ann")]),
            ("span", {}, "after"),
            ("#text", "!"),
        ]
    ] * 2
    name.value = "Bo"
    assert [node.children[1].children[0].data for node in rows] == ["Bo", "Bo"]
    mount.unmount()


async def test_events_on_rows_of_a_batch_reach_their_own_row(document: FakeDocument) -> None:
    clicked: list[str] = []
    listeners = live_listeners()

    def row(key: str) -> None:
        li(key, data_key=key).clicks.handled_by(lambda _: clicked.append(key))

    mount = render("#app", lambda: each(MutableStateFlow(["a", "b", "c"]), row))
    a, _, c = listing(document).children[:3]
    c.dispatch("click")
    a.dispatch("click")
    assert clicked == ["c", "a"]
    assert live_listeners() == listeners + 3
    mount.unmount()
    assert live_listeners() == listeners


def test_a_render_each_inside_a_batched_row_builds_its_own_rows(document: FakeDocument) -> None:
    inner = {"x": MutableStateFlow(["1", "2"]), "y": MutableStateFlow(["3"])}

    def row(key: str) -> None:
        with li(data_key=key):
            span(key)
            each(inner[key], lambda n: li(n, data_n=n))
            span("end")

    mount = render("#app", lambda: each(MutableStateFlow(["x", "y"]), row))
    x, y = listing(document).children[:2]
    assert shape(x) == (
        "li",
        {"data-key": "x"},
        [
            ("span", {}, "x"),
            (
                "ul",
                {},
                [
                    ("li", {"data-n": "1"}, "1"),
                    ("li", {"data-n": "2"}, "2"),
                    ("#comment", "/render_each"),
                ],
            ),
            ("span", {}, "end"),
        ],
    )
    assert [node.textContent for node in y.children[1].children[:-1]] == ["3"]
    inner["x"].value = ["0", "1", "2"]
    assert [node.textContent for node in x.children[1].children[:-1]] == ["0", "1", "2"]
    mount.unmount()


def test_a_row_that_raises_is_a_comment_and_the_others_are_made(
    document: FakeDocument, reported: list[BaseException]
) -> None:
    scopes = live_scopes()

    def row(key: str) -> None:
        with li(data_key=key):
            span(key)
            if key == "bad":
                raise KeyError(key)

    mount = render("#app", lambda: each(MutableStateFlow(["a", "bad", "c"]), row))
    assert [shape(node) for node in listing(document).children] == [
        ("li", {"data-key": "a"}, [("span", {}, "a")]),
        ("#comment", "render_each: item 'bad' failed"),
        ("li", {"data-key": "c"}, [("span", {}, "c")]),
        ("#comment", "/render_each"),
    ]
    assert [type(exc) for exc in reported] == [KeyError]
    assert document.build_calls == 1
    mount.unmount()
    assert live_scopes() == scopes


def test_a_row_reading_its_node_gets_it_made(document: FakeDocument) -> None:
    seen: list[tuple[str, int]] = []

    def row(key: str) -> None:
        with li(data_key=key) as item:
            span(key)
            node = item.node
            seen.append((node.attributes["data-key"], len(node.children)))
            span("more")

    mount = render("#app", lambda: each(MutableStateFlow(["a", "b"]), row))
    assert seen == [("a", 1), ("b", 1)]
    assert [len(node.children) for node in listing(document).children[:2]] == [2, 2]
    mount.unmount()


def test_an_attribute_name_the_dom_may_refuse_fails_in_its_own_row(
    document: FakeDocument, reported: list[BaseException]
) -> None:
    def row(key: str) -> None:
        attrs = {"data_key": key} if key != "bad" else {"bad name": "x"}
        li(key, **attrs)

    mount = render("#app", lambda: each(MutableStateFlow(["a", "bad", "c"]), row))
    assert [node.tagName for node in listing(document).children] == [
        "LI",
        "#COMMENT",
        "LI",
        "#COMMENT",
    ]
    assert [type(exc) for exc in reported] == [ValueError]
    mount.unmount()


def test_rows_of_two_runs_are_reordered_in_one_call(document: FakeDocument) -> None:
    store = RootStore(("a",))

    def row(key: SubStore[str]) -> None:
        with li(data_key=key.current):
            span(key.current)

    mount = render("#app", lambda: each(store, row, key=str))
    store.update(("a", "b", "c"))
    assert document.build_calls == 2
    assert [node.attributes["data-key"] for node in listing(document).children[:-1]] == list("abc")
    made = listing(document).children[:-1]
    store.update(("c", "b", "a"))  # moves the made nodes of both runs, in one call
    assert listing(document).children[:-1] == made[::-1]
    assert document.move_calls == 1
    mount.unmount()


def test_numbers_and_flags_are_recorded_as_the_dom_would_show_them(
    document: FakeDocument,
) -> None:
    def row(n: int) -> None:
        with li(n, data_n=n, hidden=n % 2 == 0, title=None, classes=["a", "b"]):
            span(None)

    mount = render("#app", lambda: each(MutableStateFlow([1, 2]), row, key=int))
    assert document.build_calls == 1
    assert document.made_one_by_one == ["ul"]  # type: ignore[attr-defined]
    assert [shape(node) for node in listing(document).children[:-1]] == [
        ("li", {"data-n": "1", "class": "a b"}, [("span", {}, None)]),
        ("li", {"data-n": "2", "hidden": "", "class": "a b"}, [("span", {}, None)]),
    ]
    assert [node.textContent for node in listing(document).children[:-1]] == ["1", "2"]
    mount.unmount()


def test_rows_made_at_once_are_inserted_in_one_call_without_the_builder(
    document: FakeDocument,
) -> None:
    store = RootStore(("a", "b"))
    mount = render("#app", lambda: each(store, lambda key: li(key.data), key=str))
    assert (document.build_calls, document.insert_calls) == (0, 1)
    store.update(("a", "b", "c"))  # an add: one more insert, still no builder call
    assert (document.build_calls, document.insert_calls) == (0, 2)
    assert [node.children[0].data for node in listing(document).children[:-1]] == list("abc")
    mount.unmount()


def test_a_property_keyword_in_a_recorded_row_sets_the_property_not_an_attribute(
    document: FakeDocument,
) -> None:
    # Tag functions record string keywords themselves; disabled= is a property.
    def row(key: str) -> None:
        with li(data_key=key):
            input_(disabled=True, data_k=key)
            span(key, id=f"s{key}", style="color: red")

    mount = render("#app", lambda: each(MutableStateFlow(["a", "b"]), row))
    rows = listing(document).children[:-1]
    assert [(node.children[0].disabled, node.children[0].attributes) for node in rows] == [
        (True, {"data-k": "a"}),
        (True, {"data-k": "b"}),
    ]
    assert [shape(node.children[1]) for node in rows] == [
        ("span", {"id": f"s{key}", "style": "color: red"}, key) for key in "ab"
    ]
    mount.unmount()


def test_rows_of_a_first_render_are_counted_as_live_scopes_until_unmounted(
    document: FakeDocument,
) -> None:
    scopes = live_scopes()
    items = MutableStateFlow(["a", "b", "c"])
    mount = render("#app", lambda: each(items, lambda key: li(key)))
    assert live_scopes() == scopes + 1 + 3  # the mount and one per row
    items.value = ["a", "c"]
    assert live_scopes() == scopes + 1 + 2
    mount.unmount()
    assert live_scopes() == scopes


def test_text_holding_the_field_separator_is_recorded_whole(document: FakeDocument) -> None:
    texts = ["a\x1fb", "c\x1ed", "[1]", "", "e"]
    mount = render("#app", lambda: each(MutableStateFlow(texts), lambda t: li(t, data_t=t)))
    assert document.build_calls == 1
    assert [shape(node) for node in listing(document).children[:-1]] == [
        ("li", {"data-t": text}, text or None) for text in texts
    ]
    mount.unmount()


def test_a_row_takes_its_elements_place_and_the_element_is_not_kept(
    document: FakeDocument,
) -> None:
    # One object per row for the garbage collector, not a row and its element.
    items = MutableStateFlow([f"r{i}" for i in range(50)])
    mount = render("#app", lambda: each(items, lambda key: li(key, data_key=key)))
    gc.collect()
    assert not [obj for obj in gc.get_objects() if type(obj) is Element]
    assert [node.textContent for node in listing(document).children[:-1]] == items.value
    items.value = items.value[::-1]  # a reorder takes the rows' nodes from the chunk
    assert [node.textContent for node in listing(document).children[:-1]] == items.value
    mount.unmount()


async def test_an_element_kept_by_its_row_function_is_the_rows_node(
    document: FakeDocument,
) -> None:
    kept: dict[str, Element] = {}
    clicked: list[str] = []
    listeners = live_listeners()

    def row(key: str) -> Element:
        element = kept[key] = li(key)
        element.clicks.handled_by(lambda _: clicked.append(key))
        return element

    items = MutableStateFlow(["a", "b"])
    mount = render("#app", lambda: each(items, row))
    a, b, _ = listing(document).children
    assert kept["a"].node is a and kept["b"].node is b
    items.value = ["b", "a"]
    assert listing(document).children[:2] == [b, a]
    a.dispatch("click")
    assert clicked == ["a"]
    items.value = ["b"]  # the row's listener goes with its row
    assert live_listeners() == listeners + 1
    mount.unmount()
    assert live_listeners() == listeners
