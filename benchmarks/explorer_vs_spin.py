"""Explorer benchmark: the same ReplicaSet-with-node-crashes model in kmodel and in Spin.

Usage::

    python benchmarks/explorer_vs_spin.py [--R 3 --N 4 --F 2] [--spin-dfs] [--no-cluster]

1. kmodel explores :class:`benchmarks.rs_crash.model.RSCrash` breadth-first with symmetry
   reduction off;
2. Spin explores the generated Promela twin (:mod:`benchmarks.rs_crash.promela`), compiled with
   ``gcc -O2 -DNOREDUCE -DSAFETY -DBFS`` in a temporary directory; the two state counts must be
   equal (the script exits with status 1 otherwise);
3. kmodel explores the same model with symmetry reduction (nodes and pod slots interchangeable);
4. kmodel explores the full Kubernetes :class:`kmodel.cluster.ClusterModel` (API server,
   ReplicaSet controller, garbage collector, scheduler, kubelet, node crashes) at a small size,
   with and without symmetry. That is a different, much richer state space: its rate is shown
   for scale, not compared with Spin.

Times are exploration times: kmodel's ``stats.seconds`` and pan's own ``elapsed time`` (Spin's
translation and C compilation are shown separately as "build").
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.rs_crash.model import RSCrash  # noqa: E402
from benchmarks.rs_crash.promela import run_spin, spin_available  # noqa: E402


def cluster_model(replicas: int, nodes: int, node_failures: int):  # type: ignore[no-untyped-def]
    """The full-semantics twin: ``nodes`` alike nodes, one ReplicaSet, ``node_failures`` crashes."""
    from kmodel.cluster import ClusterModel, Faults
    from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
    from kmodel.objects.nodes import Node, NodeStatus
    from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec

    alloc = (("cpu", 4000), ("memory", 8 << 30), ("pods", 110))
    node_objs = [Node(ObjectMeta(f"node-{i}"), status=NodeStatus(capacity=alloc, allocatable=alloc))
                 for i in range(nodes)]
    labels = (("app", "web"),)
    rs = ReplicaSet(ObjectMeta("web", "default"), ReplicaSetSpec(
        LabelSelector(labels),
        PodTemplateSpec(labels, PodSpec((Container("web", requests=(("cpu", 500),)),))),
        replicas=replicas))
    return ClusterModel([Namespace(ObjectMeta("default")), *node_objs, rs],
                        faults=Faults(node_failures=node_failures))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def rate(states: int, seconds: float) -> str:
    return f"{states / seconds:,.0f}" if seconds > 0 else "inf"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--R", type=int, default=3, help="replicas (default 3)")
    ap.add_argument("--N", type=int, default=4, help="nodes (default 4)")
    ap.add_argument("--F", type=int, default=2, help="node-crash budget (default 2)")
    ap.add_argument("--spin-dfs", action="store_true", help="also run pan depth-first")
    ap.add_argument("--repeat", type=int, default=1,
                    help="time each exploration this many times and keep the fastest (default 1)")
    ap.add_argument("--no-cluster", action="store_true", help="skip the ClusterModel runs")
    ap.add_argument("--cluster-R", type=int, default=3)
    ap.add_argument("--cluster-N", type=int, default=3)
    ap.add_argument("--cluster-F", type=int, default=1)
    args = ap.parse_args(argv)
    R, N, F = args.R, args.N, args.F

    model = RSCrash(R, N, F)
    print(f"explorer benchmark: ReplicaSet with node crashes, R={R} N={N} F={F} "
          f"(S={model.S} pod slots), {time.strftime('%Y-%m-%d')}, best of {max(1, args.repeat)}")
    print(f"machine: {machine()}")
    print()

    rows: list[tuple[str, int, int, float, str]] = []
    def best(run):  # type: ignore[no-untyped-def]
        results = [run() for _ in range(max(1, args.repeat))]
        return min(results, key=lambda r: r.stats.seconds if hasattr(r, "stats") else r.seconds)

    km = best(lambda: model.checker().symmetry(False).progress(False).bfs())
    if km.verdict != "holds" or not km.stats.complete:
        print(f"kmodel: unexpected verdict {km.verdict} ({km.stats.cut})")
        return 1
    rows.append(("kmodel BFS (symmetry off)", km.stats.states, km.stats.transitions, km.stats.seconds,
                 rate(km.stats.states, km.stats.seconds)))

    spin_runs = []
    if not spin_available():
        print("spin or gcc not found: Spin skipped")
    else:
        with tempfile.TemporaryDirectory(prefix="rs_crash_spin_") as work:
            modes = [True, False] if args.spin_dfs else [True]
            for bfs in modes:
                sp = best(lambda bfs=bfs: run_spin(R, N, F, Path(work) / ("bfs" if bfs else "dfs"), bfs=bfs,
                                                   expected_states=km.stats.states))
                spin_runs.append((bfs, sp))
                rows.append((f"Spin pan {'BFS' if bfs else 'DFS'}", sp.states, sp.transitions, sp.seconds,
                             rate(sp.states, sp.seconds)))

    sym = best(lambda: model.checker().symmetry(True).progress(False).bfs())
    rows.append(("kmodel BFS (symmetry on)", sym.stats.states, sym.stats.transitions, sym.stats.seconds,
                 rate(sym.stats.states, sym.stats.seconds)))

    print(f"{'tool':<28} {'states':>12} {'transitions':>12} {'seconds':>9} {'states/s':>12}")
    for name, states, trans, secs, r in rows:
        print(f"{name:<28} {states:>12,} {trans:>12,} {secs:>9.2f} {r:>12}")
    print()

    status = 0
    for bfs, sp in spin_runs:
        mode = "BFS" if bfs else "DFS"
        if sp.errors:
            print(f"Spin {mode}: {sp.errors} error(s) (assertion violated?)")
            status = 1
        if sp.states == km.stats.states:
            print(f"state counts equal: kmodel {km.stats.states:,} = Spin {mode} {sp.states:,} "
                  f"(Spin's transitions = kmodel's + 1: pan counts the initial state as a transition)")
        else:
            print(f"STATE COUNTS DIFFER: kmodel {km.stats.states:,}, Spin {mode} {sp.states:,}")
            status = 1
        if sp.seconds > 0 and km.stats.seconds > 0:
            ratio = f"{(sp.states / sp.seconds) / (km.stats.states / km.stats.seconds):.1f}x"
        else:
            ratio = "n/a (too fast to time; use larger --R/--N/--F)"
        print(f"ratio Spin {mode} / kmodel (states/s): {ratio}  "
              f"[Spin build (spin -a + gcc): {sp.build_seconds:.1f} s, not included; flags: {sp.flags}]")
    print(f"symmetry reduction: {km.stats.states:,} -> {sym.stats.states:,} states "
          f"({km.stats.states / sym.stats.states:.1f}x fewer); time {km.stats.seconds:.2f} s -> "
          f"{sym.stats.seconds:.2f} s")

    if not args.no_cluster:
        cR, cN, cF = args.cluster_R, args.cluster_N, args.cluster_F
        print()
        print(f"full Kubernetes semantics (ClusterModel: API server, ReplicaSet controller, GC, "
              f"scheduler, kubelet, node crashes), R={cR} N={cN} F={cF};")
        print("a different and richer state space than above: rates are not comparable with Spin's.")
        cm = cluster_model(cR, cN, cF)
        print(f"{'run':<28} {'states':>12} {'transitions':>12} {'seconds':>9} {'states/s':>12}  verdict")
        for on in (False, True):
            res = best(lambda on=on: cm.checker().symmetry(on).progress(False).bfs())
            name = f"ClusterModel BFS (sym {'on' if on else 'off'})"
            print(f"{name:<28} {res.stats.states:>12,} {res.stats.transitions:>12,} {res.stats.seconds:>9.2f} "
                  f"{rate(res.stats.states, res.stats.seconds):>12}  {res.verdict}")
    return status


if __name__ == "__main__":
    sys.exit(main())
