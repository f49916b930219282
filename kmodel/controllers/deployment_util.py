"""The Deployment controller's helper package, as pure functions over frozen objects.

Each helper mirrors the upstream function of the same name (in snake_case) and is checked
against upstream's table tests (``tests/controllers/test_deployment_util.py``). Upstream mutates
its arguments in place and returns "changed" flags; here a helper that changes an object
returns the new object (and the flag where upstream has one).

Abstracted away:

* **Time.** Conditions carry no ``lastUpdateTime``/``lastTransitionTime``;
  :func:`deployment_timed_out` takes whether the progress deadline has passed as an argument
  (the controller offers both outcomes, see :mod:`kmodel.controllers.deployment`).
* **The pod-template hash.** Upstream hashes the Go object dump of the template with FNV-32a
  (``controller.ComputeHash``) and renders the number with ``rand.SafeEncodeString``; the model
  hashes the template's canonical ``repr`` with the same FNV-32a and the same encoding. The
  values differ from upstream's, their shape (up to 10 characters of
  ``bcdfghjklmnpqrstvwxz2456789``) and their role (a deterministic name and label per template
  and collision count) do not.
* **Feature-gated paths.** ``DeploymentPodReplacementPolicy`` (alpha, off by default in v1.35:
  partial scaling, terminating-replica accounting) is not modelled; neither is
  ``status.terminatingReplicas``.
* Logging and events.

Upstream: ``pkg/controller/deployment/util/deployment_util.go`` (v1.35), ``pkg/controller/
controller_utils.go`` (``ComputeHash``, ``FilterActiveReplicaSets``,
``ReplicaSetsByCreationTimestamp``, ``ReplicaSetsBySizeOlder``/``Newer``),
``staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go``
(``GetScaledValueFromIntOrPercent``), ``staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go``
(``SafeEncodeString``), ``pkg/util/labels``.

Examples
--------
Rolling-update fenceposts for 10 replicas with the default 25%/25%:

>>> resolve_fenceposts("25%", "25%", 10)
(3, 2)
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from kmodel.objects.meta import replace
from kmodel.objects.workloads import (
    Deployment,
    DeploymentCondition,
    DeploymentStatus,
    PodTemplateSpec,
    ReplicaSet,
)

__all__ = [
    "REVISION_ANNOTATION", "REVISION_HISTORY_ANNOTATION", "DESIRED_REPLICAS_ANNOTATION",
    "MAX_REPLICAS_ANNOTATION", "DEPRECATED_ROLLBACK_TO", "LAST_APPLIED_CONFIG_ANNOTATION",
    "DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY", "MAX_INT32",
    "get_scaled_value_from_int_or_percent", "resolve_fenceposts", "is_rolling_update", "max_surge",
    "max_unavailable", "min_available", "new_rs_new_replicas", "get_replica_count_for_replica_sets",
    "get_actual_replica_count_for_replica_sets", "get_ready_replica_count_for_replica_sets",
    "get_available_replica_count_for_replica_sets", "revision", "max_revision", "last_revision",
    "set_new_replica_set_annotations", "copy_deployment_annotations_to_replica_set",
    "set_deployment_annotations_to", "set_replicas_annotations", "replicas_annotations_need_update",
    "get_desired_replicas_annotation", "get_non_negative_int32_from_annotation", "is_saturated",
    "find_active_or_latest", "get_proportion", "get_replica_set_fraction", "equal_ignore_hash",
    "find_new_replica_set", "find_old_replica_sets", "set_from_replica_set_template",
    "new_deployment_condition", "get_deployment_condition", "set_deployment_condition",
    "remove_deployment_condition", "replica_set_to_deployment_condition", "set_deployment_revision",
    "deployment_complete", "deployment_progressing", "deployment_timed_out", "has_progress_deadline",
    "has_revision_history_limit", "compute_hash", "safe_encode_string", "filter_active_replica_sets",
    "replica_sets_by_creation_timestamp", "replica_sets_by_revision", "replica_sets_by_size_newer",
    "replica_sets_by_size_older", "generate_replica_set_name", "round_to_int32",
]

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
REPLICAS_BEFORE_SCALE_ANNOTATION = "deployment.kubernetes.io/replicaset-replicas-before-scale"
DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED_CONFIG_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = "pod-template-hash"
MAX_INT32 = 2**31 - 1
#: ``maxRevHistoryLengthInChars`` of the controller (``sync.go``).
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000

# Condition types and reasons (``apps/v1`` and ``deployment_util.go``).
PROGRESSING = "Progressing"
AVAILABLE = "Available"
REPLICA_FAILURE = "ReplicaFailure"
REPLICA_SET_UPDATED_REASON = "ReplicaSetUpdated"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
NEW_REPLICA_SET_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_DEPLOY_REASON = "DeploymentPaused"
RESUMED_DEPLOY_REASON = "DeploymentResumed"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"
ROLLBACK_REVISION_NOT_FOUND = "DeploymentRollbackRevisionNotFound"
ROLLBACK_TEMPLATE_UNCHANGED = "DeploymentRollbackTemplateUnchanged"
ROLLBACK_DONE = "DeploymentRollback"

#: ``annotationsToSkip``: never copied between a Deployment and its ReplicaSets.
ANNOTATIONS_TO_SKIP = frozenset({
    LAST_APPLIED_CONFIG_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
    DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, DEPRECATED_ROLLBACK_TO,
    REPLICAS_BEFORE_SCALE_ANNOTATION,
})

Labels = tuple[tuple[str, str], ...]


# -- small accessors ---------------------------------------------------------------------------
def _replicas(obj: Any) -> int:
    """``*obj.Spec.Replicas`` (the API default 1 when unset)."""
    r = obj.spec.replicas
    return 1 if r is None else r


def _annotation(obj: Any, key: str) -> str | None:
    return obj.metadata.annotation(key)


def _with_annotations(obj: Any, updates: dict[str, str]) -> Any:
    """``obj`` with ``updates`` merged into its annotations (kept sorted)."""
    current = dict(obj.metadata.annotations)
    current.update(updates)
    return replace(obj, metadata=replace(obj.metadata, annotations=tuple(sorted(current.items()))))


_INT_RE = re.compile(r"[+-]?[0-9]+")


def _parse_int(text: str, *, bits: int = 64, unsigned: bool = False) -> int:
    """``strconv.ParseInt(text, 10, bits)`` / ``ParseUint``: ``ValueError`` on syntax or range."""
    if not _INT_RE.fullmatch(text) or (unsigned and text[0] in "+-"):
        raise ValueError(f"strconv.Parse: parsing {text!r}: invalid syntax")
    value = int(text)
    lo, hi = (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if not lo <= value <= hi:
        raise ValueError(f"strconv.Parse: parsing {text!r}: value out of range")
    return value


def _atoi(text: str) -> int:
    """``strconv.Atoi`` (64-bit ``int``)."""
    return _parse_int(text, bits=64)


# -- intstr ------------------------------------------------------------------------------------
def get_scaled_value_from_int_or_percent(value: int | str | None, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``: an int as is; ``"N%"`` of ``total``, rounded.

    Raises ``ValueError`` for ``None``, a string without ``%`` or a non-numeric prefix.

    Examples
    --------
    >>> get_scaled_value_from_int_or_percent("39%", 10, True), get_scaled_value_from_int_or_percent("39%", 10, False)
    (4, 3)
    >>> get_scaled_value_from_int_or_percent(7, 10, True)
    7
    """
    if value is None:
        raise ValueError("nil value for IntOrString")
    if isinstance(value, bool):
        raise ValueError(f"invalid type: neither int nor percentage: {value!r}")
    if isinstance(value, int):
        return value
    if not value.endswith("%"):
        raise ValueError("invalid value for IntOrString: invalid type: string is not a percentage")
    try:
        percent = _atoi(value[:-1])
    except ValueError:
        raise ValueError(f"invalid value for IntOrString: invalid value {value!r}") from None
    scaled = percent * total / 100
    return math.ceil(scaled) if round_up else math.floor(scaled)


# -- rolling-update arithmetic -----------------------------------------------------------------
def resolve_fenceposts(max_surge: int | str | None, max_unavailable: int | str | None,
                       desired: int) -> tuple[int, int]:
    """``ResolveFenceposts``: (surge, unavailable) for ``desired`` replicas.

    ``None`` counts as 0; surge rounds up, unavailable down; when both are 0, unavailable is 1.
    Raises ``ValueError`` for an invalid value.

    Examples
    --------
    >>> resolve_fenceposts("0%", "0%", 0), resolve_fenceposts(None, None, 10)
    ((0, 1), (0, 1))
    """
    surge = get_scaled_value_from_int_or_percent(0 if max_surge is None else max_surge, desired, True)
    unavailable = get_scaled_value_from_int_or_percent(0 if max_unavailable is None else max_unavailable,
                                                       desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def is_rolling_update(d: Deployment) -> bool:
    """``IsRollingUpdate``."""
    return d.spec.strategy.type == "RollingUpdate"


def max_surge(d: Deployment) -> int:
    """``MaxSurge``: the resolved surge of a rolling update, 0 for Recreate."""
    if not is_rolling_update(d):
        return 0
    s = d.spec.strategy
    return resolve_fenceposts(s.max_surge, s.max_unavailable, _replicas(d))[0]


def max_unavailable(d: Deployment) -> int:
    """``MaxUnavailable``: resolved and capped at ``replicas``; 0 for Recreate or 0 replicas."""
    if not is_rolling_update(d) or _replicas(d) == 0:
        return 0
    s = d.spec.strategy
    unavailable = resolve_fenceposts(s.max_surge, s.max_unavailable, _replicas(d))[1]
    return min(unavailable, _replicas(d))


def min_available(d: Deployment) -> int:
    """``MinAvailable``: ``replicas - MaxUnavailable`` for a rolling update, else 0."""
    if not is_rolling_update(d):
        return 0
    return _replicas(d) - max_unavailable(d)


def new_rs_new_replicas(d: Deployment, all_rss: Iterable[ReplicaSet | None], new_rs: ReplicaSet) -> int:
    """``NewRSNewReplicas``: how far the new ReplicaSet may be scaled up now.

    Rolling update: up to ``replicas + maxSurge`` pods in all ReplicaSets (by ``spec.replicas``),
    never past ``replicas``; Recreate: ``replicas``.

    Examples
    --------
    >>> from kmodel.objects.meta import LabelSelector, ObjectMeta
    >>> from kmodel.objects.workloads import (Container, DeploymentSpec, DeploymentStrategy,
    ...     PodSpec, ReplicaSetSpec)
    >>> t = PodTemplateSpec((("app", "web"),), PodSpec((Container("web"),)))
    >>> d = Deployment(ObjectMeta("web"), DeploymentSpec(LabelSelector(t.labels), t, 10,
    ...                DeploymentStrategy("RollingUpdate", 2, 0)))
    >>> old = ReplicaSet(ObjectMeta("web-old"), ReplicaSetSpec(LabelSelector(t.labels), t, 5))
    >>> new = ReplicaSet(ObjectMeta("web-new"), ReplicaSetSpec(LabelSelector(t.labels), t, 0))
    >>> new_rs_new_replicas(d, [old, new], new)
    7
    """
    if d.spec.strategy.type == "RollingUpdate":
        surge = get_scaled_value_from_int_or_percent(d.spec.strategy.max_surge, _replicas(d), True)
        current = get_replica_count_for_replica_sets(all_rss)
        max_total = _replicas(d) + surge
        if current >= max_total:
            return _replicas(new_rs)
        scale_up = min(max_total - current, _replicas(d) - _replicas(new_rs))
        return _replicas(new_rs) + scale_up
    if d.spec.strategy.type == "Recreate":
        return _replicas(d)
    raise ValueError(f"deployment type {d.spec.strategy.type} isn't supported")


def get_replica_count_for_replica_sets(rss: Iterable[ReplicaSet | None]) -> int:
    """``GetReplicaCountForReplicaSets``: Σ ``spec.replicas``."""
    return sum(_replicas(rs) for rs in rss if rs is not None)


def get_actual_replica_count_for_replica_sets(rss: Iterable[ReplicaSet | None]) -> int:
    """``GetActualReplicaCountForReplicaSets``: Σ ``status.replicas``."""
    return sum(rs.status.replicas for rs in rss if rs is not None)


def get_ready_replica_count_for_replica_sets(rss: Iterable[ReplicaSet | None]) -> int:
    """``GetReadyReplicaCountForReplicaSets``: Σ ``status.readyReplicas``."""
    return sum(rs.status.ready_replicas for rs in rss if rs is not None)


def get_available_replica_count_for_replica_sets(rss: Iterable[ReplicaSet | None]) -> int:
    """``GetAvailableReplicaCountForReplicaSets``: Σ ``status.availableReplicas``."""
    return sum(rs.status.available_replicas for rs in rss if rs is not None)


# -- revisions and annotations -----------------------------------------------------------------
def revision(obj: Any) -> int:
    """``Revision``: the revision annotation as an int64 (0 when absent); ``ValueError`` if invalid."""
    v = _annotation(obj, REVISION_ANNOTATION)
    if v is None:
        return 0
    return _parse_int(v, bits=64)


def max_revision(all_rss: Iterable[ReplicaSet | None]) -> int:
    """``MaxRevision``: the highest revision (unparsable ones skipped), 0 if none."""
    best = 0
    for rs in all_rss:
        if rs is None:
            continue
        try:
            v = revision(rs)
        except ValueError:
            continue
        best = max(best, v)
    return best


def last_revision(all_rss: Iterable[ReplicaSet | None]) -> int:
    """``LastRevision``: the second-highest revision (the one before the current)."""
    first = second = 0
    for rs in all_rss:
        if rs is None:
            continue
        try:
            v = revision(rs)
        except ValueError:
            continue
        if v >= first:
            second, first = first, v
        elif v > second:
            second = v
    return second


def copy_deployment_annotations_to_replica_set(d: Deployment, rs: ReplicaSet) -> tuple[ReplicaSet, bool]:
    """``copyDeploymentAnnotationsToReplicaSet``: the Deployment's annotations, except
    ``annotationsToSkip``, onto ``rs``; whether anything changed."""
    have = dict(rs.metadata.annotations)
    updates = {k: v for k, v in d.metadata.annotations if k not in ANNOTATIONS_TO_SKIP and have.get(k) != v}
    if not updates:
        return rs, False
    return _with_annotations(rs, updates), True


def set_new_replica_set_annotations(d: Deployment, new_rs: ReplicaSet, new_revision: str, exists: bool,
                                    rev_history_limit_in_chars: int = MAX_REV_HISTORY_LENGTH_IN_CHARS,
                                    ) -> tuple[ReplicaSet, bool]:
    """``SetNewReplicaSetAnnotations``: copy the Deployment's annotations, raise the revision to
    ``new_revision`` (recording the old one in ``revision-history``, oldest entries dropped past
    ``rev_history_limit_in_chars``), and for a ReplicaSet about to be created the
    desired/max-replicas annotations. Returns the ReplicaSet and whether its annotations changed.
    """
    rs, changed = copy_deployment_annotations_to_replica_set(d, new_rs)
    annotations = dict(rs.metadata.annotations)
    old_revision = annotations.get(REVISION_ANNOTATION)
    had = old_revision is not None
    try:
        old_int = _parse_int(old_revision or "", bits=64)
    except ValueError:
        if old_revision:
            return rs, False
        old_int = 0
    try:
        new_int = _parse_int(new_revision, bits=64)
    except ValueError:
        return rs, False
    if old_int < new_int:
        annotations[REVISION_ANNOTATION] = new_revision
        changed = True
    if had and old_int < new_int:
        assert old_revision is not None
        history = annotations.get(REVISION_HISTORY_ANNOTATION, "")
        old_revisions = history.split(",")
        if not old_revisions[0]:
            annotations[REVISION_HISTORY_ANNOTATION] = old_revision
        else:
            total = len(history) + len(old_revision) + 1
            start = 0
            while total > rev_history_limit_in_chars and start < len(old_revisions):
                total -= len(old_revisions[start]) + 1
                start += 1
            if total <= rev_history_limit_in_chars:
                annotations[REVISION_HISTORY_ANNOTATION] = ",".join(old_revisions[start:] + [old_revision])
    rs = replace(rs, metadata=replace(rs.metadata, annotations=tuple(sorted(annotations.items()))))
    if not exists:
        rs, updated = set_replicas_annotations(rs, _replicas(d), _replicas(d) + max_surge(d))
        changed = changed or updated
    return rs, changed


def set_deployment_annotations_to(d: Deployment, rollback_to_rs: ReplicaSet) -> Deployment:
    """``SetDeploymentAnnotationsTo``: keep the Deployment's skipped annotations, take the rest
    from the ReplicaSet being rolled back to."""
    kept = {k: v for k, v in d.metadata.annotations if k in ANNOTATIONS_TO_SKIP}
    for k, v in rollback_to_rs.metadata.annotations:
        if k not in ANNOTATIONS_TO_SKIP:
            kept[k] = v
    return replace(d, metadata=replace(d.metadata, annotations=tuple(sorted(kept.items()))))


def set_replicas_annotations(rs: ReplicaSet, desired: int, max_replicas: int) -> tuple[ReplicaSet, bool]:
    """``SetReplicasAnnotations``: record ``desired`` and ``max_replicas``; whether they changed."""
    updates = {}
    if _annotation(rs, DESIRED_REPLICAS_ANNOTATION) != str(desired):
        updates[DESIRED_REPLICAS_ANNOTATION] = str(desired)
    if _annotation(rs, MAX_REPLICAS_ANNOTATION) != str(max_replicas):
        updates[MAX_REPLICAS_ANNOTATION] = str(max_replicas)
    if not updates:
        return rs, False
    return _with_annotations(rs, updates), True


def replicas_annotations_need_update(rs: ReplicaSet, desired: int, max_replicas: int) -> bool:
    """``ReplicasAnnotationsNeedUpdate``: the desired/max-replicas annotations differ from these."""
    return (_annotation(rs, DESIRED_REPLICAS_ANNOTATION) != str(desired)
            or _annotation(rs, MAX_REPLICAS_ANNOTATION) != str(max_replicas))


def get_non_negative_int32_from_annotation(rs: ReplicaSet, key: str) -> tuple[int, bool, str]:
    """``getNonNegativeInt32FromAnnotation``: ``(value, ok, error)`` (``ParseUint`` into int32)."""
    raw = _annotation(rs, key)
    if raw is None:
        return 0, False, ""
    try:
        value = _parse_int(raw, bits=32, unsigned=True)
    except ValueError as exc:
        return 0, False, "value out of range" if "range" in str(exc) else "invalid syntax"
    if value > MAX_INT32:
        return 0, False, f"value {value} is out of range (higher than {MAX_INT32})"
    return value, True, ""


def get_desired_replicas_annotation(rs: ReplicaSet) -> tuple[int, bool]:
    """``GetDesiredReplicasAnnotation``."""
    value, ok, _ = get_non_negative_int32_from_annotation(rs, DESIRED_REPLICAS_ANNOTATION)
    return value, ok


def _max_replicas_annotation(rs: ReplicaSet) -> tuple[int, bool]:
    value, ok, _ = get_non_negative_int32_from_annotation(rs, MAX_REPLICAS_ANNOTATION)
    return value, ok


def is_saturated(d: Deployment, rs: ReplicaSet | None) -> bool:
    """``IsSaturated``: ``rs`` has, wants and was told exactly ``replicas`` available pods."""
    if rs is None:
        return False
    raw = _annotation(rs, DESIRED_REPLICAS_ANNOTATION) or ""
    try:
        desired = _parse_int(raw, bits=32)
    except ValueError:
        return False
    want = _replicas(d)
    return _replicas(rs) == want and desired == want and rs.status.available_replicas == want


# -- ordering ----------------------------------------------------------------------------------
def replica_sets_by_creation_timestamp(rs: ReplicaSet) -> tuple[int, str]:
    """Sort key of ``ReplicaSetsByCreationTimestamp`` (oldest first, ties by name)."""
    return (rs.metadata.creation_timestamp, rs.metadata.name)


def replica_sets_by_revision(rss: Sequence[ReplicaSet]) -> list[ReplicaSet]:
    """``sort.Sort(ReplicaSetsByRevision)``: by revision, ties and unparsable ones by creation.

    Upstream's ``Less`` falls back to creation order when either revision fails to parse; the
    model sorts unparsable revisions as equal to every other (by creation), the same order for
    the revisions the model produces (always valid).
    """
    def key(rs: ReplicaSet) -> tuple[int, int, str]:
        try:
            rev = revision(rs)
        except ValueError:
            rev = 0
        return (rev, *replica_sets_by_creation_timestamp(rs))
    return sorted(rss, key=key)


def replica_sets_by_size_newer(rss: Sequence[ReplicaSet]) -> list[ReplicaSet]:
    """``ReplicaSetsBySizeNewer``: largest first, ties newest first (creation, then name)."""
    return sorted(rss, key=lambda rs: (_replicas(rs), *replica_sets_by_creation_timestamp(rs)), reverse=True)


def replica_sets_by_size_older(rss: Sequence[ReplicaSet]) -> list[ReplicaSet]:
    """``ReplicaSetsBySizeOlder``: largest first, ties oldest first."""
    return sorted(rss, key=lambda rs: (-_replicas(rs), *replica_sets_by_creation_timestamp(rs)))


def filter_active_replica_sets(rss: Iterable[ReplicaSet | None]) -> list[ReplicaSet]:
    """``FilterActiveReplicaSets``: the ReplicaSets with ``spec.replicas > 0``."""
    return [rs for rs in rss if rs is not None and _replicas(rs) > 0]


def find_active_or_latest(new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet]) -> ReplicaSet | None:
    """``FindActiveOrLatest``: the only active ReplicaSet, or the newest when none is active;
    ``None`` when several are active (then scaling is proportional)."""
    if new_rs is None and not old_rss:
        return None
    olds = sorted(old_rss, key=replica_sets_by_creation_timestamp, reverse=True)
    active = filter_active_replica_sets([*olds, new_rs])
    if not active:
        return new_rs if new_rs is not None else olds[0]
    if len(active) == 1:
        return active[0]
    return None


def round_to_int32(value: float) -> int:
    """``integer.RoundToInt32``: round half away from zero."""
    return int(math.floor(value + 0.5)) if value >= 0 else -int(math.floor(-value + 0.5))


def get_replica_set_fraction(rs: ReplicaSet, d: Deployment) -> int:
    """``getReplicaSetFraction``: how many replicas ``rs`` gains (or loses) when the Deployment
    is resized: ``round(rs.spec * (replicas + maxSurge) / max-replicas annotation) - rs.spec``.

    A missing, invalid or zero annotation falls back to ``d.status.replicas``; if that is 0 the
    fraction is 0 (current upstream; older releases divided by zero). Scaling to 0 returns
    ``-rs.spec``.
    """
    if _replicas(d) == 0:
        return -_replicas(rs)
    deployment_replicas = _replicas(d) + max_surge(d)
    annotated, ok = _max_replicas_annotation(rs)
    if not ok or annotated == 0:
        annotated = d.status.replicas
    if annotated == 0:
        return 0
    new_size = (_replicas(rs) * deployment_replicas) / annotated
    return round_to_int32(new_size) - _replicas(rs)


def get_proportion(rs: ReplicaSet | None, d: Deployment, to_add: int, added: int) -> int:
    """``GetProportion``: the share of ``to_add`` (``added`` already handed out) for ``rs``."""
    if rs is None or _replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = get_replica_set_fraction(rs, d)
    allowed = to_add - added
    if to_add > 0:
        return min(fraction, allowed)
    return max(fraction, allowed)


# -- templates ---------------------------------------------------------------------------------
def _without_hash(labels: Labels) -> Labels:
    return tuple((k, v) for k, v in labels if k != DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY)


def equal_ignore_hash(t1: PodTemplateSpec, t2: PodTemplateSpec) -> bool:
    """``EqualIgnoreHash``: equal templates apart from the ``pod-template-hash`` label."""
    for name in _TEMPLATE_FIELDS:
        if getattr(t1, name) != getattr(t2, name):
            return False
    return _without_hash(t1.labels) == _without_hash(t2.labels)


#: Every compared field of a template but its labels (compared without the hash label).
_TEMPLATE_FIELDS = tuple(f.name for f in dataclasses.fields(PodTemplateSpec) if f.compare and f.name != "labels")


def find_new_replica_set(d: Deployment, rs_list: Sequence[ReplicaSet]) -> ReplicaSet | None:
    """``FindNewReplicaSet``: the oldest ReplicaSet whose template equals the Deployment's."""
    for rs in sorted(rs_list, key=replica_sets_by_creation_timestamp):
        if equal_ignore_hash(rs.spec.template, d.spec.template):
            return rs
    return None


def find_old_replica_sets(d: Deployment, rs_list: Sequence[ReplicaSet]) -> tuple[list[ReplicaSet], list[ReplicaSet]]:
    """``FindOldReplicaSets``: (old ReplicaSets with pods wanted, all old ReplicaSets)."""
    new_rs = find_new_replica_set(d, rs_list)
    required, all_old = [], []
    for rs in rs_list:
        if new_rs is not None and rs.metadata.uid == new_rs.metadata.uid:
            continue
        all_old.append(rs)
        if _replicas(rs) != 0:
            required.append(rs)
    return required, all_old


def set_from_replica_set_template(d: Deployment, template: PodTemplateSpec) -> Deployment:
    """``SetFromReplicaSetTemplate``: the Deployment with ``template`` minus the hash label."""
    t = replace(template, labels=_without_hash(template.labels))
    return replace(d, spec=replace(d.spec, template=t))


# -- conditions --------------------------------------------------------------------------------
def new_deployment_condition(type_: str, status: str, reason: str) -> DeploymentCondition:
    """``NewDeploymentCondition`` (times are abstract)."""
    return DeploymentCondition(type_, status, reason)


def get_deployment_condition(status: DeploymentStatus, type_: str) -> DeploymentCondition | None:
    """``GetDeploymentCondition``."""
    for c in status.conditions:
        if c.type == type_:
            return c
    return None


def set_deployment_condition(status: DeploymentStatus, condition: DeploymentCondition) -> DeploymentStatus:
    """``SetDeploymentCondition``: no change when status and reason are the same; otherwise the
    condition replaces the old one of its type and goes to the end of the list."""
    current = get_deployment_condition(status, condition.type)
    if current is not None and current.status == condition.status and current.reason == condition.reason:
        return status
    kept = tuple(c for c in status.conditions if c.type != condition.type)
    return replace(status, conditions=kept + (condition,))


def remove_deployment_condition(status: DeploymentStatus, type_: str) -> DeploymentStatus:
    """``RemoveDeploymentCondition``."""
    kept = tuple(c for c in status.conditions if c.type != type_)
    return status if kept == status.conditions else replace(status, conditions=kept)


def replica_set_to_deployment_condition(cond: Any) -> DeploymentCondition:
    """``ReplicaSetToDeploymentCondition``."""
    return DeploymentCondition(cond.type, cond.status, cond.reason)


def set_deployment_revision(d: Deployment, rev: str) -> tuple[Deployment, bool]:
    """``SetDeploymentRevision``: record ``rev`` in the Deployment's revision annotation."""
    if _annotation(d, REVISION_ANNOTATION) == rev:
        return d, False
    return _with_annotations(d, {REVISION_ANNOTATION: rev}), True


def has_progress_deadline(d: Deployment) -> bool:
    """``HasProgressDeadline``: set and not ``MaxInt32``."""
    pds = d.spec.progress_deadline_seconds
    return pds is not None and pds != MAX_INT32


def has_revision_history_limit(d: Deployment) -> bool:
    """``HasRevisionHistoryLimit``: set and not ``MaxInt32``."""
    limit = d.spec.revision_history_limit
    return limit is not None and limit != MAX_INT32


def deployment_complete(d: Deployment, status: DeploymentStatus) -> bool:
    """``DeploymentComplete``: every replica updated and available, none old, status current."""
    want = _replicas(d)
    return (status.updated_replicas == want and status.replicas == want
            and status.available_replicas == want and status.observed_generation >= d.metadata.generation)


def deployment_progressing(d: Deployment, new_status: DeploymentStatus) -> bool:
    """``DeploymentProgressing``: more updated, fewer old, more ready or more available replicas
    than the Deployment's current status says."""
    old = d.status
    old_old = old.replicas - old.updated_replicas
    new_old = new_status.replicas - new_status.updated_replicas
    return (new_status.updated_replicas > old.updated_replicas or new_old < old_old
            or new_status.ready_replicas > old.ready_replicas
            or new_status.available_replicas > old.available_replicas)


def deployment_timed_out(d: Deployment, new_status: DeploymentStatus, *, deadline_passed: bool) -> bool:
    """``DeploymentTimedOut``, with the clock abstracted into ``deadline_passed`` (whether
    ``lastUpdateTime + progressDeadlineSeconds`` is before now)."""
    if not has_progress_deadline(d):
        return False
    cond = get_deployment_condition(new_status, PROGRESSING)
    if cond is None or cond.reason == NEW_RS_AVAILABLE_REASON:
        return False
    if cond.reason == TIMED_OUT_REASON:
        return True
    return deadline_passed


# -- hashing and names -------------------------------------------------------------------------
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


def safe_encode_string(s: str) -> str:
    """``rand.SafeEncodeString``: each byte mapped into a vowel-free alphabet.

    >>> safe_encode_string("0123456789")
    '456789bcdf'
    """
    return "".join(_ALPHANUMS[b % len(_ALPHANUMS)] for b in s.encode())


def _fnv32a(data: bytes, h: int = _FNV32_OFFSET) -> int:
    for b in data:
        h = ((h ^ b) * _FNV32_PRIME) & 0xFFFFFFFF
    return h


def compute_hash(template: PodTemplateSpec, collision_count: int | None) -> str:
    """``ComputeHash``: FNV-32a of the template (its canonical ``repr`` here; see the module
    docstring), then of ``collisionCount`` as 8 little-endian bytes when set, safe-encoded.

    >>> from kmodel.objects.workloads import Container, PodSpec
    >>> t = PodTemplateSpec((("app", "web"),), PodSpec((Container("web", image="web:v1"),)))
    >>> compute_hash(t, None) == compute_hash(t, None) != compute_hash(t, 1)
    True
    """
    h = _fnv32a(repr(template).encode())
    if collision_count is not None:
        h = _fnv32a((collision_count & 0xFFFFFFFF).to_bytes(4, "little") + b"\0\0\0\0", h)
    return safe_encode_string(str(h))


#: ``validation.DNS1123SubdomainMaxLength``.
_NAME_MAX = 253


def generate_replica_set_name(deployment_name: str, pod_template_hash: str) -> str:
    """``generateReplicaSetName``: ``<deployment>-<hash>``, the Deployment's name cut so the
    result fits 253 characters (a hash that alone is too long is left as is).

    >>> generate_replica_set_name("web", "5d8f7c9b4")
    'web-5d8f7c9b4'
    """
    room = _NAME_MAX - 1 - len(pod_template_hash)
    name = deployment_name
    if room > 0 and len(name) > room:
        name = name[:room]
    return f"{name}-{pod_template_hash}"
