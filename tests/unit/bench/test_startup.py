"""The start-up bench's pages: the demo's page without its app, and the per-round ratios."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench import startup


def test_the_floor_page_is_the_demo_page_with_one_print_for_its_app() -> None:
    demo = (startup.ROOT / "index.html").read_text(encoding="utf-8")
    floor = startup._floor_html()
    assert "from demo.person import main" not in floor
    assert "print(" in floor
    # Everything else of the page stays: stylesheet, preload, config, indicator.
    before, _, after = demo.partition(startup._APP)
    assert floor.startswith(before)
    assert floor.endswith(after)
    assert 'config="./pyscript.toml"' in before
    assert "pyfritz.css" in before


def test_a_changed_demo_page_stops_the_bench_instead_of_timing_the_demo_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "index.html").write_text("<script type=py>import demo</script>", encoding="utf-8")
    monkeypatch.setattr(startup, "ROOT", tmp_path)
    with pytest.raises(RuntimeError, match="no longer runs its app"):
        startup._floor_html()


def test_per_round_ratios_are_taken_against_both_baselines() -> None:
    note = startup._per_round(
        {
            startup._DEMO: [110.0, 120.0, 130.0],
            startup._BARE: [100.0, 100.0, 100.0],
            startup._FLOOR: [100.0, 120.0, 100.0],
        }
    )
    bare, floor = note.split("\n\n")
    assert bare.startswith("Demo / bare page per round (loaded back to back): median 1.20x")
    assert "(rounds: 1.10, 1.20, 1.30)" in bare
    assert floor.startswith("Demo / page without its app per round")
    assert "median 1.10x (rounds: 1.10, 1.00, 1.30)" in floor
