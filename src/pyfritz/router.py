"""Routing: the page's URL as a store (fritz2's map router).

A :class:`Route` is a path plus query parameters, e.g. ``/todos/active?q=milk``.
A :class:`Router` is a :class:`~pyfritz.store.RootStore` of the current route
over a :class:`Location` (the browser's URL; a fake in tests):

* the URL changes (a link, back/forward, a typed address) → the store changes;
* :meth:`Router.navigate` → a new history entry and the store changes;
* any other write to the store (``router.update(...)``, a sub-store such as
  :meth:`Router.param` bound to an input) → the URL is *replaced*, so typing
  in a bound search box does not flood the back button;
* a path not in ``routes`` (when given) goes to ``default``, replacing the URL.

In the browser, make one with :func:`pyfritz.navigation.router`, which reads
``location.hash`` (``#/todos?q=x``; works on any static host) or, with
``mode="history"``, the path and query (needs a server that serves the page
for every path). Render by route with :func:`~pyfritz.dom.render_flow`.

Example::

    nav = router("/all", routes=("/all", "/active", "/done"))
    render_flow(nav.data.map(lambda r: r.path), lambda path: todo_list(path))
    nav.navigate("/done")
    search = nav.param("q")             # a SubStore[str] of ?q=
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import parse_qsl, quote, unquote, urlencode

from ._generic import Protocol
from .lenses import Lens
from .store import RootStore, SubStore

__all__ = ["Location", "Route", "Router"]


@dataclass(frozen=True)
class Route:
    """A path and its query parameters; immutable.

    Example::

        Route("/todos", {"filter": "done"})
        Route.parse("/todos?filter=done")   # the same
        str(Route("/a b"))                  # "/a%20b"
    """

    path: str = "/"
    params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.path, str):
            raise TypeError(f"a route's path must be a str, not {type(self.path).__name__}")
        path = self.path if self.path.startswith("/") else "/" + self.path
        for key, value in self.params.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"route parameters must be str to str, not {key!r}: {value!r}")
        object.__setattr__(self, "path", path)
        # A read-only copy: the route stays immutable even if the caller's
        # dict changes later.
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __hash__(self) -> int:
        return hash((self.path, tuple(sorted(self.params.items()))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Route):
            return NotImplemented
        return self.path == other.path and dict(self.params) == dict(other.params)

    def __str__(self) -> str:
        query = urlencode(sorted(self.params.items()), quote_via=quote)
        path = quote(self.path, safe="/-._~!$&'()*+,;=:@")
        return f"{path}?{query}" if query else path

    def __repr__(self) -> str:
        return f"Route({self.path!r}, {dict(self.params)!r})"

    @classmethod
    def parse(cls, text: str) -> Route:
        """Read ``/path?key=value`` (what follows ``#``, or a URL's path and query).

        Unknown shapes never fail: an empty text is ``/``, a repeated key keeps
        its last value.
        """
        path, _, query = text.partition("?")
        return cls(unquote(path) or "/", dict(parse_qsl(query, keep_blank_values=True)))

    def with_params(self, **params: str | None) -> Route:
        """A copy with these parameters set (``None`` removes one).

        Example::

            route.with_params(q="milk", page=None)
        """
        merged = dict(self.params)
        for key, value in params.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return Route(self.path, merged)


class Location(Protocol):
    """Where a router reads and writes the URL; the browser's or a test's."""

    def read(self) -> str:
        """The current route text (``/path?query``)."""
        ...

    def push(self, text: str) -> None:
        """Go to ``text`` with a new history entry."""
        ...

    def replace(self, text: str) -> None:
        """Show ``text`` in place of the current history entry."""
        ...

    def listen(self, on_change: Callable[[str], None]) -> Callable[[], None]:
        """Call ``on_change`` with the new text whenever the user changes the URL
        (back/forward, a link, a typed address); return a function that stops it."""
        ...


class Router(RootStore[Route]):
    """The current :class:`Route` as a store, kept equal to the URL both ways.

    Args:
        location: the URL to follow.
        default: where the empty URL and unknown paths go.
        routes: the known paths; ``None`` accepts every path.

    Raises:
        ValueError: ``default`` is not one of ``routes``.

    Example::

        nav = Router(location, "/", routes=("/", "/about"))
        nav.navigate("/about")
    """

    def __init__(
        self,
        location: Location,
        default: Route | str = "/",
        *,
        routes: Collection[str] | None = None,
    ) -> None:
        self._location = location
        self._default = default if isinstance(default, Route) else Route.parse(default)
        self._routes = None if routes is None else frozenset(Route(path).path for path in routes)
        if self._routes is not None and self._default.path not in self._routes:
            raise ValueError(f"the default {self._default.path!r} is not one of the routes")
        super().__init__(self._known(Route.parse(location.read())))
        self._sync_location(self.current)
        self._stop_listening = location.listen(self._url_changed)
        self._writes = self.data.on_each(self._sync_location).watch()

    @property
    def default(self) -> Route:
        """Where unknown paths go."""
        return self._default

    def navigate(self, to: Route | str, /, **params: str) -> None:
        """Go to a route with a new history entry (the back button returns here).

        Args:
            to: a :class:`Route`, or a path (with an optional ``?query``).
            params: query parameters added to ``to``'s.

        Example::

            nav.navigate("/todos", filter="done")
        """
        route = to if isinstance(to, Route) else Route.parse(to)
        route = self._known(route.with_params(**params) if params else route)
        if str(route) != self._location.read():
            self._location.push(str(route))
        self.update(route)

    def param(self, name: str, default: str = "") -> SubStore[str]:
        """A sub-store of one query parameter (``default`` while it is absent).

        Writing it replaces the URL (no new history entry); writing ``default``
        removes the parameter.

        Example::

            input_(value=nav.param("q").data).inputs.values().handled_by(nav.param("q").update)
        """

        def get(route: Route) -> str:
            return route.params.get(name, default)

        def set_(route: Route, value: str) -> Route:
            return route.with_params(**{name: None if value == default else value})

        return self.sub(Lens(get, set_, path=f"params.{name}"))

    def stop(self) -> None:
        """Stop following the URL (the store keeps its value)."""
        self._stop_listening()
        self._writes.cancel()

    def _known(self, route: Route) -> Route:
        if self._routes is not None and route.path not in self._routes:
            return self._default
        return route

    def _url_changed(self, text: str) -> None:
        route = self._known(Route.parse(text))
        if str(route) != text:
            self._location.replace(str(route))
        self.update(route)

    def _sync_location(self, route: Route) -> None:
        # Writes that did not come from the URL (update, a param sub-store)
        # replace it; navigate() has already pushed, so nothing happens then.
        text = str(route)
        if text != self._location.read():
            self._location.replace(text)
