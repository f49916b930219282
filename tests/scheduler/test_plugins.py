"""Faithfulness of the scheduler plugins to Kubernetes v1.35.

Every table below is an upstream test table rewritten in Python; the upstream test function's
name starts each case id. Sources (kubernetes/kubernetes unless said otherwise):

* ``pkg/scheduler/framework/plugins/noderesources/fit_test.go``: TestEnoughRequests,
  TestNotEnoughRequests, TestStorageRequests, TestRestartableInitContainers, TestFitScore
* ``pkg/scheduler/framework/plugins/noderesources/least_allocated_test.go``:
  TestLeastAllocatedScoringStrategy
* ``pkg/scheduler/framework/plugins/noderesources/balanced_allocation_test.go``:
  TestNodeResourcesBalancedAllocation (the v1.35 ``(1 - std) * 100`` formula; the "change in
  balance" formula of kubernetes#135573 came after v1.35)
* ``pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go``:
  TestTaintTolerationScore, TestTaintTolerationFilter
* ``pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable_test.go``: TestNodeUnschedulable
* ``pkg/scheduler/framework/plugins/nodename/node_name_test.go``: TestNodeName
* ``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go``: TestNodeAffinity
  (``spec.nodeSelector`` cases; the affinity-term cases are in ``test_node_affinity_ports.py``)
* ``staging/src/k8s.io/api/core/v1/toleration_test.go`` (k8s.io/api v0.35.0): TestTolerationToleratesTaint
* ``staging/src/k8s.io/component-helpers/scheduling/corev1/helpers_test.go`` (v0.35.0):
  TestFindMatchingUntoleratedTaint
* ``staging/src/k8s.io/component-helpers/resource/helpers_test.go`` (v0.35.0):
  TestPodRequestsAndLimits, TestPodRequestsAndLimitsWithoutOverhead, TestPodResourceRequests,
  TestAggregateContainerRequestsAndLimits (requests only: the model keeps no pod limits helper)

Units: upstream quantities are converted to the model's (cpu in millicores, everything else in
whole units). Cases needing something the model does not have are kept as skipped params with
the reason, so the tables stay complete.
"""

from __future__ import annotations

import pytest

from kmodel.objects.meta import ObjectMeta
from kmodel.objects.nodes import (
    TAINT_UNSCHEDULABLE,
    Node,
    NodeSpec,
    NodeStatus,
    Taint,
    Toleration,
    find_untolerated_taint,
    tolerates_taint,
)
from kmodel.objects.workloads import Container, Pod, PodSpec, PodStatus, pod_requests
from kmodel.scheduler.framework import Code, node_infos, schedule_one
from kmodel.scheduler.plugins import (
    BalancedAllocation,
    NodeAffinity,
    NodeName,
    NodeResourcesFit,
    NodeUnschedulable,
    TaintToleration,
)
from kmodel.state import ClusterState

CORE = 1000  # millicores in one cpu
GI = 1 << 30
U = Code.UNSCHEDULABLE
UU = Code.UNSCHEDULABLE_AND_UNRESOLVABLE
EXT_A = "example.com/aaa"
EXT_B = "example.com/bbb"
K8S_A = "kubernetes.io/something"
K8S_B = "subdomain.kubernetes.io/something"
HUGE_A = "hugepages-2Mi"
DRA_EXT = "extended.resource.dra.io/something"


# -- builders ---------------------------------------------------------------------------------

def res(**kw: int) -> tuple[tuple[str, int], ...]:
    """A sorted resource tuple from keyword arguments (names without a slash)."""
    return tuple(sorted(kw.items()))


def rl(*pairs: tuple[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(pairs))


def fit_res(cpu: int = 0, mem: int = 0, eph: int = 0, **scalars: int) -> tuple[tuple[str, int], ...]:
    """fit_test.go ``newResourcePod``: a container always lists cpu, memory and ephemeral-storage
    (zero when unset) plus the given scalar resources."""
    names = {"EXT_A": EXT_A, "EXT_B": EXT_B, "K8S_A": K8S_A, "K8S_B": K8S_B, "HUGE_A": HUGE_A,
             "DRA_EXT": DRA_EXT}
    out = [("cpu", cpu), ("memory", mem), ("ephemeral-storage", eph)]
    out += [(names[k], v) for k, v in scalars.items()]
    return tuple(sorted(out))


def ctr(requests=(), name: str = "c", sidecar: bool = False) -> Container:
    return Container(name, requests=tuple(requests), restart_policy="Always" if sidecar else "")


_pod_seq = iter(range(1_000_000))


def mkpod(containers=(), init=(), *, node: str = "", overhead=(), tolerations=(), selector=(),
          phase: str = "Running", name: str | None = None) -> Pod:
    name = name or f"p{next(_pod_seq)}"
    spec = PodSpec(tuple(containers), init_containers=tuple(init), node_name=node,
                   overhead=tuple(overhead), tolerations=tuple(tolerations),
                   node_selector=tuple(sorted(selector)))
    return Pod(ObjectMeta(name, "default"), spec, PodStatus(phase=phase))


def mknode(name: str = "n", alloc=(), *, labels=(), taints=(), unschedulable: bool = False) -> Node:
    return Node(ObjectMeta(name, labels=tuple(sorted(labels))),
                spec=NodeSpec(unschedulable=unschedulable, taints=tuple(taints)),
                status=NodeStatus(capacity=tuple(alloc), allocatable=tuple(alloc)))


def infos(nodes, pods=()):
    return node_infos(ClusterState.of([*nodes, *pods]))


def one_info(node: Node, *existing_containers_per_pod):
    """The NodeInfo of ``node`` holding one pod per entry of ``existing_containers_per_pod``."""
    pods = [mkpod(cs, node=node.name) for cs in existing_containers_per_pod]
    return infos([node], pods)[node.name]


def skip(reason: str):
    return pytest.mark.skip(reason=reason)


# -- NodeResourcesFit: Filter -----------------------------------------------------------------

# fit_test.go: makeAllocatableResources(10, 20, 32, 5, 20, 5)
FIT_NODE = rl(("cpu", 10), ("memory", 20), ("pods", 32), (EXT_A, 5), ("ephemeral-storage", 20), (HUGE_A, 5))

PODLEVEL = "pod-level resources (spec.resources) are not modelled"
IGNORED = "NodeResourcesFitArgs ignoredResources/ignoredResourceGroups are not modelled"
DRA = "DRAExtendedResource (alpha, off by default) is not modelled"


def cs(*reqs):
    return tuple(ctr(r, name=f"c{i}") for i, r in enumerate(reqs))


def _fit(name, pod_ctrs, pod_init, existing, want, overhead=(), marks=()):
    return pytest.param(pod_ctrs, pod_init, overhead, existing, want, id=f"TestEnoughRequests-{name}",
                        marks=marks)


ENOUGH_REQUESTS = [
    _fit("no resources requested always fits", (), (), fit_res(10, 20), None),
    _fit("too many resources fails", cs(fit_res(1, 1)), (), fit_res(10, 20),
         (U, ("Insufficient cpu", "Insufficient memory"))),
    _fit("too many resources fails due to init container cpu", cs(fit_res(1, 1)), cs(fit_res(3, 1)),
         fit_res(8, 19), (U, ("Insufficient cpu",))),
    _fit("too many resources fails due to highest init container cpu", cs(fit_res(1, 1)),
         cs(fit_res(3, 1), fit_res(2, 1)), fit_res(8, 19), (U, ("Insufficient cpu",))),
    _fit("too many resources fails due to init container memory", cs(fit_res(1, 1)), cs(fit_res(1, 3)),
         fit_res(9, 19), (U, ("Insufficient memory",))),
    _fit("too many resources fails due to highest init container memory", cs(fit_res(1, 1)),
         cs(fit_res(1, 3), fit_res(1, 2)), fit_res(9, 19), (U, ("Insufficient memory",))),
    _fit("init container fits because it's the max, not sum, of containers and init containers",
         cs(fit_res(1, 1)), cs(fit_res(1, 1)), fit_res(9, 19), None),
    _fit("multiple init containers fit because it's the max, not sum, of containers and init containers",
         cs(fit_res(1, 1)), cs(fit_res(1, 1), fit_res(1, 1)), fit_res(9, 19), None),
    _fit("both resources fit", cs(fit_res(1, 1)), (), fit_res(5, 5), None),
    _fit("one resource memory fits", cs(fit_res(2, 1)), (), fit_res(9, 5), (U, ("Insufficient cpu",))),
    _fit("one resource cpu fits", cs(fit_res(1, 2)), (), fit_res(5, 19), (U, ("Insufficient memory",))),
    _fit("equal edge case", cs(fit_res(5, 1)), (), fit_res(5, 19), None),
    _fit("equal edge case for init container", cs(fit_res(4, 1)), cs(fit_res(5, 1)), fit_res(5, 19), None),
    _fit("extended resource fits", cs(fit_res(EXT_A=1)), (), fit_res(), None),
    _fit("extended resource fits for init container", cs(fit_res()), cs(fit_res(EXT_A=1)), fit_res(), None),
    _fit("extended resource capacity enforced", cs(fit_res(1, 1, EXT_A=10)), (), fit_res(EXT_A=0),
         (UU, (f"Insufficient {EXT_A}",))),
    _fit("extended resource capacity enforced for init container", cs(fit_res()),
         cs(fit_res(1, 1, EXT_A=10)), fit_res(EXT_A=0), (UU, (f"Insufficient {EXT_A}",))),
    _fit("extended resource allocatable enforced", cs(fit_res(1, 1, EXT_A=1)), (), fit_res(EXT_A=5),
         (U, (f"Insufficient {EXT_A}",))),
    _fit("extended resource allocatable enforced for init container", cs(fit_res()),
         cs(fit_res(1, 1, EXT_A=1)), fit_res(EXT_A=5), (U, (f"Insufficient {EXT_A}",))),
    _fit("extended resource allocatable enforced for multiple containers",
         cs(fit_res(1, 1, EXT_A=3), fit_res(1, 1, EXT_A=3)), (), fit_res(EXT_A=2),
         (UU, (f"Insufficient {EXT_A}",))),
    _fit("extended resource allocatable admits multiple init containers", cs(fit_res()),
         cs(fit_res(1, 1, EXT_A=3), fit_res(1, 1, EXT_A=3)), fit_res(EXT_A=2), None),
    _fit("extended resource allocatable enforced for multiple init containers", cs(fit_res()),
         cs(fit_res(1, 1, EXT_A=6), fit_res(1, 1, EXT_A=3)), fit_res(EXT_A=2),
         (UU, (f"Insufficient {EXT_A}",))),
    _fit("extended resource allocatable enforced for unknown resource", cs(fit_res(1, 1, EXT_B=1)), (),
         fit_res(), (UU, (f"Insufficient {EXT_B}",))),
    _fit("extended resource allocatable enforced for unknown resource for init container", cs(fit_res()),
         cs(fit_res(1, 1, EXT_B=1)), fit_res(), (UU, (f"Insufficient {EXT_B}",))),
    _fit("kubernetes.io resource capacity enforced", cs(fit_res(1, 1, K8S_A=10)), (), fit_res(),
         (UU, (f"Insufficient {K8S_A}",))),
    _fit("kubernetes.io resource capacity enforced for init container", cs(fit_res()),
         cs(fit_res(1, 1, K8S_B=10)), fit_res(), (UU, (f"Insufficient {K8S_B}",))),
    _fit("hugepages resource capacity enforced", cs(fit_res(1, 1, HUGE_A=10)), (), fit_res(HUGE_A=0),
         (UU, (f"Insufficient {HUGE_A}",))),
    _fit("hugepages resource capacity enforced for init container", cs(fit_res()),
         cs(fit_res(1, 1, HUGE_A=10)), fit_res(HUGE_A=0), (UU, (f"Insufficient {HUGE_A}",))),
    _fit("hugepages resource allocatable enforced for multiple containers",
         cs(fit_res(1, 1, HUGE_A=3), fit_res(1, 1, HUGE_A=3)), (), fit_res(HUGE_A=2),
         (UU, (f"Insufficient {HUGE_A}",))),
    _fit("skip checking ignored extended resource", (), (), (), None, marks=skip(IGNORED)),
    _fit("resources + pod overhead fits", cs(fit_res(1, 1)), (), fit_res(5, 5), None,
         overhead=res(cpu=3, memory=13)),
    _fit("requests + overhead does not fit for memory", cs(fit_res(1, 1)), (), fit_res(5, 5),
         (U, ("Insufficient memory",)), overhead=res(cpu=1, memory=15)),
    _fit("skip checking ignored extended resource via resource groups", (), (), (), None,
         marks=skip(IGNORED)),
    _fit("skip checking extended resource request with quantity zero via resource groups",
         cs(fit_res(1, 1, EXT_A=0)), (), fit_res(EXT_A=6), None),
    # podLevelResourcesEnabled is set, but the pod sets no pod-level resources: the gate changes nothing.
    _fit("skip checking resource request with quantity zero", cs(fit_res(EXT_A=1)), (),
         fit_res(20, 30, EXT_A=1), None),
    _fit("both pod-level and container-level resources fit", (), (), (), None, marks=skip(PODLEVEL)),
    _fit("pod-level cpu resource not fit", (), (), (), None, marks=skip(PODLEVEL)),
    _fit("pod-level memory resource not fit", (), (), (), None, marks=skip(PODLEVEL)),
    _fit("pod-level hugepages resource fit", (), (), (), None, marks=skip(PODLEVEL)),
    _fit("both pod-level and container-level hugepages resource fit", (), (), (), None, marks=skip(PODLEVEL)),
    _fit("pod-level hugepages resource not fit", (), (), (), None, marks=skip(PODLEVEL)),
    _fit("one pod-level cpu resource fits and all init and non-init containers resources fit", (), (), (),
         None, marks=skip(PODLEVEL)),
    _fit("extended resource backed by device plugin", (), (), (), None, marks=skip(DRA)),
    _fit("extended resource backed by DRA", (), (), (), None, marks=skip(DRA)),
    _fit("extended resource backed by DRA, nil draManager", (), (), (), None, marks=skip(DRA)),
    # draExtendedResourceEnabled: false, i.e. the v1.35 default.
    _fit("extended resource backed by DRA not enabled", cs(fit_res(1, 1, DRA_EXT=1)), (), fit_res(),
         (UU, (f"Insufficient {DRA_EXT}",))),
    _fit("extended resource NOT backed by DRA", (), (), (), None, marks=skip(DRA)),
    _fit("extended resource was backed by Device Plugin (Allocatable: 0)", (), (), (), None, marks=skip(DRA)),
    _fit("extended resource was backed by Device Plugin (Allocatable: 0), global cache", (), (), (), None,
         marks=skip(DRA)),
]


def _check_filter(status, want):
    if want is None:
        assert status.success, status
    else:
        assert (status.code, status.reasons) == want


@pytest.mark.parametrize("pod_ctrs, pod_init, overhead, existing, want", ENOUGH_REQUESTS)
def test_enough_requests(pod_ctrs, pod_init, overhead, existing, want):
    info = one_info(mknode("n", FIT_NODE), [ctr(existing)])
    pod = mkpod(pod_ctrs, pod_init, overhead=overhead)
    _check_filter(NodeResourcesFit().filter(pod, info), want)


TOO_MANY = (U, ("Too many pods",))


@pytest.mark.parametrize("pod_ctrs, pod_init, existing, want", [
    pytest.param((), (), fit_res(10, 20), TOO_MANY, id="TestNotEnoughRequests-even without specified "
                 "resources, predicate fails when there's no space for additional pod"),
    pytest.param(cs(fit_res(1, 1)), (), fit_res(5, 5), TOO_MANY, id="TestNotEnoughRequests-even if both "
                 "resources fit, predicate fails when there's no space for additional pod"),
    pytest.param(cs(fit_res(5, 1)), (), fit_res(5, 19), TOO_MANY, id="TestNotEnoughRequests-even for equal "
                 "edge case, predicate fails when there's no space for additional pod"),
    pytest.param(cs(fit_res(5, 1)), cs(fit_res(5, 1)), fit_res(5, 19), TOO_MANY,
                 id="TestNotEnoughRequests-even for equal edge case, predicate fails when there's no space "
                 "for additional pod due to init container"),
])
def test_not_enough_requests(pod_ctrs, pod_init, existing, want):
    # makeAllocatableResources(10, 20, 1, 0, 0, 0)
    alloc = rl(("cpu", 10), ("memory", 20), ("pods", 1), (EXT_A, 0), ("ephemeral-storage", 0), (HUGE_A, 0))
    info = one_info(mknode("n", alloc), [ctr(existing)])
    _check_filter(NodeResourcesFit().filter(mkpod(pod_ctrs, pod_init), info), want)


@pytest.mark.parametrize("pod_ctrs, existing, want", [
    pytest.param(cs(fit_res(1, 1)), fit_res(2, 10), None,
                 id="TestStorageRequests-empty storage requested, and pod fits"),
    pytest.param(cs(fit_res(eph=25)), fit_res(2, 2), (UU, ("Insufficient ephemeral-storage",)),
                 id="TestStorageRequests-storage ephemeral local storage request exceeds allocatable"),
    pytest.param(cs(fit_res(eph=5)), fit_res(2, 2, eph=10), None,
                 id="TestStorageRequests-ephemeral local storage is sufficient"),
    pytest.param(cs(fit_res(eph=10)), fit_res(2, 2), None, id="TestStorageRequests-pod fits"),
])
def test_storage_requests(pod_ctrs, existing, want):
    info = one_info(mknode("n", FIT_NODE), [ctr(existing)])
    _check_filter(NodeResourcesFit().filter(mkpod(pod_ctrs), info), want)


SIDECAR_GATE = "SidecarContainers is GA and locked on in v1.35: the disabled mode does not exist"


@pytest.mark.parametrize("regular, sidecar, want", [
    pytest.param(None, None, None, marks=skip(SIDECAR_GATE), id="TestRestartableInitContainers-allow pod "
                 "without restartable init containers if sidecar containers is disabled"),
    pytest.param(None, None, None, marks=skip(SIDECAR_GATE), id="TestRestartableInitContainers-not allow "
                 "pod with restartable init containers if sidecar containers is disabled"),
    pytest.param((), None, None, id="TestRestartableInitContainers-allow pod without restartable init "
                 "containers if sidecar containers is enabled"),
    pytest.param((), (), None, id="TestRestartableInitContainers-allow pod with restartable init "
                 "containers if sidecar containers is enabled"),
    pytest.param(res(cpu=1), res(cpu=1), None, id="TestRestartableInitContainers-allow pod if the total "
                 "requested resources do not exceed the node's allocatable resources"),
    pytest.param(res(cpu=1), res(cpu=2), (UU, ("Insufficient cpu",)), id="TestRestartableInitContainers-"
                 "not allow pod if the total requested resources do exceed the node's allocatable resources"),
])
def test_restartable_init_containers(regular, sidecar, want):
    # makeAllocatableResources(2, 0, 1, 0, 0, 0), no pods on the node
    alloc = rl(("cpu", 2), ("memory", 0), ("pods", 1), (EXT_A, 0), ("ephemeral-storage", 0), (HUGE_A, 0))
    init = () if sidecar is None else (ctr(sidecar, name="restartable-init", sidecar=True),)
    pod = mkpod((ctr(regular, name="regular"),), init)
    info = infos([mknode("n", alloc)])["n"]
    _check_filter(NodeResourcesFit().filter(pod, info), want)


# -- NodeResourcesFit: Score (LeastAllocated) ---------------------------------------------------

def st_req(cpu_cores: int | None = None, mem: int | None = None, **scalars: int):
    """``st.MakePod().Req(...)``: one container requesting exactly the given keys (cpu in cores)."""
    out = []
    if cpu_cores is not None:
        out.append(("cpu", cpu_cores * CORE))
    if mem is not None:
        out.append(("memory", mem))
    out += list(scalars.items())
    return ctr(tuple(sorted(out)))


def st_node(name: str, cpu_cores: int | None = None, mem: int | None = None, pods: int = 110, **scalars):
    """``st.MakeNode().Capacity(...)``: capacity and allocatable (pods added so Filter is moot)."""
    alloc = [("pods", pods)]
    if cpu_cores is not None:
        alloc.append(("cpu", cpu_cores * CORE))
    if mem is not None:
        alloc.append(("memory", mem))
    alloc += list(scalars.items())
    return mknode(name, tuple(sorted(alloc)))


def _scores(plugin, pod, nodes, existing):
    nis = infos(nodes, existing)
    return [plugin.score(pod, nis[n.name]) for n in nodes]


STRATEGY = "only the default LeastAllocated strategy over cpu and memory (weight 1) is modelled"


def _la(name, pod_ctrs, nodes, existing, want, marks=()):
    return pytest.param(pod_ctrs, nodes, existing, want, marks=marks,
                        id=f"TestLeastAllocatedScoringStrategy-{name}")


LEAST_ALLOCATED = [
    _la("nothing scheduled, nothing requested", (), [st_node("node1", 4000, 10000), st_node("node2", 4000, 10000)],
        [], [100, 100]),
    _la("nothing scheduled, resources requested, differently sized nodes",
        (st_req(1000, 2000), st_req(2000, 3000)), [st_node("node1", 4000, 10000), st_node("node2", 6000, 10000)],
        [], [37, 50]),
    _la("Resources not set, pods scheduled with error", (), [], [], [], marks=skip(STRATEGY)),
    _la("no resources requested, pods scheduled", (), [st_node("node1", 4000, 10000), st_node("node2", 4000, 10000)],
        [mkpod(node="node1"), mkpod(node="node1"), mkpod(node="node2"), mkpod(node="node2")], [100, 100]),
    _la("no resources requested, pods scheduled with resources", (),
        [st_node("node1", 10000, 20000), st_node("node2", 10000, 20000)],
        [mkpod([st_req(3000, 0)], node="node1"), mkpod([st_req(3000, 0)], node="node1"),
         mkpod([st_req(3000, 0)], node="node2"), mkpod([st_req(3000, 5000)], node="node2")], [70, 57]),
    _la("resources requested, pods scheduled with resources", (st_req(1000, 2000), st_req(2000, 3000)),
        [st_node("node1", 10000, 20000), st_node("node2", 10000, 20000)],
        [mkpod([st_req(3000, 0)], node="node1"), mkpod([st_req(3000, 5000)], node="node2")], [57, 45]),
    _la("resources requested, pods scheduled with resources, differently sized nodes",
        (st_req(1000, 2000), st_req(2000, 3000)), [st_node("node1", 10000, 20000), st_node("node2", 10000, 50000)],
        [mkpod([st_req(3000, 0)], node="node1"), mkpod([st_req(3000, 5000)], node="node2")], [57, 60]),
    _la("requested resources exceed node capacity", (st_req(3000, 0),),
        [st_node("node1", 4000, 10000), st_node("node2", 4000, 10000)],
        [mkpod([st_req(3000, 0)], node="node1"), mkpod([st_req(3000, 5000)], node="node2")], [50, 25]),
    _la("zero node resources, pods scheduled with resources", (), [st_node("node1"), st_node("node2")],
        [mkpod([st_req(3000, 0)], node="node1"), mkpod([st_req(3000, 5000)], node="node2")], [0, 0]),
    _la("nothing scheduled, resources requested with different weight on CPU and memory, differently sized "
        "nodes", (), [], [], [], marks=skip(STRATEGY)),
    _la("resource with negative weight", (), [], [], [], marks=skip(STRATEGY)),
    _la("resource with zero weight", (), [], [], [], marks=skip(STRATEGY)),
    _la("resource weight larger than MaxNodeScore", (), [], [], [], marks=skip(STRATEGY)),
    # The upstream resource set adds an extended resource the pod does not request; it is bypassed,
    # so the score is the cpu/memory one the model computes.
    _la("bypass extended resource if the pod does not request", (st_req(1000, 2000), st_req(2000, 3000)),
        [st_node("node1", 6000, 10000), st_node("node2", 6000, 10000, **{"random-extended-resource": 4})],
        [], [50, 50]),
    _la("honor extended resource if the pod requests", (), [], [], [], marks=skip(STRATEGY)),
    _la("if the node doesn't have a resource", (), [], [], [], marks=skip(STRATEGY)),
]


@pytest.mark.parametrize("pod_ctrs, nodes, existing, want", LEAST_ALLOCATED)
def test_least_allocated(pod_ctrs, nodes, existing, want):
    assert _scores(NodeResourcesFit(), mkpod(pod_ctrs), nodes, existing) == want


def _fs(name, pod_ctrs, nodes, existing, want, marks=()):
    return pytest.param(pod_ctrs, nodes, existing, want, marks=marks, id=f"TestFitScore-{name}")


_FS_NODES = [st_node("node1", 4000, 10000), st_node("node2", 6000, 10000)]
_FS_PODS = [mkpod([st_req(2000, 4000)], node="node1"), mkpod([st_req(1000, 2000)], node="node2")]
_RTCR = "RequestedToCapacityRatio is not modelled (default strategy is LeastAllocated)"

FIT_SCORE = [
    _fs("test case for ScoringStrategy RequestedToCapacityRatio case1", (), [], [], [], marks=skip(_RTCR)),
    _fs("test case for ScoringStrategy RequestedToCapacityRatio case2", (), [], [], [], marks=skip(_RTCR)),
    _fs("test case for ScoringStrategy MostAllocated", (st_req(1000, 2000),), _FS_NODES, _FS_PODS, [67, 36]),
    _fs("test case for ScoringStrategy LeastAllocated", (st_req(1000, 2000),), _FS_NODES, _FS_PODS, [32, 63]),
    _fs("test case for ScoringStrategy RequestedToCapacityRatio case1 if PreScore is not called", (), [], [],
        [], marks=skip(_RTCR)),
    _fs("test case for ScoringStrategy MostAllocated if PreScore is not called", (st_req(1000, 2000),), _FS_NODES,
        _FS_PODS, [67, 36]),
    _fs("test case for ScoringStrategy LeastAllocated if PreScore is not called", (st_req(1000, 2000),),
        _FS_NODES, _FS_PODS, [32, 63]),
    _fs("test case for ScoringStrategy MostAllocated with sidecar container", (st_req(1000, 2000),),
        [st_node("node1", 4000, 10000), st_node("node2", 4000, 10000)],
        [mkpod([st_req(1000, 2000)], [ctr(st_req(1000, 2000).requests, name="sidecar", sidecar=True)],
               node="node1"),
         mkpod([st_req(1000, 2000)], node="node2")], [67, 45]),
    _fs("test case for ScoringStrategy LeastAllocated with sidecar container", (st_req(1000, 2000),),
        [st_node("node1", 4000, 10000), st_node("node2", 4000, 10000)],
        [mkpod([st_req(1000, 2000)], [ctr(st_req(1000, 2000).requests, name="sidecar", sidecar=True)],
               node="node1"),
         mkpod([st_req(1000, 2000)], node="node2")], [32, 55]),
    _fs("test case for ScoringStrategy LeastAllocated with Extended resources", (), [], [], [], marks=skip(DRA)),
    _fs("test case for ScoringStrategy LeastAllocated with Extended resources if PreScore is not called", (),
        [], [], [], marks=skip(DRA)),
]


@pytest.mark.parametrize("pod_ctrs, nodes, existing, want", FIT_SCORE)
def test_fit_score(pod_ctrs, nodes, existing, want, request):
    most = "MostAllocated" in request.node.callspec.id  # the case's strategy, as upstream's args set it
    plugin = NodeResourcesFit("MostAllocated" if most else "LeastAllocated")
    assert _scores(plugin, mkpod(pod_ctrs), nodes, existing) == want


# -- NodeResourcesBalancedAllocation ------------------------------------------------------------

def _milli(cpu_m: int, mem: int):
    return ctr(res(cpu=cpu_m, memory=mem))


CPU_ONLY = (_milli(1000, 0), _milli(2000, 0))
MEMORY_ONLY = (_milli(0, 2000), _milli(0, 3000))
CPU_AND_MEMORY = (_milli(1000, 2000), _milli(2000, 3000))


def make_node(name: str, milli_cpu: int, memory: int, scalars=None) -> Node:
    """balanced_allocation_test.go ``makeNode``: capacity = allocatable (cpu in millicores)."""
    alloc = [("cpu", milli_cpu), ("memory", memory), ("pods", 110), *(scalars or {}).items()]
    return mknode(name, tuple(sorted(alloc)))


GPU_SET = "a resource set with a scalar resource the pod requests is not modelled (cpu and memory only)"


def _ba(name, pod_ctrs, nodes, existing, want, marks=()):
    return pytest.param(pod_ctrs, nodes, existing, want, marks=marks,
                        id=f"TestNodeResourcesBalancedAllocation-{name}")


BALANCED = [
    # PreScore returns Skip for a best-effort pod: the plugin adds nothing, which the model renders
    # as 0 on every node.
    _ba("nothing scheduled, nothing requested, skip in PreScore", (),
        [make_node("node1", 4000, 10000), make_node("node2", 4000, 10000)], [], [0, 0]),
    _ba("nothing scheduled, resources requested, differently sized nodes", CPU_AND_MEMORY,
        [make_node("node1", 4000, 10000), make_node("node2", 6000, 10000)], [], [87, 100]),
    _ba("resources requested, pods scheduled with resources", CPU_AND_MEMORY,
        [make_node("node1", 10000, 20000), make_node("node2", 10000, 20000)],
        [mkpod(CPU_ONLY, node="node1"), mkpod(CPU_AND_MEMORY, node="node2")], [82, 95]),
    _ba("resources requested, pods scheduled with resources, differently sized nodes", CPU_AND_MEMORY,
        [make_node("node1", 10000, 20000), make_node("node2", 10000, 50000)],
        [mkpod(CPU_ONLY, node="node1"), mkpod(CPU_AND_MEMORY, node="node2")], [82, 80]),
    _ba("requested resources at node capacity", CPU_ONLY,
        [make_node("node1", 6000, 10000), make_node("node2", 6000, 10000)],
        [mkpod(CPU_ONLY, node="node1"), mkpod(CPU_AND_MEMORY, node="node2")], [50, 75]),
    _ba("include scalar resource on a node for balanced resource allocation", (), [], [], [],
        marks=skip(GPU_SET)),
    # The upstream set adds nvidia.com/gpu, which the pod does not request: bypassed, so the score is
    # the cpu/memory one.
    _ba("node without the scalar resource should skip the scalar resource", CPU_AND_MEMORY,
        [make_node("node1", 3500, 40000, {"nvidia.com/gpu": 8}), make_node("node2", 3500, 40000)], [], [63, 63]),
    _ba("resources requested, pods scheduled with resources if PreScore not called", CPU_AND_MEMORY,
        [make_node("node1", 10000, 20000), make_node("node2", 10000, 20000)],
        [mkpod(CPU_ONLY, node="node1"), mkpod(CPU_AND_MEMORY, node="node2")], [82, 95]),
    _ba("include DRA resource on a node for balanced resource allocation", (), [], [], [], marks=skip(DRA)),
    _ba("include DRA resource on a node for balanced resource allocation if PreScore not called", (), [], [],
        [], marks=skip(DRA)),
]


@pytest.mark.parametrize("pod_ctrs, nodes, existing, want", BALANCED)
def test_balanced_allocation(pod_ctrs, nodes, existing, want):
    assert _scores(BalancedAllocation(), mkpod(pod_ctrs), nodes, existing) == want


# -- TaintToleration ------------------------------------------------------------------------------

def tol(key="", op="Equal", value="", effect=""):
    return Toleration(key, op, value, effect)


def taint(key, value="", effect="NoSchedule"):
    return Taint(key, effect, value)


PNS = "PreferNoSchedule"


@pytest.mark.parametrize("tolerations, node_taints, want", [
    pytest.param([tol("foo", value="bar", effect=PNS)],
                 {"nodeA": [taint("foo", "bar", PNS)], "nodeB": [taint("foo", "blah", PNS)]},
                 {"nodeA": 100, "nodeB": 0},
                 id="TestTaintTolerationScore-node with taints tolerated by the pod, gets a higher score than "
                 "those node with intolerable taints"),
    pytest.param([tol("cpu-type", value="arm64", effect=PNS), tol("disk-type", value="ssd", effect=PNS)],
                 {"nodeA": [], "nodeB": [taint("cpu-type", "arm64", PNS)],
                  "nodeC": [taint("cpu-type", "arm64", PNS), taint("disk-type", "ssd", PNS)]},
                 {"nodeA": 100, "nodeB": 100, "nodeC": 100},
                 id="TestTaintTolerationScore-the nodes that all of their taints are tolerated by the pod, get "
                 "the same score, no matter how many tolerable taints a node has"),
    pytest.param([tol("foo", value="bar", effect=PNS)],
                 {"nodeA": [], "nodeB": [taint("cpu-type", "arm64", PNS)],
                  "nodeC": [taint("cpu-type", "arm64", PNS), taint("disk-type", "ssd", PNS)]},
                 {"nodeA": 100, "nodeB": 50, "nodeC": 0},
                 id="TestTaintTolerationScore-the more intolerable taints a node has, the lower score it gets."),
    pytest.param([tol("cpu-type", value="arm64", effect="NoSchedule"),
                  tol("disk-type", value="ssd", effect="NoSchedule")],
                 {"nodeA": [], "nodeB": [taint("cpu-type", "arm64", "NoSchedule")],
                  "nodeC": [taint("cpu-type", "arm64", PNS), taint("disk-type", "ssd", PNS)]},
                 {"nodeA": 100, "nodeB": 100, "nodeC": 0},
                 id="TestTaintTolerationScore-only taints and tolerations that have effect PreferNoSchedule are "
                 "checked by taints-tolerations priority function"),
    pytest.param([], {"nodeA": [], "nodeB": [taint("cpu-type", "arm64", PNS)]}, {"nodeA": 100, "nodeB": 0},
                 id="TestTaintTolerationScore-Default behaviour No taints and tolerations, lands on node with "
                 "no taints"),
])
def test_taint_toleration_score(tolerations, node_taints, want):
    plugin = TaintToleration()
    pod = mkpod(tolerations=tolerations)
    nis = infos([mknode(n, taints=ts) for n, ts in node_taints.items()])
    raw = {n: plugin.score(pod, nis[n]) for n in node_taints}
    assert plugin.normalize(raw) == want


def _untolerated(key, value):
    return (UU, (f"node(s) had untolerated taint {{{key}: {value}}}",))


@pytest.mark.parametrize("tolerations, taints, want", [
    pytest.param([], [taint("dedicated", "user1")], _untolerated("dedicated", "user1"),
                 id="TestTaintTolerationFilter-A pod having no tolerations can't be scheduled onto a node with "
                 "nonempty taints"),
    pytest.param([tol("dedicated", op="", value="user1", effect="NoSchedule")], [taint("dedicated", "user1")],
                 None, id="TestTaintTolerationFilter-A pod which can be scheduled on a dedicated node assigned "
                 "to user1 with effect NoSchedule"),
    pytest.param([tol("dedicated", value="user2", effect="NoSchedule")], [taint("dedicated", "user1")],
                 _untolerated("dedicated", "user1"), id="TestTaintTolerationFilter-A pod which can't be "
                 "scheduled on a dedicated node assigned to user2 with effect NoSchedule"),
    pytest.param([tol("foo", op="Exists", effect="NoSchedule")], [taint("foo", "bar")], None,
                 id="TestTaintTolerationFilter-A pod can be scheduled onto the node, with a toleration uses "
                 "operator Exists that tolerates the taints on the node"),
    pytest.param([tol("dedicated", value="user2", effect="NoSchedule"), tol("foo", op="Exists", effect="NoSchedule")],
                 [taint("dedicated", "user2"), taint("foo", "bar")], None,
                 id="TestTaintTolerationFilter-A pod has multiple tolerations, node has multiple taints, all the "
                 "taints are tolerated, pod can be scheduled onto the node"),
    pytest.param([tol("foo", value="bar", effect=PNS)], [taint("foo", "bar")], _untolerated("foo", "bar"),
                 id="TestTaintTolerationFilter-A pod has a toleration that keys and values match the taint on the "
                 "node, but (non-empty) effect doesn't match, can't be scheduled onto the node"),
    pytest.param([tol("foo", value="bar")], [taint("foo", "bar")], None,
                 id="TestTaintTolerationFilter-The pod has a toleration that keys and values match the taint on "
                 "the node, the effect of toleration is empty, and the effect of taint is NoSchedule. Pod can be "
                 "scheduled onto the node"),
    pytest.param([tol("dedicated", value="user2", effect="NoSchedule")], [taint("dedicated", "user1", PNS)], None,
                 id="TestTaintTolerationFilter-The pod has a toleration that key and value don't match the taint "
                 "on the node, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the "
                 "node"),
    pytest.param([], [taint("dedicated", "user1", PNS)], None,
                 id="TestTaintTolerationFilter-The pod has no toleration, but the effect of taint on node is "
                 "PreferNoSchedule. Pod can be scheduled onto the node"),
])
def test_taint_toleration_filter(tolerations, taints, want):
    info = infos([mknode("nodeA", taints=taints)])["nodeA"]
    _check_filter(TaintToleration().filter(mkpod(tolerations=tolerations), info), want)


# -- NodeUnschedulable, NodeName, NodeAffinity (nodeSelector) ------------------------------------

@pytest.mark.parametrize("tolerations, unschedulable, want", [
    pytest.param([], True, (UU, ("node(s) were unschedulable",)),
                 id="TestNodeUnschedulable-Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)"),
    pytest.param([], False, None, id="TestNodeUnschedulable-Schedule pod to normal node"),
    pytest.param([tol(TAINT_UNSCHEDULABLE, op="", effect="NoSchedule")], True, None,
                 id="TestNodeUnschedulable-Schedule pod with toleration to unschedulable node "
                 "(node.Spec.Unschedulable==true)"),
])
def test_node_unschedulable(tolerations, unschedulable, want):
    info = infos([mknode("n", unschedulable=unschedulable)])["n"]
    _check_filter(NodeUnschedulable().filter(mkpod(tolerations=tolerations), info), want)


@pytest.mark.parametrize("pod_node, node, want", [
    pytest.param("", "", None, id="TestNodeName-no host specified"),
    pytest.param("foo", "foo", None, id="TestNodeName-host matches"),
    pytest.param("bar", "foo", (UU, ("node(s) didn't match the requested node name",)),
                 id="TestNodeName-host doesn't match"),
])
def test_node_name(pod_node, node, want):
    info = infos([mknode(node)])[node]
    # The pod is the one being scheduled, so it is not placed in the node's NodeInfo.
    _check_filter(NodeName().filter(mkpod(node=pod_node), info), want)


AFFINITY = "the affinity cases of TestNodeAffinity are in tests/scheduler/test_node_affinity_ports.py"
NO_MATCH = (UU, ("node(s) didn't match Pod's node affinity/selector",))


@pytest.mark.parametrize("selector, labels, want", [
    pytest.param({"foo": "bar"}, {}, NO_MATCH, id="TestNodeAffinity-missing labels"),
    pytest.param({"foo": "bar"}, {"foo": "bar"}, None, id="TestNodeAffinity-same labels"),
    pytest.param({"foo": "bar"}, {"foo": "bar", "baz": "blah"}, None, id="TestNodeAffinity-node labels are superset"),
    pytest.param({"foo": "bar", "baz": "blah"}, {"foo": "bar"}, NO_MATCH, id="TestNodeAffinity-node labels are subset"),
    pytest.param({}, {"foo": "bar"}, None, id="TestNodeAffinity-Pod with no Affinity will schedule onto a node"),
    pytest.param({"foo": "bar"}, {"foo": "bar", "baz": "blah"}, None,
                 id="TestNodeAffinity-Matches node selector correctly even if PreFilter is not called"),
    pytest.param({}, {}, None, marks=skip(AFFINITY),
                 id="TestNodeAffinity-Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are "
                 "deprecating) both are satisfied, will schedule onto the node"),
    pytest.param({}, {}, None, marks=skip(AFFINITY),
                 id="TestNodeAffinity-Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the "
                 "old thing that we are deprecating) is not satisfied, won't schedule onto the node"),
])
def test_node_affinity_node_selector(selector, labels, want):
    info = infos([mknode("node1", labels=labels.items())])["node1"]
    _check_filter(NodeAffinity().filter(mkpod(selector=selector.items()), info), want)


# -- tolerates_taint, find_untolerated_taint ------------------------------------------------------

COMPARISON_GATE = ("TaintTolerationComparisonOperators is alpha and off by default in v1.35; with the "
                   "gate off ToleratesTaint returns false for Lt/Gt, which is what the model checks")


@pytest.mark.parametrize("toleration, tnt, want", [
    pytest.param(tol("foo", op="Exists", effect="NoSchedule"), taint("foo"), True,
                 id="TestTolerationToleratesTaint-toleration and taint have the same key and effect, and operator "
                 "is Exists, and taint has no value, expect tolerated"),
    pytest.param(tol("foo", op="Exists", effect="NoSchedule"), taint("foo", "bar"), True,
                 id="TestTolerationToleratesTaint-toleration and taint have the same key and effect, and operator "
                 "is Exists, and taint has some value, expect tolerated"),
    pytest.param(tol("", op="Exists", effect="NoSchedule"), taint("foo", "bar"), True,
                 id="TestTolerationToleratesTaint-toleration and taint have the same effect, toleration has empty "
                 "key and operator is Exists, means match all taints, expect tolerated"),
    pytest.param(tol("foo", value="bar", effect="NoSchedule"), taint("foo", "bar"), True,
                 id="TestTolerationToleratesTaint-toleration and taint have the same key, effect and value, and "
                 "operator is Equal, expect tolerated"),
    pytest.param(tol("foo", value="value1", effect="NoSchedule"), taint("foo", "value2"), False,
                 id="TestTolerationToleratesTaint-toleration and taint have the same key and effect, but different "
                 "values, and operator is Equal, expect not tolerated"),
    pytest.param(tol("foo", value="bar", effect="NoSchedule"), taint("foo", "bar", "NoExecute"), False,
                 id="TestTolerationToleratesTaint-toleration and taint have the same key and value, but different "
                 "effects, and operator is Equal, expect not tolerated"),
    # The comparison-operator cases run with the gate on upstream; here they check the gate-off rule.
    *[pytest.param(tol(k, op=op, value=tv, effect="NoSchedule"), taint(k, v), False,
                   id=f"TestTolerationToleratesTaint-{name} (gate off: not tolerated)")
      for name, k, op, tv, v in [
          ("toleration with Gt operator - taint value less than toleration value, expect not tolerated",
           "node.kubernetes.io/sla", "Gt", "950", "800"),
          ("toleration with Gt operator - taint value greater than toleration value, expect tolerated",
           "node.kubernetes.io/sla", "Gt", "750", "950"),
          ("toleration with Lt operator - taint value greater than toleration value, expect not tolerated",
           "node.kubernetes.io/sla", "Lt", "800", "950"),
          ("toleration with Lt operator - taint value less than toleration value, expect tolerated",
           "node.kubernetes.io/sla", "Lt", "950", "800"),
          ("toleration with Gt operator and taint with equal numeric value, expect not tolerated",
           "node.kubernetes.io/sla", "Gt", "950", "950"),
          ("toleration with Gt operator and taint with non-numeric value, expect not tolerated",
           "node.kubernetes.io/sla", "Gt", "950", "high"),
          ("toleration with Gt operator and negative numeric values - taint value less than threshold, expect "
           "not tolerated", "test-key", "Gt", "-100", "-200"),
          ("toleration with Gt operator and large int64 values - taint value less than threshold, expect not "
           "tolerated", "test-key", "Gt", "9223372036854775806", "100"),
      ]],
])
def test_toleration_tolerates_taint(toleration, tnt, want):
    assert tolerates_taint(toleration, tnt) is want


ALL_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


@pytest.mark.parametrize("tolerations, taints, effects, want_tolerated", [
    pytest.param([], [], ALL_EFFECTS, True,
                 id="TestFindMatchingUntoleratedTaint-empty tolerations tolerate empty taints"),
    pytest.param([tol("foo", op="Exists", effect="NoSchedule")], [], ALL_EFFECTS, True,
                 id="TestFindMatchingUntoleratedTaint-non-empty tolerations tolerate empty taints"),
    pytest.param([tol("foo", op="Exists", effect="NoSchedule")], [taint("foo")], ALL_EFFECTS, True,
                 id="TestFindMatchingUntoleratedTaint-tolerations match all taints, expect tolerated"),
    # applyFilter returns false for every taint: no effect passes the filter.
    pytest.param([tol("foo", op="Exists", effect="NoSchedule")], [taint("bar")], (), True,
                 id="TestFindMatchingUntoleratedTaint-tolerations don't match taints, but no taints apply to the "
                 "filter, expect tolerated"),
    # A nil filter keeps every taint.
    pytest.param([tol("foo", op="Exists", effect="NoSchedule")], [taint("bar")], ALL_EFFECTS, False,
                 id="TestFindMatchingUntoleratedTaint-no filterFunc indicated, means all taints apply to the "
                 "filter, tolerations don't match taints, expect untolerated"),
    pytest.param([tol("foo", op="Exists", effect="NoExecute")], [taint("foo", effect="NoExecute"), taint("bar")],
                 ("NoExecute",), True, id="TestFindMatchingUntoleratedTaint-tolerations match taints, expect tolerated"),
    *[pytest.param([tol("node.kubernetes.io/sla", op=op, value=tv, effect="NoSchedule")],
                   [taint("node.kubernetes.io/sla", v)], ALL_EFFECTS, False,
                   id=f"TestFindMatchingUntoleratedTaint-{name} (gate off: untolerated)")
      for name, op, tv, v in [
          ("numeric Gt operator with taint value below threshold, expect not tolerated", "Gt", "950", "800"),
          ("numeric Gt operator with taint value above threshold, expect tolerated", "Gt", "750", "950"),
          ("numeric Lt operator with taint value above threshold, expect not tolerated", "Lt", "800", "950"),
          ("numeric Gt operator with non-numeric taint value, expect not tolerated", "Gt", "950", "high"),
      ]],
])
def test_find_matching_untolerated_taint(tolerations, taints, effects, want_tolerated):
    found = find_untolerated_taint(tuple(taints), tuple(tolerations), effects)
    assert (found is None) is want_tolerated


# -- pod_requests ---------------------------------------------------------------------------------

def requests_of(spec: PodSpec) -> dict[str, int]:
    """pod_requests without the model's extra ``pods: 1`` (upstream PodRequests has no such entry)."""
    out = dict(pod_requests(spec))
    assert out.pop("pods") == 1
    return out


def get_pod(cpu_req=None, mem_req=None, cpu_ovh=None, mem_ovh=None) -> PodSpec:
    """helpers_test.go ``getPod``: one container and one init container with the same requests."""
    r = rl(*[(k, v) for k, v in (("cpu", cpu_req), ("memory", mem_req)) if v is not None])
    o = rl(*[(k, v) for k, v in (("cpu", cpu_ovh), ("memory", mem_ovh)) if v is not None])
    return PodSpec((ctr(r, name="foo"),), init_containers=(ctr(r, name="init-foo"),), overhead=o)


EXCLUDE_OVERHEAD = "PodResourcesOptions.ExcludeOverhead is not modelled (the scheduler includes overhead)"
STATUS_RESOURCES = ("PodResourcesOptions.UseStatusResources (in-place resize: container status resources, "
                    "allocated resources, resize conditions) is not modelled")


def spec(containers=(), init=(), overhead=()) -> PodSpec:
    return PodSpec(tuple(containers), init_containers=tuple(init), overhead=tuple(overhead))


def cpu(cores: int, name: str = "c", sidecar: bool = False) -> Container:
    return ctr((("cpu", cores * CORE),), name=name, sidecar=sidecar)


POD_REQUESTS = [
    # TestPodRequestsAndLimits (the requests half)
    pytest.param(get_pod(), {}, id="TestPodRequestsAndLimits-just-limit-no-overhead"),
    pytest.param(get_pod(cpu_ovh=5 * CORE, mem_ovh=5), {"cpu": 5 * CORE, "memory": 5},
                 id="TestPodRequestsAndLimits-just-overhead"),
    pytest.param(get_pod(1 * CORE, 10, 5 * CORE, 5), {"cpu": 6 * CORE, "memory": 15},
                 id="TestPodRequestsAndLimits-req-and-overhead"),
    pytest.param(get_pod(1 * CORE, 10, 5 * CORE, 5), {"cpu": 6 * CORE, "memory": 15},
                 id="TestPodRequestsAndLimits-all-req-lim-and-overhead"),
    pytest.param(get_pod(1 * CORE, 10, 5 * CORE, 5), {"cpu": 6 * CORE, "memory": 15},
                 id="TestPodRequestsAndLimits-req-some-lim-and-overhead"),
    # TestPodRequestsAndLimitsWithoutOverhead
    pytest.param(spec([ctr(res(cpu=1 * CORE, memory=5)), ctr(res(cpu=4 * CORE, memory=12))]),
                 {"cpu": 5 * CORE, "memory": 17},
                 id="TestPodRequestsAndLimitsWithoutOverhead-two container no overhead - should just be sum of "
                 "containers"),
    pytest.param(None, None, marks=skip(EXCLUDE_OVERHEAD),
                 id="TestPodRequestsAndLimitsWithoutOverhead-two container with overhead - shouldn't consider "
                 "overhead"),
    pytest.param(None, None, marks=skip(EXCLUDE_OVERHEAD),
                 id="TestPodRequestsAndLimitsWithoutOverhead-two container with overhead, massive init - should "
                 "just be the largest init"),
    # TestPodResourceRequests
    pytest.param(spec([cpu(1)], [cpu(4)]), {"cpu": 4 * CORE},
                 id="TestPodResourceRequests-nil options, larger init container"),
    pytest.param(spec([cpu(2), cpu(3)], [cpu(2)]), {"cpu": 5 * CORE},
                 id="TestPodResourceRequests-nil options, larger containers"),
    pytest.param(None, None, marks=skip(EXCLUDE_OVERHEAD), id="TestPodResourceRequests-pod overhead excluded"),
    pytest.param(spec([cpu(2), cpu(3)], [cpu(2)], res(cpu=1 * CORE, memory=GI)), {"cpu": 6 * CORE, "memory": GI},
                 id="TestPodResourceRequests-pod overhead included"),
    pytest.param(None, None, marks=skip(STATUS_RESOURCES), id="TestPodResourceRequests-resized, infeasible"),
    pytest.param(None, None, marks=skip(STATUS_RESOURCES),
                 id="TestPodResourceRequests-resized, infeasible & in-progress"),
    pytest.param(None, None, marks=skip(STATUS_RESOURCES), id="TestPodResourceRequests-resized, no resize status"),
    pytest.param(None, None, marks=skip(STATUS_RESOURCES),
                 id="TestPodResourceRequests-resized: per-resource 3-way maximum"),
    # UseStatusResources: false, so the status is ignored: the spec decides.
    pytest.param(spec([cpu(4, "container-1")]), {"cpu": 4 * CORE},
                 id="TestPodResourceRequests-resized, infeasible, but don't use status"),
    pytest.param(None, None, marks=skip(STATUS_RESOURCES),
                 id="TestPodResourceRequests-resized, restartable init container, infeasible"),
    pytest.param(None, None, marks=skip(STATUS_RESOURCES),
                 id="TestPodResourceRequests-resized, restartable init container, no resize status"),
    pytest.param(spec([], [cpu(4, "restartable-init-1", sidecar=True)]), {"cpu": 4 * CORE},
                 id="TestPodResourceRequests-resized, restartable init container, infeasible, but don't use status"),
    pytest.param(spec([cpu(1, "container-1")], [cpu(1, "restartable-init-1", sidecar=True)]), {"cpu": 2 * CORE},
                 id="TestPodResourceRequests-restartable init container"),
    pytest.param(spec([cpu(1, "container-1")],
                      [cpu(5, "init-1"), cpu(1, "restartable-init-1", True), cpu(2, "restartable-init-2", True),
                       cpu(3, "restartable-init-3", True)]), {"cpu": 7 * CORE},
                 id="TestPodResourceRequests-multiple restartable init containers"),
    pytest.param(spec([cpu(1, "container-1")],
                      [cpu(5, "init-1"), cpu(1, "restartable-init-1", True), cpu(2, "restartable-init-2", True),
                       cpu(5, "init-2"), cpu(3, "restartable-init-3", True)]), {"cpu": 8 * CORE},
                 id="TestPodResourceRequests-multiple restartable and regular init containers"),
    pytest.param(spec([cpu(100, "container-1")], [cpu(10, "restartable-init-1", True), cpu(200, "init-1")]),
                 {"cpu": 210 * CORE}, id="TestPodResourceRequests-restartable-init, init and regular"),
    # TestAggregateContainerRequestsAndLimits (the requests half; no overhead, so PodRequests equals it)
    pytest.param(spec([ctr()]), {}, id="TestAggregateContainerRequestsAndLimits-one container with limits"),
    pytest.param(spec([ctr(), ctr()]), {}, id="TestAggregateContainerRequestsAndLimits-two containers with limits"),
    pytest.param(spec([cpu(9)]), {"cpu": 9 * CORE},
                 id="TestAggregateContainerRequestsAndLimits-one container with requests"),
    pytest.param(spec([cpu(9), cpu(9)]), {"cpu": 18 * CORE},
                 id="TestAggregateContainerRequestsAndLimits-two containers with requests"),
    pytest.param(spec([cpu(9)], [cpu(9)]), {"cpu": 9 * CORE},
                 id="TestAggregateContainerRequestsAndLimits-regular and init containers with requests"),
    pytest.param(spec([cpu(9)], [cpu(8, sidecar=True), cpu(6)]), {"cpu": 17 * CORE},
                 id="TestAggregateContainerRequestsAndLimits-regular, init and sidecar containers with requests"),
    pytest.param(spec([ctr()], [ctr()]), {},
                 id="TestAggregateContainerRequestsAndLimits-regular and init containers with limits"),
    pytest.param(spec([ctr()], [ctr(sidecar=True), ctr()]), {},
                 id="TestAggregateContainerRequestsAndLimits-regular, init and sidecar containers with limits"),
    pytest.param(None, None, marks=skip(STATUS_RESOURCES),
                 id="TestAggregateContainerRequestsAndLimits-regularcontainers with empty requests, but status "
                 "with non-empty requests"),
    pytest.param(None, None, marks=skip(STATUS_RESOURCES),
                 id="TestAggregateContainerRequestsAndLimits-always-restart init containers with empty requests, "
                 "but status with non-empty requests"),
]


@pytest.mark.parametrize("pod_spec, want", POD_REQUESTS)
def test_pod_requests(pod_spec, want):
    assert requests_of(pod_spec) == want


# -- NodeInfo -------------------------------------------------------------------------------------

@pytest.mark.parametrize("phase", ["Succeeded", "Failed"])
def test_node_info_drops_terminal_pods(phase):
    """Not an upstream test table: ``pkg/scheduler/scheduler.go`` ``newPodInformer`` lists and
    watches pods with ``status.phase!=Succeeded,status.phase!=Failed``, so a pod that finishes
    leaves the scheduler's cache and frees its node's resources."""
    node = mknode("n", rl(("cpu", 1000), ("memory", GI), ("pods", 1)))
    done = mkpod([ctr(res(cpu=1000))], node="n", phase=phase)
    info = infos([node], [done])["n"]
    assert info.pods == () and info.requested == {}
    r = schedule_one(mkpod([ctr(res(cpu=1000))]), {"n": info})
    assert r.candidates == ("n",)


@pytest.mark.parametrize("plugin, want", [
    pytest.param(NodeResourcesFit(), 50, id="least_allocated.go-leastResourceScorer-zero allocatable left out"),
    pytest.param(BalancedAllocation(), 100, id="balanced_allocation.go-balancedResourceScorer-zero allocatable left out"),
])
def test_zero_allocatable_resource_is_left_out(plugin, want):
    """Not an upstream test table: ``resource_allocation.go`` ``score`` leaves a resource with zero
    allocatable at (0, 0) and both scorers skip it, so it adds neither a score nor a weight (or a
    fraction). Here the node has no cpu: only memory (5000 of 10000) is scored."""
    node = mknode("n", rl(("memory", 10000), ("pods", 110)))
    pod = mkpod([ctr(res(cpu=0, memory=5000))])
    assert plugin.score(pod, infos([node])["n"]) == want
