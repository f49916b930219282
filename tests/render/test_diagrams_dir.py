"""``diagrams/`` holds every planned render and each one matches its inputs.

When this fails, run ``python diagrams/regenerate.py`` and review the pictures.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from kmodel.render.command import check_directory
from kmodel.render.output import format_of, read_stamp

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS = ROOT / "diagrams"


def _plan():
    spec = importlib.util.spec_from_file_location("regenerate", DIAGRAMS / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_planned_diagram_is_there_and_nothing_else():
    present = set()
    for name in os.listdir(DIAGRAMS):
        try:
            fmt = format_of(name)
        except Exception:
            continue
        if read_stamp((DIAGRAMS / name).read_bytes(), fmt) is not None:
            present.add(name)
    expected = _plan().expected_files()
    assert present == expected, "run `python diagrams/regenerate.py`: " \
        f"missing {sorted(expected - present)}, not planned {sorted(present - expected)}"


#: Specs whose counterexamples are also checked in the default suite (the others' traces need an
#: exploration each: see the slow test).
QUICK_SPECS = ("pinned-pod-overcommit", "replicaset-capacity-short")


def _quick(request) -> bool:
    explores = request.view in ("trace", "states") or (request.view == "traffic" and request.prop)
    return not explores or any(request.paths[0].endswith(name) for name in QUICK_SPECS)


def test_diagrams_match_their_inputs():
    """Architecture, workload and traffic diagrams of every spec and example, and the traces of
    two specs, are what their inputs give now (the DOT digest; ``kmodel diagram --check
    diagrams`` also compares the bytes, whose determinism test_output checks)."""
    problems = check_directory(str(DIAGRAMS), compare_bytes=False, select=_quick)
    assert not problems, "run `python diagrams/regenerate.py`:\n" + "\n".join(problems)


@pytest.mark.slow
def test_every_diagram_matches_its_inputs():
    """All of them, counterexample traces and state graphs included (one exploration per spec)."""
    problems = check_directory(str(DIAGRAMS))
    assert not problems, "run `python diagrams/regenerate.py`:\n" + "\n".join(problems)
