"""Server-side validation: the resources' own validators run on every put.

The page and the server share one definition: a
:class:`~pyfritz.resource.Resource` with ``validate=``. The hub is given which
resource describes which entities, by id pattern (``fnmatch`` syntax:
``"todo:*"``, ``"person-?"``, or an exact id); the first pattern that matches
an id wins. A put whose value does not decode as the resource's type, or for
which the validator returns an error-severity message, is refused with an
``error`` frame whose ``messages`` field carries the messages (as the page's
validator would have shown them), and nothing is stored. Entities no pattern
matches are accepted as any JSON value, as before.

Why on the server too: a page's validation is a convenience for the user, not
a guard; anyone can send a hand-crafted ``put``.

Example::

    from app.model import todo_resource        # the module the page imports too
    hub = Hub(storage, resources={"todo:*": todo_resource})
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Mapping
from typing import Any

from pyfritz.errors import DecodeError
from pyfritz.messages import Message, has_errors
from pyfritz.resource import Resource

__all__ = ["Validators", "load_resources", "refusal"]

# The most messages a refusal carries (a validator is not a place for megabytes).
_MAX_MESSAGES = 50
_MAX_TEXT = 500


class Validators:
    """Which resource validates which entity ids; what the hub consults on a put.

    Args:
        resources: id pattern → resource, tried in order.

    Raises:
        TypeError: a value is not a :class:`~pyfritz.resource.Resource`.
    """

    def __init__(self, resources: Mapping[str, Resource[Any]]) -> None:
        for pattern, resource in resources.items():
            if not isinstance(resource, Resource):
                raise TypeError(
                    f"resources[{pattern!r}] must be a Resource, not {type(resource).__name__}"
                )
        self._resources = dict(resources)

    def __bool__(self) -> bool:
        return bool(self._resources)

    def resource_for(self, id: str) -> Resource[Any] | None:
        """The resource whose pattern matches ``id`` first, or ``None``."""
        for pattern, resource in self._resources.items():
            if fnmatch.fnmatchcase(id, pattern):
                return resource
        return None

    def check(self, id: str, value: Any) -> tuple[Message, ...]:
        """The messages about ``value`` as entity ``id``; empty when nothing applies.

        A value that does not decode as the resource's type gives one error
        message at the path the decoder names.
        """
        resource = self.resource_for(id)
        if resource is None:
            return ()
        try:
            entity = resource.from_json_value(value)
        except DecodeError as exc:
            return (Message(exc.path, _bounded(f"not a valid {resource!r}: {exc.reason}")),)
        return resource.validate(entity)


def refusal(messages: tuple[Message, ...]) -> tuple[str, list[dict[str, str]]] | None:
    """The reason and JSON messages of a refusal, or ``None`` when the value may pass."""
    if not has_errors(messages):
        return None
    errors = [m for m in messages if m.severity == "error"]
    reason = "put: invalid value: " + "; ".join(
        f"{m.path}: {m.text}" if m.path else m.text for m in errors[:3]
    )
    shown = [
        {"path": _bounded(m.path), "text": _bounded(m.text), "severity": m.severity}
        for m in messages[:_MAX_MESSAGES]
    ]
    return _bounded(reason), shown


def load_resources(spec: str) -> dict[str, Resource[Any]]:
    """Import ``module:name``, a mapping of id pattern → resource (for ``--resources``).

    Raises:
        ValueError: ``spec`` is not ``module:name``, or names no such mapping.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"--resources wants module:name, not {spec!r}")
    try:
        module = importlib.import_module(module_name)
        found = getattr(module, attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"--resources {spec}: {exc}") from exc
    if not isinstance(found, Mapping):
        raise ValueError(f"--resources {spec} is a {type(found).__name__}, not a mapping")
    return dict(found)


def _bounded(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"
