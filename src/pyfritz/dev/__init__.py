"""The development tooling of pyfritz projects (CPython only).

``pyfritz dev`` (:mod:`.run`, :mod:`.app`): one process, one port: the pages,
the runtime from ``pyfritz-web-runtime``, the browser packages as one cached
archive, reload of open pages (:mod:`.reload`) and the sync server.
``pyfritz build`` (:mod:`.site`) writes the same files into a folder for any
static host; ``pyfritz new`` (:mod:`.new`) writes a project; :mod:`.testing`
helps a project test itself in Chromium.
"""

from __future__ import annotations

from .app import create_app
from .bundle import build_bundle

__all__ = ["build_bundle", "create_app"]
