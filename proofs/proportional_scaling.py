"""Theorems about proportional scaling (``sync.go`` ``scale``, ``deployment_util.go``
``getReplicaSetFraction``).

Model: :class:`kmodel.smt.models.deployment.ProportionalScaling`: a Deployment with an old and a
new ReplicaSet mid-rollout is resized; the controller's ``scale`` distributes the change in
proportion to each ReplicaSet's size (64-bit bit-vectors).
"""

from kmodel.smt.models.deployment import ProportionalScaling
from kmodel.smt.proofs import Theorem

UPSTREAM = ("pkg/controller/deployment/sync.go", "pkg/controller/deployment/util/deployment_util.go")

THEOREMS = (
    Theorem(
        "proportional-scaling-int32-product",
        "For large Deployments proportional scaling writes a negative size: getReplicaSetFraction multiplies "
        "spec.replicas by replicas + maxSurge in int32, which wraps once the product passes 2**31 (from about "
        "46,341 replicas), and the share computed from the wrapped product is subtracted from a ReplicaSet.",
        ProportionalScaling(old_replicas=(0, 200_000), replicas=(0, 200_000), max_surge="25%",
                            max_unavailable="25%", spec0=(0, 250_000), spec1=(0, 200_000), avail1=(0, 200_000)),
        ("sizes-non-negative",),
        expect="refuted",
        assumptions=(
            "maxSurge and maxUnavailable are the defaults (25%)",
            "the ReplicaSets carry the max-replicas annotation of the size before the edit",
            "replicas up to 200,000 (the Kubernetes scalability limit is 150,000 pods per cluster)",
        ),
        upstream=UPSTREAM,
        method="bmc",
        depth=1,
        timeout=30,
    ),
)
