"""Turn a page's samples into medians, p95 and ratios; write JSON and markdown.

What a bench page publishes (``<pre id="bench-result">`` holding JSON)::

    {
      "environment": {"userAgent": "...", "crossOriginIsolated": true, ...},
      "metrics": [
        {
          "label": "burst of 10,000 messages",
          "unit": "msg/s",
          "better": "higher",             # or "lower"
          "baseline": "raw JS",           # the variant ratios are taken against
          "samples": {"raw JS": [...], "pyfritz on_each": [...]}
        }
      ]
    }
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

__all__ = ["markdown", "p95", "summarize", "write"]


def p95(samples: list[float]) -> float:
    """The 95th percentile (nearest rank) of ``samples``."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """Add ``stats`` (median, p95, ratio to the baseline's median, n) to every metric.

    A baseline whose median is 0 (a time below the clock's resolution) has no
    ratios: ``None``, shown as a dash.
    """
    for metric in result["metrics"]:
        samples: dict[str, list[float]] = metric["samples"]
        base = statistics.median(samples[metric["baseline"]])
        metric["stats"] = {
            variant: {
                "median": statistics.median(values),
                "p95": p95(values),
                "ratio": statistics.median(values) / base if base else None,
                "n": len(values),
            }
            for variant, values in samples.items()
        }
    return result


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def markdown(title: str, description: str, result: dict[str, Any]) -> str:
    """The markdown report: one table per metric, then the environment."""
    lines = [f"# {title}", "", description, ""]
    for metric in result["metrics"]:
        better = "higher" if metric["better"] == "higher" else "lower"
        lines += [
            f"## {metric['label']} ({metric['unit']}, {better} is better)",
            "",
            f"| variant | median | p95 | ratio to {metric['baseline']} | samples |",
            "|---|---:|---:|---:|---:|",
        ]
        for variant, stats in metric["stats"].items():
            ratio = "—" if stats["ratio"] is None else f"{stats['ratio']:.2f}x"
            lines.append(
                f"| {variant} | {_number(stats['median'])} | {_number(stats['p95'])} "
                f"| {ratio} | {stats['n']} |"
            )
        if metric.get("note"):
            lines += ["", metric["note"]]
        lines.append("")
    lines += ["## Environment", ""]
    lines += [f"* {key}: `{value}`" for key, value in result.get("environment", {}).items()]
    return "\n".join(lines) + "\n"


def write(directory: Path, name: str, title: str, description: str, result: dict[str, Any]) -> Path:
    """Write ``<name>.json`` (samples and stats) and ``<name>.md``; return the markdown's path."""
    directory.mkdir(parents=True, exist_ok=True)
    summarize(result)
    (directory / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    path = directory / f"{name}.md"
    path.write_text(markdown(title, description, result), encoding="utf-8")
    return path
