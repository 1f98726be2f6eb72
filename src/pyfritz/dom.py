"""Build DOM trees with nested ``with`` blocks and bind flows to single nodes.

Elements are made by calling a tag function inside :func:`render` (or inside
a :func:`render_flow` / :func:`render_each` function); each new element is
appended to the element of the innermost ``with`` block::

    from pyfritz.dom import render, div, h1, input_, p, button

    def app() -> None:
        with div(classes="card"):
            h1("Person")
            input_(value=name.data).inputs.values().handled_by(name.update)
            p(store.data.map(lambda x: f"{x.name} is {x.age}"))   # text, never HTML
            button("Birthday").clicks.handled_by(store.birthday)

    render("#app", app)

Arguments of every tag function (and :func:`tag` for any other name):

* positional ``children``: text (``str``, ``int``, ``float``) or a
  :class:`~pyfritz.flows.Flow` of values shown as text. Text is always set
  as text (``textContent`` / text nodes), never parsed as HTML; ``None``
  shows as nothing. Raw HTML needs the explicit ``unsafe_html=`` keyword.
* ``id``, ``style`` and any attribute as a keyword: ``data_id="3"`` sets
  ``data-id``, ``aria_label`` sets ``aria-label``; a trailing ``_`` is
  dropped (``for_="name"`` sets ``for``). ``True`` sets an empty attribute,
  ``False``/``None`` removes it.
* ``classes``: a class string, a list of names, a flow of a string, or a
  mapping from class name to a bool or a flow of bools
  (``classes={"row": True, "done": done.data}``).
* ``bind``: a store edited by the element, both ways (an ``<input>``'s or
  ``<textarea>``'s text on every keystroke, a checkbox's ``checked``, a
  ``<select>``'s value): ``input_(bind=name)`` is
  ``input_(value=name.data).inputs.values().handled_by(name.update)``.
* ``value`` (``str``), ``checked``, ``disabled`` (``bool``) set the DOM
  *property*, which is what the user sees and edits (the attribute is only
  the default).

Every argument may be a flow: that one node or attribute is then updated,
synchronously inside the flow's emit (no asyncio hop, no re-render of
anything else). Events are flows too: see :mod:`pyfritz.events`.

Lifecycle: :func:`render`, every :func:`render_flow` content and every
:func:`render_each` row is a *scope* owning the bindings, listeners (and
their proxies) and inner scopes made while it was built. Replacing or
removing it disposes all of them: subscriptions end, event flows complete
(so ``handled_by`` tasks on them finish) and proxies are destroyed.
:func:`on_dispose` adds your own clean-up (e.g. ``on_dispose(task.cancel)``
for a task you started while rendering). :func:`live_bindings`,
:func:`live_scopes` and :func:`~pyfritz.events.live_listeners` count what
is alive, for leak tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The mount layer and the element-making core: their public names are
# re-exported, the underscored ones are package-internal pieces that the tag
# functions are built on.
from . import _mount
from ._batch import _PAIRS, _Chunk
from ._element import _LETTERS, _RECORDED, Attr, Classes, Element, Text, _is_name, _make, _text_node
from ._generic import Protocol
from ._mount import (
    Mount,
    _context,
    _parents,
    _Slot,
    live_bindings,
    live_scopes,
    on_dispose,
    render,
    render_flow,
)
from .events import live_listeners
from .flows import Flow
from .store import Store

if TYPE_CHECKING:
    from ._each import render_each

__all__ = [
    "Attr",
    "Classes",
    "Element",
    "ElementFactory",
    "Mount",
    "Text",
    "a",
    "br",
    "button",
    "code",
    "div",
    "em",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "header",
    "hr",
    "img",
    "input_",
    "label",
    "li",
    "live_bindings",
    "live_listeners",
    "live_scopes",
    "main",
    "nav",
    "ol",
    "on_dispose",
    "option",
    "p",
    "pre",
    "render",
    "render_each",
    "render_flow",
    "section",
    "select",
    "small",
    "span",
    "strong",
    "table",
    "tag",
    "tbody",
    "td",
    "text",
    "textarea",
    "th",
    "thead",
    "tr",
    "ul",
]


def text(content: Text) -> None:
    """Append text (or a flow shown as text) to the current element.

    Example::

        with p():
            text("Hello, ")
            strong(name.data)
            text("!")
    """
    parent, scope = _context()
    _text_node(scope, parent, content)


class ElementFactory(Protocol):
    """The signature of every tag function (``div``, ``input_``, ...)."""

    def __call__(
        self,
        *children: Text,
        id: Attr = None,
        classes: Classes | None = None,
        style: Attr = None,
        value: str | Flow[Any] | None = None,
        checked: bool | Flow[bool] | None = None,
        disabled: bool | Flow[bool] | None = None,
        unsafe_html: str | Flow[str] | None = None,
        bind: Store[Any] | None = None,
        **attrs: Attr,
    ) -> Element:
        """Make the element, append it to the current parent and return it."""
        ...


def tag(
    name: str,
    /,
    *children: Text,
    id: Attr = None,
    classes: Classes | None = None,
    style: Attr = None,
    value: str | Flow[Any] | None = None,
    checked: bool | Flow[bool] | None = None,
    disabled: bool | Flow[bool] | None = None,
    unsafe_html: str | Flow[str] | None = None,
    bind: Store[Any] | None = None,
    **attrs: Attr,
) -> Element:
    """Make an element with any tag name (custom elements, SVG-less rarities).

    ``unsafe_html`` sets ``innerHTML``: only for HTML you trust, never for
    user input.

    Raises:
        ValueError: ``name`` is not a valid tag name.
        RuntimeError: called outside a render function.

    Example::

        with tag("x-card", data_kind="person"):
            tag("x-title", "Ann")
    """
    if not _is_name(name, _LETTERS):
        raise ValueError(f"not a valid tag name: {name!r}")
    return _make(
        name,
        *children,
        id=id,
        classes=classes,
        style=style,
        value=value,
        checked=checked,
        disabled=disabled,
        unsafe_html=unsafe_html,
        bind=bind,
        **attrs,
    )


def _factory(name: str) -> ElementFactory:
    def make(*children: Text, **attrs: Any) -> Element:
        # The element of a new keyed row, with at most one text and string
        # attributes, is recorded here in the fewest steps a Python call can
        # take (a first render makes a thousand; issue 13): a plain
        # ``*children, **attrs`` signature binds in a third of the time of
        # _make's keyword-only one, and this path needs none of _make's
        # checks. Anything else goes to _make, which records or makes it.
        # In Pyodide every bytecode counts (≈ 10 ns each): the row element's
        # case (a _Slot parent) is tested first and the checks are merged.
        if _parents and len(children) < 2:
            parent = _parents[-1]
            kind = type(parent)
            if kind is _Slot:
                batch = parent.batch
                chunk = None if batch is None else batch.chunk
                at = "-1"
            elif kind is Element and type(parent._node) is _Chunk and parent._node.nodes is None:
                chunk = parent._node  # the parent is recorded, not made yet
                at = str(parent._index)
            else:
                chunk = None
            text = children[0] if children else ""
            scope = _mount._scope
            if chunk is not None and type(text) is str and scope is not None:
                # Straight into the chunk's flat fields (pyfritz._batch._Chunk).
                fields = chunk.fields
                if not attrs:
                    fields += (at, "0", name, text)
                elif len(attrs) == 1:  # the common case: a data-id, a class (one tuple)
                    [key] = attrs
                    attr = attrs[key]
                    attr_name = _RECORDED.get(key)
                    if attr_name is None or type(attr) is not str:
                        return _make(name, *children, **attrs)
                    fields += (at, "1", name, text, attr_name, attr)
                elif len(attrs) < len(_PAIRS):
                    mark = len(fields)
                    fields += (at, _PAIRS[len(attrs)], name, text)
                    for key in attrs:  # no items() view: one object fewer per call
                        attr = attrs[key]
                        attr_name = _RECORDED.get(key)
                        if attr_name is None or type(attr) is not str:
                            del fields[mark:]
                            return _make(name, *children, **attrs)
                        fields += (attr_name, attr)
                else:
                    return _make(name, *children, **attrs)
                index = chunk.count
                chunk.count = index + 1
                element = Element(chunk, scope, index)
                if kind is _Slot:
                    parent.nodes.append(element)
                return element
        return _make(name, *children, **attrs)

    make.__name__ = make.__qualname__ = name if name != "input" else "input_"
    make.__doc__ = f"Make a ``<{name}>`` element in the current parent (see the module docs)."
    return make


a = _factory("a")
br = _factory("br")
button = _factory("button")
code = _factory("code")
div = _factory("div")
em = _factory("em")
footer = _factory("footer")
form = _factory("form")
h1 = _factory("h1")
h2 = _factory("h2")
h3 = _factory("h3")
h4 = _factory("h4")
header = _factory("header")
hr = _factory("hr")
img = _factory("img")
input_ = _factory("input")
label = _factory("label")
li = _factory("li")
main = _factory("main")
nav = _factory("nav")
ol = _factory("ol")
option = _factory("option")
p = _factory("p")
pre = _factory("pre")
section = _factory("section")
select = _factory("select")
small = _factory("small")
span = _factory("span")
strong = _factory("strong")
table = _factory("table")
tbody = _factory("tbody")
td = _factory("td")
textarea = _factory("textarea")
th = _factory("th")
thead = _factory("thead")
tr = _factory("tr")
ul = _factory("ul")


def __getattr__(name: str) -> object:
    """Import :func:`render_each` on first use (PEP 562).

    Keyed lists (``_each`` with the keyed diff and list views) load when a
    page first asks for them: a page without one does not (start-up, issue 13).
    """
    if name != "render_each":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ._each import render_each

    globals()[name] = render_each  # later lookups skip this function
    return render_each
