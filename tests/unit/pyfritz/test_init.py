"""The package's public API: every module's public names, re-exported once."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pyfritz

# Modules whose names are not re-exported at the top level: the DOM layer is
# imported as `pyfritz.dom` (its tag names would shadow builtins like `input`),
# the private shim is private, and the CPython-only parts (server, dev
# tooling) are packages of their own that never ship to the browser.
NOT_REEXPORTED = {
    "pyfritz.dom",
    "pyfritz.events",
    "pyfritz.keyed",
    "pyfritz.navigation",
    "pyfritz._js",
}
CPYTHON_ONLY = {"pyfritz.server", "pyfritz.dev", "pyfritz.cli"}


def _public_modules() -> list[str]:
    return sorted(
        f"pyfritz.{info.name}"
        for info in pkgutil.iter_modules(pyfritz.__path__)
        if not info.name.startswith("_")
        and f"pyfritz.{info.name}" not in NOT_REEXPORTED | CPYTHON_ONLY
    )


def test_every_module_declares_all() -> None:
    for name in _public_modules():
        module = importlib.import_module(name)
        assert isinstance(getattr(module, "__all__", None), list), name


def test_every_public_name_of_the_core_modules_is_reexported() -> None:
    missing = {
        f"{name}.{symbol}"
        for name in _public_modules()
        for symbol in importlib.import_module(name).__all__
        if symbol not in pyfritz.__all__ and not _internal(name, symbol)
    }
    assert not missing


def test_all_lists_only_names_that_exist_without_duplicates() -> None:
    assert len(pyfritz.__all__) == len(set(pyfritz.__all__))
    for symbol in pyfritz.__all__:
        assert hasattr(pyfritz, symbol), symbol


def test_import_pyfritz_does_not_import_the_server_side() -> None:
    # A fresh interpreter: `import pyfritz` must not pull in Starlette & co.
    code = "import sys, pyfritz; print(sorted(m for m in sys.modules if m.split('.')[0] in "
    code += "('starlette', 'uvicorn', 'websockets') or m.startswith('pyfritz.server')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_import_pyfritz_does_not_need_the_browser() -> None:
    # CPython has no `js` module; importing the package must still work.
    assert importlib.util.find_spec("js") is None
    assert pyfritz.RootStore is not None


def _internal(module: str, symbol: str) -> bool:
    # Building blocks public in their module but kept out of the root namespace
    # (each listed with the module that defines it and the one that re-exports it).
    return (module, symbol) in {
        ("pyfritz.flows", "Sink"),
        ("pyfritz.flows", "DEFAULT_CAPACITY"),
        *(
            ("pyfritz.sinks", name)
            for name in ("Sink", "Source", "Unsubscribe", "DEFAULT_CAPACITY")
        ),
        ("pyfritz.reporting", "add_listener"),
        ("pyfritz.store", "SyncHandle"),
        ("pyfritz.update_queue", "UpdateQueue"),  # RootStore's base
        *(
            (module, name)
            for module in ("pyfritz.sync", "pyfritz.sync_handle")
            for name in ("SyncSession", "SyncSocket")
        ),
        *(
            (module, name)
            for module in ("pyfritz.reconnect", "pyfritz.links")
            for name in ("SessionLike", "Clock", "Timer", "CloseLike")
        ),
        *((module, "DEFAULT_NO_RETRY_CODES") for module in ("pyfritz.reconnect", "pyfritz.retry")),
    }


def _fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_pyfritz_loads_only_the_exceptions_until_a_name_is_used() -> None:
    # In the browser each module is compiled at every page load (issue 13).
    code = "import sys, pyfritz; print(sorted(m for m in sys.modules if m.startswith('pyfritz.')))"
    assert _fresh(code) == "['pyfritz.errors']"
    code = (
        "import sys; from pyfritz import RootStore; import pyfritz.dom; "
        "print(sorted(m for m in sys.modules if m.split('.')[1:2] in "
        "(['websocket'], ['reconnect'], ['sync'], ['resource'])))"
    )
    assert _fresh(code) == "[]"  # a page without sockets compiles none of them


def test_cold_flows_and_async_for_load_when_first_used() -> None:
    # A page whose flows are all hot and whose collectors are all sync never
    # imports pyfritz.cold or pyfritz.collector (issue 13).
    loaded = "print(sorted(m for m in sys.modules if m in ('pyfritz.cold', 'pyfritz.collector')))"
    code = f"import sys; from pyfritz import RootStore, websocket; import pyfritz.dom; {loaded}"
    assert _fresh(code) == "[]"
    code = f"import sys; from pyfritz.flows import flow_of; aiter(flow_of(1)); {loaded}"
    assert _fresh(code) == "['pyfritz.cold', 'pyfritz.collector']"
    code = "from pyfritz import flows, cold; print(flows.flow is cold.flow, 'flow' in dir(flows))"
    assert _fresh(code) == "True True"


def test_a_synced_store_without_a_validator_does_not_load_messages() -> None:
    # `messages` (its Message dataclass) loads when a validator runs or the
    # server refuses a put with messages, not when a page starts (issue 13).
    code = (
        "import sys; from pyfritz import Resource, RootStore, websocket; import pyfritz.dom; "
        "print('pyfritz.messages' in sys.modules)"
    )
    assert _fresh(code) == "False"
    code = (
        "import sys; from pyfritz import Resource; "
        "r = Resource(str, id=str, empty='', validate=lambda v: []); r.validate('x'); "
        "print('pyfritz.messages' in sys.modules)"
    )
    assert _fresh(code) == "True"


def test_names_shared_with_submodules_stay_the_public_ones() -> None:
    code = (
        "import pyfritz.websocket, pyfritz.errors, pyfritz.flows; "
        "from pyfritz import websocket, errors; "
        "print(callable(websocket), errors is pyfritz.flows.errors)"
    )
    assert _fresh(code) == "True True"


def test_sync_with_is_installed_by_the_module_a_socket_comes_from() -> None:
    code = (
        "from pyfritz import RootStore, websocket; from pyfritz import store; "
        "print(store._sync_with is not None)"
    )
    assert _fresh(code) == "True"
