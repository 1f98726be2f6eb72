"""The benchmarks' report: medians, p95 and ratios to the baseline, in JSON and markdown."""

from __future__ import annotations

from typing import Any

from bench.report import markdown, summarize


def _result(baseline: list[float], other: list[float]) -> dict[str, Any]:
    return {
        "metrics": [
            {
                "label": "imports",
                "unit": "ms",
                "better": "lower",
                "baseline": "import pyfritz",
                "samples": {"import pyfritz": baseline, "then the app": other},
            }
        ]
    }


def test_ratios_are_taken_against_the_baselines_median() -> None:
    result = summarize(_result([1.0, 2.0, 3.0], [4.0, 6.0, 8.0]))
    stats = result["metrics"][0]["stats"]
    assert stats["then the app"] == {"median": 6.0, "p95": 8.0, "ratio": 3.0, "n": 3}
    assert "| then the app | 6.000 | 8.000 | 3.00x | 3 |" in markdown("t", "d", result)


def test_a_baseline_below_the_clocks_resolution_has_no_ratios() -> None:
    # An import taken from the runtime's snapshot times 0.0 ms in the page.
    result = summarize(_result([0.0, 0.0, 0.1], [8.8, 9.0, 9.4]))
    stats = result["metrics"][0]["stats"]
    assert stats["then the app"]["ratio"] is None and stats["then the app"]["median"] == 9.0
    assert "| then the app | 9.000 | 9.400 | — | 3 |" in markdown("t", "d", result)
