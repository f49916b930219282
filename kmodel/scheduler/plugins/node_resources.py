"""NodeResourcesFit and NodeResourcesBalancedAllocation
(``pkg/scheduler/framework/plugins/noderesources/{fit.go,least_allocated.go,balanced_allocation.go,resource_allocation.go}``).

Filter (``fitsRequest``): too many pods when ``len(pods) + 1 > allocatable pods``; for cpu,
memory, ephemeral storage and each extended resource the pod requests (amount > 0), insufficient
when the request exceeds allocatable minus what the node's pods already request. The status is
UnschedulableAndUnresolvable when some request exceeds the node's whole allocatable (preemption
cannot help), Unschedulable otherwise.

Score, LeastAllocated (the default strategy, cpu and memory weighted 1 each): per resource
``(allocatable - requested) * 100 // allocatable`` with requested counting the incoming pod and
using non-zero defaults for containers that leave a request out (100m cpu, 200Mi memory,
``NonMissingContainerRequests``); resources the node has none of are left out; the weighted
mean. MostAllocated (``most_allocated.go``, chosen with ``NodeResourcesFit(strategy=
"MostAllocated")``): per resource ``min(requested, allocatable) * 100 // allocatable``, same
mean. RequestedToCapacityRatio is not modelled. BalancedAllocation: 100 times one minus the standard deviation of the cpu and memory
fractions (actual requests, capped at 1, resources the node has none of left out); a pod
requesting no cpu and no memory is not scored (PreScore returns Skip: 0 on every node).
"""

from __future__ import annotations


from kmodel.objects.nodes import resource_get
from kmodel.objects.workloads import Container, Pod, PodSpec, pod_requests
from kmodel.scheduler.framework import MAX_NODE_SCORE, SUCCESS, Code, CycleState, NodeInfo, Status

DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
_SCORED = (("cpu", 1), ("memory", 1))
_NON_MISSING = (("cpu", DEFAULT_MILLI_CPU_REQUEST), ("memory", DEFAULT_MEMORY_REQUEST))
_NATIVE = ("cpu", "memory", "ephemeral-storage")


def _with_defaults(c: Container) -> Container:
    # resourcehelper.applyNonMissing: a default only where the key is absent; an explicit 0 stays.
    present = {k for k, _ in c.requests}
    missing = tuple(kv for kv in _NON_MISSING if kv[0] not in present)
    if not missing:
        return c
    return Container(c.name, requests=tuple(sorted(c.requests + missing)), restart_policy=c.restart_policy)


def _non_zero(spec: PodSpec) -> tuple[int, int]:
    cached = spec._nonzero
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    # Upstream (framework/types.go PodInfo.CalculateResource, resource_allocation.go
    # calculatePodResourceRequest) runs resourcehelper.PodRequests with
    # NonMissingContainerRequests: defaults per container, then the same sidecar-aware
    # aggregation and overhead as the actual requests.
    defaulted = PodSpec(tuple(_with_defaults(c) for c in spec.containers),
                        init_containers=tuple(_with_defaults(c) for c in spec.init_containers),
                        overhead=spec.overhead)
    req = pod_requests(defaulted)
    result = (resource_get(req, "cpu"), resource_get(req, "memory"))
    object.__setattr__(spec, "_nonzero", result)  # cached on the frozen spec, like pod_requests
    return result


def non_zero_requests(spec: PodSpec) -> dict[str, int]:
    """cpu and memory requests with the scheduler's non-zero defaults per container."""
    cpu, mem = _non_zero(spec)
    return {"cpu": cpu, "memory": mem}


LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"


def least_requested_score(requested: int, capacity: int) -> int:
    """``leastRequestedScore``."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    """``mostRequestedScore``."""
    if capacity == 0:
        return 0
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


class NodeResourcesFit:
    name = "NodeResourcesFit"
    weight = 1

    def __init__(self, strategy: str = LEAST_ALLOCATED, weight: int = 1) -> None:
        if strategy not in (LEAST_ALLOCATED, MOST_ALLOCATED):
            raise ValueError(f"unsupported scoring strategy {strategy!r} (LeastAllocated, MostAllocated)")
        self.strategy = strategy
        self.weight = weight

    def filter(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> Status:
        allocatable = info.allocatable
        reasons = []
        unresolvable = False
        if len(info.pods) + 1 > resource_get(allocatable, "pods"):
            reasons.append("Too many pods")
        requests = dict(pod_requests(pod.spec))
        # fitsRequest checks cpu, memory and ephemeral-storage first, then the scalar resources.
        names = [n for n in _NATIVE if n in requests] + sorted(n for n in requests if n not in _NATIVE)
        for name in names:
            amount = requests[name]
            if name == "pods" or amount <= 0:
                continue
            alloc = resource_get(allocatable, name)
            if amount > alloc - info.requested.get(name, 0):
                reasons.append(f"Insufficient {name}")
                # fit.go (since kubernetes#131345): a request above the node's whole allocatable
                # marks the node UnschedulableAndUnresolvable.
                unresolvable = unresolvable or amount > alloc
        if reasons:
            code = Code.UNSCHEDULABLE_AND_UNRESOLVABLE if unresolvable else Code.UNSCHEDULABLE
            return Status(code, tuple(reasons), self.name)
        return SUCCESS

    def score(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> int:
        incoming = _non_zero(pod.spec)
        on_node = [0, 0]
        for p in info.pods:
            cpu, mem = _non_zero(p.spec)
            on_node[0] += cpu
            on_node[1] += mem
        total = weights = 0
        for i, (name, weight) in enumerate(_SCORED):
            alloc = resource_get(info.allocatable, name)
            if alloc == 0:
                # resource_allocation.go score / least_allocated.go: a resource the node has
                # none of is left out of the weighted mean.
                continue
            req = on_node[i] + incoming[i]
            if self.strategy == LEAST_ALLOCATED:
                score = least_requested_score(req, alloc)
            else:
                score = most_requested_score(req, alloc)
            total += score * weight
            weights += weight
        return total // weights if weights else 0

    def normalize(self, scores: dict[str, int], cycle: CycleState | None = None) -> dict[str, int]:
        return scores


class BalancedAllocation:
    name = "NodeResourcesBalancedAllocation"
    weight = 1

    def __init__(self, weight: int = 1) -> None:
        self.weight = weight

    def score(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> int:
        req = pod_requests(pod.spec)
        if all(resource_get(req, name) == 0 for name, _ in _SCORED):
            # balanced_allocation.go PreScore: best-effort pods are skipped (kubernetes#129138).
            return 0
        fractions = []
        for name, _ in _SCORED:
            alloc = resource_get(info.allocatable, name)
            if alloc == 0:
                # resource_allocation.go score: resources the node has none of are left out.
                continue
            used = info.requested.get(name, 0) + resource_get(req, name)
            fractions.append(min(used / alloc, 1.0))
        # balancedResourceScorer: with cpu and memory the standard deviation is |f1 - f2| / 2;
        # with fewer than two fractions it is 0.
        std = abs(fractions[0] - fractions[1]) / 2 if len(fractions) == 2 else 0.0
        return int((1 - std) * MAX_NODE_SCORE)

    def normalize(self, scores: dict[str, int], cycle: CycleState | None = None) -> dict[str, int]:
        return scores
