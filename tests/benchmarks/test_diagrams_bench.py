"""benchmarks/diagrams.py builds the same input for both tools; the timing itself runs by hand."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("diagrams_bench", ROOT / "benchmarks/diagrams.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_copies_are_namespaced_and_counted(tmp_path):
    folder, single, objects = _bench().make_input(3, tmp_path)
    docs = list(yaml.safe_load_all(single.read_text()))
    assert objects == len(docs) and objects % 3 == 0
    spaces = {d["metadata"].get("namespace") or d["metadata"]["name"] for d in docs}
    assert spaces == {"shop-001", "shop-002", "shop-003"}
    assert (folder / ".kmodel.yaml").exists()


@pytest.mark.benchmark
def test_benchmark_runs():
    assert _bench().main(["--copies", "1", "--timeout", "60"]) == 0
