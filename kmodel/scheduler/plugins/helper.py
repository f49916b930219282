"""Shared plugin helpers (``pkg/scheduler/framework/plugins/helper``): score normalisation and the
default spreading selector.

Upstream: ``pkg/scheduler/framework/plugins/helper/normalize_score.go`` (``DefaultNormalizeScore``),
``pkg/scheduler/framework/plugins/helper/spread.go`` (``DefaultSelector``).
"""

from __future__ import annotations

from typing import Any

from kmodel.objects.meta import LabelSelector, LabelSelectorRequirement
from kmodel.objects.workloads import Pod

__all__ = ["default_normalize_score", "default_selector"]

MAX_NODE_SCORE = 100


def default_normalize_score(scores: dict[str, int], *, reverse: bool) -> dict[str, int]:
    """``DefaultNormalizeScore``: scale to [0, 100] by the maximum, optionally reversed.

    Examples
    --------
    >>> default_normalize_score({"a": 1, "b": 4}, reverse=False), default_normalize_score({"a": 0}, reverse=True)
    ({'a': 25, 'b': 100}, {'a': 100})
    """
    top = max(scores.values(), default=0)
    if top == 0:
        return {n: MAX_NODE_SCORE if reverse else 0 for n in scores}
    out = {}
    for n, s in scores.items():
        v = MAX_NODE_SCORE * s // top
        out[n] = MAX_NODE_SCORE - v if reverse else v
    return out


def _selector_of(obj: Any) -> LabelSelector | None:
    sel = getattr(getattr(obj, "spec", None), "selector", None)
    if isinstance(sel, LabelSelector):
        return sel
    if isinstance(sel, tuple):  # a map selector (Service, ReplicationController) as label pairs
        return LabelSelector(tuple(sel))
    return None


def default_selector(pod: Pod, state: Any) -> LabelSelector:
    """``DefaultSelector``: the labels of the Services selecting ``pod``, ANDed with the selector of
    its controlling ReplicationController, ReplicaSet or StatefulSet (found by owner reference).
    Empty when there is none (then there is no default spreading). ``state`` may be ``None``.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.workloads import PodSpec
    >>> default_selector(Pod(ObjectMeta("p", "default"), PodSpec(())), None).empty
    True
    """
    if state is None:
        return LabelSelector()
    labels: dict[str, str] = {}
    namespace = pod.metadata.namespace
    for svc in state.list("Service", namespace):
        sel = getattr(svc.spec, "selector", None)
        if not sel:
            continue
        pairs = sel.match_labels if isinstance(sel, LabelSelector) else tuple(sel)
        if pairs and all(dict(pod.metadata.labels).get(k) == v for k, v in pairs):
            labels.update(dict(pairs))
    expressions: list[LabelSelectorRequirement] = []
    owner = pod.metadata.controller_ref()
    if owner is not None and owner.kind in ("ReplicationController", "ReplicaSet", "StatefulSet"):
        for obj in state.list(owner.kind, namespace):
            if obj.metadata.name != owner.name:
                continue
            sel = _selector_of(obj)
            if sel is not None:
                if owner.kind == "ReplicationController":
                    labels.update(dict(sel.match_labels))
                else:
                    expressions.extend(LabelSelectorRequirement(k, "In", (v,)) for k, v in sel.match_labels)
                    expressions.extend(sel.match_expressions)
    return LabelSelector(tuple(sorted(labels.items())), tuple(expressions))
