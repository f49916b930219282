"""Scheduling feasibility: kmodel's engine against the default scheduler's greedy placement,
first-fit-decreasing and a plain OR-tools CP-SAT model, on identical clusters.

Instances (``make_cluster``) are planted: nodes in three zones, two machine sizes (4 cpu / 16Gi
and 8 cpu / 32Gi), half with ``disk=ssd``, one in ten a GPU node tainted
``nvidia.com/gpu=present:NoSchedule``; Deployments with cpu/memory requests, some with a
``disk: ssd`` node selector, some tolerating and selecting GPU nodes, some with required
hostname anti-affinity against themselves. Replica counts come from filling every node to the
target cpu utilisation with pods that fit it, so a placement is known to exist at 80% and 95%.
``full`` fills every node until no pod fits, then adds pods of the largest unconstrained template
while their sum still fits the total free cpu and memory of the nodes they may use: the totals
fit, and whether the packing does is a hard question (the hardest rows below).
``tight-infeasible`` adds one pod of that template more than the total free cpu holds: infeasible
by less than one pod.

Run by hand::

    python benchmarks/scheduling.py            # every size, utilisation and solver
    python benchmarks/scheduling.py 1000 100   # one size

It prints, per instance: pods, nodes, templates; kmodel's verdict and time (with the backend it
chose); greedy's and FFD's stranded pods; CP-SAT's time on the per-pod model (when OR-tools is
installed). ``tests/benchmarks/test_scheduling.py`` keeps a small run of it in the suite.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kmodel.objects.affinity import Affinity, PodAffinityTerm, PodAntiAffinity
from kmodel.objects.meta import LabelSelector, ObjectMeta
from kmodel.objects.nodes import HOSTNAME_LABEL, ZONE_LABEL, Node, NodeSpec, NodeStatus, Taint, Toleration
from kmodel.objects.workloads import Container, Deployment, DeploymentSpec, PodSpec, PodTemplateSpec

__all__ = ["Template", "make_cluster", "first_fit_decreasing", "run"]

MI = 1 << 20
GPU_TAINT = Taint("nvidia.com/gpu", "NoSchedule", "present")


@dataclass
class Template:
    name: str
    cpu: int
    memory: int
    ssd: bool = False
    gpu: bool = False
    anti: bool = False
    replicas: int = 0

    def fits_kind(self, node: dict[str, Any]) -> bool:
        return self.gpu == node["gpu"] and (not self.ssd or node["ssd"])


def _nodes(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        big = i % 3 == 0
        out.append({"name": f"node-{i:03d}", "zone": "abc"[i % 3], "cpu": 8000 if big else 4000,
                    "memory": (32 if big else 16) << 30, "ssd": i % 2 == 0, "gpu": i % 10 == 9})
    return out


def _fill(spec: list[dict[str, Any]], pods: int, target: float, scale: float, seed: int) -> list[Template]:
    rng = random.Random(seed)
    templates = []
    for t in range(max(4, pods // 25)):
        templates.append(Template(f"app-{t:02d}", rng.choice([100, 250, 500, 750, 1000, 1500, 2000]),
                                  rng.choice([128, 256, 512, 1024, 2048, 3072]) * MI,
                                  ssd=rng.random() < 0.3, gpu=rng.random() < 0.1, anti=rng.random() < 0.15))
    capacity = sum(n["cpu"] for n in spec) * target
    mean = sum(t.cpu for t in templates) / len(templates)
    factor = capacity / pods / mean * scale
    for t in templates:
        t.cpu = max(50, int(t.cpu * factor) // 50 * 50)
        t.memory = max(64 * MI, int(t.memory * min(factor, 1.0)) // MI * MI)
    for node in spec:
        used_cpu = used_mem = 0
        on_node: set[str] = set()
        misses = 0
        while misses < 60:
            t = rng.choice(templates)
            if not t.fits_kind(node) or (t.anti and t.name in on_node) or \
                    used_cpu + t.cpu > node["cpu"] * target or used_mem + t.memory > node["memory"]:
                misses += 1
                continue
            used_cpu += t.cpu
            used_mem += t.memory
            t.replicas += 1
            on_node.add(t.name)
    return templates


def make_cluster(pods: int, nodes: int, utilisation: float | str, *, seed: int = 1) -> list[Any]:
    """Nodes and Deployments for a planted instance (see the module docstring); ``utilisation``
    is a fraction, ``"full"`` or ``"tight-infeasible"``. Request sizes are scaled so that about ``pods`` pods fill the
    nodes."""
    spec = _nodes(nodes)
    tight = utilisation in ("full", "tight-infeasible")
    target = 1.0 if tight else float(utilisation)
    scale = 1.0
    for _ in range(4):
        templates = _fill(spec, pods, target, scale, seed)
        count = sum(t.replicas for t in templates)
        scale *= count / pods
    if tight:
        # add pods of the largest unconstrained template while the total still fits the total
        # free cpu and memory of the nodes it may use: the sum fits, the packing does not
        free = [t for t in templates if not t.gpu and not t.ssd and not t.anti]
        big = max(free, key=lambda t: t.cpu)
        usable = [n for n in spec if big.fits_kind(n)]

        def slack() -> tuple[int, int]:
            return (sum(n["cpu"] for n in usable) - sum(t.cpu * t.replicas for t in templates if not t.gpu),
                    sum(n["memory"] for n in usable) - sum(t.memory * t.replicas for t in templates if not t.gpu))

        small = min(free, key=lambda t: t.cpu)
        while (slack()[0] < big.cpu or slack()[1] < big.memory) and small.replicas > 0:
            small.replicas -= 1
        big.replicas += max(1, min(slack()[0] // big.cpu, slack()[1] // big.memory))
        if utilisation == "tight-infeasible":
            while slack()[0] >= 0:  # one pod more than the total free cpu holds
                big.replicas += 1
    objects: list[Any] = []
    for node in spec:
        labels = {HOSTNAME_LABEL: node["name"], ZONE_LABEL: node["zone"]}
        if node["ssd"]:
            labels["disk"] = "ssd"
        if node["gpu"]:
            labels["accelerator"] = "gpu"
        alloc = (("cpu", node["cpu"]), ("memory", node["memory"]), ("pods", 110))
        objects.append(Node(ObjectMeta(node["name"], labels=tuple(sorted(labels.items()))),
                            NodeSpec(taints=(GPU_TAINT,) if node["gpu"] else ()),
                            NodeStatus(capacity=alloc, allocatable=alloc)))
    for t in templates:
        if t.replicas == 0:
            continue
        labels = (("app", t.name),)
        selector = []
        if t.ssd:
            selector.append(("disk", "ssd"))
        if t.gpu:
            selector.append(("accelerator", "gpu"))
        affinity = None
        if t.anti:
            affinity = Affinity(pod_anti_affinity=PodAntiAffinity(
                required=(PodAffinityTerm(HOSTNAME_LABEL, LabelSelector(labels)),)))
        pod = PodSpec((Container(t.name, image=t.name, requests=(("cpu", t.cpu), ("memory", t.memory))),),
                      node_selector=tuple(sorted(selector)),
                      tolerations=(Toleration("nvidia.com/gpu", "Exists", "", "NoSchedule"),) if t.gpu else (),
                      affinity=affinity)
        objects.append(Deployment(ObjectMeta(t.name, "default"),
                                  DeploymentSpec(LabelSelector(labels), PodTemplateSpec(labels, pod), replicas=t.replicas)))
    return objects


def first_fit_decreasing(problem: Any) -> int:
    """First-fit decreasing over the analysed options (static filters, resources, self
    anti-affinity per node): pods sorted by cpu then memory, each on the first node (by name)
    with room. Returns how many pods it leaves unplaced."""
    from kmodel.smt.placement import analyse

    a = analyse(problem)
    free = {n: dict(a.free[n]) for n in a.nodes}
    slots = dict(a.pods_free)
    per_node: dict[tuple[int, str], int] = {}
    order = sorted((g for g in problem.groups), key=lambda g: (-a.requests[g.index].get("cpu", 0),
                                                                -a.requests[g.index].get("memory", 0)))
    left = 0
    for g in order:
        req = a.requests[g.index]
        for _ in range(g.count):
            for n in a.nodes:
                cap = a.ub.get((g.index, n), 0)
                if per_node.get((g.index, n), 0) >= cap or slots[n] <= 0:
                    continue
                if all(free[n].get(r, 0) >= v for r, v in req.items()):
                    for r, v in req.items():
                        free[n][r] -= v
                    slots[n] -= 1
                    per_node[(g.index, n)] = per_node.get((g.index, n), 0) + 1
                    break
            else:
                left += 1
    return left


def _cpsat_per_pod(problem: Any, timeout: float = 30.0) -> tuple[str, float]:
    """A plain per-pod CP-SAT model (one Boolean per pod and node), for comparison."""
    from ortools.sat.python import cp_model

    from kmodel.smt.placement import analyse

    a = analyse(problem)
    start = time.perf_counter()
    m = cp_model.CpModel()
    y: dict[tuple[str, str], Any] = {}
    for g in problem.groups:
        for pod in g.pods:
            options = [n for n in a.nodes if a.ub.get((g.index, n), 0) > 0]
            for n in options:
                y[(pod.metadata.name, n)] = m.new_bool_var(f"{pod.metadata.name}@{n}")
            m.add_exactly_one(y[(pod.metadata.name, n)] for n in options)
    for n in a.nodes:
        for r in ("cpu", "memory"):
            terms = [(a.requests[g.index].get(r, 0), y[(p.metadata.name, n)]) for g in problem.groups
                     for p in g.pods if (p.metadata.name, n) in y]
            if terms:
                m.add(sum(c * v for c, v in terms) <= a.free[n].get(r, 0))
    for g1, g2, key in a.anti_pairs:
        if g1 == g2:
            for n in a.nodes:
                vs = [y[(p.metadata.name, n)] for p in problem.groups[g1].pods if (p.metadata.name, n) in y]
                if len(vs) > 1:
                    m.add_at_most_one(vs)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = timeout
    solver.parameters.num_workers = 2
    status = solver.solve(m)
    name = {cp_model.OPTIMAL: "feasible", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible"}.get(
        status, "unknown")
    return name, time.perf_counter() - start


def run(sizes: list[tuple[int, int]], utilisations: list[Any], *, seed: int = 1, greedy: bool = True,
        per_pod: bool = True, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Run every solver on every instance; one row per instance."""
    from kmodel.smt.packing import cpsat_available
    from kmodel.smt.placement import problem_from_objects
    from kmodel.smt.scheduling import feasibility
    from kmodel.scheduler.simulate import greedy_schedule

    rows = []
    for pods, nodes in sizes:
        for util in utilisations:
            problem = problem_from_objects(make_cluster(pods, nodes, util, seed=seed))
            row: dict[str, Any] = {"pods": problem.pending, "nodes": nodes, "templates": len(problem.groups),
                                   "utilisation": util}
            start = time.perf_counter()
            r = feasibility(problem, timeout=timeout, workers=2)
            row["kmodel"] = r.status
            row["kmodel_s"] = round(r.stats.get("decided_seconds", time.perf_counter() - start), 2)
            row["explained_s"] = round(time.perf_counter() - start, 2)
            row["backend"] = ",".join(sorted(set(r.stats["backends"]))) or "static"
            if greedy:
                start = time.perf_counter()
                g = greedy_schedule(problem.state, [p for grp in problem.groups for p in grp.pods],
                                    profile=problem.profile)
                row["greedy_stranded"] = len(g.pending)
                row["greedy_s"] = round(time.perf_counter() - start, 2)
            row["ffd_stranded"] = first_fit_decreasing(problem)
            if per_pod and cpsat_available():
                status, secs = _cpsat_per_pod(problem, timeout)
                row["cpsat_per_pod"] = status
                row["cpsat_per_pod_s"] = round(secs, 2)
            rows.append(row)
    return rows


def main(argv: list[str]) -> None:
    sizes = [(int(argv[0]), int(argv[1]))] if len(argv) >= 2 else [(50, 10), (200, 30), (1000, 100)]
    rows = run(sizes, [0.8, 0.95, "tight-infeasible", "full"])
    cols = ["pods", "nodes", "templates", "utilisation", "kmodel", "kmodel_s", "explained_s", "backend", "greedy_stranded",
            "greedy_s", "ffd_stranded", "cpsat_per_pod", "cpsat_per_pod_s"]
    print(" | ".join(cols))
    for row in rows:
        print(" | ".join(str(row.get(c, "-")) for c in cols))


if __name__ == "__main__":
    main(sys.argv[1:])
