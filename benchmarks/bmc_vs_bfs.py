"""Time to verdict: Z3 bounded model checking against explicit breadth-first search.

The same numeric models (:mod:`kmodel.smt.models`) are checked by both engines, on the same
depth bound, as the number of replicas and the depth grow. Each row reports the verdict of both
engines (they must agree: same verdict, same counterexample length, or the script exits 1), the
states BFS stored, and the seconds each took; the summary says where each engine wins.

    python benchmarks/bmc_vs_bfs.py              # the default grid, a few minutes
    python benchmarks/bmc_vs_bfs.py --quick      # a few rows, a few seconds (used by the tests)
    python benchmarks/bmc_vs_bfs.py --timeout 60

Workloads:

* ``rs-race``: the ReplicaSet expectations race (informer slower than the 5-minute expiry), a
  violation 3 steps deep, with creations that may partially fail: BFS branches on every number
  of successful creations (up to ``replicas``);
* ``rs-bounded``: the same model with a fast informer, where nothing is violated: both engines
  must cover every state within the depth;
* ``rollout``: the rolling update (maxSurge 1, maxUnavailable 1), ``surge-bound`` and
  ``availability`` within the depth;
* ``pdb``: the PDB with one node failure, a violation 3 steps deep;
* ``rollover``: the rolling update with one template change mid-rollout, ``availability``;
* ``stall``: liveness, the rolling update (maxSurge 1, maxUnavailable 0) on ``replicas`` nodes of
  one pod slot: ``rollout-finishes`` fails in a stuck state 2 steps deep. BFS needs the whole
  graph for a liveness verdict (it runs without the depth bound); the SMT engine searches stuck
  states and fair lassos up to the depth; ``stall-range`` leaves replicas and nodes open over
  ``1..R`` (every cluster size at once);
* ``spare``: the same with one spare node, where the rollout always finishes: BFS proves it on the
  whole graph, the SMT engine proves nothing within a bound (``incomplete``): BFS wins by verdict;
* ``*-range``: ``replicas`` left open over ``1..R`` (BFS starts from every value; BMC keeps it
  symbolic).

A row where one engine reaches a verdict and the other only ``incomplete`` is won by the first.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kmodel.errors import InvalidModel
from kmodel.model import Expectation
from kmodel.smt.bmc import bmc
from kmodel.smt.models import DisruptionBudget, ReplicaSetExpectations, RollingUpdate

_LIVENESS = (Expectation.EVENTUALLY, Expectation.EVENTUALLY_ALWAYS)


@dataclass
class Row:
    workload: str
    replicas: str
    depth: int
    prop: str
    bfs_verdict: str
    bfs_len: int | None
    bfs_states: int
    bfs_seconds: float | None
    bmc_verdict: str
    bmc_len: int | None
    bmc_seconds: float | None

    @property
    def winner(self) -> str:
        if self.bfs_seconds is None and self.bmc_seconds is None:
            return "neither"
        if self.bfs_seconds is None:
            return "bmc"
        if self.bmc_seconds is None:
            return "bfs"
        if (self.bfs_verdict == "incomplete") != (self.bmc_verdict == "incomplete"):
            return "bmc" if self.bfs_verdict == "incomplete" else "bfs"
        return "bmc" if self.bmc_seconds < self.bfs_seconds else "bfs"


WORKLOADS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "rs-race": (lambda r: ReplicaSetExpectations(replicas=r, burst=500, slow_informer=1, api_errors=1),
                "replicas-bounded"),
    "rs-bounded": (lambda r: ReplicaSetExpectations(replicas=r, burst=500, api_errors=1, max_losses=1),
                   "replicas-bounded"),
    "rollout": (lambda r: RollingUpdate(replicas=r, max_surge=1, max_unavailable=1), "availability"),
    "pdb": (lambda r: DisruptionBudget(replicas=r, pdb_kind=1, pdb_value=50, max_failures=1),
            "eviction-respects-budget"),
    "rollover": (lambda r: RollingUpdate(replicas=r, max_surge=1, max_unavailable=1, max_rollovers=1), "availability"),
    "stall": (lambda r: RollingUpdate(replicas=r, max_surge=1, max_unavailable=0,
                                      nodes=r if isinstance(r, int) else (r[0], r[1])), "rollout-finishes"),
    "spare": (lambda r: RollingUpdate(replicas=r, max_surge=1, max_unavailable=0, nodes=r + 1), "rollout-finishes"),
}


def _is_liveness(model: Any, prop: str) -> bool:
    return model.formula(prop).expectation in _LIVENESS


def _bfs(model: Any, prop: str, depth: int, timeout: float) -> tuple[str, int | None, int, float | None]:
    start = time.monotonic()
    bound = None if _is_liveness(model, prop) else depth  # liveness needs the whole graph
    try:
        r = model.select([prop]).checker().max_depth(bound).timeout(timeout).progress(False).bfs()
    except InvalidModel:  # too many initial states to enumerate: BFS cannot start
        return "incomplete", None, 0, None
    seconds = time.monotonic() - start
    res = r[prop]
    timed_out = "timeout" in r.stats.cut
    return res.verdict, (len(res.path) if res.path is not None else None), r.stats.states, (None if timed_out else seconds)


def _bmc(model: Any, prop: str, depth: int, timeout: float) -> tuple[str, int | None, float | None]:
    start = time.monotonic()
    r = bmc(model, depth=depth, properties=[prop], timeout=timeout, exhaust=False)
    seconds = time.monotonic() - start
    res = r[prop]
    gave_up = "gave up" in r.stats.cut
    return res.verdict, (len(res.path) if res.path is not None else None), (None if gave_up else seconds)


def grid(quick: bool) -> list[tuple[str, Any, int]]:
    if quick:
        return [("rs-race", 2, 4), ("rs-race", 64, 4), ("rollout", 2, 4), ("pdb", 4, 4),
                ("rs-race-range", (1, 32), 4), ("stall", 2, 4)]
    out: list[tuple[str, Any, int]] = []
    for r in (2, 8, 32, 128, 500, 10_000):
        out.append(("rs-race", r, 4))
    for r in (2, 8, 32, 128):
        for d in (4, 8):
            out.append(("rs-bounded", r, d))
    for r in (1, 2, 4, 8, 16):
        for d in (4, 8):
            out.append(("rollout", r, d))
    for r in (4, 16, 64, 256, 1024):
        out.append(("pdb", r, 4))
    for r in (1, 2, 4, 8):
        out.append(("rollover", r, 6))
    for r in (1, 2, 4, 8, 16, 10_000):
        out.append(("stall", r, 4))
    for r in (1, 2, 4, 8):
        out.append(("spare", r, 4))
    for hi in (8, 64, 512, 10_000):
        out.append(("rs-race-range", (1, hi), 4))
        out.append(("pdb-range", (1, hi), 4))
    for hi in (8, 32, 64, 10_000):
        out.append(("stall-range", (1, hi), 4))
    return out


def run(quick: bool, timeout: float, out: Any = sys.stdout) -> list[Row]:
    rows = []
    header = (f"{'workload':<15} {'replicas':>10} {'depth':>5}  {'BFS verdict':<14} {'states':>9} {'BFS s':>8}  "
              f"{'BMC verdict':<14} {'BMC s':>8}  winner")
    print(header, file=out)
    print("-" * len(header), file=out)
    for name, replicas, depth in grid(quick):
        base = name.removesuffix("-range")
        make, prop = WORKLOADS[base]
        model = make(replicas)
        bv, blen, states, bs = _bfs(model, prop, depth, timeout)
        mv, mlen, ms = _bmc(model, prop, depth, timeout)
        row = Row(name, str(replicas), depth, prop, bv, blen, states, bs, mv, mlen, ms)
        rows.append(row)

        def fmt(v: str, n: int | None) -> str:
            return v + (f" ({n})" if n is not None and v != "incomplete" else "")

        def secs(s: float | None) -> str:
            return f"{s:8.2f}" if s is not None else "  >limit"

        print(f"{name:<15} {str(replicas):>10} {depth:>5}  {fmt(bv, blen):<14} {states:>9,} {secs(bs)}  "
              f"{fmt(mv, mlen):<14} {secs(ms)}  {row.winner}", file=out, flush=True)
    return rows


def agree(rows: list[Row]) -> list[str]:
    """Disagreements between the engines (where both finished)."""
    bad = []
    for r in rows:
        if r.bfs_seconds is None or r.bmc_seconds is None:
            continue
        live = r.workload.removesuffix("-range") in ("stall", "spare")
        if (r.bfs_verdict == "violated") != (r.bmc_verdict == "violated") or (
                r.bfs_verdict == "violated" and r.bfs_len != r.bmc_len and not live):
            bad.append(f"{r.workload} replicas={r.replicas} depth={r.depth}: BFS {r.bfs_verdict} ({r.bfs_len}), "
                       f"BMC {r.bmc_verdict} ({r.bmc_len})")
    return bad


def summary(rows: list[Row]) -> str:
    lines = ["", "where each wins:"]
    for name in dict.fromkeys(r.workload for r in rows):
        mine = [r for r in rows if r.workload == name]
        bfs = [f"{r.replicas}/d{r.depth}" for r in mine if r.winner == "bfs"]
        bmc_ = [f"{r.replicas}/d{r.depth}" for r in mine if r.winner == "bmc"]
        lines.append(f"  {name:<15} BFS: {', '.join(bfs) or '-'}   BMC: {', '.join(bmc_) or '-'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a few small rows")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per engine and row")
    args = ap.parse_args(argv)
    rows = run(args.quick, args.timeout)
    print(summary(rows))
    bad = agree(rows)
    for b in bad:
        print("DISAGREE:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
