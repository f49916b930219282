"""The BMC-vs-BFS benchmark runs, and the engines agree on every row it finishes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bmc_vs_bfs import agree, run, summary  # noqa: E402


def test_quick_grid_agrees_and_reports_winners():
    out = io.StringIO()
    rows = run(True, 20.0, out)
    assert rows and not agree(rows)
    text = out.getvalue() + summary(rows)
    assert "where each wins:" in text and "rs-race" in text
    assert {r.winner for r in rows} <= {"bfs", "bmc"}
