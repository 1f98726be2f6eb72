# Two-way input binding, click and checkbox handlers, DOM properties, prevented submit.
from dataclasses import dataclass, replace

from pyscript import document

from pyfritz.dom import button, div, form, input_, label, p, render, span
from pyfritz.store import RootStore, handler


@dataclass(frozen=True)
class Person:
    name: str = "Ann"
    clicks: int = 0
    agree: bool = False
    submits: int = 0


class PersonStore(RootStore[Person]):
    @handler
    def click(self, person: Person) -> Person:
        return replace(person, clicks=person.clicks + 1)

    @handler
    def submit(self, person: Person) -> Person:
        return replace(person, submits=person.submits + 1)

    @handler
    def reset(self, person: Person) -> Person:
        return Person(name="", agree=False, clicks=person.clicks, submits=person.submits)


store = PersonStore(Person())
name = store.sub("name")
agree = store.sub("agree")


def app() -> None:
    with div(classes="card"):
        label("Name", for_="name")
        input_(id="name", value=name.data).inputs.values().handled_by(name.update)
        p(name.data.map(lambda n: f"Hello, {n}!"), id="greeting")
        input_(id="mirror", value=name.data, disabled=True)
        button("Click me", id="clicker").clicks.handled_by(store.click)
        span(store.data.map(lambda x: x.clicks), id="count")
        agree_box = input_(id="agree", type="checkbox", checked=agree.data)
        agree_box.changes.checked().handled_by(agree.update)
        span(
            agree.data.map(lambda a: "yes" if a else "no"), id="agreed", classes={"on": agree.data}
        )
        button("Reset", id="reset").clicks.handled_by(store.reset)
        with form(id="form") as editor:
            input_(name="q", value="x")
            button("Go", type="submit", id="go")
        editor.submits.prevent_default().handled_by(store.submit)
        span(store.data.map(lambda x: x.submits), id="submits")


render("#app", app)
document.body.dataset.ready = "true"
