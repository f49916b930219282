"""Pods, ReplicaSets and Deployments (``k8s.io/api/core/v1``, ``k8s.io/api/apps/v1``).

What is kept of a pod is what the modelled controllers, the scheduler and the kubelet read:
containers with requests and ports, init containers (with sidecar ``restartPolicy: Always``),
overhead, node name, node selector, tolerations, restart policy, priority, the service account,
the phase and the four standard conditions (PodScheduled, Initialized, ContainersReady, Ready),
one restart count for the pod (the largest over its containers) and whether its containers are
running, waiting to be restarted, or terminated.

Abstracted: time (``lastTransitionTime``, ``creationTimestamp``: the model orders nothing by
time; rules that compare times treat the compared pods as equally old), probes (a started
container is ready at once; probes arrive with the kubelet issue), container-level status
detail beyond the one restart count. Affinity, topology spread constraints, host ports and the
preemption policy are kept as written (:mod:`kmodel.objects.affinity`).

Upstream: ``staging/src/k8s.io/api/core/v1/types.go``, ``staging/src/k8s.io/api/apps/v1/types.go``;
``pkg/api/v1/pod/util.go`` (``IsPodReady``); ``pkg/controller/controller_utils.go``
(``IsPodActive``, ``IsPodTerminating``).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from kmodel.objects.affinity import Affinity, TopologySpreadConstraint
from kmodel.objects.meta import LabelSelector, ObjectMeta, ObjectRef, _hash_field, record
from kmodel.objects.nodes import Resources, Toleration
from kmodel.objects.probes import Probe
from kmodel.objects.storage import Volume

__all__ = [
    "ContainerPort",
    "Container",
    "PodSpec",
    "PodCondition",
    "PodStatus",
    "Pod",
    "PodTemplateSpec",
    "ReplicaSetSpec",
    "ReplicaSetCondition",
    "ReplicaSetStatus",
    "ReplicaSet",
    "DeploymentStrategy",
    "DeploymentCondition",
    "DeploymentSpec",
    "DeploymentStatus",
    "Deployment",
    "is_pod_active",
    "is_pod_ready",
    "is_pod_terminating",
    "pod_requests",
    "IntOrString",
]

IntOrString = int | str

RUNNING = "running"
WAITING = "waiting"
TERMINATED = "terminated"
#: Container states added by the kubelet lifecycle (:mod:`kmodel.agents.kubelet`): ``completed``
#: (exited with code 0; ``terminated`` is a non-zero exit), ``backoff`` (waiting in
#: CrashLoopBackOff after a crash) and ``unhealthy`` (running, but failing its probes: a fault).
COMPLETED = "completed"
BACKOFF = "backoff"
UNHEALTHY = "unhealthy"


@record
class ContainerPort:
    container_port: int
    name: str = ""
    protocol: str = "TCP"
    host_port: int = 0
    host_ip: str = ""
    _hash: int = _hash_field()


@record
class Container:
    """A container: name, image, resource requests and limits (model units), ports.

    ``restart_policy`` is only set on init containers: ``"Always"`` makes a sidecar.
    ``pre_stop_sleep`` is the seconds of a ``lifecycle.preStop.sleep`` hook (``None``: none).
    """

    name: str
    image: str = ""
    requests: Resources = ()
    limits: Resources = ()
    ports: tuple[ContainerPort, ...] = ()
    restart_policy: str = ""
    pre_stop_sleep: int | None = None
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None
    _hash: int = _hash_field()


@record
class PodSpec:
    containers: tuple[Container, ...]
    init_containers: tuple[Container, ...] = ()
    node_name: str = ""
    node_selector: tuple[tuple[str, str], ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    restart_policy: str = "Always"
    priority: int = 0
    priority_class_name: str = ""
    service_account_name: str = ""
    scheduler_name: str = "default-scheduler"
    overhead: Resources = ()
    affinity: Affinity | None = None
    topology_spread_constraints: tuple[TopologySpreadConstraint, ...] = ()
    preemption_policy: str = "PreemptLowerPriority"
    volumes: tuple[Volume, ...] = ()  # claim volumes (kmodel.objects.storage)
    automount_service_account_token: bool | None = None  # kmodel.admission (ServiceAccount)
    _hash: int = _hash_field()
    _requests: Any = field(default=None, init=False, repr=False, compare=False)
    _nonzero: Any = field(default=None, init=False, repr=False, compare=False)


@record
class PodCondition:
    """``status.conditions[]``. ``last_transition_time`` (seconds) is ``None`` in the model, where
    time is abstract; a concrete time (``0``: unset) is only given by callers of
    :mod:`kmodel.controllers.controller_utils` (``ActivePodsWithRanks`` ranks ready pods by it)."""

    type: str
    status: str
    reason: str = ""
    last_transition_time: int | None = None
    _hash: int = _hash_field()


@record
class PodStatus:
    """``status``: ``phase``, conditions, the restart count, the containers' state
    (``"waiting"``, ``"running"`` or ``"terminated"``) and the pod's IP (``""`` until assigned)."""

    phase: str = "Pending"
    conditions: tuple[PodCondition, ...] = ()
    restart_count: int = 0
    containers: str = WAITING
    pod_ip: str = ""  # status.podIP: set by the kubelet when the pod starts (kmodel.agents.ipam)
    nominated_node_name: str = ""  # status.nominatedNodeName: set by scheduler preemption
    # The kubelet's CrashLoopBackOff entry for the pod's containers (seconds; 0: none). Kubelet
    # memory, kept with the pod because its key (pod UID) dies with it (kmodel.agents.kubelet).
    backoff: int = 0
    # Ghost for the ``restart-backoff`` property: the entry the container's restarts call for (what
    # a kubelet that never lost its memory would hold); equal to ``backoff`` unless the kubelet
    # restarted (the ``kubeletRestarts`` fault, kmodel.faults). Not an API field.
    backoff_earned: int = 0
    # The largest ``restartCount`` of the pod's sidecar (``restartPolicy: Always`` init) containers
    # in ``initContainerStatuses`` (read from manifests; the model never restarts a sidecar).
    sidecar_restart_count: int = 0
    _hash: int = _hash_field()

    def condition(self, type_: str) -> PodCondition | None:
        for c in self.conditions:
            if c.type == type_:
                return c
        return None


@record
class Pod:
    """A Pod.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> p = Pod(ObjectMeta("web-1", "default"), PodSpec((Container("web", requests=(("cpu", 500),)),)))
    >>> p.ref, is_pod_active(p), is_pod_ready(p), dict(pod_requests(p.spec))
    (Pod/default/web-1, True, False, {'cpu': 500, 'pods': 1})
    """

    metadata: ObjectMeta
    spec: PodSpec
    status: PodStatus = PodStatus()
    _hash: int = _hash_field()
    _skey: Any = field(default=None, init=False, repr=False, compare=False)

    kind = "Pod"
    api_version = "v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Pod", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name


def is_pod_ready(pod: Pod) -> bool:
    """``IsPodReady``: the Ready condition is True."""
    c = pod.status.condition("Ready")
    return c is not None and c.status == "True"


def is_pod_active(pod: Pod) -> bool:
    """``IsPodActive``: not Succeeded, not Failed, and not being deleted."""
    return pod.status.phase not in ("Succeeded", "Failed") and not pod.metadata.deleting


def is_pod_terminating(pod: Pod) -> bool:
    """``IsPodTerminating``: being deleted and not yet in a terminal phase."""
    return pod.metadata.deleting and pod.status.phase not in ("Succeeded", "Failed")


def _add(total: dict[str, int], resources: Resources) -> None:
    for name, amount in resources:
        total[name] = total.get(name, 0) + amount


def pod_requests(spec: PodSpec) -> Resources:
    """A pod's effective requests (``resourcehelper.PodRequests``), cached on the spec.

    The sum over regular containers, raised to the largest need of any init container (an init
    container runs beside the sidecars started before it), plus ``overhead``; plus one ``pods``.

    Examples
    --------
    >>> c = Container("app", requests=(("cpu", 500),))
    >>> init = Container("setup", requests=(("cpu", 800),))
    >>> side = Container("proxy", requests=(("cpu", 100),), restart_policy="Always")
    >>> dict(pod_requests(PodSpec((c,), init_containers=(init,))))["cpu"]
    800
    >>> dict(pod_requests(PodSpec((c,), init_containers=(side, init))))["cpu"]
    900
    """
    cached = spec._requests
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    total: dict[str, int] = {}
    for c in spec.containers:
        _add(total, c.requests)
    # Upstream: restartable (sidecar) init containers add to the running total; for a regular
    # init container the need while it runs is its own request plus the sidecars started so
    # far; the pod needs the max of that and the regular containers plus all sidecars.
    sidecars: dict[str, int] = {}
    init_peak: dict[str, int] = {}
    for c in spec.init_containers:
        if c.restart_policy == "Always":
            _add(sidecars, c.requests)
            need = dict(sidecars)
        else:
            need = dict(sidecars)
            _add(need, c.requests)
        for k, v in need.items():
            init_peak[k] = max(init_peak.get(k, 0), v)
    _add(total, tuple(sidecars.items()))
    for k, v in init_peak.items():
        total[k] = max(total.get(k, 0), v)
    _add(total, spec.overhead)
    total["pods"] = total.get("pods", 0) + 1
    result = tuple(sorted(total.items()))
    object.__setattr__(spec, "_requests", result)
    return result


@record
class PodTemplateSpec:
    labels: tuple[tuple[str, str], ...]
    spec: PodSpec
    annotations: tuple[tuple[str, str], ...] = ()
    _hash: int = _hash_field()


@record
class ReplicaSetSpec:
    """``replicas`` is ``None`` when the manifest omits it; admission defaults it to 1."""

    selector: LabelSelector
    template: PodTemplateSpec
    replicas: int | None = None
    min_ready_seconds: int = 0
    _hash: int = _hash_field()


@record
class ReplicaSetCondition:
    type: str
    status: str
    reason: str = ""
    _hash: int = _hash_field()


@record
class ReplicaSetStatus:
    replicas: int = 0
    fully_labeled_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    observed_generation: int = 0
    conditions: tuple[ReplicaSetCondition, ...] = ()
    _hash: int = _hash_field()


@record
class ReplicaSet:
    metadata: ObjectMeta
    spec: ReplicaSetSpec
    status: ReplicaSetStatus = ReplicaSetStatus()
    _hash: int = _hash_field()

    kind = "ReplicaSet"
    api_version = "apps/v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("ReplicaSet", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def replicas(self) -> int:
        return 1 if self.spec.replicas is None else self.spec.replicas


@record
class DeploymentStrategy:
    """``spec.strategy``: ``RollingUpdate`` (default, 25%/25%) or ``Recreate``."""

    type: str = "RollingUpdate"
    max_surge: IntOrString | None = None
    max_unavailable: IntOrString | None = None
    _hash: int = _hash_field()


@record
class DeploymentSpec:
    selector: LabelSelector
    template: PodTemplateSpec
    replicas: int | None = None
    strategy: DeploymentStrategy = DeploymentStrategy()
    min_ready_seconds: int = 0
    revision_history_limit: int | None = None
    progress_deadline_seconds: int | None = None
    paused: bool = False
    _hash: int = _hash_field()


@record
class DeploymentCondition:
    """``status.conditions[]`` of a Deployment (``Available``, ``Progressing``, ``ReplicaFailure``);
    ``lastUpdateTime`` and ``lastTransitionTime`` are abstract (see
    :mod:`kmodel.controllers.deployment`)."""

    type: str
    status: str
    reason: str = ""
    _hash: int = _hash_field()


@record
class DeploymentStatus:
    """``status``; conditions keep upstream's order (a changed condition moves to the end).
    ``collision_count`` is ``None`` while unset (upstream's nil)."""

    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    observed_generation: int = 0
    conditions: tuple[DeploymentCondition, ...] = ()
    collision_count: int | None = None
    _hash: int = _hash_field()


@record
class Deployment:
    """A Deployment (reconciled by :mod:`kmodel.controllers.deployment`)."""

    metadata: ObjectMeta
    spec: DeploymentSpec
    status: DeploymentStatus = DeploymentStatus()
    _hash: int = _hash_field()

    kind = "Deployment"
    api_version = "apps/v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Deployment", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name
