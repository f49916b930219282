"""Diagram rendering time: kmodel on the bundled example and on 100 copies of it, beside KubeDiagrams.

    python benchmarks/diagrams.py                       # 1 and 100 copies, KubeDiagrams if installed
    python benchmarks/diagrams.py --copies 1 10 100 --kubediagrams /opt/kubediagrams-venv/bin/kube-diagrams

The input is ``examples/shop`` (the bundled example: a Namespace, two Deployments with Services,
a StatefulSet with a headless Service, an Ingress, an HPA, two PDBs, ConfigMap, PVC,
ServiceAccounts, a NetworkPolicy; a NodePool of three workers, and an assumptions file), and N
copies of its namespaced objects in namespaces ``shop-001`` ... (the NodePool and the assumptions
are kept once, the assumptions holding for every namespace). For each input it times, as
separate processes (wall time, Python start-up included, the way a user runs them):

* ``kmodel diagram DIR --view workload -o x.svg`` and ``--view architecture`` (manifests as
  written, as KubeDiagrams draws them), and the architecture with ``--settle`` (the model's
  controllers and scheduler place every pod first);
* ``kube-diagrams -o x.svg FILE`` (KubeDiagrams, PyPI ``kubediagrams``, which needs Debian's
  ``libgraphviz-dev``) on the same Kubernetes objects in one file, when it is installed (found
  on the PATH, at ``--kubediagrams``, or in ``$KUBEDIAGRAMS``), with a time limit;

and prints the wall times and the ratio KubeDiagrams / kmodel workload view. Nothing is written
outside a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shop"


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def make_input(copies: int, where: Path) -> tuple[Path, Path, int]:
    """A folder for kmodel and one YAML file for KubeDiagrams with ``copies`` copies of the example;
    returns them and the number of Kubernetes objects."""
    folder = where / f"shop-x{copies}"
    folder.mkdir()
    kube_objects: list[dict] = []
    namespaced: list[dict] = []
    for path in sorted(EXAMPLE.glob("*.yaml")):
        if path.name == ".kmodel.yaml":
            continue
        docs = _docs(path)
        if path.name == "assumptions.yaml":
            for d in docs:
                if d.get("metadata", {}).get("namespace"):
                    d["metadata"]["namespace"] = "*"
            (folder / path.name).write_text(yaml.safe_dump_all(docs, sort_keys=False))
            continue
        if all(str(d.get("apiVersion", "")).startswith("kmodel.dev/") for d in docs):
            (folder / path.name).write_text(path.read_text())  # the NodePool
            continue
        namespaced.extend(docs)
    shutil.copy(EXAMPLE / ".kmodel.yaml", folder / ".kmodel.yaml")
    out = []
    for i in range(1, copies + 1):
        ns = "shop" if copies == 1 else f"shop-{i:03d}"
        for d in namespaced:
            d = yaml.safe_load(yaml.safe_dump(d))
            if d["kind"] == "Namespace":
                d["metadata"]["name"] = ns
            else:
                d["metadata"]["namespace"] = ns
            out.append(d)
    (folder / "app.yaml").write_text(yaml.safe_dump_all(out, sort_keys=False))
    kube_objects = out
    single = where / f"shop-x{copies}.yaml"
    single.write_text(yaml.safe_dump_all(kube_objects, sort_keys=False))
    return folder, single, len(kube_objects)


def _timed(cmd: list[str], timeout: float) -> tuple[float | None, str]:
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, f"> {timeout:.0f} s (stopped)"
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        return None, f"failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}"
    return elapsed, f"{elapsed:.2f} s"


def _kubediagrams(arg: str | None) -> str | None:
    for candidate in (arg, os.environ.get("KUBEDIAGRAMS"), shutil.which("kube-diagrams"),
                      "/opt/kubediagrams-venv/bin/kube-diagrams"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--kubediagrams", default=None, help="path of the kube-diagrams command")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per KubeDiagrams run")
    args = parser.parse_args(argv)
    kd = _kubediagrams(args.kubediagrams)
    kmodel = [sys.executable, "-m", "kmodel.cli", "diagram"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        for copies in args.copies:
            folder, single, objects = make_input(copies, where)
            out = where / f"out-{copies}"
            out.mkdir()
            wl, wl_text = _timed(kmodel + [str(folder), "--view", "workload", "-o", str(out / "w.svg")], args.timeout)
            ar, ar_text = _timed(kmodel + [str(folder), "--view", "architecture", "-o", str(out / "a.svg")],
                                 args.timeout)
            st, st_text = _timed(kmodel + [str(folder), "--view", "architecture", "--settle", "-o",
                                           str(out / "s.svg")], args.timeout)
            if kd is not None:
                kdt, kd_text = _timed([kd, "-o", str(out / "kd.svg"), "-f", "svg", str(single)], args.timeout)
            else:
                kdt, kd_text = None, "not installed"
            if kdt is not None and wl:
                ratio = f"{kdt / wl:.1f}x"
            elif kd is not None and wl and kd_text.startswith(">"):
                ratio = f"> {args.timeout / wl:.1f}x"  # KubeDiagrams was stopped at the time limit
            else:
                ratio = "-"
            rows.append((copies, objects, wl_text, ar_text, st_text, kd_text, ratio))
            print(f"copies {copies}: {objects} objects: kmodel workload {wl_text}, architecture {ar_text}, "
                  f"architecture --settle {st_text}; KubeDiagrams {kd_text}; ratio {ratio}", flush=True)
    print()
    print("| copies | objects | kmodel workload | kmodel architecture | architecture --settle | KubeDiagrams | "
          "KubeDiagrams / kmodel |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
