"""Theorems about Kubernetes controllers, checked by ``kmodel prove``.

A theorem file (``proofs/NAME.py``) defines ``THEOREMS``, a sequence of :class:`Theorem`: a
numeric model whose open parameters are the "for all" (``replicas=(0, 10_000)``:
for every replica count up to 10,000), the invariants claimed, the assumptions in words
(fairness, bounds, which upstream behaviour is modelled), and whether the file **expects** the
claim to be proved or refuted. ``kmodel prove`` reports per theorem:

* ``PROVED``: for every parameter value and every depth (k-induction or Spacer);
* ``REFUTED``: with a counterexample from an initial state, replayed through the explicit model
  (and, when ``minimize`` names parameters, the smallest parameters that fail);
* ``UNKNOWN``: with the reason (a counterexample to induction, a solver timeout).

The command exits 0 when every theorem's outcome is what its file expects (a theorem that
expects a refutation and gets one is a success: it documents a behaviour upstream really has),
1 when any outcome differs (a proof that expected a refutation, a refutation that expected a
proof, any unknown), 2 on bad input (a file that does not load or defines no theorem).

Methods (``Theorem.method``):

* ``"auto"`` (default): for an expected refutation, bounded model checking to ``depth`` first;
  otherwise (or when none is found) k-induction up to ``max_k`` with the strengthening
  invariants, then Spacer with what remains of ``timeout``;
* ``"k-induction"``, ``"spacer"``: that engine only;
* ``"bmc"``: bounded model checking only (a refutation, or ``unknown``: bounded search proves
  nothing).

Examples
--------
>>> from kmodel.smt.models.disruption import DisruptionBudget
>>> t = Theorem("pdb", "evictions respect the budget", DisruptionBudget(replicas=(0, 100), pdb_value=(0, 100)),
...             ("eviction-respects-budget",), invariants="model")
>>> r = prove(t)
>>> r.outcome, r.ok, r.result.method
('proved', True, 'k-induction')
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kmodel.errors import InvalidArgument, InvalidManifest
from kmodel.smt.bmc import bmc
from kmodel.smt.induction import PROVED, REFUTED, UNKNOWN, ProofResult, k_induction, spacer
from kmodel.smt.minimal import Minimal, smallest
from kmodel.smt.symbolic import SymbolicModel

__all__ = ["Theorem", "TheoremResult", "prove", "load_theorems", "run", "render_text", "render_json"]

METHODS = ("auto", "k-induction", "spacer", "bmc")


@dataclass(frozen=True)
class Theorem:
    """A claim about a numeric model, with what it assumes and what it expects.

    Parameters
    ----------
    name : str
        A stable kebab-case id.
    claim : str
        The statement, in words.
    model : SymbolicModel
        Open parameters are universally quantified.
    properties : sequence of str
        The model's invariants (``always`` properties) claimed.
    expect : str
        ``"proved"`` or ``"refuted"``.
    assumptions : sequence of str
        What the claim rests on, in words (shown by ``kmodel prove``).
    upstream : sequence of str
        The upstream files the model follows.
    invariants : mapping, ``"model"`` or None
        Strengthening invariants for k-induction, ``(o, s) -> condition`` by name; ``"model"``
        takes the model's own :meth:`~kmodel.smt.symbolic.SymbolicModel.invariants`.
    method : str
        See the module docstring.
    depth, max_k, timeout :
        Bounded-model-checking depth for refutations, the largest ``k`` of k-induction, and the
        time budget of the theorem in seconds.
    minimize : sequence of str
        For a refutation, parameters to minimise (lexicographically) for the smallest failing
        configuration.
    width : int, None or "default"
        The encoding of bounded model checking and k-induction: the model's own (default), a
        bit-vector width, or ``None`` for ``Int`` (Spacer always uses ``Int``).
    """

    name: str
    claim: str
    model: SymbolicModel
    properties: tuple[str, ...]
    expect: str = PROVED
    assumptions: tuple[str, ...] = ()
    upstream: tuple[str, ...] = ()
    invariants: Mapping[str, Callable[[Any, Any], Any]] | str | None = None
    method: str = "auto"
    depth: int = 10
    max_k: int = 3
    timeout: float = 20.0
    minimize: tuple[str, ...] = ()
    width: int | None | str = "default"

    def __post_init__(self) -> None:
        if not isinstance(self.model, SymbolicModel):
            raise InvalidArgument(f"theorem {self.name!r}: model must be a numeric model "
                                  f"(kmodel.smt.models), got {type(self.model).__name__}")
        if self.expect not in (PROVED, REFUTED):
            raise InvalidArgument(f"theorem {self.name!r}: expect must be 'proved' or 'refuted', got {self.expect!r}")
        if self.method not in METHODS:
            raise InvalidArgument(f"theorem {self.name!r}: method must be one of {', '.join(METHODS)}, "
                                  f"got {self.method!r}")
        if isinstance(self.properties, str):
            object.__setattr__(self, "properties", (self.properties,))
        for p in self.properties:
            self.model.formula(p)  # raises with the known names
        if isinstance(self.invariants, str) and self.invariants != "model":
            raise InvalidArgument(f"theorem {self.name!r}: invariants must be a mapping, 'model' or None")

    def strengthening(self) -> dict[str, Callable[[Any, Any], Any]]:
        if self.invariants == "model":
            return dict(self.model.invariants())
        return dict(self.invariants or {})  # type: ignore[arg-type]


@dataclass(frozen=True)
class TheoremResult:
    """What ``prove`` found: the outcome, the engine's result, and the smallest failing
    configuration when one was asked for."""

    theorem: Theorem
    outcome: str
    result: ProofResult
    minimal: Minimal | None = None
    source: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == self.theorem.expect


def prove(theorem: Theorem) -> TheoremResult:
    """Check one theorem (see the module docstring for the methods)."""
    t = theorem
    start = time.monotonic()
    inv = t.strengthening()

    def left() -> float:
        return max(0.5, t.timeout - (time.monotonic() - start))

    result: ProofResult | None = None
    if t.method == "bmc" or (t.method == "auto" and t.expect == REFUTED):
        result = _refute(t, left())
        if result is None and t.method == "bmc":
            result = ProofResult(UNKNOWN, "bmc", time.monotonic() - start,
                                 reason=f"no counterexample within {t.depth} steps (bounded: nothing proved)")
    if result is None and t.method in ("auto", "k-induction"):
        result = k_induction(t.model, t.properties, invariants=inv, max_k=t.max_k, timeout=left(), width=t.width)
        if result.status == UNKNOWN and t.method == "auto" and not (result.path is not None):
            cti = result
            result = spacer(t.model, t.properties, invariants=inv, timeout=left())
            if result.status == UNKNOWN:
                result = ProofResult(UNKNOWN, "k-induction+spacer", time.monotonic() - start, k=cti.k, cti=cti.cti,
                                     reason=f"k-induction: {cti.reason}; spacer: {result.reason}", claim=cti.claim)
    if result is None and t.method == "spacer":
        result = spacer(t.model, t.properties, invariants=inv, timeout=left(), cex_depth=t.depth)
    assert result is not None
    minimal = None
    if result.status == REFUTED and t.minimize and result.violated in t.properties:
        minimal = smallest(t.model, result.violated, minimize=t.minimize, depth=len(result.path or ()),
                           timeout=left(), width=t.width)
    seconds = time.monotonic() - start
    result = ProofResult(**{**result.__dict__, "seconds": seconds})
    return TheoremResult(t, result.status, result, minimal)


def _refute(t: Theorem, timeout: float) -> ProofResult | None:
    start = time.monotonic()
    r = bmc(t.model, depth=t.depth, properties=list(t.properties), timeout=timeout, exhaust=False, width=t.width)
    for name in t.properties:
        res = r[name]
        if res.verdict == "violated":
            why = {"stuck": "the last state is stuck: no fair step is enabled, the property never holds",
                   "cycle": f"a fair lasso: the last state is state {res.path.loop_start}, the loop repeats forever"}
            return ProofResult(REFUTED, "bmc", time.monotonic() - start, path=res.path, violated=name,
                               claim=tuple(t.properties), reason=why.get(res.kind or "", ""))
    return None


# -- files -------------------------------------------------------------------------------------
def _files(paths: Sequence[str]) -> list[str]:
    out: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(path, f) for f in os.listdir(path)
                           if f.endswith(".py") and not f.startswith("_"))
            if not found:
                raise InvalidManifest("no theorem files (*.py) in this directory", file=path)
            out.extend(found)
        elif os.path.isfile(path):
            if not path.endswith(".py"):
                raise InvalidManifest("a theorem file is a Python file (NAME.py) defining THEOREMS", file=path)
            out.append(path)
        else:
            raise InvalidManifest("no such file or directory", file=path)
    return out


def load_theorems(path: str) -> list[Theorem]:
    """The theorems a file defines (``THEOREMS``, or a single ``THEOREM``).

    Raises
    ------
    InvalidManifest
        Naming the file and line when the file does not load, or defines no theorem.
    """
    name = "kmodel_proof_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(path))
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InvalidManifest("cannot load this file as Python", file=path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise InvalidManifest(f"syntax error: {exc.msg}", file=path, line=exc.lineno) from None
    except Exception as exc:  # the file's own code failed: say where, in its lines
        line = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if os.path.abspath(frame.filename) == os.path.abspath(path):
                line = frame.lineno
        raise InvalidManifest(f"{type(exc).__name__}: {exc}", file=path, line=line) from None
    theorems = getattr(module, "THEOREMS", None)
    if theorems is None and hasattr(module, "THEOREM"):
        theorems = [module.THEOREM]
    if not theorems:
        raise InvalidManifest("defines no THEOREMS (a sequence of kmodel.smt.proofs.Theorem)", file=path,
                              field="THEOREMS")
    for i, t in enumerate(theorems):
        if not isinstance(t, Theorem):
            raise InvalidManifest(f"THEOREMS[{i}] is a {type(t).__name__}, not a Theorem", file=path,
                                  field=f"THEOREMS[{i}]")
    return list(theorems)


@dataclass
class Report:
    """Every theorem checked by one ``kmodel prove`` run, per file."""

    files: list[tuple[str, list[TheoremResult]]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def results(self) -> list[TheoremResult]:
        return [r for _, rs in self.files for r in rs]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def run(paths: Sequence[str], *, names: Sequence[str] | None = None) -> Report:
    """Load every theorem file under ``paths`` (all before checking any) and check them."""
    start = time.monotonic()
    loaded = [(f, load_theorems(f)) for f in _files(paths)]
    report = Report()
    for f, theorems in loaded:
        results = []
        for t in theorems:
            if names and t.name not in names:
                continue
            results.append(TheoremResult(**{**prove(t).__dict__, "source": f}))
        report.files.append((f, results))
    report.seconds = time.monotonic() - start
    return report


# -- rendering ---------------------------------------------------------------------------------
def _path_lines(model: SymbolicModel, path: Any, indent: str) -> list[str]:
    first = path.states[0]
    params = ", ".join(f"{k}={v}" for k, v in model.params_of(first).items())
    lines = [f"{indent}parameters: {params}"]
    start = ", ".join(f"{k}={getattr(first, k)}" for k in model.var_names)
    if start:
        lines.append(f"{indent}from: {start}")
    for i, action in enumerate(path.actions):
        changes = "; ".join(model.changes(path.states[i], path.states[i + 1]))
        lines.append(f"{indent}{i + 1:>3}. {action}" + (f"  [{changes}]" if changes else ""))
    return lines


def render_text(report: Report) -> str:
    lines: list[str] = []
    for f, results in report.files:
        lines.append(f)
        for r in results:
            t, res = r.theorem, r.result
            mark = "" if r.ok else f"  [expected {t.expect}]"
            how = res.method + (f", k={res.k}" if res.method == "k-induction" and res.k else "")
            lines.append(f"  {r.outcome.upper():<9} {t.name} ({how}, {res.seconds:.2f} s){mark}")
            lines.append(f"            {t.claim}")
            for a in t.assumptions:
                lines.append(f"            assumes: {a}")
            if r.outcome == REFUTED and res.path is not None:
                lines.append(f"            counterexample to {res.violated} after {len(res.path)} steps (replayed):")
                lines.extend(_path_lines(t.model, res.path, "              "))
                if res.reason:
                    lines.append(f"            ({res.reason})")
                if r.minimal is not None:
                    smallest_ = ", ".join(f"{k}={r.minimal.params[k]}" for k in r.minimal.order)
                    lines.append(f"            smallest failing configuration ({smallest_}), replayed:")
                    lines.extend(_path_lines(t.model, r.minimal.path, "              "))
            if r.outcome == UNKNOWN:
                lines.append(f"            why: {res.reason}")
                shown = res.cti if res.cti is not None else res.path
                if shown is not None:
                    what = "counterexample to induction" if res.cti is not None else "path"
                    lines.append(f"            {what}:")
                    lines.extend(_path_lines(t.model, shown, "              "))
    results = report.results
    differ = [r for r in results if not r.ok]
    proved = sum(1 for r in results if r.outcome == PROVED)
    refuted = sum(1 for r in results if r.outcome == REFUTED)
    lines.append("")
    lines.append(f"{len(results)} theorems: {len(results) - len(differ)} as expected ({proved} proved, "
                 f"{refuted} refuted), {len(differ)} differ, in {report.seconds:.2f} s")
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    doc: dict[str, Any] = {"ok": report.ok, "seconds": round(report.seconds, 3), "theorems": []}
    for f, results in report.files:
        for r in results:
            t, res = r.theorem, r.result
            entry: dict[str, Any] = {
                "file": f, "name": t.name, "claim": t.claim, "expect": t.expect, "outcome": r.outcome,
                "ok": r.ok, "method": res.method, "seconds": round(res.seconds, 3),
                "assumptions": list(t.assumptions), "upstream": list(t.upstream),
                "properties": list(t.properties),
            }
            if res.k is not None:
                entry["k"] = res.k
            if res.reason:
                entry["reason"] = res.reason
            if res.path is not None:
                entry["violated"] = res.violated
                entry["counterexample"] = _path_doc(t.model, res.path)
            if res.cti is not None:
                entry["counterexample_to_induction"] = _path_doc(t.model, res.cti)
            if r.minimal is not None:
                entry["smallest"] = {k: r.minimal.params[k] for k in r.minimal.order}
                entry["smallest_counterexample"] = _path_doc(t.model, r.minimal.path)
            if res.invariant:
                entry["invariant"] = res.invariant
            doc["theorems"].append(entry)
    return json.dumps(doc, indent=2) + "\n"


def _path_doc(model: SymbolicModel, path: Any) -> dict[str, Any]:
    doc = {
        "parameters": model.params_of(path.states[0]),
        "states": [{k: getattr(s, k) for k in model.var_names} for s in path.states],
        "actions": [str(a) for a in path.actions],
    }
    if getattr(path, "loop_start", None) is not None:
        doc["loop_start"] = path.loop_start
    return doc


def main_text(paths: Sequence[str]) -> int:  # pragma: no cover - convenience for python -m
    report = run(paths)
    sys.stdout.write(render_text(report))
    return 0 if report.ok else 1
