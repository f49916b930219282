"""The explorer benchmark's model (benchmarks/rs_crash): kmodel's counts against an independent
enumeration, and against Spin (``-m benchmark``)."""

from __future__ import annotations

import itertools
import sys
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.rs_crash.model import RSCrash  # noqa: E402
from benchmarks.rs_crash.promela import generate, run_spin, spin_available  # noqa: E402


# -- an independent enumeration -------------------------------------------------------------
# Written from the module docstring's rules, not from RSCrash's code: pods are records
# ("pending",) / ("bound", node) / ("terminating", node) in a dict keyed by slot, nodes a set of
# down nodes, and successors are built by plain set operations.

def _brute_force(R: int, N: int, F: int, canon=None) -> int:
    S = R * (F + 1)
    init = (0, frozenset(), frozenset())  # crashes used, down nodes, {(slot, pod record)}

    def succ(state):
        used, down, pods = state
        by_slot = dict(pods)
        active = sum(1 for rec in by_slot.values() if rec[0] in ("pending", "bound"))
        out = []
        free = [i for i in range(S) if i not in by_slot]
        if active < R and free:
            out.append((used, down, pods | {(min(free), ("pending",))}))
        for i, rec in by_slot.items():
            rest = pods - {(i, rec)}
            if rec == ("pending",):
                for j in range(N):
                    if j not in down:
                        out.append((used, down, rest | {(i, ("bound", j))}))
            elif rec[0] == "bound" and rec[1] in down:
                out.append((used, down, rest | {(i, ("terminating", rec[1]))}))
            elif rec[0] == "terminating" and rec[1] not in down:
                out.append((used, down, rest))
        for j in range(N):
            if j in down:
                out.append((used, down - {j}, pods))
            elif used < F:
                out.append((used + 1, down | {j}, pods))
        return out

    key = canon or (lambda s: s)
    seen = {key(init)}
    todo = deque([init])
    while todo:
        for nxt in succ(todo.popleft()):
            k = key(nxt)
            if k not in seen:
                seen.add(k)
                todo.append(nxt)
    return len(seen)


def _orbit_canon(N: int):
    """Canonical form under every renaming of nodes and of slots: the least image (slow, tiny only)."""
    node_perms = list(itertools.permutations(range(N)))

    def canon(state):
        used, down, pods = state
        images = []
        for perm in node_perms:
            d = tuple(sorted(perm[j] for j in down))
            # slots are interchangeable: the multiset of records is the slot-free image
            recs = tuple(sorted(rec if rec[0] == "pending" else (rec[0], perm[rec[1]]) for _, rec in pods))
            images.append((d, recs))
        return (used, min(images))

    return canon


TINY = [(1, 1, 0), (1, 1, 1), (1, 2, 1), (2, 1, 1), (2, 2, 1), (1, 2, 2), (2, 2, 2), (3, 2, 1)]


def test_hand_count() -> None:
    # R=1 N=1 F=1 (slots p0 p1; 0 absent, 1 pending, 2 bound, 3 terminating):
    # before the crash: no pod, pending, bound (3); node down: (0,0) (1,0) (2,0) (3,0) (3,1) (5);
    # after recovery: those five plus (3,2) (0,1) (0,2) (8). 3 + 5 + 8 = 16.
    result = RSCrash(1, 1, 1).checker().symmetry(False).progress(False).bfs()
    assert (result.verdict, result.stats.states) == ("holds", 16)


@pytest.mark.parametrize("R,N,F", TINY)
def test_counts_match_brute_force(R: int, N: int, F: int) -> None:
    model = RSCrash(R, N, F)
    plain = model.checker().symmetry(False).progress(False).bfs()
    assert plain.verdict == "holds" and plain.stats.complete
    assert plain.stats.states == _brute_force(R, N, F)
    reduced = model.checker().symmetry(True).progress(False).bfs()
    assert reduced.stats.states == _brute_force(R, N, F, _orbit_canon(N))


def test_invariant_is_checked() -> None:
    # The invariant does bite: with a weaker bound than R the checker finds a violation.
    from kmodel.model import always

    class Tight(RSCrash):
        def properties(self):
            return [always("at-most-R-minus-1", lambda s: self.active(s) < self.R)]

    result = Tight(2, 1, 0).checker().symmetry(False).progress(False).bfs()
    assert result.verdict == "violated"
    assert len(result["at-most-R-minus-1"].path) == 2  # two creates


def test_checked_in_promela_is_generated() -> None:
    pml = (ROOT / "benchmarks" / "rs_crash" / "rs_crash.pml").read_text()
    assert pml == generate(3, 4, 2)


# -- Spin ----------------------------------------------------------------------------------

needs_spin = pytest.mark.skipif(not spin_available(), reason="spin or gcc not installed")


@pytest.mark.benchmark
@needs_spin
@pytest.mark.parametrize("R,N,F", [(1, 1, 1), (2, 2, 1), (1, 2, 2), (2, 2, 2), (3, 2, 1)])
@pytest.mark.parametrize("bfs", [True, False], ids=["bfs", "dfs"])
def test_spin_counts_equal_kmodel(R: int, N: int, F: int, bfs: bool, tmp_path: Path) -> None:
    result = RSCrash(R, N, F).checker().symmetry(False).progress(False).bfs()
    spin = run_spin(R, N, F, tmp_path, bfs=bfs, expected_states=result.stats.states)
    assert spin.errors == 0
    assert spin.states == result.stats.states
    assert spin.transitions == result.stats.transitions + 1  # pan counts the initial state too


@pytest.mark.benchmark
@needs_spin
def test_benchmark_script_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.explorer_vs_spin import main

    assert main(["--R", "2", "--N", "2", "--F", "1", "--no-cluster"]) == 0
    out = capsys.readouterr().out
    assert "state counts equal: kmodel 263 = Spin BFS 263" in out
