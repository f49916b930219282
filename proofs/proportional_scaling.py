"""Theorems about proportional scaling (``sync.go`` ``scale``, ``deployment_util.go``
``getReplicaSetFraction``, ``GetReplicaSetProportion``).

Models: :class:`kmodel.smt.models.deployment.ProportionalScaling`: a Deployment with an old and a
new ReplicaSet mid-rollout is resized; the controller's ``scale`` distributes the change in
proportion to each ReplicaSet's size. :class:`kmodel.smt.models.deployment.ReplicaSetFraction`:
the rounding inside ``getReplicaSetFraction`` on its own.

The proof is compositional. The exact step divides a product of two unknowns by a third, which
Z3 could not decide within minutes; so a lemma about that rounding is proved on its own
(``replica-set-fraction-bounds``), and the step is proved with each rounding replaced by any value
the lemma allows (``rounding="lemma"``: an over-approximation of the exact step wherever the
lemma's hypotheses hold, which the claim assumes). Both are proved here, so together they prove
the claim about the exact step.

On the ``int32`` product (``proportional-scaling-int32-product``): upstream computes
``float64(rs.spec * (replicas + maxSurge))`` with an ``int32`` multiplication in every version whose
source could be read here (up to the 2020s; ``kubernetes/kubernetes`` at v1.35 is not in the
stored index, and the refactoring of 2024, PR #128535, renamed the variables of this line); the
refutation holds exactly as far as v1.35 keeps that multiplication in ``int32``.
"""

from kmodel.smt.models.deployment import ProportionalScaling, ReplicaSetFraction
from kmodel.smt.proofs import Theorem

UPSTREAM = ("pkg/controller/deployment/sync.go", "pkg/controller/deployment/util/deployment_util.go")
EVERY = dict(old_replicas=None, replicas=None, max_surge="any", max_unavailable="any", spec0=None, spec1=None,
             avail1=None)

THEOREMS = (
    Theorem(
        "replica-set-fraction-bounds",
        "Lemma: when 0 <= spec <= oldMax, 0 < oldMax and spec * newMax fits an int32, "
        "RoundToInt32(spec * newMax / oldMax) lies in [0, newMax], is at most spec when the Deployment shrinks "
        "(newMax <= oldMax) and at least spec when it grows.",
        ReplicaSetFraction(rs_spec=None, new_max=None, old_max=None),
        ("fraction-bounds-in-int32",),
        assumptions=("every int32 spec.replicas, max-replicas annotation and replicas + maxSurge",
                     "RoundToInt32 of the float64 quotient equals the exact half-away-from-zero rounding "
                     "(both operands are below 2**31)"),
        upstream=("pkg/controller/deployment/util/deployment_util.go", "k8s.io/utils/integer"),
        method="k-induction",
        max_k=1,
    ),
    Theorem(
        "proportional-scaling-bounds",
        "For every size that fits an int32 (old and new replicas, both ReplicaSets) and every valid "
        "maxSurge/maxUnavailable (ints or percentages), scaling a Deployment mid-rollout never writes a negative "
        "size and keeps Σ spec.replicas <= replicas + maxSurge, as long as nothing wraps in int32: the scaled "
        "maxSurge and both products spec * (replicas + maxSurge) fit an int32.",
        ProportionalScaling(**EVERY, rounding="lemma"),
        ("scaled-surge-bound-in-int32", "sizes-non-negative-in-int32"),
        assumptions=(
            "the lemma replica-set-fraction-bounds (proved in this file): each RoundToInt32 is abstracted by it",
            "before the edit the rolling update kept Σ spec.replicas <= oldReplicas + maxSurge, and the new "
            "ReplicaSet at most oldReplicas (what rolling-update-bounds proves)",
            "both ReplicaSets carry the max-replicas annotation of the size before the edit",
            "one old and one new ReplicaSet",
        ),
        upstream=UPSTREAM,
        method="k-induction",
        max_k=1,
        width=None,
    ),
    Theorem(
        "proportional-scaling-int32-product",
        "Without the int32 hypothesis it fails: getReplicaSetFraction multiplies spec.replicas by "
        "replicas + maxSurge in int32, which wraps once the product passes 2**31 - 1. With the default 25%, the "
        "product cannot wrap up to 37,072 replicas (before and after the edit), no negative size exists up to "
        "52,429 (bounded model checking is complete here: one step), and at 59,993 -> 59,992 replicas (a scale "
        "down by one, mid-rollout, both ReplicaSets at 28,637) scale computes 103,626 for the new ReplicaSet and "
        "-28,636 for the old: the first write succeeds (Σ spec.replicas 132,263 > replicas + maxSurge 74,990), "
        "the second is rejected by validation (what later syncs do from there is not modelled).",
        ProportionalScaling(old_replicas=(0, 60_000), replicas=(0, 60_000), max_surge="25%",
                            max_unavailable="25%", spec0=(0, 120_000), spec1=(0, 60_000), avail1=(0, 60_000)),
        ("sizes-non-negative",),
        expect="refuted",
        assumptions=(
            "maxSurge and maxUnavailable are the defaults (25%)",
            "the ReplicaSets carry the max-replicas annotation of the size before the edit",
            "replicas up to 60,000 (valid: apps validation bounds spec.replicas only from below, by 0)",
            "getReplicaSetFraction's product is an int32 multiplication, as in every upstream version read here",
        ),
        upstream=UPSTREAM,
        method="bmc",
        depth=1,
        timeout=30,
        width=None,
    ),
)
