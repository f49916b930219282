"""Rollout benchmark: states/s and time to verdict on Deployment rollouts, with and without
symmetry reduction.

Usage::

    python benchmarks/rollout.py                     # the bundled rollout specs + a 3x3 rollout, about 1 min
    python benchmarks/rollout.py --sizes 2 3 4       # generated rollouts of N replicas on N workers
    python benchmarks/rollout.py --specs-only

Each row is one breadth-first exploration to a complete verdict (liveness needs the whole state
graph, so "time to verdict" is the exploration time, ``stats.seconds``). The generated rollouts
start from a running Deployment (revision 1, every replica running, one per worker) and explore
``kubectl set image`` with every property of the spec family (the five defaults and the three
rollout properties); ``--surge``/``--unavailable`` set the strategy (default 1/1: the rollout
completes; 1/0 with full workers is stuck).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROPERTIES = ["type-ok", "no-overcommit", "replicas-bounded", "pods-schedulable", "eventually-stable",
              "rollout-bounded", "availability", "rollout-completes"]


def generated(replicas: int, surge: int | str, unavailable: int | str):  # type: ignore[no-untyped-def]
    """A running Deployment of ``replicas`` 600m pods on as many workers of 940m (one fits each)."""
    from kmodel.cluster import ClusterModel
    from kmodel.kubectl import set_image
    from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
    from kmodel.objects.nodes import Node, NodeStatus
    from kmodel.objects.workloads import (Container, Deployment, DeploymentSpec, DeploymentStrategy, PodSpec,
                                          PodTemplateSpec)
    from kmodel.properties import by_id

    alloc = (("cpu", 940), ("memory", 1600 << 20), ("pods", 110))
    nodes = [Node(ObjectMeta(f"worker-{i}"), status=NodeStatus(capacity=alloc, allocatable=alloc)) for i in range(replicas)]
    labels = (("app", "web"),)
    template = PodTemplateSpec(labels, PodSpec((Container("web", image="nginx:1.27", requests=(("cpu", 600),)),)))
    d = Deployment(ObjectMeta("web", "default"), DeploymentSpec(LabelSelector(labels), template, replicas,
                                                               DeploymentStrategy("RollingUpdate", surge, unavailable)))
    settle = ClusterModel([Namespace(ObjectMeta("default")), *nodes, d], properties=[])
    world = settle.init_states()[0]
    while (step := next(iter(settle.successors(world)), None)) is not None:
        world = step[1]
    return ClusterModel(world.cluster, events=[set_image("default", "web", "web", "nginx:1.28")],
                        properties=by_id(PROPERTIES))


def run(name: str, model, *, symmetry: bool, max_states: int | None) -> dict:  # type: ignore[no-untyped-def]
    wall = time.perf_counter()
    result = model.checker().symmetry(symmetry).max_states(max_states).progress(False).bfs()
    wall = time.perf_counter() - wall
    s = result.stats
    violated = sorted(k for k, v in result.properties.items() if v.verdict == "violated")
    return {"name": name, "symmetry": symmetry, "states": s.states, "transitions": s.transitions, "depth": s.depth,
            "seconds": s.seconds, "wall": wall, "rate": s.states_per_second, "verdict": result.verdict,
            "violated": violated, "complete": s.complete}


def main(argv: list[str] | None = None) -> int:
    import kmodel

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[3], help="generated rollouts: N replicas on N workers")
    parser.add_argument("--surge", default="1")
    parser.add_argument("--unavailable", default="1")
    parser.add_argument("--specs-only", action="store_true")
    parser.add_argument("--max-states", type=int, default=None)
    args = parser.parse_args(argv)

    def int_or_percent(v: str) -> int | str:
        return v if v.endswith("%") else int(v)

    rows = []
    for spec in sorted((ROOT / "specs").glob("rollout-*")):
        loaded = kmodel.load_spec([str(spec)])
        for symmetry in (True, False):
            rows.append(run(spec.name, loaded.model, symmetry=symmetry, max_states=args.max_states))
    if not args.specs_only:
        for n in args.sizes:
            model = generated(n, int_or_percent(args.surge), int_or_percent(args.unavailable))
            for symmetry in (True, False):
                rows.append(run(f"generated {n}x{n} surge {args.surge} unavailable {args.unavailable}", model,
                                symmetry=symmetry, max_states=args.max_states))

    print(f"kmodel rollout benchmark on {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}")
    header = f"{'model':<48} {'symmetry':>8} {'states':>8} {'transitions':>11} {'depth':>5} {'verdict s':>9} {'states/s':>9}  verdict"
    print(header)
    print("-" * len(header))
    for r in rows:
        verdict = r["verdict"] + (f" ({', '.join(r['violated'])})" if r["violated"] else "")
        if not r["complete"]:
            verdict += " [cut]"
        print(f"{r['name']:<48} {'on' if r['symmetry'] else 'off':>8} {r['states']:>8,} {r['transitions']:>11,} "
              f"{r['depth']:>5} {r['seconds']:>9.2f} {r['rate']:>9,.0f}  {verdict}")
    for i in range(0, len(rows), 2):
        on, off = rows[i], rows[i + 1]
        print(f"{on['name']}: symmetry x{off['states'] / on['states']:.2f} fewer states, "
              f"x{off['seconds'] / max(on['seconds'], 1e-9):.2f} faster to the verdict")
    return 0


if __name__ == "__main__":
    sys.exit(main())
