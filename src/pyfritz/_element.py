"""One element: how a tag function's arguments make it, and what it shows, set or bound.

Package-internal: :mod:`pyfritz.dom` builds its tag functions on ``_make``
and re-exports the public names (:class:`Element`, the type aliases ``Text``,
``Attr``, ``Classes``). ``_make`` makes (or, in a new keyed row, records:
:mod:`pyfritz._batch`) one element, sending everything static to JS in one
call and binding what is a flow: attributes, properties, classes, text. The
checks of attribute and tag names are here too: ``_make`` maps keywords to
attribute names, the tag functions check names with the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union, cast

from . import _js, _mount
from ._batch import _Chunk, _Pending
from ._mount import _OUTSIDE_RENDER, _bind, _doc, _parents, _Scope, _Slot, _TextBinding
from .events import DomEvents, Listeners
from .flows import Flow
from .store import Store

__all__ = ["Attr", "Classes", "Element", "Text"]

#: A text child: shown with ``str()`` as a text node; a flow updates it.
Text = Union[str, int, float, None, Flow[Any]]  # noqa: UP007 -- runtime alias on 3.11
#: An attribute value; ``True`` sets it empty, ``False``/``None`` removes it.
Attr = Union[str, int, float, bool, None, Flow[Any]]  # noqa: UP007
#: The ``classes`` argument.
Classes = Union[  # noqa: UP007
    str, Flow[str], Sequence[str], Mapping[str, Union[bool, Flow[bool]]]  # noqa: UP007
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
# here without going through _make (see pyfritz.dom._factory): safe names seen so far,
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


def _set_attr(node: Any, name: str, value: Any) -> None:
    if value is None or value is False:
        node.removeAttribute(name)
    else:
        node.setAttribute(name, "" if value is True else str(value))


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def _attr_text(value: Any) -> str:
    return "" if value is True else str(value)


def _attribute_pair(
    static: list[str], bound: list[tuple[str, Flow[Any]]], name: str, value: Attr
) -> None:
    """Sort one attribute: a flow is bound after creation, a value set at creation."""
    if isinstance(value, Flow):
        bound.append((name, value))
    elif value is not None and value is not False:  # a new element has no attribute to remove
        static += (name, "" if value is True else str(value))


def _attribute_writer(node: Any, name: str) -> Callable[[Any], None]:
    def write(value: Any) -> None:
        _set_attr(node, name, value)

    return write


def _property(
    scope: _Scope, node: Any, name: str, value: Any, convert: Callable[[Any], object]
) -> None:
    if isinstance(value, Flow):
        _bind(scope, value, lambda v: setattr(node, name, convert(v)))
    else:
        setattr(node, name, convert(value))


def _classes(scope: _Scope, node: Any, classes: Classes) -> None:
    if isinstance(classes, str):
        node.className = classes
    elif isinstance(classes, Flow):
        _bind(scope, classes, lambda v: setattr(node, "className", _as_text(v)))
    elif isinstance(classes, Mapping):
        class_list = node.classList
        for name, on in classes.items():
            if isinstance(on, Flow):
                _bind(scope, on, _toggle(class_list, name))
            elif on:
                class_list.add(name)
    else:
        node.className = _class_names(classes)


def _class_names(classes: Sequence[str]) -> str:
    names = [name for name in classes if name]
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"classes: a list of class names holds {name!r}, not a str")
    return " ".join(names)


def _toggle(class_list: Any, name: str) -> Callable[[Any], None]:
    def write(on: Any) -> None:
        class_list.toggle(name, bool(on))

    return write


def _text_node(scope: _Scope, parent: Any, child: Text) -> None:
    if isinstance(child, Flow):
        node = _doc().createTextNode("")
        _bind(scope, child, _TextBinding(node))
    else:
        node = _doc().createTextNode(_as_text(child))
    parent.appendChild(node)


class Element(_Pending):
    """A DOM element made by a tag function; a context manager for its children.

    Example::

        with ul(classes="todos") as todos:
            li("first")
        todos.clicks.handled_by(store.select)
    """

    __slots__ = ("_index", "_listeners", "_node", "_scope", "_value")

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
    # (None and str first: an isinstance check against Mapping, an ABC, walks
    # its subclass hooks on the first use of each type, issue 13.)
    if classes is not None and type(classes) is not str and isinstance(classes, (Flow, Mapping)):
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
