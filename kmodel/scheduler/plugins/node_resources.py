"""NodeResourcesFit and NodeResourcesBalancedAllocation
(``pkg/scheduler/framework/plugins/noderesources/{fit.go,least_allocated.go,balanced_allocation.go,resource_allocation.go}``).

Filter (``fitsRequest``): too many pods when ``len(pods) + 1 > allocatable pods``; for cpu,
memory, ephemeral storage and each extended resource the pod requests (amount > 0), insufficient
when the request exceeds allocatable minus what the node's pods already request.

Score, LeastAllocated (the default strategy, cpu and memory weighted 1 each): per resource
``(allocatable - requested) * 100 // allocatable`` with requested counting the incoming pod and
using non-zero defaults for containers without a request (100m cpu, 200Mi memory,
``schedutil.GetNonzeroRequests``); the weighted mean. BalancedAllocation: 100 times one minus the
standard deviation of the cpu and memory fractions (actual requests, capped at 1).
"""

from __future__ import annotations

from kmodel.objects.nodes import resource_get
from kmodel.objects.workloads import Container, Pod, PodSpec, pod_requests
from kmodel.scheduler.framework import MAX_NODE_SCORE, SUCCESS, Code, NodeInfo, Status

DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
_SCORED = (("cpu", 1), ("memory", 1))


def _nonzero(c: Container) -> tuple[int, int]:
    cpu = resource_get(c.requests, "cpu") or DEFAULT_MILLI_CPU_REQUEST
    mem = resource_get(c.requests, "memory") or DEFAULT_MEMORY_REQUEST
    return cpu, mem


def non_zero_requests(spec: PodSpec) -> dict[str, int]:
    """cpu and memory requests with the scheduler's non-zero defaults per container."""
    cpu = mem = 0
    for c in spec.containers:
        a, b = _nonzero(c)
        cpu, mem = cpu + a, mem + b
    for c in spec.init_containers:
        a, b = _nonzero(c)
        cpu, mem = max(cpu, a), max(mem, b)
    cpu += resource_get(spec.overhead, "cpu")
    mem += resource_get(spec.overhead, "memory")
    return {"cpu": cpu, "memory": mem}


class NodeResourcesFit:
    name = "NodeResourcesFit"
    weight = 1

    def filter(self, pod: Pod, info: NodeInfo) -> Status:
        allocatable = info.allocatable
        reasons = []
        if len(info.pods) + 1 > resource_get(allocatable, "pods"):
            reasons.append("Too many pods")
        for name, amount in pod_requests(pod.spec):
            if name == "pods" or amount <= 0:
                continue
            if amount > resource_get(allocatable, name) - info.requested.get(name, 0):
                reasons.append(f"Insufficient {name}")
        if reasons:
            return Status(Code.UNSCHEDULABLE, tuple(reasons), self.name)
        return SUCCESS

    def score(self, pod: Pod, info: NodeInfo) -> int:
        incoming = non_zero_requests(pod.spec)
        on_node = {"cpu": 0, "memory": 0}
        for p in info.pods:
            for k, v in non_zero_requests(p.spec).items():
                on_node[k] += v
        total = weights = 0
        for name, weight in _SCORED:
            alloc = resource_get(info.allocatable, name)
            req = on_node[name] + incoming[name]
            score = 0 if alloc == 0 or req > alloc else (alloc - req) * MAX_NODE_SCORE // alloc
            total += score * weight
            weights += weight
        return total // weights

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return scores


class BalancedAllocation:
    name = "NodeResourcesBalancedAllocation"
    weight = 1

    def score(self, pod: Pod, info: NodeInfo) -> int:
        req = pod_requests(pod.spec)
        fractions = []
        for name, _ in _SCORED:
            alloc = resource_get(info.allocatable, name)
            used = info.requested.get(name, 0) + resource_get(req, name)
            fractions.append(1.0 if alloc == 0 else min(used / alloc, 1.0))
        std = abs(fractions[0] - fractions[1]) / 2
        return int((1 - std) * MAX_NODE_SCORE)

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return scores
