# render_each's new rows made in one JS call: order, text as text, events,
# a render_each inside a row, a row that fails, a long list of static rows, and
# text holding the builder's field separator (sent as JSON then).
from pyscript import document

from pyfritz.dom import button, div, li, p, render, render_each, span, ul
from pyfritz.flows import MutableStateFlow
from pyfritz.store import RootStore

clicked = RootStore("none")
inner = {key: MutableStateFlow([f"{key}1", f"{key}2"]) for key in "abc"}
keys = MutableStateFlow(["a", "bad", "b", "c"])
numbers = MutableStateFlow(list(range(1000)))
odd = MutableStateFlow(["a\x1fb", "c\x1ed", "[1]", "", "e"])


def row(key: str) -> None:
    with li(data_key=key, classes="row"):
        span(f"<b>{key}</b>", classes="name")  # text, never HTML
        if key == "bad":
            raise ValueError("this row fails on purpose")
        with ul(classes="inner"):
            render_each(inner[key], id=str, item=lambda name: li(name, data_name=name))
        button(f"pick {key}").clicks.handled_by(lambda _: clicked.update(key))


def number(n: int) -> None:
    with li(data_n=str(n)):
        span(str(n), classes="n")
        with div(classes="pair"):
            span("even" if n % 2 == 0 else "odd")


def app() -> None:
    with ul(id="rows"):
        render_each(keys, id=str, item=row)
    p(clicked.data, id="clicked")
    with ul(id="numbers"):
        render_each(numbers, id=str, item=number)
    with ul(id="odd"):
        render_each(odd, id=str, item=lambda text: li(text, data_text=text))


render("#app", app)
document.body.dataset.ready = "true"
