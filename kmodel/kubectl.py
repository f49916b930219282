"""User edits as ``kubectl`` makes them: the scenario's events beyond ``scale``.

Each builder returns a :class:`kmodel.cluster.Event`: a pure function from the store to the
store after the command, or ``None`` while kubectl would refuse the command (the event is then
not enabled yet; scenario events are taken in order, each any time after the previous one).

===============================================  =============================================
scenario event                                   kubectl
===============================================  =============================================
``{setImage: {name: web, container: web,         ``kubectl set image deployment/web web=web:v2``
image: web:v2}}`` (``container: "*"``: all)
``{rollback: {name: web, toRevision: 1}}``       ``kubectl rollout undo deployment/web
                                                 --to-revision=1`` (0 or omitted: the previous)
``{pause: {name: web}}``, ``{resume: ...}``      ``kubectl rollout pause|resume deployment/web``
``{apply: {file: web-v2.yaml}}``                 ``kubectl apply -f web-v2.yaml``
===============================================  =============================================

Semantics, from kubectl's source:

* **set image** patches the image of every container (and init container) of the pod template
  with that name; no such container is an error (``unable to find container named``).
* **rollout undo** finds the Deployment's ReplicaSet with the wanted revision (0: the second
  highest), refuses a paused Deployment (``you cannot rollback a paused deployment``), does
  nothing when the template already matches (``skipped rollback``), and otherwise patches
  ``spec.template`` with the ReplicaSet's template minus ``pod-template-hash`` and
  ``metadata.annotations`` with the Deployment's ``annotationsToSkip`` plus the ReplicaSet's other
  annotations (``polymorphichelpers/rollback.go``). The Deployment controller then gives that
  ReplicaSet a new revision.
* **rollout pause / resume** set ``spec.paused``; pausing a paused (resuming a running)
  Deployment is an error (``is already paused`` / ``is not paused``).
* **apply** (client-side) merges three ways, per field: a field set in the file takes the
  file's value; a field absent from the file but present in the last-applied configuration is
  deleted (the API server then defaults it: ``replicas`` becomes 1 — the well-known way an
  ``apply`` without ``replicas`` fights an autoscaler); any other field keeps its live value.
  The last-applied configuration is the object's
  ``kubectl.kubernetes.io/last-applied-configuration`` annotation; an object without it is taken
  to have been applied from its manifest in the spec (documented assumption), and after the
  event the annotation holds the file's configuration. Objects the file names that do not exist
  are created.

Abstracted: three-way merge granularity. The model merges the fields it keeps: ``replicas``,
``selector``, ``template`` (as one field), ``strategy`` (type, ``maxSurge``,
``maxUnavailable``), ``minReadySeconds``, ``revisionHistoryLimit``,
``progressDeadlineSeconds``, ``paused``, and labels and annotations key by key; other kinds'
specs are replaced whole. Patches carry no ``resourceVersion`` (as kubectl's do not).

Upstream: ``staging/src/k8s.io/kubectl/pkg/cmd/set/set_image.go``,
``staging/src/k8s.io/kubectl/pkg/polymorphichelpers/rollback.go``, ``objectpauser.go``,
``objectresumer.go``, ``staging/src/k8s.io/kubectl/pkg/cmd/apply/patcher.go``
(three-way merge), ``pkg/apis/apps/v1/defaults.go``.

Examples
--------
>>> from kmodel.api import Create, apply as api_apply
>>> from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
>>> from kmodel.objects.workloads import Container, Deployment, DeploymentSpec, PodSpec, PodTemplateSpec
>>> from kmodel.state import ClusterState
>>> t = PodTemplateSpec((("app", "web"),), PodSpec((Container("web", image="web:v1"),)))
>>> s, _ = api_apply(ClusterState.of([Namespace(ObjectMeta("default"))]),
...                  Create(Deployment(ObjectMeta("web", "default"), DeploymentSpec(LabelSelector(t.labels), t, 3))))
>>> s2 = set_image("default", "web", "web", "web:v2").apply(s)
>>> s2.get(s2.list("Deployment")[0].ref).spec.template.spec.containers[0].image
'web:v2'
>>> set_image("default", "web", "db", "db:v2").apply(s) is None   # no such container
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kmodel.api import Create, Update, apply as _api_apply
from kmodel.cluster import Event
from kmodel.controllers import deployment_util as du
from kmodel.objects.meta import ObjectRef, replace
from kmodel.state import CLUSTER_SCOPED_KINDS, ClusterState

__all__ = ["set_image", "rollout_undo", "rollout_pause", "rollout_resume", "apply_manifests",
           "EVENT_FIELDS", "check_event", "event_from_scenario", "apply_files"]

#: Scenario event kind -> its fields (``name`` required, ``namespace`` default ``default``).
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "setImage": ("kind", "name", "namespace", "container", "image"),
    "rollback": ("kind", "name", "namespace", "toRevision"),
    "pause": ("kind", "name", "namespace"),
    "resume": ("kind", "name", "namespace"),
    "apply": ("file",),
}

_TEMPLATED = ("Deployment", "ReplicaSet")


def _patch(state: ClusterState, obj: Any) -> ClusterState | None:
    """A kubectl patch (no ``resourceVersion`` precondition); ``None`` when refused."""
    new, resp = _api_apply(state, Update(obj))
    return new if resp.ok else None


def set_image(namespace: str, name: str, container: str, image: str, *, kind: str = "Deployment") -> Event:
    """``kubectl set image <kind>/<name> <container>=<image>`` (``container`` ``"*"``: every one)."""
    ref = ObjectRef(kind, namespace, name)

    def run(state: ClusterState) -> ClusterState | None:
        obj = state.get(ref)
        if obj is None:
            return None
        spec = obj.spec.template.spec
        found = False

        def swap(cs: tuple[Any, ...]) -> tuple[Any, ...]:
            nonlocal found
            out = []
            for c in cs:
                if container in ("*", c.name):
                    found = True
                    c = replace(c, image=image)
                out.append(c)
            return tuple(out)

        new_spec = replace(spec, containers=swap(spec.containers), init_containers=swap(spec.init_containers))
        if not found:
            return None  # error: unable to find container named <container>
        template = replace(obj.spec.template, spec=new_spec)
        return _patch(state, replace(obj, spec=replace(obj.spec, template=template)))

    return Event("setImage", run, f"kubectl set image {kind.lower()}/{name} {container}={image}")


def _owned_replica_sets(state: ClusterState, d: Any) -> list[Any]:
    return [rs for rs in state.list("ReplicaSet", d.metadata.namespace)
            if (r := rs.metadata.controller_ref()) is not None and r.uid == d.metadata.uid]


def _revision_or_none(rs: Any) -> int | None:
    try:
        return du.revision(rs)
    except ValueError:
        return None


def rollout_undo(namespace: str, name: str, to_revision: int = 0) -> Event:
    """``kubectl rollout undo deployment/<name> [--to-revision=N]`` (see the module docstring)."""
    ref = ObjectRef("Deployment", namespace, name)

    def run(state: ClusterState) -> ClusterState | None:
        d = state.get(ref)
        if d is None or to_revision < 0:
            return None
        target = None
        latest = previous = -1
        latest_rs = previous_rs = None
        for rs in _owned_replica_sets(state, d):
            v = _revision_or_none(rs)
            if v is None:
                continue
            if to_revision == 0:
                if latest < v:
                    previous, previous_rs, latest, latest_rs = latest, latest_rs, v, rs
                elif previous < v:
                    previous, previous_rs = v, rs
            elif v == to_revision:
                target = rs
                break
        if to_revision == 0:
            target = previous_rs
        if target is None or d.spec.paused:
            return None  # revision not found / no rollout history / paused
        if du.equal_ignore_hash(target.spec.template, d.spec.template):
            return state  # skipped rollback (current template already matches revision)
        annotations = {k: v for k, v in d.metadata.annotations if k in du.ANNOTATIONS_TO_SKIP}
        annotations.update((k, v) for k, v in target.metadata.annotations if k not in du.ANNOTATIONS_TO_SKIP)
        restored = du.set_from_replica_set_template(d, target.spec.template)
        restored = replace(restored, metadata=replace(d.metadata, annotations=tuple(sorted(annotations.items()))))
        return _patch(state, restored)

    rev = f" --to-revision={to_revision}" if to_revision else ""
    return Event("rollback", run, f"kubectl rollout undo deployment/{name}{rev}")


def _pauser(namespace: str, name: str, paused: bool) -> Event:
    ref = ObjectRef("Deployment", namespace, name)

    def run(state: ClusterState) -> ClusterState | None:
        d = state.get(ref)
        if d is None or d.spec.paused == paused:
            return None  # is already paused / is not paused
        return _patch(state, replace(d, spec=replace(d.spec, paused=paused)))

    verb = "pause" if paused else "resume"
    return Event(verb, run, f"kubectl rollout {verb} deployment/{name}")


def rollout_pause(namespace: str, name: str) -> Event:
    """``kubectl rollout pause deployment/<name>``."""
    return _pauser(namespace, name, True)


def rollout_resume(namespace: str, name: str) -> Event:
    """``kubectl rollout resume deployment/<name>``."""
    return _pauser(namespace, name, False)


# -- kubectl apply ------------------------------------------------------------------------------
#: (path in the manifest, attribute path in the model) of the spec fields merged one by one.
_MERGED_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "Deployment": (
        ("spec.replicas", "spec.replicas"),
        ("spec.selector", "spec.selector"),
        ("spec.template", "spec.template"),
        ("spec.strategy.type", "spec.strategy.type"),
        ("spec.strategy.rollingUpdate.maxSurge", "spec.strategy.max_surge"),
        ("spec.strategy.rollingUpdate.maxUnavailable", "spec.strategy.max_unavailable"),
        ("spec.minReadySeconds", "spec.min_ready_seconds"),
        ("spec.revisionHistoryLimit", "spec.revision_history_limit"),
        ("spec.progressDeadlineSeconds", "spec.progress_deadline_seconds"),
        ("spec.paused", "spec.paused"),
    ),
    "ReplicaSet": (
        ("spec.replicas", "spec.replicas"),
        ("spec.selector", "spec.selector"),
        ("spec.template", "spec.template"),
        ("spec.minReadySeconds", "spec.min_ready_seconds"),
    ),
}
#: What a deleted field becomes before the API server's defaulting (``None``: defaulted there).
_DELETED = {"spec.replicas": None, "spec.strategy.type": "RollingUpdate", "spec.strategy.max_surge": None,
            "spec.strategy.max_unavailable": None, "spec.min_ready_seconds": 0,
            "spec.revision_history_limit": None, "spec.progress_deadline_seconds": None, "spec.paused": False}


def _get_path(data: Any, path: str) -> tuple[bool, Any]:
    """(present, value) of a dotted path in plain data."""
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return node is not None, node


def _get_attr(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _set_attr(obj: Any, path: str, value: Any) -> Any:
    head, _, rest = path.partition(".")
    if not rest:
        return replace(obj, **{head: value})
    return replace(obj, **{head: _set_attr(getattr(obj, head), rest, value)})


def _merge_map(live: tuple[tuple[str, str], ...], new: dict[str, Any] | None, last: dict[str, Any] | None,
               ) -> tuple[tuple[str, str], ...]:
    merged = dict(live)
    for key in (last or {}):
        if key not in (new or {}):
            merged.pop(key, None)
    for key, value in (new or {}).items():
        merged[key] = str(value)
    return tuple(sorted(merged.items()))


def _three_way(live: Any, desired: Any, new_body: dict[str, Any], last_body: dict[str, Any] | None) -> Any:
    """The object kubectl apply leaves: ``desired`` is the file's object as the loader reads it."""
    out = live
    fields = _MERGED_FIELDS.get(live.kind)
    if fields is None:
        if hasattr(live, "spec"):
            out = replace(out, spec=desired.spec)
    else:
        for manifest_path, attr in fields:
            in_new, _ = _get_path(new_body, manifest_path)
            in_last, _ = _get_path(last_body or {}, manifest_path)
            if in_new:
                out = _set_attr(out, attr, _get_attr(desired, attr))
            elif in_last:
                out = _set_attr(out, attr, _DELETED.get(attr))
    meta = out.metadata
    labels = _merge_map(meta.labels, _get_path(new_body, "metadata.labels")[1],
                        _get_path(last_body or {}, "metadata.labels")[1])
    new_annotations = dict(_get_path(new_body, "metadata.annotations")[1] or {})
    new_annotations[du.LAST_APPLIED_CONFIG_ANNOTATION] = _last_applied_text(new_body)
    annotations = _merge_map(meta.annotations, new_annotations, _get_path(last_body or {}, "metadata.annotations")[1])
    return replace(out, metadata=replace(meta, labels=labels, annotations=annotations))


def _last_applied_text(body: dict[str, Any]) -> str:
    """The annotation kubectl writes: the applied configuration as compact JSON (without the
    annotation itself)."""
    clean = json.loads(json.dumps(body, default=str))
    annotations = clean.get("metadata", {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(du.LAST_APPLIED_CONFIG_ANNOTATION, None)
        if not annotations:
            clean["metadata"].pop("annotations")
    return json.dumps(clean, sort_keys=True, separators=(",", ":"))


def apply_manifests(objects: Sequence[Any], bodies: Sequence[dict[str, Any]], *, file: str = "",
                    initial_bodies: dict[ObjectRef, dict[str, Any]] | None = None) -> Event:
    """``kubectl apply -f FILE``: ``objects`` as the loader read them, ``bodies`` their documents
    as written (to tell a field left out from a default), ``initial_bodies`` the spec's own
    manifests (the last-applied configuration of objects without the annotation)."""
    initial = dict(initial_bodies or {})
    pairs = list(zip(objects, bodies, strict=True))

    def run(state: ClusterState) -> ClusterState | None:
        for obj, body in pairs:
            ref = obj.ref
            if obj.metadata.namespace == "" and obj.kind not in CLUSTER_SCOPED_KINDS:
                ref = ObjectRef(obj.kind, "default", obj.metadata.name)
            live = state.get(ref)
            if live is None:
                new_obj = replace(obj, metadata=replace(obj.metadata, annotations=tuple(sorted(
                    dict(obj.metadata.annotations, **{du.LAST_APPLIED_CONFIG_ANNOTATION: _last_applied_text(body)}).items()))))
                state, resp = _api_apply(state, Create(new_obj))
                if not resp.ok:
                    return None
                continue
            raw = live.metadata.annotation(du.LAST_APPLIED_CONFIG_ANNOTATION)
            last = json.loads(raw) if raw else initial.get(ref)
            merged = _three_way(live, obj, body, last)
            nxt = _patch(state, merged)
            if nxt is None:
                return None
            state = nxt
        return state

    return Event("apply", run, f"kubectl apply -f {file}" if file else "kubectl apply",
                 mentions=_mentions(objects))


def _mentions(objects: Iterable[Any]) -> tuple[str, ...]:
    from kmodel.cluster import _strings

    out: set[str] = set()
    for obj in objects:
        _strings(getattr(obj, "spec", None), out)
    return tuple(sorted(out))


# -- scenario glue ------------------------------------------------------------------------------
def check_event(kind: str, body: dict[str, Any], fail: Callable[[str, str], Exception], path: str) -> None:
    """Validate one scenario event of a kind in :data:`EVENT_FIELDS`; ``fail(message, field)``
    builds the error to raise (naming file, line, document and field)."""
    where = f"{path}.{kind}"
    for key in body:
        if key not in EVENT_FIELDS[kind]:
            raise fail(f"unknown field {key!r} (known: {', '.join(EVENT_FIELDS[kind])})", f"{where}.{key}")
    if kind == "apply":
        if not isinstance(body.get("file"), str) or not body["file"]:
            raise fail("apply needs a file (a path relative to the scenario's file)", f"{where}.file")
        return
    if not isinstance(body.get("name"), str) or not body["name"]:
        raise fail(f"{kind} needs a name", f"{where}.name")
    if "namespace" in body and not isinstance(body["namespace"], str):
        raise fail("expected a string", f"{where}.namespace")
    allowed = _TEMPLATED if kind == "setImage" else ("Deployment",)
    if body.get("kind", "Deployment") not in allowed:
        raise fail(f"{kind} takes kind {' or '.join(allowed)}", f"{where}.kind")
    if kind == "setImage":
        for key in ("container", "image"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise fail(f"setImage needs a {key}", f"{where}.{key}")
    if kind == "rollback":
        rev = body.get("toRevision", 0)
        if isinstance(rev, bool) or not isinstance(rev, int) or rev < 0:
            raise fail(f"expected a non-negative integer, got {rev!r}", f"{where}.toRevision")


def event_from_scenario(kind: str, body: dict[str, Any], *, base_dir: str,
                        initial_bodies: dict[ObjectRef, dict[str, Any]] | None = None,
                        load_file: Callable[[str], Any] | None = None) -> Event:
    """The :class:`Event` for a checked scenario event; ``apply`` files are read relative to
    ``base_dir`` with ``load_file`` (default :func:`kmodel.manifests.load`)."""
    ns = body.get("namespace", "default")
    if kind == "setImage":
        return set_image(ns, body["name"], body["container"], body["image"], kind=body.get("kind", "Deployment"))
    if kind == "rollback":
        return rollout_undo(ns, body["name"], body.get("toRevision", 0))
    if kind == "pause":
        return rollout_pause(ns, body["name"])
    if kind == "resume":
        return rollout_resume(ns, body["name"])
    if kind == "apply":
        from kmodel.manifests import load

        path = os.path.join(base_dir, body["file"])
        loaded = (load_file or load)([path])
        objects, bodies = _objects_with_bodies(loaded)
        return apply_manifests(objects, bodies, file=body["file"], initial_bodies=initial_bodies)
    raise KeyError(kind)


def _objects_with_bodies(loaded: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    docs = {(d.kind, d.namespace, d.name): d for d in loaded.documents}
    objects, bodies = [], []
    for obj in loaded.objects:
        ns = obj.metadata.namespace or ("" if obj.kind in CLUSTER_SCOPED_KINDS else "default")
        doc = docs.get((obj.kind, ns, obj.metadata.name))
        objects.append(obj)
        bodies.append(doc.get("") if doc is not None else {})
    return objects, bodies


def initial_bodies(loaded: Any) -> dict[ObjectRef, dict[str, Any]]:
    """The spec's manifests as written, by the reference their objects get on admission."""
    out = {}
    for d in loaded.documents:
        if d.kind in _TEMPLATED:
            out[ObjectRef(d.kind, d.namespace, d.name)] = d.get("")
    return out


def apply_files(files: Iterable[str]) -> set[str]:
    """The files ``apply`` events of the Scenarios among ``files`` read (absolute paths): edits
    to make later, not objects of the initial state. Unreadable or broken files are skipped here
    (the loader reports them)."""
    import yaml

    out = set()
    for file in files:
        if file == "-":
            continue
        try:
            with open(file, encoding="utf-8") as fh:
                text = fh.read()
            if "Scenario" not in text:  # no Scenario here: skip parsing (kmodel check reads 1,000s of files)
                continue
            docs = list(yaml.safe_load_all(text))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") != "Scenario":
                continue
            events = (doc.get("spec") or {}).get("events") if isinstance(doc.get("spec"), dict) else None
            for ev in events if isinstance(events, list) else ():
                body = ev.get("apply") if isinstance(ev, dict) else None
                if isinstance(body, dict) and isinstance(body.get("file"), str):
                    out.add(os.path.abspath(os.path.join(os.path.dirname(file), body["file"])))
    return out
