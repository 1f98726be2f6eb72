"""The development server and site builder for pyfritz pages (CPython only).

One process, one port: the pages and the vendored runtime as static files, the
browser package as one archive built on request, a WebSocket echo endpoint and
the sync server. ``python -m pyfritz.dev`` runs it; ``python -m pyfritz.dev.site``
writes the same files into a folder for any static host.
"""

from __future__ import annotations

from .app import create_app
from .bundle import build_bundle

__all__ = ["build_bundle", "create_app"]
