"""Benchmarks in real Chromium: ``python -m bench [name ...]`` (``make bench``).

A benchmark is a page in ``bench/pages/`` that measures pyfritz against raw
JavaScript (and PyScript's own wrappers where they apply) and publishes its
samples as JSON; :mod:`bench.registry` lists the benchmarks, :mod:`bench.runner`
serves, runs and waits for them, :mod:`bench.report` turns samples into medians,
p95 and ratios and writes ``bench/results/<name>.json`` and ``<name>.md``.
See ``bench/README.md`` for how to add one.
"""
