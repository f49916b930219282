"""Theorems about PodDisruptionBudgets and the eviction API (``disruption.go``, ``eviction.go``).

Model: :class:`kmodel.smt.models.disruption.DisruptionBudget`: the disruption controller writes
the PDB status from the pods; evictions decide from that status (decrementing
``disruptionsAllowed``); the ReplicaSet replaces evicted pods; pods start and become ready.
"""

from kmodel.smt.models.disruption import DisruptionBudget
from kmodel.smt.proofs import Theorem

UPSTREAM = ("pkg/controller/disruption/disruption.go", "pkg/registry/core/pod/storage/eviction.go")
ASSUMPTIONS = (
    "one PDB selects the pods of one ReplicaSet; its spec does not change",
    "an eviction is atomic (status decrement and pod deletion together); unhealthyPodEvictionPolicy IfHealthyBudget",
    "any number of evictions (a drain), in any order with the controllers",
)

THEOREMS = (
    Theorem(
        "pdb-eviction-respects-desired-healthy",
        "For every replicas <= 10,000 and every minAvailable/maxUnavailable (int or percentage), no eviction "
        "leaves fewer ready pods than desiredHealthy, as long as no pod becomes unready by itself.",
        DisruptionBudget(replicas=(0, 10_000), pdb_kind=None, pdb_value=(0, 10_000), max_failures=0),
        ("eviction-respects-budget",),
        assumptions=ASSUMPTIONS + ("no node failure: pods leave the ready state only by eviction",),
        upstream=UPSTREAM,
        invariants="model",
        method="k-induction",
        max_k=1,
    ),
    Theorem(
        "pdb-stale-status-after-node-failure",
        "With one node failure the eviction decision can take ready pods below desiredHealthy: a pod becomes "
        "unready after the controller computed disruptionsAllowed, and an eviction spends the stale budget.",
        DisruptionBudget(replicas=(0, 10_000), pdb_kind=None, pdb_value=(0, 10_000), max_failures=(0, 1)),
        ("eviction-respects-budget",),
        expect="refuted",
        assumptions=ASSUMPTIONS + ("at most one node failure (a ready pod becomes not ready)",),
        upstream=UPSTREAM,
        depth=4,
        minimize=("replicas", "max_failures"),
    ),
)
