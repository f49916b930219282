"""Symbolic engines (Z3, and OR-tools CP-SAT as a packing backend): the only package that imports z3.

Importing :mod:`kmodel.smt` imports no solver; each module imports its solver when used, so the
explicit-state core stays free of C extensions.

* :mod:`kmodel.smt.scheduling`: scheduling feasibility (does a placement satisfying every
  scheduler filter exist? which one? why not?), greedy vs possible, node and zone failure
  tolerance, smallest failing cluster shapes.
"""
