"""``diagrams/`` holds every planned render and each one matches its inputs.

When this fails, run ``python diagrams/regenerate.py`` and review the pictures.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

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


def test_diagrams_match_their_inputs():
    """The DOT each file was drawn from is what its inputs give now (``kmodel diagram --check
    diagrams`` also compares the bytes; determinism of the bytes is tested in test_output)."""
    problems = check_directory(str(DIAGRAMS), compare_bytes=False)
    assert not problems, "run `python diagrams/regenerate.py`:\n" + "\n".join(problems)
