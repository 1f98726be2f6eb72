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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

# The mount layer: its public names are re-exported, the underscored ones are
# package-internal pieces that elements are built on.
from . import _js, _mount
from ._attrs import (
    Attr,
    Classes,
    Text,
    _as_text,
    _attr_text,
    _attribute_pair,
    _attribute_writer,
    _class_names,
    _classes,
    _property,
    _text_node,
)
from ._batch import _PAIRS, _Chunk, _Pending
from ._mount import (
    _OUTSIDE_RENDER,
    Mount,
    _bind,
    _context,
    _parents,
    _Scope,
    _Slot,
    live_bindings,
    live_scopes,
    on_dispose,
    render,
    render_flow,
)
from .events import DomEvents, Listeners, live_listeners
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


def _attr_name(key: str) -> str:
    name = _ATTR_NAMES.get(key)
    if name is None:
        name = _ATTR_NAMES[key] = key.rstrip("_").replace("_", "-")
        if not _is_name(name, _NAME_START_SAFE):
            # setAttribute may refuse it: such an element is made at once, so
            # the error is raised where the row function made it.
            _UNSAFE_NAMES.add(name)
        else:
            _RECORDED[key] = name
    return name


_ATTR_NAMES: dict[str, str] = {}
_UNSAFE_NAMES: set[str] = set()
# Keywords whose string value a tag function records as the attribute named
# here without going through _make (see _factory): safe names seen so far,
# and the named arguments that are plain attributes when given a string.
# Never value/checked/disabled/unsafe_html/bind (properties and bindings).
_RECORDED: dict[str, str] = {"id": "id", "classes": "class", "style": "style"}
# Names every engine's setAttribute takes (XML names without a colon).
# Names as the patterns [A-Za-z_][A-Za-z0-9_.-]* (attributes) and
# [A-Za-z][A-Za-z0-9._-]* (tags), checked without `re`: compiling a pattern
# costs a page ≈ 375 Python and C calls at start (issue 13).
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NAME_START_SAFE = _LETTERS + "_"
_NAME_CHARS = _LETTERS + "0123456789_.-"


def _is_name(name: str, start: str) -> bool:
    """Whether ``name`` is one ``start`` character, then only :data:`_NAME_CHARS`."""
    return name[:1] != "" and name[0] in start and not name.strip(_NAME_CHARS)


# --------------------------------------------------------------------------
# Elements.


class Element(_Pending):
    """A DOM element made by a tag function; a context manager for its children.

    Example::

        with ul(classes="todos") as todos:
            li("first")
        todos.clicks.handled_by(store.select)
    """

    __slots__ = ("_listeners", "_scope", "_value")

    def __init__(self, node: Any, scope: _Scope, index: int = 0) -> None:
        # ``node`` is the _Chunk a new render_each row's element is recorded
        # in, at ``index``, until its node is taken (pyfritz._batch).
        self._node = node
        self._index = index
        self._scope = scope
        self._listeners: Listeners | None = None
        self._value: str | None = None  # for <select>: re-applied once options exist

    def __enter__(self) -> Element:
        node = self._node
        _parents.append(self if type(node) is _Chunk else node)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _parents.pop()
        if self._value is not None and self._node.tagName == "SELECT":
            self._node.value = self._value

    def __repr__(self) -> str:
        return f"<Element {str(self.node.tagName).lower()}>"

    @property
    def node(self) -> Any:
        """The DOM element itself (a JS object), for what pyfritz does not wrap."""
        node = self._node
        if type(node) is _Chunk:  # a new render_each row's element: taken on first use
            node = self._node = node.take(self._index)
        return node

    def events(self, name: str) -> DomEvents:
        """The ``name`` events of this element as a flow (``"dblclick"``, ``"pointerdown"``).

        Example::

            div().events("dblclick").handled_by(store.edit)
        """
        listeners = self._listeners
        if listeners is None:
            listeners = self._listeners = Listeners(self.node)
            self._scope.on_dispose(listeners.close)
        return DomEvents(listeners, name)

    @property
    def clicks(self) -> DomEvents:
        """``click`` events."""
        return self.events("click")

    @property
    def inputs(self) -> DomEvents:
        """``input`` events (every edit); ``.values()`` gives the text."""
        return self.events("input")

    @property
    def changes(self) -> DomEvents:
        """``change`` events (committed edits); ``.values()`` / ``.checked()``."""
        return self.events("change")

    @property
    def keydowns(self) -> DomEvents:
        """``keydown`` events; ``.keys()`` gives the key names."""
        return self.events("keydown")

    @property
    def submits(self) -> DomEvents:
        """``submit`` events of a form; usually with ``.prevent_default()``."""
        return self.events("submit")

    @property
    def focuses(self) -> DomEvents:
        """``focus`` events."""
        return self.events("focus")

    @property
    def blurs(self) -> DomEvents:
        """``blur`` events."""
        return self.events("blur")


def _make(
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
    # Every tag function records the simplest elements of new keyed rows
    # itself and calls this for the rest (see _factory). It runs once per
    # element of many rows of a keyed list, hence inlined throughout (issue 13).
    scope = _mount._scope
    if scope is None or not _parents:
        raise RuntimeError(_OUTSIDE_RENDER)
    parent = _parents[-1]
    kind = type(parent)
    if (
        (kind is _Slot or kind is Element)
        and value is None
        and checked is None
        and disabled is None
        and unsafe_html is None
        and bind is None
        and (
            not children
            or (
                len(children) == 1
                and (type(children[0]) is str or not isinstance(children[0], Flow))
            )
        )
        and (id is None or type(id) is str)
        and (classes is None or type(classes) is str or type(classes) in (list, tuple))
        and (style is None or type(style) is str)
    ):
        # The usual element of a keyed list's row: static text and attributes.
        # In a new row it is recorded (pyfritz._batch), in as few steps as can be.
        child = children[0] if children else ""
        record: list[Any] = ["-1", "", name, child if type(child) is str else _as_text(child)]
        if id is not None:
            record += ("id", id)
        if classes is not None:
            names = classes if type(classes) is str else _class_names(cast(Sequence[str], classes))
            record += ("class", names)
        if style is not None:
            record += ("style", style)
        for key, attr in attrs.items():
            if type(attr) is str:
                record += (_ATTR_NAMES.get(key) or _attr_name(key), attr)
            elif isinstance(attr, Flow):
                break
            elif attr is not None and attr is not False:  # a new element has none to remove
                record += (_ATTR_NAMES.get(key) or _attr_name(key), _attr_text(attr))
        else:
            if _UNSAFE_NAMES and not _UNSAFE_NAMES.isdisjoint(record[4::2]):
                pass  # made at once below: setAttribute's error belongs to its row
            elif kind is _Slot:
                batch = parent.batch
                if batch is not None:
                    chunk = batch.chunk
                    element = Element(chunk, scope, chunk.add(record))
                    parent.nodes.append(element)
                    return element
            else:
                chunk = parent._node
                if type(chunk) is _Chunk and chunk.nodes is None:  # the parent is not made yet
                    record[0] = str(parent._index)
                    return Element(chunk, scope, chunk.add(record))
    # Everything static goes to JS with the element in one call: a crossing
    # costs more than the DOM work of a small element.
    static: list[str] = ["-1", name, ""]
    bound: list[tuple[str, Flow[Any]]] = []
    dynamic = (
        value is not None
        or checked is not None
        or disabled is not None
        or unsafe_html is not None
        or bind is not None
    )
    if id is not None:
        _attribute_pair(static, bound, "id", id)
    if classes is not None:
        if type(classes) is str:
            static += ("class", classes)
        elif isinstance(classes, (Flow, Mapping)):
            dynamic = True
        else:
            static += ("class", _class_names(classes))
    if style is not None:
        _attribute_pair(static, bound, "style", style)
    for key, attr in attrs.items():
        attr_name = _ATTR_NAMES.get(key) or _attr_name(key)
        if type(attr) is str:
            static += (attr_name, attr)
        elif isinstance(attr, Flow):
            bound.append((attr_name, attr))
        elif attr is not None and attr is not False:
            static += (attr_name, "" if attr is True else str(attr))
    if children:
        child = children[0]
        if len(children) != 1 or isinstance(child, Flow):
            dynamic = True
        else:
            static[2] = child if type(child) is str else "" if child is None else str(child)
            children = ()
    if not dynamic and not bound:
        if kind is _Slot:  # a render_each row, made at once: inserted with its siblings
            node = (_element_maker or _maker())(None, name, static[2] or None, *static[3:])
            parent.appendChild(node)
            return Element(node, scope)
        if kind is Element:  # a recorded element, made already
            parent = parent.node
        # Nothing left to do here: JS appends it too.
        node = (_element_maker or _maker())(parent, name, static[2] or None, *static[3:])
        return Element(node, scope)
    node = (_element_maker or _maker())(None, name, static[2] or None, *static[3:])
    element = Element(node, scope)
    for attr_name, flow in bound:
        _bind(scope, flow, _attribute_writer(node, attr_name))
    if isinstance(classes, (Flow, Mapping)):
        _classes(scope, node, classes)
    if unsafe_html is not None:
        _property(scope, node, "innerHTML", unsafe_html, _as_text)
    for child in children:
        _text_node(scope, node, child)
    if value is not None:
        _value(scope, element, value)
    if checked is not None:
        _property(scope, node, "checked", checked, bool)
    if disabled is not None:
        _property(scope, node, "disabled", disabled, bool)
    if bind is not None:
        _bind_store(element, name, attrs.get("type"), bind, value, checked)
    parent.appendChild(node)
    return element


_element_maker: Any = None


def _maker() -> Any:
    global _element_maker
    if _element_maker is None:
        _element_maker = _js.element_maker()
    return _element_maker


def _bind_store(
    element: Element, name: str, kind: Attr, store: Store[Any], value: Any, checked: Any
) -> None:
    """Two-way binding: the property from the store, the user's edits into it."""
    if not isinstance(store, Store):
        raise TypeError(f"bind= takes a store (e.g. store.sub('name')), not {type(store).__name__}")
    if value is not None or checked is not None:
        raise TypeError("bind= sets value/checked itself; pass bind= or value=/checked=, not both")
    scope = element._scope
    if name == "input" and kind in ("checkbox", "radio"):
        _property(scope, element._node, "checked", store.data, bool)
        element.changes.checked().handled_by(store.update)
    elif name in ("input", "textarea"):
        _value(scope, element, store.data)
        element.inputs.values().handled_by(store.update)
    elif name == "select":
        _value(scope, element, store.data)
        element.changes.values().handled_by(store.update)
    else:
        raise TypeError(f"bind= works on input, textarea and select, not <{name}>")


def _value(scope: _Scope, element: Element, value: str | Flow[Any]) -> None:
    node = element._node

    def write(new: Any) -> None:
        text = _as_text(new)
        element._value = text
        # Writing an equal value would still move the caret to the end.
        if node.value != text:
            node.value = text

    if isinstance(value, Flow):
        _bind(scope, value, write)
    else:
        write(value)


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
        if _parents and (not children or (len(children) == 1 and type(children[0]) is str)):
            parent = _parents[-1]
            kind = type(parent)
            chunk: Any = None
            if kind is _Slot:
                batch = parent.batch
                if batch is not None:
                    chunk = batch.chunk
                    at = "-1"
            elif kind is Element:
                chunk = parent._node
                if type(chunk) is not _Chunk or chunk.nodes is not None:
                    chunk = None  # the parent is made already
                else:
                    at = str(parent._index)
            scope = _mount._scope
            if chunk is not None and scope is not None and len(attrs) < len(_PAIRS):
                # Straight into the chunk's flat fields (pyfritz._batch._Chunk).
                fields = chunk.fields
                mark = len(fields)
                fields += (at, _PAIRS[len(attrs)], name, children[0] if children else "")
                for key, attr in attrs.items():
                    attr_name = _RECORDED.get(key)
                    if attr_name is None or type(attr) is not str:
                        del fields[mark:]
                        break
                    fields += (attr_name, attr)
                else:
                    index = chunk.count
                    chunk.count = index + 1
                    element = Element(chunk, scope, index)
                    if kind is _Slot:
                        parent.nodes.append(element)
                    return element
        return _make(name, *children, **attrs)

    make.__name__ = make.__qualname__ = name if name != "input" else "input_"
    make.__doc__ = f"Make a ``<{name}>`` element in the current parent (see the module docs)."
    return cast(ElementFactory, make)


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
