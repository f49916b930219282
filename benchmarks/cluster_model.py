"""Cluster-model benchmark: states/s of the full ``ClusterModel`` on bundled specs and on the
dynamic checks' rollout of a 5-replica Deployment.

Usage::

    python benchmarks/cluster_model.py                 # every entry, about 1-2 min
    python benchmarks/cluster_model.py --specs replicaset-node-crash pdb-drain-completes
    python benchmarks/cluster_model.py --no-rollout
    python benchmarks/cluster_model.py --check         # also compare with each spec's expected.json

Each spec row is one breadth-first exploration with the spec's own bounds (``maxDepth``,
``maxStates``), with symmetry reduction on and off, as ``specs/regenerate.py`` runs it; the
printed figures are ``stats.states``, ``stats.transitions``, ``stats.seconds`` (the search loop:
successors, fingerprints and properties) and states per second. ``--check`` compares states,
transitions and depth with ``expected.json`` and exits 1 on a difference (an optimisation must
not change a single count).

The rollout rows run what ``kmodel check`` runs for the ``rollout-*`` checks
(:mod:`kmodel.checks.dynamics`) on one node of 8 CPUs and a Deployment of 5 replicas of 600m with
the default strategy (25% / 25%): once with the check's own bounds (does it decide within
:data:`~kmodel.checks.dynamics.MAX_STATES` states and :data:`~kmodel.checks.dynamics.TIMEOUT`
seconds?) and once unbounded (how many states the rollout has).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPECS = ("replicaset-node-crash", "rollout-stuck-capacity-fixed", "hpa-apply-without-replicas",
         "pdb-drain-completes", "partition-empties-endpoints", "proxy-lag-terminating")

ROLLOUT = """\
apiVersion: kmodel.dev/v1alpha1
kind: NodePool
metadata: {name: worker}
spec: {count: 1, cpu: "8", memory: 16Gi}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: %(replicas)d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: main
          image: example/web:1.0
          resources: {requests: {cpu: 600m, memory: 64Mi}}
"""


def run_spec(name: str, *, symmetry: bool) -> dict:
    import kmodel

    loaded = kmodel.load_spec([str(ROOT / "specs" / name)])
    sc = loaded.scenario
    r = (loaded.model.checker().symmetry(symmetry).max_depth(sc.max_depth).max_states(sc.max_states)
         .progress(False).bfs())
    s = r.stats
    return {"name": name, "symmetry": symmetry, "states": s.states, "transitions": s.transitions,
            "depth": s.depth, "seconds": s.seconds, "verdict": r.verdict}


def run_rollout(replicas: int, *, bounded: bool) -> dict:
    from kmodel.checks import Inventory, run_checks
    from kmodel.checks import dynamics
    from kmodel.checks import runner

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.yaml"
        path.write_text(ROLLOUT % {"replicas": replicas})
        loaded = runner.run([str(path)], config=runner.Config(), select=["invalid-manifest"]).inventory.loaded
    inv = Inventory(loaded.documents, loaded)
    opts = {} if bounded else {"explore_max_states": 10**9, "explore_timeout": 3600.0, "explore_budget": 3600.0}
    wall = time.perf_counter()
    findings = run_checks(inv, select=["rollout-stuck"], options=opts)
    wall = time.perf_counter() - wall
    st = inv.cache["dynamics"]
    (outcome,) = st.memo.values()
    notes = dynamics.dynamics_notes(inv)
    label = (f"rollout {replicas} replicas, check bounds ({dynamics.MAX_STATES:,} states, {dynamics.TIMEOUT:g} s)"
             if bounded else f"rollout {replicas} replicas, unbounded")
    return {"name": label, "symmetry": True, "states": outcome.states, "transitions": None, "depth": None,
            "seconds": outcome.seconds, "verdict": ("; ".join(notes) or "decided") +
            (f", {len(findings)} finding(s)" if findings else ""), "wall": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", nargs="*", default=list(SPECS))
    parser.add_argument("--replicas", type=int, default=5)
    parser.add_argument("--no-rollout", action="store_true")
    parser.add_argument("--no-unbounded", action="store_true", help="skip the unbounded rollout row")
    parser.add_argument("--check", action="store_true", help="compare counts with expected.json")
    args = parser.parse_args(argv)

    rows = []
    failed = []
    for name in args.specs:
        for symmetry in (True, False):
            row = run_spec(name, symmetry=symmetry)
            rows.append(row)
            if args.check:
                exp = json.loads((ROOT / "specs" / name / "expected.json").read_text())
                want = exp["symmetry" if symmetry else "no_symmetry"]
                got = {k: row[k] for k in ("states", "transitions", "depth")}
                if got != want:
                    failed.append(f"{name} symmetry={symmetry}: {got} != {want}")
    if not args.no_rollout:
        rows.append(run_rollout(args.replicas, bounded=True))
        if not args.no_unbounded:
            rows.append(run_rollout(args.replicas, bounded=False))

    print(f"kmodel cluster-model benchmark on {platform.python_implementation()} {platform.python_version()}")
    header = (f"{'entry':<58} {'sym':>3} {'states':>8} {'transitions':>11} {'depth':>5} {'seconds':>8} "
              f"{'states/s':>9}  verdict")
    print(header)
    print("-" * len(header))
    total = 0.0
    for r in rows:
        total += r["seconds"]
        rate = r["states"] / r["seconds"] if r["seconds"] else 0.0
        tr = f"{r['transitions']:,}" if r["transitions"] is not None else "-"
        depth = r["depth"] if r["depth"] is not None else "-"
        print(f"{r['name']:<58} {'on' if r['symmetry'] else 'off':>3} {r['states']:>8,} {tr:>11} {depth:>5} "
              f"{r['seconds']:>8.2f} {rate:>9,.0f}  {r['verdict']}")
    print(f"total seconds: {total:.2f}")
    for f in failed:
        print("COUNT CHANGED:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
