"""The browser side of routing: the page's URL as a :class:`~pyfritz.router.Location`.

:func:`router` makes a :class:`~pyfritz.router.Router` over the page's URL and
:func:`link` an ``<a>`` that goes to a route without reloading the page.

Two modes:

* ``"hash"`` (the default): the route lives after ``#`` (``page.html#/done?q=x``).
  Works on any static host, since the server only ever sees ``page.html``.
  Links are plain ``<a href="#/done">``: the browser changes the hash itself
  (no reload; ctrl-click opens a new tab as usual) and the router follows
  ``hashchange``.
* ``"history"``: the route is the URL's path and query (``/done?q=x``), via
  ``history.pushState``. The server must answer every such path with the page.
  Links call :meth:`~pyfritz.router.Router.navigate` on click.

Back and forward work in both: the router follows ``hashchange`` or
``popstate``. Listeners and their proxies live as long as the router; call
``router.stop()`` to remove them.

Example::

    from pyfritz.navigation import link, router

    nav = router("/all", routes=("/all", "/active", "/done"))

    def app() -> None:
        with nav_bar():
            link(nav, "/all", "All")
            link(nav, "/done", "Done")
        render_flow(nav.data, lambda route: todo_list(route.path))
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Literal

from . import _js
from .dom import Element, Text, a
from .router import Route, Router

__all__ = ["BrowserLocation", "Mode", "link", "router"]

#: Where the route is kept in the URL.
Mode = Literal["hash", "history"]


class BrowserLocation:
    """The page's URL, read and written through ``location`` and ``history``.

    Args:
        mode: ``"hash"`` or ``"history"`` (see the module's docs).
    """

    def __init__(self, mode: Mode = "hash") -> None:
        if mode not in ("hash", "history"):
            raise ValueError(f"mode must be 'hash' or 'history', not {mode!r}")
        self.mode: Mode = mode

    def read(self) -> str:
        """The route text of the current URL."""
        location = _js.window().location
        if self.mode == "hash":
            return str(location.hash).removeprefix("#") or "/"
        return f"{location.pathname}{location.search}"

    def href(self, text: str) -> str:
        """The ``href`` of a link to the route ``text``."""
        return "#" + text if self.mode == "hash" else text

    def push(self, text: str) -> None:
        """A new history entry; ``pushState`` changes the URL without any event."""
        _js.window().history.pushState(None, "", self.href(text))

    def replace(self, text: str) -> None:
        """Change the current history entry's URL without any event."""
        _js.window().history.replaceState(None, "", self.href(text))

    def listen(self, on_change: Callable[[str], None]) -> Callable[[], None]:
        """Call ``on_change`` when the user changes the URL; return the remover."""
        window = _js.window()
        event = "hashchange" if self.mode == "hash" else "popstate"

        def changed(_event: Any) -> None:
            on_change(self.read())

        proxy = _js.create_proxy(changed)
        window.addEventListener(event, proxy)
        removed = False

        def remove() -> None:
            nonlocal removed
            if not removed:
                removed = True
                window.removeEventListener(event, proxy)
                _js.destroy_proxy(proxy)

        return remove


class _BrowserRouter(Router):
    """A router that knows its browser location (for :func:`link`)."""

    def __init__(
        self,
        location: BrowserLocation,
        default: Route | str,
        *,
        routes: Collection[str] | None,
    ) -> None:
        self.location = location
        super().__init__(location, default, routes=routes)


def router(
    default: Route | str = "/",
    *,
    routes: Collection[str] | None = None,
    mode: Mode = "hash",
) -> Router:
    """A :class:`~pyfritz.router.Router` over the page's URL.

    Args:
        default: where the empty URL and unknown paths go.
        routes: the known paths; ``None`` accepts every path.
        mode: ``"hash"`` (any static host) or ``"history"`` (``pushState``).

    Raises:
        ValueError: an unknown ``mode``, or ``default`` not among ``routes``.

    Example::

        nav = router("/all", routes=("/all", "/active", "/done"))
        nav.navigate("/done")
    """
    return _BrowserRouter(BrowserLocation(mode), default, routes=routes)


def link(nav: Router, to: Route | str, *children: Text, **attrs: Any) -> Element:
    """An ``<a>`` that goes to the route ``to`` of ``nav`` without reloading the page.

    ``attrs`` are passed to :func:`~pyfritz.dom.a` (``classes=``, ``aria_current=``...).

    Example::

        link(nav, "/done", "Done", classes={"active": nav.data.map(lambda r: r.path == "/done")})
    """
    route = to if isinstance(to, Route) else Route.parse(to)
    location = getattr(nav, "location", None)
    if not isinstance(location, BrowserLocation):
        raise TypeError("link() needs a router made by pyfritz.navigation.router()")
    element = a(*children, href=location.href(str(route)), **attrs)
    if location.mode == "history":
        element.clicks.prevent_default().handled_by(lambda _event: nav.navigate(route))
    return element
