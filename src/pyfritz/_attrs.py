"""What an element shows, set from values or bound to flows: attributes, properties, classes, text.

Package-internal: :mod:`pyfritz.dom` builds elements on these and re-exports
the public type aliases (``Text``, ``Attr``, ``Classes``). They work on JS
nodes and a render scope only, never on an ``Element``, so this module sits
below :mod:`pyfritz.dom` in the import graph.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union

from ._mount import _bind, _doc, _Scope, _TextBinding
from .flows import Flow

__all__ = ["Attr", "Classes", "Text"]

#: A text child: shown with ``str()`` as a text node; a flow updates it.
Text = Union[str, int, float, None, Flow[Any]]  # noqa: UP007 -- runtime alias on 3.11
#: An attribute value; ``True`` sets it empty, ``False``/``None`` removes it.
Attr = Union[str, int, float, bool, None, Flow[Any]]  # noqa: UP007
#: The ``classes`` argument.
Classes = Union[  # noqa: UP007
    str, Flow[str], Sequence[str], Mapping[str, Union[bool, Flow[bool]]]  # noqa: UP007
]


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
