"""Specs that pin ``kmodel schedule`` (``specs/*/schedule.json``, written by ``specs/regenerate.py``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "specs"))

from regenerate import schedule_expected_for  # noqa: E402

SPECS = sorted(p for p in (ROOT / "specs").iterdir() if (p / "schedule.json").exists())


@pytest.mark.parametrize("spec", SPECS, ids=[p.name for p in SPECS])
def test_schedule_matches_pinned(spec):
    assert schedule_expected_for(spec) == json.loads((spec / "schedule.json").read_text())


def test_the_issue_s_specs_are_pinned():
    names = {p.name for p in SPECS}
    assert {"spread-zone-hostname-scale-up", "spread-zone-hostname-scale-up-fits", "greedy-strands-big-pod",
            "zone-loss-unsafe"} <= names
