"""``python -m bench [name ...]``: run the named benchmarks (all when none are named)."""

from __future__ import annotations

from bench.runner import main

raise SystemExit(main())
