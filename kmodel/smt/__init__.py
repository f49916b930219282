"""Symbolic engines (Z3, and OR-tools CP-SAT as a packing backend): the only package that imports z3.

Importing :mod:`kmodel.smt` imports no solver; each module imports its solver when used, so the
explicit-state core stays free of C extensions.

* :mod:`kmodel.smt.scheduling`: scheduling feasibility (does a placement satisfying every
  scheduler filter exist? which one? why not?), greedy vs possible, node and zone failure
  tolerance, smallest failing cluster shapes.

Symbolic verification of the controllers' numeric cores (issue 9):

* :mod:`kmodel.smt.ops`, :mod:`kmodel.smt.symbolic`: numeric models written once over an *ops*
  object, read both as explicit models (``next_state``) and as Z3 terms; no solver import;
* :mod:`kmodel.smt.models`: ReplicaSet expectations, the rolling update, ``ResolveFenceposts``,
  proportional scaling, the HPA's legacy normalisation, PDB evictions (no solver import);
* :mod:`kmodel.smt.encode` (the Z3 encoding and decoder), :mod:`kmodel.smt.bmc` (bounded model
  checking, ``model.checker().smt(depth)``, counterexamples replayed), :mod:`kmodel.smt.induction`
  (k-induction with strengthening invariants, Spacer), :mod:`kmodel.smt.liveness` (stuck states
  and fair lassos for ``eventually`` properties, replayed), :mod:`kmodel.smt.minimal` (smallest
  failing parameters), :mod:`kmodel.smt.proofs` (theorem files, ``kmodel prove``),
  :mod:`kmodel.smt.scenario` (Scenarios with ``spec.model``).
"""
