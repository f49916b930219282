"""The API server and etcd as a pure function: ``apply(state, request) -> (state, response)``.

Requests are values: :class:`Create`, :class:`Update`, :class:`UpdateStatus`, :class:`Delete`,
:class:`Bind`. ``apply`` never raises for a request the real API server would refuse; it returns
the state unchanged and a :class:`Response` with the HTTP code and reason upstream would give.

Modelled admission and registry behaviour (v1.35):

* **NamespaceLifecycle**: a namespaced object needs an existing namespace (404 otherwise).
* **Defaults** (``pkg/apis/apps/v1/defaults.go``, ``pkg/apis/core/v1/defaults.go``):
  ``replicas: 1`` for ReplicaSets and Deployments; Deployment strategy RollingUpdate 25%/25%,
  ``revisionHistoryLimit: 10``, ``progressDeadlineSeconds: 600``; a container's missing
  request defaults to its limit; pods get
  ``serviceAccountName: default`` and ``schedulerName: default-scheduler``.
* **Admission plugins** (:mod:`kmodel.admission`): DefaultTolerationSeconds (pods tolerate the
  not-ready and unreachable NoExecute taints for 300 s), ServiceAccount (a pod naming a missing
  account is refused, 403) and DefaultStorageClass (claims).
* **Generated names** (``generateName``): upstream appends 5 random characters; the model
  appends the smallest positive integer that gives an unused name, one deterministic choice
  among upstream's (names carry no meaning; symmetry reduction identifies the choices).
* **Create** clears the status of pods, ReplicaSets and Deployments (``PrepareForCreate``);
  status is written through ``UpdateStatus``.
* **metadata**: ``uid`` (see :mod:`kmodel.objects.meta`), ``generation`` 1 on create and +1 on
  every spec change, ``resourceVersion`` from the store revision; ``Update`` with a stale
  ``resource_version`` precondition is a 409 Conflict (optimistic concurrency).
* **Status subresource** (``pkg/registry/apps/replicaset/strategy.go`` and kin): ``Update``
  keeps the stored status, ``UpdateStatus`` keeps the stored spec and metadata (for a
  Deployment, spec and labels only: ``deploymentStatusStrategy`` lets a status update write
  annotations, which is how the Deployment controller records ``deployment.kubernetes.io/revision``).
* **creationTimestamp**: a logical clock for ReplicaSets (see :mod:`kmodel.objects.meta`).
* **Immutable fields**: a ReplicaSet's or Deployment's ``spec.selector``, a pod's spec except
  its image, tolerations (additions) and, through binding, its node (422 Invalid).
* **Graceful deletion** (``pkg/registry/core/pod/strategy.go`` ``CheckGracefulDelete``): a pod
  that is bound and not terminal gets ``deletionTimestamp`` (``deleting``) and stays until its
  kubelet confirms (a ``Delete`` with ``grace_period=0``); an unbound or terminal pod is removed
  at once. Other kinds are removed at once (finalizers are not modelled).
* **Services** (``pkg/registry/core/service``): defaults, ClusterIP and NodePort allocation with
  static and dynamic bands, conflicts refused with 422 (:mod:`kmodel.registry.service`).
* **HorizontalPodAutoscalers** (``pkg/apis/autoscaling/v2/defaults.go``,
  ``pkg/apis/autoscaling/validation``): ``minReplicas`` 1, a CPU metric of 80%, behavior
  defaults; ``minReplicas`` below 1 or above ``maxReplicas`` refused with 422
  (:mod:`kmodel.objects.autoscaling`). The scale subresource of Deployments and ReplicaSets
  is an ``Update`` of ``spec.replicas``.
* **Binding** (``pkg/registry/core/pod/storage/storage.go``): 409 if the pod is already bound,
  refused if it is being deleted; sets ``spec.nodeName`` and ``PodScheduled=True``.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from kmodel.objects.meta import ObjectMeta, ObjectRef, _hash_field, record, replace, uid_for
from kmodel.objects.workloads import (
    Deployment,
    DeploymentStrategy,
    Pod,
    PodCondition,
    PodSpec,
    ReplicaSet,
)
from kmodel import admission as _admission
from kmodel.registry import service as _service_registry
from kmodel.state import CLUSTER_SCOPED_KINDS, ClusterState

__all__ = ["Create", "Update", "UpdateStatus", "Delete", "Bind", "Evict", "Request", "Response", "apply",
           "apply_all"]

CLUSTER_SCOPED = CLUSTER_SCOPED_KINDS
#: Kinds whose registry strategy clears the status on create (``PrepareForCreate``).
_STATUS_RESET_ON_CREATE = frozenset({"Pod", "ReplicaSet", "Deployment", "Service", "Ingress",
                                     "PersistentVolumeClaim", "PodDisruptionBudget", "HorizontalPodAutoscaler"})


@record
class Create:
    """Create ``obj``. ``batch`` is the slow-start batch the controller issued it in."""

    obj: Any
    batch: int = 0
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"create {_ref_text(self.obj)}"


@record
class Update:
    """Replace the spec and metadata of ``obj``'s object; ``resource_version`` is a precondition."""

    obj: Any
    resource_version: int | None = field(default=None, compare=False)
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"update {self.obj.ref}"


@record
class UpdateStatus:
    """Replace the status of ``obj``'s object (the ``/status`` subresource)."""

    obj: Any
    resource_version: int | None = field(default=None, compare=False)
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"update status of {self.obj.ref}"


@record
class Delete:
    """Delete the object at ``ref``; ``grace_period=0`` forces immediate removal."""

    ref: ObjectRef
    grace_period: int | None = None
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"delete {self.ref}"


@record
class Evict:
    """Evict the pod at ``ref`` (the ``/eviction`` subresource; :mod:`kmodel.registry.eviction`)."""

    ref: ObjectRef
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"evict {self.ref}"


@record
class Bind:
    """Bind the pod at ``ref`` to ``node`` (the ``/binding`` subresource)."""

    ref: ObjectRef
    node: str
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"bind {self.ref} to {self.node}"


Request = Create | Update | UpdateStatus | Delete | Bind | Evict


@record
class Response:
    code: int
    reason: str = ""
    message: str = ""
    ref: ObjectRef | None = None
    _hash: int = _hash_field()

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300


def _ref_text(obj: Any) -> str:
    m = obj.metadata
    name = m.name or f"{m.generate_name}<generated>"
    return f"{obj.kind}/{m.namespace}/{name}" if m.namespace else f"{obj.kind}/{name}"


def _generated_name(state: ClusterState, kind: str, namespace: str, prefix: str) -> str:
    used = {o.metadata.name for o in state.list(kind, namespace)}
    i = 1
    while f"{prefix}{i}" in used:
        i += 1
    return f"{prefix}{i}"


def _defaulted(obj: Any) -> Any:
    if isinstance(obj, ReplicaSet) and obj.spec.replicas is None:
        obj = replace(obj, spec=replace(obj.spec, replicas=1))
    elif isinstance(obj, Deployment):
        spec = obj.spec
        strategy = spec.strategy
        if strategy.type == "RollingUpdate":
            strategy = DeploymentStrategy(
                "RollingUpdate",
                "25%" if strategy.max_surge is None else strategy.max_surge,
                "25%" if strategy.max_unavailable is None else strategy.max_unavailable,
            )
        spec = replace(
            spec,
            replicas=1 if spec.replicas is None else spec.replicas,
            strategy=strategy,
            revision_history_limit=10 if spec.revision_history_limit is None else spec.revision_history_limit,
            progress_deadline_seconds=600 if spec.progress_deadline_seconds is None else spec.progress_deadline_seconds,
        )
        obj = replace(obj, spec=spec)
    elif getattr(obj, "kind", "") == "HorizontalPodAutoscaler":  # kmodel.objects.autoscaling
        from kmodel.objects.autoscaling import defaulted

        obj = defaulted(obj)
    elif isinstance(obj, Pod):
        spec = _default_requests(obj.spec)
        if not spec.service_account_name:
            spec = replace(spec, service_account_name="default")
        if spec is not obj.spec:
            obj = replace(obj, spec=spec)
    return obj


def _container_requests(c: Any) -> Any:
    """A missing request defaults to the limit (``SetDefaults_Pod`` in ``pkg/apis/core/v1/defaults.go``)."""
    have = {k for k, _ in c.requests}
    missing = tuple((k, v) for k, v in c.limits if k not in have)
    return replace(c, requests=tuple(sorted(c.requests + missing))) if missing else c


def _default_requests(spec: PodSpec) -> PodSpec:
    containers = tuple(_container_requests(c) for c in spec.containers)
    inits = tuple(_container_requests(c) for c in spec.init_containers)
    if containers == spec.containers and inits == spec.init_containers:
        return spec
    return replace(spec, containers=containers, init_containers=inits)


def _spec_of(obj: Any) -> Any:
    return getattr(obj, "spec", None)


def apply(state: ClusterState, request: Request) -> tuple[ClusterState, Response]:
    """Apply one request; return the new state and the response.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta, Namespace
    >>> from kmodel.objects.workloads import Container, Pod, PodSpec
    >>> s = ClusterState.of([Namespace(ObjectMeta("default"))])
    >>> pod = Pod(ObjectMeta("", "default", generate_name="web-"), PodSpec((Container("web"),)))
    >>> s, r = apply(s, Create(pod))
    >>> r.code, str(r.ref), s.get(r.ref).metadata.uid
    (201, 'Pod/default/web-1', 'Pod/default/web-1')
    >>> s, r = apply(s, Bind(r.ref, "worker-a"))
    >>> r.code, s.list("Pod")[0].spec.node_name
    (201, 'worker-a')
    """
    if isinstance(request, Create):
        return _create(state, request.obj)
    if isinstance(request, (Update, UpdateStatus)):
        return _update(state, request.obj, request.resource_version, status=isinstance(request, UpdateStatus))
    if isinstance(request, Delete):
        return _delete(state, request.ref, request.grace_period)
    if isinstance(request, Bind):
        return _bind(state, request.ref, request.node)
    if isinstance(request, Evict):  # PDB-checked graceful deletion (kmodel.registry.eviction)
        from kmodel.registry.eviction import evict

        return evict(state, request.ref)
    raise TypeError(f"not an API request: {request!r}")


def apply_all(state: ClusterState, requests: tuple[Request, ...]) -> tuple[ClusterState, tuple[Response, ...]]:
    """Apply requests in order, as one controller's sync issues them.

    Creates are grouped in slow-start batches (``Create.batch``): when a create in batch ``b``
    fails, the rest of batch ``b`` is still applied (its calls run concurrently upstream) and
    every create of a later batch is skipped (``slowStartBatch`` in
    ``pkg/controller/replicaset/replica_set.go``); a skipped request gets code 0.
    """
    responses = []
    failed_batch: int | None = None
    for req in requests:
        if isinstance(req, Create) and failed_batch is not None and req.batch > failed_batch:
            responses.append(Response(0, "Skipped", "an earlier slow-start batch failed"))
            continue
        state, resp = apply(state, req)
        if isinstance(req, Create) and not resp.ok and failed_batch is None:
            failed_batch = req.batch
        responses.append(resp)
    return state, tuple(responses)


def _create(state: ClusterState, obj: Any) -> tuple[ClusterState, Response]:
    meta: ObjectMeta = obj.metadata
    kind = obj.kind
    namespace = "" if kind in CLUSTER_SCOPED else (meta.namespace or "default")
    if namespace and state.get(ObjectRef("Namespace", "", namespace)) is None:
        return state, Response(404, "NotFound", f'namespaces "{namespace}" not found')
    name = meta.name
    if not name:
        if not meta.generate_name:
            return state, Response(422, "Invalid", "metadata.name or metadata.generateName is required")
        name = _generated_name(state, kind, namespace, meta.generate_name)
    ref = ObjectRef(kind, namespace, name)
    if state.get(ref) is not None:
        return state, Response(409, "AlreadyExists", f"{ref} already exists", ref)
    rv = state.revision + 1
    created = 0
    if kind == "ReplicaSet":  # a logical creationTimestamp (see kmodel.objects.meta)
        created = 1 + max((o.metadata.creation_timestamp for o in state.list(kind, namespace)), default=0)
    meta = replace(meta, name=name, namespace=namespace, uid=uid_for(kind, namespace, name),
                   generation=1, deleting=False, creation_timestamp=created, resource_version=rv)
    changes: dict[str, Any] = {"metadata": meta}
    if kind in _STATUS_RESET_ON_CREATE:
        changes["status"] = type(obj.status)()
    obj = _defaulted(replace(obj, **changes))
    if kind == "Pod":  # kmodel.admission: ServiceAccount, DefaultTolerationSeconds
        refused = _admission.service_account_error(state, obj)
        if refused:
            return state, Response(403, "Forbidden", refused, ref)
        obj = _admission.mount_service_account_token(state, obj)  # the kube-api-access-* volume
        obj = _admission.default_toleration_seconds(obj)
    elif kind == "PersistentVolumeClaim":
        obj = _admission.default_storage_class(state, obj)
    if kind == "Service":  # defaults, ClusterIP and NodePort allocation (kmodel.registry.service)
        obj, error = _service_registry.admit_create(state, obj)
        if error:
            return state, Response(422, "Invalid", error, ref)
    if kind == "PodDisruptionBudget":  # ValidatePodDisruptionBudget (kmodel.objects.policy)
        invalid = _pdb_invalid(obj)
        if invalid:
            return state, Response(422, "Invalid", f"{ref}: {invalid}", ref)
    if kind == "HorizontalPodAutoscaler" and (invalid := _hpa_invalid(obj)):  # kmodel.objects.autoscaling
        return state, Response(422, "Invalid", f"{ref}: {invalid}", ref)
    return state.with_(obj), Response(201, "Created", ref=ref)


def _update(state: ClusterState, obj: Any, precondition: int | None, *, status: bool) -> tuple[ClusterState, Response]:
    ref = obj.ref
    old = state.get(ref)
    if old is None:
        return state, Response(404, "NotFound", f"{ref} not found", ref)
    if precondition is not None and precondition != old.metadata.resource_version:
        return state, Response(409, "Conflict",
                               f"Operation cannot be fulfilled on {ref}: the object has been modified; "
                               "please apply your changes to the latest version and try again", ref)
    rv = state.revision + 1
    if status:
        if not hasattr(old, "status"):
            return state, Response(404, "NotFound", f"{ref.kind} has no status subresource", ref)
        meta = replace(old.metadata, resource_version=rv)
        if isinstance(old, Deployment):  # deploymentStatusStrategy resets only spec and labels
            meta = replace(meta, annotations=obj.metadata.annotations)
        new = replace(old, status=obj.status, metadata=meta)
        if new == old:
            return state, Response(200, "OK", ref=ref)
        return state.with_(new), Response(200, "OK", ref=ref)
    invalid = _immutable_violation(old, obj)
    if invalid:
        return state, Response(422, "Invalid", f"{ref}: {invalid}: field is immutable", ref)
    meta = obj.metadata
    generation = old.metadata.generation
    if _spec_of(obj) != _spec_of(old):
        generation += 1
    meta = replace(meta, uid=old.metadata.uid, generation=generation, deleting=old.metadata.deleting,
                   resource_version=rv)
    changes: dict[str, Any] = {"metadata": meta}
    if hasattr(old, "status"):
        changes["status"] = old.status
    new = _defaulted(replace(obj, **changes))
    if ref.kind == "Pod":  # DefaultTolerationSeconds runs on update too (kmodel.admission)
        new = _admission.default_toleration_seconds(new)
    if ref.kind == "Service":  # kmodel.registry.service
        new, error = _service_registry.admit_update(state, old, new)
        if error:
            return state, Response(422, "Invalid", error, ref)
    if ref.kind == "PodDisruptionBudget" and (invalid := _pdb_invalid(new)):
        return state, Response(422, "Invalid", f"{ref}: {invalid}", ref)
    if ref.kind == "HorizontalPodAutoscaler" and (invalid := _hpa_invalid(new)):
        return state, Response(422, "Invalid", f"{ref}: {invalid}", ref)
    if new == old:
        return state, Response(200, "OK", ref=ref)
    return state.with_(new), Response(200, "OK", ref=ref)


def _pdb_invalid(pdb: Any) -> str:
    """The first PodDisruptionBudget validation error, as ``field: Invalid value: message``."""
    from kmodel.objects.policy import validate_pod_disruption_budget

    errors = validate_pod_disruption_budget(pdb)
    return f"{errors[0][0]}: Invalid value: {errors[0][1]}" if errors else ""


def _hpa_invalid(hpa: Any) -> str:
    """The first HorizontalPodAutoscaler validation error, as ``field: Invalid value: message``."""
    from kmodel.objects.autoscaling import validate_horizontal_pod_autoscaler

    errors = validate_horizontal_pod_autoscaler(hpa)
    return f"{errors[0][0]}: Invalid value: {errors[0][1]}" if errors else ""


def _immutable_violation(old: Any, new: Any) -> str:
    if isinstance(old, (ReplicaSet, Deployment)) and old.spec.selector != new.spec.selector:
        return "spec.selector"
    if isinstance(old, Pod):
        a, b = old.spec, new.spec
        if a.node_name != b.node_name:
            return "spec.nodeName"
        strip = dict(containers=tuple(replace(c, image="") for c in a.containers),
                     init_containers=tuple(replace(c, image="") for c in a.init_containers),
                     tolerations=())
        strip_b = dict(containers=tuple(replace(c, image="") for c in b.containers),
                       init_containers=tuple(replace(c, image="") for c in b.init_containers),
                       tolerations=())
        if replace(a, **strip) != replace(b, **strip_b):
            return "spec"
        if not set(a.tolerations) <= set(b.tolerations):
            return "spec.tolerations (only additions are allowed)"
    return ""


def _delete(state: ClusterState, ref: ObjectRef, grace_period: int | None) -> tuple[ClusterState, Response]:
    old = state.get(ref)
    if old is None:
        return state, Response(404, "NotFound", f"{ref} not found", ref)
    if isinstance(old, Pod) and grace_period != 0:
        graceful = bool(old.spec.node_name) and old.status.phase not in ("Succeeded", "Failed")
        if graceful:
            if old.metadata.deleting:
                return state, Response(200, "OK", ref=ref)
            meta = replace(old.metadata, deleting=True, generation=old.metadata.generation + 1,
                           resource_version=state.revision + 1)
            return state.with_(replace(old, metadata=meta)), Response(200, "OK", ref=ref)
    return state.without(ref), Response(200, "OK", ref=ref)


def _bind(state: ClusterState, ref: ObjectRef, node: str) -> tuple[ClusterState, Response]:
    pod = state.get(ref)
    if pod is None or not isinstance(pod, Pod):
        return state, Response(404, "NotFound", f"{ref} not found", ref)
    if pod.metadata.deleting:
        return state, Response(409, "Conflict", f"pod {ref.name} is being deleted, cannot be assigned to a host", ref)
    if pod.spec.node_name:
        return state, Response(409, "Conflict",
                               f"pod {ref.name} is already assigned to node \"{pod.spec.node_name}\"", ref)
    conditions = tuple(c for c in pod.status.conditions if c.type != "PodScheduled")
    conditions = (PodCondition("PodScheduled", "True"),) + conditions
    new = replace(
        pod,
        metadata=replace(pod.metadata, resource_version=state.revision + 1),
        spec=replace(pod.spec, node_name=node),
        status=replace(pod.status, conditions=_sorted_conditions(conditions)),
    )
    return state.with_(new), Response(201, "Created", ref=ref)


_CONDITION_ORDER = {"PodScheduled": 0, "Initialized": 1, "ContainersReady": 2, "Ready": 3}


def _sorted_conditions(conditions: tuple[PodCondition, ...]) -> tuple[PodCondition, ...]:
    return tuple(sorted(conditions, key=lambda c: (_CONDITION_ORDER.get(c.type, 9), c.type)))


def set_pod_conditions(conditions: tuple[PodCondition, ...], **updates: str) -> tuple[PodCondition, ...]:
    """Conditions with ``updates`` (``Ready="True"``...) applied, in the canonical order."""
    kept = {c.type: c for c in conditions}
    for type_, status in updates.items():
        reason = kept[type_].reason if type_ in kept and kept[type_].status == status else ""
        kept[type_] = PodCondition(type_, status, reason)
    return _sorted_conditions(tuple(kept.values()))


def new_pod(namespace: str, generate_name: str, spec: PodSpec, labels: Any, owner: Any) -> Pod:
    """A pod as a controller creates it from a template (``GetPodFromTemplate``)."""
    return Pod(ObjectMeta("", namespace, generate_name=generate_name, labels=labels,
                          owner_references=owner), spec)
