# A hash router: links, back/forward, a deep link, a query parameter bound to an input.
from pyscript import document

from pyfritz.dom import button, div, input_, p, render, span
from pyfritz.navigation import link, router
from pyfritz.router import Route

nav = router("/all", routes=("/all", "/active", "/done"))
query = nav.param("q")


def page(path: str) -> None:
    span(f"page {path}", id="page")


def app() -> None:
    with div():
        link(nav, "/all", "All", id="to-all")
        link(nav, "/done", "Done", id="to-done")
        link(nav, Route("/active", {"q": "x"}), "Active x", id="to-active")
        input_(id="q", value=query.data).inputs.values().handled_by(query.update)
        p(nav.data.map(lambda route: route.path), id="path")
        nav.data.map(lambda route: route.path).render(page)  # flow.render, as in fritz2
        button("Go to done", id="go-done").clicks.handled_by(lambda _: nav.navigate("/done"))


render("#app", app)
document.body.dataset.ready = "true"
