"""Traces in Kubernetes vocabulary: which component did what to which object.

Each step of a :class:`~kmodel.check.Path` becomes an entry with the actor, the action (the API
requests a controller issued, or the fault or edit), and the changes it made to objects, field
by field (``status.phase: Pending -> Running``), read like a ``kubectl describe`` event log.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kmodel.check import Path
from kmodel.objects.meta import ObjectRef

__all__ = ["trace_entries", "object_changes"]

_SKIP = {"_hash", "_skey", "_requests", "resource_version", "uid"}


def _leaves(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if f.name in _SKIP or f.name.startswith("_"):  # private caches (_nonzero, ...) are not state
                continue
            _leaves(getattr(value, f.name), f"{prefix}.{_camel(f.name)}" if prefix else _camel(f.name), out)
    elif prefix.endswith("conditions") and isinstance(value, tuple):
        for v in value:  # conditions: keyed by type
            out[f"{prefix}[{v.type}]"] = v.status + (f" ({v.reason})" if getattr(v, "reason", "") else "")
    elif isinstance(value, tuple) and _named_records(value):
        for v in value:  # containers, owner references...: keyed by name, field by field
            _leaves(v, f"{prefix}[{v.name}]", out)
    else:
        out[prefix] = value


def _named_records(value: tuple[Any, ...]) -> bool:
    """Records with distinct non-empty names (rendered ``containers[web].image``)."""
    names = [getattr(v, "name", None) for v in value]
    return (bool(value) and all(dataclasses.is_dataclass(v) for v in value)
            and all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names))


_ACRONYMS = {"ip": "IP", "ips": "IPs"}  # Kubernetes' JSON names: podIP, clusterIP, externalIPs


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(_ACRONYMS.get(w, w.capitalize()) for w in rest)


def _fmt(value: Any) -> str:
    if isinstance(value, tuple):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return "{" + ", ".join(f"{k}: {v}" for k, v in value) + "}"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value == "":
        return '""'
    return str(value)


def object_changes(before: Any, after: Any) -> list[str]:
    """Field-level differences between two versions of an object."""
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _leaves(before, "", a)
    _leaves(after, "", b)
    out = []
    for key in sorted(set(a) | set(b)):
        if key not in a:
            out.append(f"{key}: (none) -> {_fmt(b[key])}")
        elif key not in b:
            out.append(f"{key}: {_fmt(a[key])} -> (none)")
        elif a[key] != b[key]:
            out.append(f"{key}: {_fmt(a[key])} -> {_fmt(b[key])}")
    return out


def _state_diff(before: Any, after: Any) -> list[dict[str, Any]]:
    old = {o.ref: o for o in before.objects()}
    new = {o.ref: o for o in after.objects()}
    changes = []
    for ref in sorted(set(old) | set(new)):
        if ref not in old:
            changes.append({"object": str(ref), "change": "created", "fields": []})
        elif ref not in new:
            changes.append({"object": str(ref), "change": "deleted", "fields": []})
        elif old[ref] != new[ref]:
            changes.append({"object": str(ref), "change": "updated",
                            "fields": object_changes(old[ref], new[ref])})
    return changes


def trace_entries(model: Any, path: Path[Any, Any]) -> list[dict[str, Any]]:
    """One JSON-ready entry per step of ``path``."""
    entries = []
    for i, step in enumerate(path.actions):
        before, after = path.states[i], path.states[i + 1]
        requests = []
        req_fn = getattr(model, "requests", None)
        if req_fn is not None:
            requests = [str(r) for r in req_fn(before, step)]
        entry: dict[str, Any] = {
            "step": i + 1,
            "actor": getattr(step, "actor", ""),
            "action": model.describe_action(step) if hasattr(model, "describe_action") else str(step),
            "requests": requests,
        }
        cb, ca = getattr(before, "cluster", before), getattr(after, "cluster", after)
        if hasattr(cb, "objects"):
            entry["changes"] = _state_diff(cb, ca)
        elif callable(getattr(model, "changes", None)):  # numeric models (kmodel.smt.symbolic)
            entry["changes"] = [{"object": "state", "change": "updated", "fields": model.changes(before, after)}]
        if path.loop_start is not None and i == len(path.actions) - 1:
            entry["loops_back_to_step"] = path.loop_start
        entries.append(entry)
    return entries


def _ref_text(ref: ObjectRef) -> str:
    return str(ref)
