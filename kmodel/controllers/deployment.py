"""The Deployment controller as a pure function of the cluster state.

``reconcile(state, key)`` returns the API requests one ``syncDeployment(key)`` issues, in
upstream's order, as a tuple of alternatives (usually one; two when the progress deadline may or
may not have passed, see *Time* below).

**One sync, call by call.** Upstream's sync reads the Deployment, its ReplicaSets and pods from
informer caches and writes through the API server, one call at a time, stopping at the first
error. The model does the same on a scratch copy of the store (:class:`SyncContext`): reads come from
the state the step starts in (the caches), every write is applied with
:func:`kmodel.api.apply` as it is issued, carrying the ``resourceVersion`` of the copy it was
made from, and the sync stops at the first refused request (which is part of the step, as a
failed call). So the controller's known self-conflicts are reproduced: the Deployment object a
sync holds is never refreshed after its own status writes (upstream discards what
``UpdateStatus`` returns), so a second status write in the same sync is a 409 Conflict and the
key is requeued; the ReplicaSets returned by updates and creates are used where upstream uses
them (``getNewReplicaSet``, ``cleanupUnhealthyReplicas``), the cached copies elsewhere.

What a sync does (``syncDeployment``):

1. an empty selector only bumps ``observedGeneration``;
2. claim ReplicaSets (adopt matching orphans, release owned ones that stopped matching);
3. a Deployment being deleted only gets its status synced;
4. ``checkPausedConditions`` (Progressing ``Unknown`` with ``DeploymentPaused`` /
   ``DeploymentResumed``); a paused Deployment or a *scaling event* (an active ReplicaSet whose
   ``desired-replicas`` annotation differs from ``spec.replicas``) goes to ``sync``:
   proportional scaling (``scale``), history clean-up when paused, status;
5. the deprecated ``deprecated.deployment.rollback.to`` annotation rolls the template back;
6. otherwise ``rolloutRolling`` (``reconcileNewReplicaSet``, ``reconcileOldReplicaSets`` with
   ``cleanupUnhealthyReplicas`` and ``scaleDownOldReplicaSetsForRollingUpdate``, clean-up once
   complete, ``syncRolloutStatus``) or ``rolloutRecreate`` (scale old ReplicaSets to 0, wait
   until no old pod runs, create and scale up the new one).

New ReplicaSets are named ``<deployment>-<pod-template-hash>`` (deterministic, so no symmetry
renaming is needed; their pods are renamed per owner as every template-made pod is). The
revision, revision-history and desired/max-replicas annotations are kept as upstream keeps them.

Abstracted away:

* **Time.** Conditions have no timestamps. ``progressDeadlineSeconds`` is an abstract timer
  that is slower than the control plane: when a sync finds the rollout neither complete nor
  progressing, and the control plane has caught up (this sync writes nothing else and every
  ReplicaSet of the Deployment has been synced by its controller and has the pods it wants),
  the deadline may or may not have passed, and both outcomes are alternatives of the step. So
  a rollout waiting on pods (unschedulable, not ready) can time out, and weak fairness makes a
  stuck one time out (``ProgressDeadlineExceeded``), as ``requeueStuckDeployment`` guarantees
  upstream; a timeout while a controller still lags behind by milliseconds is not explored
  (it would double the state space and only reorder status writes). ``minReadySeconds`` is copied to the
  ReplicaSets, whose controller counts a ready pod as available once it observes it (the
  interval in between is the ReplicaSet status update being a separate step).
* **Informer lag.** The caches are the current state (stale views are a separate fault).
* **Feature gates** off by default in v1.35: ``DeploymentPodReplacementPolicy`` (partial
  scaling, waiting for terminating pods). ``status.terminatingReplicas`` is not kept.
* Events (``ScalingReplicaSet``...), retries and rate limits (a failed sync is simply followed by
  another while the key stays enabled), ``requeueStuckDeployment``.

Upstream: ``pkg/controller/deployment/deployment_controller.go`` (``syncDeployment``,
``getReplicaSetsForDeployment``, ``getPodMapForDeployment``), ``sync.go`` (``sync``,
``getAllReplicaSetsAndSyncRevision``, ``getNewReplicaSet``, ``scale``, ``scaleReplicaSet``,
``cleanupDeployment``, ``calculateStatus``, ``syncDeploymentStatus``, ``isScalingEvent``,
``checkPausedConditions``), ``rolling.go``, ``recreate.go``, ``rollback.go``, ``progress.go``
(``syncRolloutStatus``, ``getReplicaFailures``), ``pkg/controller/controller_ref_manager.go``
(``ClaimReplicaSets``), v1.35.

Examples
--------
A new Deployment gets its first ReplicaSet, revision 1, at full size (there is nothing to
replace); the sync's second status write carries the Deployment's original ``resourceVersion``
and conflicts, as upstream's does (the next sync writes it):

>>> from kmodel.api import Create, apply, apply_all
>>> from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
>>> from kmodel.objects.workloads import Container, DeploymentSpec, PodSpec, PodTemplateSpec
>>> from kmodel.state import ClusterState
>>> t = PodTemplateSpec((("app", "web"),), PodSpec((Container("web", image="web:v1"),)))
>>> s, _ = apply(ClusterState.of([Namespace(ObjectMeta("default"))]),
...              Create(Deployment(ObjectMeta("web", "default"), DeploymentSpec(LabelSelector(t.labels), t, 3))))
>>> requests = sync(s, ObjectRef("Deployment", "default", "web"))
>>> [type(r).__name__ for r in requests], [r.code for r in apply_all(s, requests)[1]]
(['Create', 'UpdateStatus', 'UpdateStatus'], [201, 200, 409])
>>> rs = requests[0].obj
>>> rs.spec.replicas, dict(rs.metadata.annotations)["deployment.kubernetes.io/revision"]
(3, '1')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kmodel.api import Create, Delete, Request, Response, Update, UpdateStatus, apply
from kmodel.controllers import deployment_util as du
from kmodel.objects.meta import LabelSelector, ObjectMeta, ObjectRef, OwnerReference, replace
from kmodel.objects.workloads import Deployment, DeploymentStatus, Pod, ReplicaSet, ReplicaSetSpec
from kmodel.state import ClusterState

__all__ = [
    "reconcile", "sync", "SyncContext", "controller_ref", "get_rollback_to", "sync_deployment",
    "get_replica_sets_for_deployment", "get_pod_map_for_deployment", "get_all_replica_sets_and_sync_revision",
    "get_new_replica_set", "scale_replica_set", "scale_replica_set_and_record_event", "scale",
    "is_scaling_event", "cleanup_deployment", "calculate_status", "sync_deployment_status",
    "get_replica_failures", "sync_rollout_status", "check_paused_conditions", "sync_status_only",
    "rollout_rolling", "reconcile_new_replica_set", "reconcile_old_replica_sets",
    "cleanup_unhealthy_replicas", "scale_down_old_replica_sets_for_rolling_update", "old_pods_running",
    "scale_down_old_replica_sets_for_recreate", "scale_up_new_replica_set_for_recreate", "rollout_recreate",
    "rollback", "rollback_to_template", "update_deployment_and_clear_rollback_to",
]


class _Failed(Exception):
    """A refused API call: upstream returns the error and the key is requeued."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.message)
        self.response = response


class SyncContext:
    """One ``syncDeployment``: cached reads, writes through a scratch copy of the API server.

    ``lister`` is the state the sync reads (the informer caches), ``store`` the API server's
    state after the writes so far, ``requests`` the writes in order. ``d`` is the Deployment the
    sync holds and mutates in place upstream (annotations, conditions, status), never refreshed
    from the server. The upstream-named functions of this module take it first, where upstream's
    take the controller and the Deployment. A refused write raises an internal error that ends
    the sync (:func:`reconcile` catches it).

    Examples
    --------
    >>> from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
    >>> from kmodel.objects.workloads import Container, DeploymentSpec, PodSpec, PodTemplateSpec
    >>> t = PodTemplateSpec((("app", "web"),), PodSpec((Container("web"),)))
    >>> d = Deployment(ObjectMeta("web", "default"), DeploymentSpec(LabelSelector(t.labels), t, 2))
    >>> s = SyncContext(ClusterState.of([Namespace(ObjectMeta("default")), d]), d, deadline_passed=False)
    >>> get_replica_sets_for_deployment(s), s.requests
    ([], [])
    """

    def __init__(self, state: ClusterState, d: Deployment, *, deadline_passed: bool) -> None:
        self.lister = state
        self.store = state
        self.d = d
        self.requests: list[Request] = []
        self.deadline_passed = deadline_passed
        self.deadline_asked = False

    def call(self, request: Request, *, ok_codes: tuple[int, ...] = ()) -> Response:
        self.store, resp = apply(self.store, request)
        self.requests.append(request)
        if not resp.ok and resp.code not in ok_codes:
            raise _Failed(resp)
        return resp

    def update(self, obj: Any, *, precondition: bool = True) -> Any:
        """``Update``: with the object's ``resourceVersion`` (a patch has none); the stored result."""
        rv = obj.metadata.resource_version if precondition else None
        resp = self.call(Update(obj, resource_version=rv), ok_codes=() if precondition else (404,))
        return self.store.get(obj.ref) if resp.ok else None

    def update_status(self, obj: Any) -> None:
        self.call(UpdateStatus(obj, resource_version=obj.metadata.resource_version))


def controller_ref(d: Deployment) -> OwnerReference:
    """``metav1.NewControllerRef(d, apps/v1 Deployment)``."""
    return OwnerReference("apps/v1", "Deployment", d.metadata.name, d.metadata.uid,
                          controller=True, block_owner_deletion=True)


def _controlled_by(obj: Any, uid: str) -> bool:
    ref = obj.metadata.controller_ref()
    return ref is not None and ref.uid == uid


def get_rollback_to(d: Deployment) -> int | None:
    """``getRollbackTo``: the revision in ``deprecated.deployment.rollback.to`` (invalid: ignored)."""
    raw = d.metadata.annotation(du.DEPRECATED_ROLLBACK_TO)
    if not raw:
        return None
    try:
        return du._parse_int(raw, bits=64)
    except ValueError:
        return None


# -- claiming ----------------------------------------------------------------------------------
def get_replica_sets_for_deployment(s: SyncContext) -> list[ReplicaSet]:
    """``getReplicaSetsForDeployment`` with ``ClaimReplicaSets`` (``controller_ref_manager.go``).

    The claimed list holds the cached objects, as upstream's does (an adopted ReplicaSet's copy
    lacks the new owner reference, so writing it later in the same sync conflicts).
    """
    d = s.d
    uid = d.metadata.uid
    selector = d.spec.selector
    deleting = d.metadata.deleting
    claimed = []
    for rs in s.lister.list("ReplicaSet", d.metadata.namespace):
        ref = rs.metadata.controller_ref()
        matches = selector.matches(rs.metadata.labels)
        if ref is not None:
            if ref.uid != uid:
                continue
            if matches:
                claimed.append(rs)
            elif not deleting:
                kept = tuple(r for r in rs.metadata.owner_references if r.uid != uid)
                s.update(replace(rs, metadata=replace(rs.metadata, owner_references=kept)), precondition=False)
            continue
        if deleting or not matches or rs.metadata.deleting:
            continue
        adopted = replace(rs, metadata=replace(
            rs.metadata, owner_references=rs.metadata.owner_references + (controller_ref(d),)))
        if s.update(adopted, precondition=False) is not None:
            claimed.append(rs)
    return claimed


def get_pod_map_for_deployment(s: SyncContext, rs_list: Sequence[ReplicaSet]) -> dict[str, list[Pod]]:
    """``getPodMapForDeployment``: pods selected by the Deployment, by owning ReplicaSet UID
    (inactive pods included: Recreate waits for them)."""
    d = s.d
    pod_map: dict[str, list[Pod]] = {rs.metadata.uid: [] for rs in rs_list}
    for pod in s.lister.list("Pod", d.metadata.namespace):
        if not d.spec.selector.matches(pod.metadata.labels):
            continue
        ref = pod.metadata.controller_ref()
        if ref is not None and ref.uid in pod_map:
            pod_map[ref.uid].append(pod)
    return pod_map


# -- the new ReplicaSet ------------------------------------------------------------------------
def get_all_replica_sets_and_sync_revision(s: SyncContext, rs_list: Sequence[ReplicaSet], create: bool,
                                            ) -> tuple[ReplicaSet | None, list[ReplicaSet]]:
    """``getAllReplicaSetsAndSyncRevision``: (new ReplicaSet or ``None``, all old ReplicaSets)."""
    _, all_old = du.find_old_replica_sets(s.d, rs_list)
    new_rs = get_new_replica_set(s, rs_list, all_old, create)
    return new_rs, all_old


def get_new_replica_set(s: SyncContext, rs_list: Sequence[ReplicaSet], old_rss: Sequence[ReplicaSet],
                         create: bool) -> ReplicaSet | None:
    """``getNewReplicaSet``: sync an existing new ReplicaSet's annotations and the Deployment's
    revision, or create the new ReplicaSet."""
    d = s.d
    existing = du.find_new_replica_set(d, rs_list)
    new_revision = str(du.max_revision(old_rss) + 1)
    if existing is not None:
        rs_copy, annotations_updated = du.set_new_replica_set_annotations(d, existing, new_revision, True)
        if annotations_updated or rs_copy.spec.min_ready_seconds != d.spec.min_ready_seconds:
            rs_copy = replace(rs_copy, spec=replace(rs_copy.spec, min_ready_seconds=d.spec.min_ready_seconds))
            return s.update(rs_copy)
        d, needs_update = du.set_deployment_revision(d, rs_copy.metadata.annotation(du.REVISION_ANNOTATION) or "")
        cond = du.get_deployment_condition(d.status, du.PROGRESSING)
        if du.has_progress_deadline(d) and cond is None:
            d = replace(d, status=du.set_deployment_condition(
                d.status, du.new_deployment_condition(du.PROGRESSING, "True", du.FOUND_NEW_RS_REASON)))
            needs_update = True
        s.d = d
        if needs_update:
            s.update_status(d)
        return rs_copy
    if not create:
        return None
    template = d.spec.template
    pod_template_hash = du.compute_hash(template, d.status.collision_count)
    labels = tuple(sorted(dict(template.labels, **{du.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY: pod_template_hash}).items()))
    new_template = replace(template, labels=labels)
    sel = d.spec.selector
    selector = LabelSelector(tuple(sorted(dict(sel.match_labels, **{du.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY:
                                                                    pod_template_hash}).items())),
                             sel.match_expressions)
    name = du.generate_replica_set_name(d.metadata.name, pod_template_hash)
    new_rs = ReplicaSet(ObjectMeta(name, d.metadata.namespace, labels=labels, owner_references=(controller_ref(d),)),
                        ReplicaSetSpec(selector, new_template, 0, d.spec.min_ready_seconds))
    replicas = du.new_rs_new_replicas(d, [*old_rss, new_rs], new_rs)
    new_rs = replace(new_rs, spec=replace(new_rs.spec, replicas=replicas))
    new_rs, _ = du.set_new_replica_set_annotations(d, new_rs, new_revision, False)
    resp = s.call(Create(new_rs), ok_codes=(409,))
    already_exists = False
    if resp.code == 409:
        already_exists = True
        found = s.lister.get(new_rs.ref)
        if found is None:  # not in the cache yet: upstream's lister Get fails, the key is requeued
            raise _Failed(resp)
        if _controlled_by(found, d.metadata.uid) and du.equal_ignore_hash(d.spec.template, found.spec.template):
            created = found
        else:  # a hash collision: bump collisionCount and requeue
            count = 0 if d.status.collision_count is None else d.status.collision_count
            s.d = d = replace(d, status=replace(d.status, collision_count=count + 1))
            s.update_status(d)
            raise _Failed(resp)
    else:
        created = s.store.get(new_rs.ref)
    d, needs_update = du.set_deployment_revision(d, new_revision)
    if not already_exists and du.has_progress_deadline(d):
        d = replace(d, status=du.set_deployment_condition(
            d.status, du.new_deployment_condition(du.PROGRESSING, "True", du.NEW_REPLICA_SET_REASON)))
        needs_update = True
    s.d = d
    if needs_update:
        s.update_status(d)
    return created


# -- scaling -----------------------------------------------------------------------------------
def scale_replica_set(s: SyncContext, rs: ReplicaSet, new_scale: int) -> tuple[bool, ReplicaSet]:
    """``scaleReplicaSet``: write the new size and the desired/max-replicas annotations when
    either is stale; (scaled, the ReplicaSet as now stored)."""
    d = s.d
    desired, maximum = du._replicas(d), du._replicas(d) + du.max_surge(d)
    size_needs_update = du._replicas(rs) != new_scale
    if size_needs_update or du.replicas_annotations_need_update(rs, desired, maximum):
        rs_copy = replace(rs, spec=replace(rs.spec, replicas=new_scale))
        rs_copy, _ = du.set_replicas_annotations(rs_copy, desired, maximum)
        return size_needs_update, s.update(rs_copy)
    return False, rs


def scale_replica_set_and_record_event(s: SyncContext, rs: ReplicaSet, new_scale: int) -> tuple[bool, ReplicaSet]:
    """``scaleReplicaSetAndRecordEvent``: nothing to do when the size is already right."""
    if du._replicas(rs) == new_scale:
        return False, rs
    return scale_replica_set(s, rs, new_scale)


def scale(s: SyncContext, new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet]) -> None:
    """``scale``: a resize while paused or mid-rollout, spread proportionally."""
    d = s.d
    want = du._replicas(d)
    active_or_latest = du.find_active_or_latest(new_rs, old_rss)
    if active_or_latest is not None:
        if du._replicas(active_or_latest) != want:
            scale_replica_set_and_record_event(s, active_or_latest, want)
        return
    if du.is_saturated(d, new_rs):
        for old in du.filter_active_replica_sets(old_rss):
            scale_replica_set_and_record_event(s, old, 0)
        return
    if not du.is_rolling_update(d):
        return
    all_rss = du.filter_active_replica_sets([*old_rss, new_rs])
    allowed = want + du.max_surge(d) if want > 0 else 0
    to_add = allowed - du.get_replica_count_for_replica_sets(all_rss)
    if to_add > 0:
        all_rss = du.replica_sets_by_size_newer(all_rss)
    elif to_add < 0:
        all_rss = du.replica_sets_by_size_older(all_rss)
    added = 0
    sizes: dict[str, int] = {}
    for rs in all_rss:
        if to_add != 0:
            proportion = du.get_proportion(rs, d, to_add, added)
            sizes[rs.metadata.name] = du._replicas(rs) + proportion
            added += proportion
        else:
            sizes[rs.metadata.name] = du._replicas(rs)
    for i, rs in enumerate(all_rss):
        if i == 0 and to_add != 0:
            sizes[rs.metadata.name] = max(0, sizes[rs.metadata.name] + to_add - added)
        scale_replica_set(s, rs, sizes[rs.metadata.name])


def is_scaling_event(s: SyncContext, rs_list: Sequence[ReplicaSet]) -> bool:
    """``isScalingEvent``: an active ReplicaSet records a different desired size."""
    new_rs, old_rss = get_all_replica_sets_and_sync_revision(s, rs_list, False)
    want = du._replicas(s.d)
    for rs in du.filter_active_replica_sets([*old_rss, new_rs]):
        desired, ok = du.get_desired_replicas_annotation(rs)
        if ok and desired != want:
            return True
    return False


def cleanup_deployment(s: SyncContext, old_rss: Sequence[ReplicaSet]) -> None:
    """``cleanupDeployment``: delete the oldest (by revision) empty old ReplicaSets beyond
    ``revisionHistoryLimit``."""
    d = s.d
    if not du.has_revision_history_limit(d):
        return
    cleanable = [rs for rs in old_rss if rs is not None and not rs.metadata.deleting]
    diff = len(cleanable) - (d.spec.revision_history_limit or 0)
    if diff <= 0:
        return
    for rs in du.replica_sets_by_revision(cleanable)[:diff]:
        if (rs.status.replicas != 0 or du._replicas(rs) != 0
                or rs.metadata.generation > rs.status.observed_generation or rs.metadata.deleting):
            continue
        s.call(Delete(rs.ref), ok_codes=(404,))


# -- status ------------------------------------------------------------------------------------
def calculate_status(all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None,
                     d: Deployment) -> DeploymentStatus:
    """``calculateStatus``: counts from the ReplicaSets' statuses and the Available condition."""
    available = du.get_available_replica_count_for_replica_sets(all_rss)
    unavailable = max(0, du.get_replica_count_for_replica_sets(all_rss) - available)
    status = DeploymentStatus(
        replicas=du.get_actual_replica_count_for_replica_sets(all_rss),
        updated_replicas=du.get_actual_replica_count_for_replica_sets([new_rs]),
        ready_replicas=du.get_ready_replica_count_for_replica_sets(all_rss),
        available_replicas=available,
        unavailable_replicas=unavailable,
        observed_generation=d.metadata.generation,
        conditions=d.status.conditions,
        collision_count=d.status.collision_count,
    )
    if available >= du._replicas(d) - du.max_unavailable(d):
        cond = du.new_deployment_condition(du.AVAILABLE, "True", du.MINIMUM_REPLICAS_AVAILABLE)
    else:
        cond = du.new_deployment_condition(du.AVAILABLE, "False", du.MINIMUM_REPLICAS_UNAVAILABLE)
    return du.set_deployment_condition(status, cond)


def sync_deployment_status(s: SyncContext, all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None) -> None:
    """``syncDeploymentStatus``."""
    d = s.d
    new_status = calculate_status(all_rss, new_rs, d)
    if new_status == d.status:
        return
    s.d = d = replace(d, status=new_status)
    s.update_status(d)


def get_replica_failures(all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None) -> list[Any]:
    """``getReplicaFailures``: the new ReplicaSet's ReplicaFailure conditions, else the others'."""
    if new_rs is not None:
        conds = [du.replica_set_to_deployment_condition(c) for c in new_rs.status.conditions
                 if c.type == du.REPLICA_FAILURE]
        if conds:
            return conds
    return [du.replica_set_to_deployment_condition(c) for rs in all_rss if rs is not None
            for c in rs.status.conditions if c.type == du.REPLICA_FAILURE]


def sync_rollout_status(s: SyncContext, all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None) -> None:
    """``syncRolloutStatus``: status plus the Progressing condition (complete, progressing, or
    timed out when the abstract deadline has passed)."""
    d = s.d
    new_status = calculate_status(all_rss, new_rs, d)
    if not du.has_progress_deadline(d):
        new_status = du.remove_deployment_condition(new_status, du.PROGRESSING)
    current = du.get_deployment_condition(d.status, du.PROGRESSING)
    is_complete = (new_status.replicas == new_status.updated_replicas and current is not None
                   and current.reason == du.NEW_RS_AVAILABLE_REASON)
    if du.has_progress_deadline(d) and not is_complete:
        if du.deployment_complete(d, new_status):
            new_status = du.set_deployment_condition(new_status, du.new_deployment_condition(
                du.PROGRESSING, "True", du.NEW_RS_AVAILABLE_REASON))
        elif du.deployment_progressing(d, new_status):
            cond = du.new_deployment_condition(du.PROGRESSING, "True", du.REPLICA_SET_UPDATED_REASON)
            if current is not None:
                new_status = du.remove_deployment_condition(new_status, du.PROGRESSING)
            new_status = du.set_deployment_condition(new_status, cond)
        else:
            cond = du.get_deployment_condition(new_status, du.PROGRESSING)
            if cond is not None and cond.reason not in (du.NEW_RS_AVAILABLE_REASON, du.TIMED_OUT_REASON):
                s.deadline_asked = True
            if du.deployment_timed_out(d, new_status, deadline_passed=s.deadline_passed):
                new_status = du.set_deployment_condition(new_status, du.new_deployment_condition(
                    du.PROGRESSING, "False", du.TIMED_OUT_REASON))
    failures = get_replica_failures(all_rss, new_rs)
    if failures:
        new_status = du.set_deployment_condition(new_status, failures[0])
    else:
        new_status = du.remove_deployment_condition(new_status, du.REPLICA_FAILURE)
    if new_status == d.status:
        return
    s.d = d = replace(d, status=new_status)
    s.update_status(d)


def check_paused_conditions(s: SyncContext) -> None:
    """``checkPausedConditions``: Progressing Unknown on pause and on resume (never over a
    timed-out condition), so a resumed Deployment does not time out for having been paused."""
    d = s.d
    if not du.has_progress_deadline(d):
        return
    cond = du.get_deployment_condition(d.status, du.PROGRESSING)
    if cond is not None and cond.reason == du.TIMED_OUT_REASON:
        return
    paused_cond_exists = cond is not None and cond.reason == du.PAUSED_DEPLOY_REASON
    if d.spec.paused and not paused_cond_exists:
        reason = du.PAUSED_DEPLOY_REASON
    elif not d.spec.paused and paused_cond_exists:
        reason = du.RESUMED_DEPLOY_REASON
    else:
        return
    s.d = d = replace(d, status=du.set_deployment_condition(
        d.status, du.new_deployment_condition(du.PROGRESSING, "Unknown", reason)))
    s.update_status(d)


# -- the sync paths ----------------------------------------------------------------------------
def sync_status_only(s: SyncContext, rs_list: Sequence[ReplicaSet]) -> None:
    """``syncStatusOnly``: a Deployment being deleted."""
    new_rs, old_rss = get_all_replica_sets_and_sync_revision(s, rs_list, False)
    sync_deployment_status(s, [*old_rss, new_rs], new_rs)


def _sync(s: SyncContext, rs_list: Sequence[ReplicaSet]) -> None:
    """Upstream's ``sync`` (renamed: :func:`sync` is this module's deterministic reading of
    :func:`reconcile`, as in :mod:`kmodel.controllers.replicaset`): a paused Deployment or a
    scaling event."""
    new_rs, old_rss = get_all_replica_sets_and_sync_revision(s, rs_list, False)
    scale(s, new_rs, old_rss)
    if s.d.spec.paused and get_rollback_to(s.d) is None:
        cleanup_deployment(s, old_rss)
    sync_deployment_status(s, [*old_rss, new_rs], new_rs)


def rollout_rolling(s: SyncContext, rs_list: Sequence[ReplicaSet]) -> None:
    """``rolloutRolling``."""
    new_rs, old_rss = get_all_replica_sets_and_sync_revision(s, rs_list, True)
    assert new_rs is not None
    all_rss = [*old_rss, new_rs]
    if reconcile_new_replica_set(s, all_rss, new_rs):
        sync_rollout_status(s, all_rss, new_rs)
        return
    if reconcile_old_replica_sets(s, all_rss, du.filter_active_replica_sets(old_rss), new_rs):
        sync_rollout_status(s, all_rss, new_rs)
        return
    if du.deployment_complete(s.d, s.d.status):
        cleanup_deployment(s, old_rss)
    sync_rollout_status(s, all_rss, new_rs)


def reconcile_new_replica_set(s: SyncContext, all_rss: Sequence[ReplicaSet], new_rs: ReplicaSet) -> bool:
    """``reconcileNewReplicaSet``: scale the new ReplicaSet up within maxSurge (or down to
    ``replicas`` when above)."""
    d = s.d
    want = du._replicas(d)
    if du._replicas(new_rs) == want:
        return False
    if du._replicas(new_rs) > want:
        return scale_replica_set_and_record_event(s, new_rs, want)[0]
    return scale_replica_set_and_record_event(s, new_rs, du.new_rs_new_replicas(d, all_rss, new_rs))[0]


def reconcile_old_replica_sets(s: SyncContext, all_rss: Sequence[ReplicaSet], old_rss: list[ReplicaSet],
                                new_rs: ReplicaSet) -> bool:
    """``reconcileOldReplicaSets``: scale old ReplicaSets down without going below
    ``replicas - maxUnavailable`` available pods, unhealthy replicas first.

    As upstream (``rolling.go``), an error of ``cleanupUnhealthyReplicas`` or of
    ``scaleDownOldReplicaSetsForRollingUpdate`` (the "invalid request to scale down" of an old
    ReplicaSet whose status reports more available pods than its spec asks for, or a refused
    write) is swallowed: this returns ``False`` ("nothing scaled down"), keeps the writes made
    before the error, and ``rolloutRolling`` goes on to the clean-up check and
    ``syncRolloutStatus``; the key is not requeued for the error (a later event or resync brings
    it back, here: the key stays enabled while a sync would write something).
    """
    d = s.d
    if du.get_replica_count_for_replica_sets(old_rss) == 0:
        return False
    all_pods = du.get_replica_count_for_replica_sets(all_rss)
    min_avail = du._replicas(d) - du.max_unavailable(d)
    new_unavailable = du._replicas(new_rs) - new_rs.status.available_replicas
    max_scaled_down = all_pods - min_avail - new_unavailable
    if max_scaled_down <= 0:
        return False
    try:
        old_rss, cleaned = cleanup_unhealthy_replicas(s, old_rss, max_scaled_down)
    except _Failed:
        return False
    try:
        scaled = scale_down_old_replica_sets_for_rolling_update(s, [*old_rss, new_rs], old_rss)
    except _Failed:
        return False
    return cleaned + scaled > 0


def cleanup_unhealthy_replicas(s: SyncContext, old_rss: list[ReplicaSet], max_cleanup: int,
                                ) -> tuple[list[ReplicaSet], int]:
    """``cleanupUnhealthyReplicas``: scale old ReplicaSets down by their unavailable replicas,
    oldest first, at most ``max_cleanup`` in all. Returns the ReplicaSets (updated ones as
    stored) sorted oldest first, and how many replicas were removed."""
    old_rss = sorted(old_rss, key=du.replica_sets_by_creation_timestamp)
    total = 0
    for i, rs in enumerate(old_rss):
        if total >= max_cleanup:
            break
        if du._replicas(rs) == 0 or du._replicas(rs) == rs.status.available_replicas:
            continue
        count = min(max_cleanup - total, du._replicas(rs) - rs.status.available_replicas)
        new_count = du._replicas(rs) - count
        if new_count > du._replicas(rs):  # upstream returns this error (no API call is made)
            raise _Failed(Response(0, "Invalid", f"when cleaning up unhealthy replicas, got invalid request to "
                                                 f"scale down {rs.metadata.namespace}/{rs.metadata.name} "
                                                 f"{du._replicas(rs)} -> {new_count}"))
        _, updated = scale_replica_set_and_record_event(s, rs, new_count)
        total += count
        old_rss[i] = updated
    return old_rss, total


def scale_down_old_replica_sets_for_rolling_update(s: SyncContext, all_rss: Sequence[ReplicaSet],
                                                    old_rss: Sequence[ReplicaSet]) -> int:
    """``scaleDownOldReplicaSetsForRollingUpdate``: remove available old replicas while more
    than ``replicas - maxUnavailable`` are available (by the ReplicaSets' statuses)."""
    d = s.d
    min_avail = du._replicas(d) - du.max_unavailable(d)
    available = du.get_available_replica_count_for_replica_sets(all_rss)
    if available <= min_avail:
        return 0
    total = 0
    budget = available - min_avail
    for rs in sorted(old_rss, key=du.replica_sets_by_creation_timestamp):
        if total >= budget:
            break
        if du._replicas(rs) == 0:
            continue
        count = min(du._replicas(rs), budget - total)
        scale_replica_set_and_record_event(s, rs, du._replicas(rs) - count)
        total += count
    return total


def old_pods_running(new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet],
                      pod_map: dict[str, list[Pod]]) -> bool:
    """``oldPodsRunning``: an old ReplicaSet reports pods, or a pod of one is not terminal."""
    if du.get_actual_replica_count_for_replica_sets(old_rss) > 0:
        return True
    for uid, pods in sorted(pod_map.items()):
        if new_rs is not None and new_rs.metadata.uid == uid:
            continue
        if any(p.status.phase not in ("Failed", "Succeeded") for p in pods):
            return True
    return False


def scale_down_old_replica_sets_for_recreate(s: SyncContext, old_rss: list[ReplicaSet]) -> bool:
    """``scaleDownOldReplicaSetsForRecreate``: every old ReplicaSet to 0; whether any scaled."""
    scaled = False
    for i, rs in enumerate(old_rss):
        if du._replicas(rs) == 0:
            continue
        was_scaled, updated = scale_replica_set_and_record_event(s, rs, 0)
        if was_scaled:
            old_rss[i] = updated
            scaled = True
    return scaled


def scale_up_new_replica_set_for_recreate(s: SyncContext, new_rs: ReplicaSet) -> bool:
    """``scaleUpNewReplicaSetForRecreate`` (without the alpha ``TerminationComplete`` policy)."""
    return scale_replica_set_and_record_event(s, new_rs, du._replicas(s.d))[0]


def rollout_recreate(s: SyncContext, rs_list: Sequence[ReplicaSet], pod_map: dict[str, list[Pod]]) -> None:
    """``rolloutRecreate``: old ReplicaSets to 0, wait for their pods, then the new one."""
    new_rs, old_rss = get_all_replica_sets_and_sync_revision(s, rs_list, False)
    all_rss: list[ReplicaSet | None] = [*old_rss, new_rs]
    if scale_down_old_replica_sets_for_recreate(s, du.filter_active_replica_sets(old_rss)):
        sync_rollout_status(s, all_rss, new_rs)
        return
    if old_pods_running(new_rs, old_rss, pod_map):
        sync_rollout_status(s, all_rss, new_rs)
        return
    if new_rs is None:
        new_rs, old_rss = get_all_replica_sets_and_sync_revision(s, rs_list, True)
        all_rss = [*old_rss, new_rs]
    assert new_rs is not None
    scale_up_new_replica_set_for_recreate(s, new_rs)
    if du.deployment_complete(s.d, s.d.status):
        cleanup_deployment(s, old_rss)
    sync_rollout_status(s, all_rss, new_rs)


def rollback(s: SyncContext, rs_list: Sequence[ReplicaSet]) -> None:
    """``rollback``: the deprecated ``rollbackTo`` (revision 0: the previous one)."""
    new_rs, all_old = get_all_replica_sets_and_sync_revision(s, rs_list, True)
    all_rss = [*all_old, new_rs]
    target = get_rollback_to(s.d)
    assert target is not None
    if target == 0:
        target = du.last_revision(all_rss)
        if target == 0:  # DeploymentRollbackRevisionNotFound: give up the rollback
            update_deployment_and_clear_rollback_to(s)
            return
    for rs in all_rss:
        if rs is None:
            continue
        try:
            v = du.revision(rs)
        except ValueError:
            continue
        if v == target:
            rollback_to_template(s, rs)
            return
    update_deployment_and_clear_rollback_to(s)  # DeploymentRollbackRevisionNotFound


def rollback_to_template(s: SyncContext, rs: ReplicaSet) -> bool:
    """``rollbackToTemplate``: take the ReplicaSet's template and annotations (unless the
    template is the same: ``DeploymentRollbackTemplateUnchanged``), clear the rollback request."""
    performed = False
    if not du.equal_ignore_hash(s.d.spec.template, rs.spec.template):
        s.d = du.set_deployment_annotations_to(du.set_from_replica_set_template(s.d, rs.spec.template), rs)
        performed = True
    update_deployment_and_clear_rollback_to(s)
    return performed


def update_deployment_and_clear_rollback_to(s: SyncContext) -> None:
    """``updateDeploymentAndClearRollbackTo``."""
    d = s.d
    kept = tuple((k, v) for k, v in d.metadata.annotations if k != du.DEPRECATED_ROLLBACK_TO)
    s.d = d = replace(d, metadata=replace(d.metadata, annotations=kept))
    s.call(Update(d, resource_version=d.metadata.resource_version))


def sync_deployment(s: SyncContext) -> None:
    """``syncDeployment``."""
    d = s.d
    if d.spec.selector.empty:
        if d.status.observed_generation < d.metadata.generation:
            s.d = d = replace(d, status=replace(d.status, observed_generation=d.metadata.generation))
            s.update_status(d)
        return
    rs_list = get_replica_sets_for_deployment(s)
    pod_map = get_pod_map_for_deployment(s, rs_list)
    if d.metadata.deleting:
        sync_status_only(s, rs_list)
        return
    check_paused_conditions(s)
    if s.d.spec.paused:
        _sync(s, rs_list)
        return
    if get_rollback_to(s.d) is not None:
        rollback(s, rs_list)
        return
    if is_scaling_event(s, rs_list):
        _sync(s, rs_list)
        return
    if s.d.spec.strategy.type == "Recreate":
        rollout_recreate(s, rs_list, pod_map)
    else:
        rollout_rolling(s, rs_list)


def _caught_up(state: ClusterState, d: Deployment, after: ClusterState) -> bool:
    """Whether the control plane has caught up with ``d``: the sync (deadline not passed)
    writes nothing and every ReplicaSet ``d`` controls is observed by its controller with as
    many pods as it wants. Only then may the progress deadline pass (see the module docstring)."""
    if after != state:
        return False
    for rs in state.list("ReplicaSet", d.metadata.namespace):
        if _controlled_by(rs, d.metadata.uid) and (rs.status.observed_generation != rs.metadata.generation
                                                    or rs.status.replicas != du._replicas(rs)):
            return False
    return True


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[tuple[Request, ...], ...]:
    """Every allowed outcome of one ``syncDeployment(key)``: the requests as issued, up to and
    including the first refused one. When the control plane has caught up and the rollout
    neither is complete nor progresses, the progress deadline may have passed: a second outcome
    records ``ProgressDeadlineExceeded``."""
    d = state.get(key)
    if d is None:
        return ()
    outcomes: list[tuple[Request, ...]] = []
    first: ClusterState | None = None
    for passed in (False, True):
        s = SyncContext(state, d, deadline_passed=passed)
        try:
            sync_deployment(s)
        except _Failed:
            pass
        if not passed:
            outcomes.append(tuple(s.requests))
            first = s.store
            if not s.deadline_asked or not _caught_up(state, d, s.store):
                break
        elif s.store != first:  # the deadline changed what was written
            outcomes.append(tuple(s.requests))
    return tuple(outcomes) if any(outcomes) else ()


def sync(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """The first outcome of :func:`reconcile` (deadline not passed)."""
    outcomes = reconcile(state, key)
    return outcomes[0] if outcomes else ()
