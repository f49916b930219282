"""Scenario files: what to explore, with which faults, events, bounds and properties.

A spec is a folder (or file) of manifests plus at most one object::

    apiVersion: kmodel.dev/v1alpha1
    kind: Scenario
    metadata:
      name: cache-node-crash
    spec:
      controllers: [replicaset-controller, garbage-collector, scheduler, kubelet]  # default: all
      faults:
        nodeFailures: 1          # at most one node crash (crashed nodes recover: fair)
        podCrashes: 1            # at most one container crash
        # also: nodeLosses, partitions, controlPlanePartitions, zoneOutages, zoneLosses,
        # probeFailures, volumeLosses, staleViews, kubeletRestarts, proxyLags (kmodel.faults);
        # informerLag, informerLagPastExpiry (kmodel.informer)
      events:                    # user edits, in order, each enabled any time after the previous
        - scale: {kind: ReplicaSet, name: cache, replicas: 5}
        # setImage, rollback, pause, resume, apply: kubectl's edits (see kmodel.kubectl);
        # drain: {node: worker-a, force: false}: kubectl drain (see kmodel.drain);
        # delete: {kind: ServiceAccount, name: build}: kubectl delete (see kmodel.kubectl_delete);
        # `apply` files are read relative to this file and are not initial objects;
        # cpuUtilization: {name: web, percent: 90} changes the load (kmodel.metrics)
      cpuUtilization: [{name: web, percent: 40}]   # the load at the start (kmodel.metrics)
      bounds:
        maxDepth: 40
        maxStates: 200000
      properties: [type-ok, no-overcommit, replicas-bounded, pods-schedulable, eventually-stable]
      expect:                    # optional: the verdict each property should get
        eventually-stable: holds

Without a Scenario object, every built-in controller and property is used, with no faults,
events or bounds. Unknown fields are errors (a misspelt ``nodeFailure`` must not silently mean
zero faults).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from kmodel import drain as _drain
from kmodel import kubectl as _kubectl
from kmodel import metrics as _load
from kmodel import properties as _properties
from kmodel import rollout as _rollout
from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel, Event, Faults, scale
from kmodel.errors import InvalidManifest
from kmodel.manifests import LoadResult, Source, load

__all__ = ["Scenario", "load_spec", "Spec", "EVENT_KINDS"]

API_VERSION = "kmodel.dev/v1alpha1"
VERDICTS = ("holds", "violated", "incomplete")
EVENT_KINDS = ("scale", "setImage", "rollback", "pause", "resume", "apply", "drain", "cpuUtilization", "delete")


@dataclass(frozen=True)
class Scenario:
    """The parsed ``kind: Scenario`` object."""

    name: str = "default"
    controllers: tuple[str, ...] = tuple(c.name for c in DEFAULT_CONTROLLERS)
    faults: Faults = Faults()
    events: tuple[dict[str, Any], ...] = ()
    max_depth: int | None = None
    max_states: int | None = None
    properties: tuple[str, ...] = _properties.DEFAULT_IDS
    expect: dict[str, str] = field(default_factory=dict)
    new_namespaces: tuple[str, ...] = ()  # spec.newNamespaces: created just now (kmodel.cluster)
    source: Source | None = None
    model: Any = None  # spec.model: a numeric model checked instead of a cluster (kmodel.smt.scenario)
    cpu_utilization: tuple[tuple[str, int], ...] = ()  # spec.cpuUtilization: the load at the start (kmodel.metrics)


@dataclass(frozen=True)
class Spec:
    """A loaded spec: its objects, its scenario, and the model built from them."""

    paths: tuple[str, ...]
    loaded: LoadResult
    scenario: Scenario
    model: ClusterModel


def _err(message: str, source: Source, fieldpath: str) -> InvalidManifest:
    return InvalidManifest(message, file=source.file, line=source.line, document=source.document,
                           field=fieldpath)


def _mapping(value: Any, source: Source, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _err(f"expected a mapping, got {type(value).__name__}", source, path)
    return value


def _known(value: dict[str, Any], allowed: Sequence[str], source: Source, path: str) -> None:
    for key in value:
        if key not in allowed:
            raise _err(f"unknown field {key!r} (known: {', '.join(allowed)})", source,
                       f"{path}.{key}" if path else key)


def _count(value: Any, source: Source, path: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _err(f"expected a non-negative integer, got {value!r}", source, path)
    return value


#: ``spec.faults`` keys and the :class:`kmodel.cluster.Faults` fields they set (:mod:`kmodel.faults`).
_FAULT_FIELDS = {"nodeFailures": "node_failures", "podCrashes": "pod_crashes", "nodeLosses": "node_losses",
                 "partitions": "partitions", "controlPlanePartitions": "control_plane_partitions",
                 "zoneOutages": "zone_outages", "zoneLosses": "zone_losses", "probeFailures": "probe_failures",
                 "informerLag": "informer_lag", "informerLagPastExpiry": "informer_lag_past_expiry",  # kmodel.informer
                 "volumeLosses": "volume_losses", "staleViews": "stale_views", "kubeletRestarts": "kubelet_restarts",
                 "proxyLags": "proxy_lags"}


def parse_scenario(doc: dict[str, Any], source: Source) -> Scenario:
    """Parse one ``kind: Scenario`` document."""
    _known(doc, ("apiVersion", "kind", "metadata", "spec"), source, "")
    meta = _mapping(doc.get("metadata"), source, "metadata")
    spec = _mapping(doc.get("spec"), source, "spec")
    _known(spec, ("controllers", "faults", "events", "bounds", "properties", "expect", "newNamespaces", "model",
                  "cpuUtilization"),
           source, "spec")
    if "model" in spec:  # a numeric model instead of a cluster
        from kmodel.smt.scenario import parse_numeric

        return parse_numeric(doc, source, Scenario)
    new_namespaces = spec.get("newNamespaces", []) or []
    if not isinstance(new_namespaces, list) or not all(isinstance(n, str) for n in new_namespaces):
        raise _err("expected a list of namespace names", source, "spec.newNamespaces")
    known_controllers = [c.name for c in DEFAULT_CONTROLLERS]
    controllers = spec.get("controllers", known_controllers)
    if not isinstance(controllers, list) or not all(isinstance(c, str) for c in controllers):
        raise _err("expected a list of controller names", source, "spec.controllers")
    for i, c in enumerate(controllers):
        if c not in known_controllers:
            raise _err(f"unknown controller {c!r} (known: {', '.join(known_controllers)})", source,
                       f"spec.controllers[{i}]")
    faults = _mapping(spec.get("faults"), source, "spec.faults")
    _known(faults, tuple(_FAULT_FIELDS), source, "spec.faults")
    fault_budget = Faults(**{attr: _count(faults.get(key, 0), source, f"spec.faults.{key}") or 0
                             for key, attr in _FAULT_FIELDS.items()})
    if fault_budget.informer_lag_past_expiry and not fault_budget.informer_lag:  # kmodel.informer
        raise _err("informerLagPastExpiry needs informerLag: without a lagging informer no expectation is "
                   "ever pending, so the expiry could never fire", source, "spec.faults.informerLagPastExpiry")
    if fault_budget.proxy_lags and "kube-proxy" not in controllers:  # kmodel.agents.kubeproxy
        raise _err("proxyLags needs the kube-proxy controller in spec.controllers: without it a kube-proxy that "
                   "falls behind never catches up", source, "spec.faults.proxyLags")
    events = spec.get("events", []) or []
    if not isinstance(events, list):
        raise _err("expected a list of events", source, "spec.events")
    for i, ev in enumerate(events):
        path = f"spec.events[{i}]"
        if not isinstance(ev, dict) or len(ev) != 1:
            raise _err("each event is a mapping with one key, e.g. {scale: {kind: ReplicaSet, name: "
                       "web, replicas: 3}}", source, path)
        (kind, body), = ev.items()
        if kind not in EVENT_KINDS:
            raise _err(f"unknown event {kind!r} (known: {', '.join(EVENT_KINDS)})", source, path)
        body = _mapping(body, source, f"{path}.{kind}")
        if kind == "scale":
            _known(body, ("kind", "name", "namespace", "replicas"), source, f"{path}.scale")
            if body.get("kind", "ReplicaSet") not in ("ReplicaSet", "Deployment"):
                raise _err("scale takes kind ReplicaSet or Deployment", source, f"{path}.scale.kind")
            if not isinstance(body.get("name"), str):
                raise _err("scale needs a name", source, f"{path}.scale.name")
            _count(body.get("replicas"), source, f"{path}.scale.replicas")
        elif kind == "drain":  # kmodel.drain
            _drain.check_event(body, lambda msg, fieldpath: _err(msg, source, fieldpath), path)
        elif kind == "cpuUtilization":  # a change of load (kmodel.metrics)
            _load.check_load(body, lambda msg, fieldpath: _err(msg, source, fieldpath), f"{path}.{kind}")
        elif kind == "delete":  # kubectl delete (kmodel.kubectl_delete)
            from kmodel import kubectl_delete as _delete

            _delete.check_event(body, lambda msg, fieldpath: _err(msg, source, fieldpath), path)
        else:  # setImage, rollback, pause, resume, apply (kmodel.kubectl)
            _kubectl.check_event(kind, body, lambda msg, fieldpath: _err(msg, source, fieldpath), path)
    bounds = _mapping(spec.get("bounds"), source, "spec.bounds")
    _known(bounds, ("maxDepth", "maxStates"), source, "spec.bounds")
    max_depth = _count(bounds.get("maxDepth"), source, "spec.bounds.maxDepth", allow_none=True)
    max_states = _count(bounds.get("maxStates"), source, "spec.bounds.maxStates", allow_none=True)
    props = spec.get("properties", list(_properties.DEFAULT_IDS))
    if not isinstance(props, list):
        raise _err("expected a list of property ids", source, "spec.properties")
    for i, p in enumerate(props):
        if p not in _properties.BUILTIN_IDS:
            raise _err(f"unknown property {p!r} (known: {', '.join(_properties.BUILTIN_IDS)})", source,
                       f"spec.properties[{i}]")
    expect = _mapping(spec.get("expect"), source, "spec.expect")
    for name, verdict in expect.items():
        if name not in props:
            raise _err(f"expectation for {name!r}, which is not among spec.properties", source,
                       f"spec.expect.{name}")
        if verdict not in VERDICTS:
            raise _err(f"expected verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}",
                       source, f"spec.expect.{name}")
    return Scenario(
        name=str(meta.get("name", "scenario")),
        controllers=tuple(controllers),
        faults=fault_budget,
        events=tuple(events),
        max_depth=max_depth,
        max_states=max_states,
        properties=tuple(props),
        expect=dict(expect),
        source=source,
        new_namespaces=tuple(new_namespaces),
        cpu_utilization=tuple(sorted(_load.load_entries(
            spec.get("cpuUtilization"), lambda msg, fieldpath: _err(msg, source, fieldpath), "spec.cpuUtilization",
        ).items())),
    )


def _events(scenario: Scenario, loaded: LoadResult) -> tuple[Event, ...]:
    import os

    out = []
    for i, ev in enumerate(scenario.events):
        (kind, body), = ev.items()
        if kind == "scale":
            event = scale(body.get("kind", "ReplicaSet"), body.get("namespace", "default"), body["name"],
                          body["replicas"])
            out.append(event)
        elif kind == "drain":
            out.append(_drain.drain(body["node"], force=body.get("force", False)))
        elif kind == "cpuUtilization":
            out.append(_load.cpu_utilization_event(body.get("namespace", "default"), body["name"], body["percent"]))
        elif kind == "delete":  # kubectl delete (kmodel.kubectl_delete)
            from kmodel import kubectl_delete as _delete

            out.append(_delete.delete(body["kind"], body.get("namespace", "default"), body["name"]))
        else:
            source = scenario.source
            base = os.path.dirname(source.file) if source is not None and source.file != "-" else "."
            if kind == "apply" and not os.path.isfile(os.path.join(base, body["file"])):
                assert source is not None
                raise _err(f"file not found: {os.path.join(base, body['file'])}", source,
                           f"spec.events[{i}].apply.file")
            out.append(_kubectl.event_from_scenario(kind, body, base_dir=base,
                                                    initial_bodies=_kubectl.initial_bodies(loaded)))
    return tuple(out)


def load_spec(paths: Sequence[str], *, stdin: TextIO | None = None) -> Spec:
    """Load manifests and the scenario, and build the :class:`ClusterModel`.

    Raises
    ------
    InvalidManifest
        For bad manifests, a bad scenario, more than one scenario, or objects the API server
        rejects (naming the object's file and line).
    """
    loaded = load(_spec_files(paths), stdin=stdin)
    scenarios = []
    for source, doc in loaded.extras:
        if doc.get("kind") == "Scenario" and doc.get("apiVersion") == API_VERSION:
            scenarios.append(parse_scenario(doc, source))
        elif doc.get("kind") == "DiagramConfig":
            continue  # how `kmodel diagram` draws the spec (kmodel.render.config), not part of the model
        else:
            raise InvalidManifest(f"unknown kind {doc.get('kind')!r} in {doc.get('apiVersion')} "
                                  "(known: Scenario, DiagramConfig)", file=source.file, line=source.line,
                                  document=source.document, field="kind")
    if len(scenarios) > 1:
        second = scenarios[1].source
        assert second is not None
        raise InvalidManifest("more than one Scenario in a spec", file=second.file, line=second.line,
                              document=second.document)
    scenario = scenarios[0] if scenarios else Scenario()
    if scenario.model is not None:
        from kmodel.smt.scenario import numeric_spec

        return numeric_spec(paths, loaded, scenario, Spec)
    controllers = tuple(c for c in DEFAULT_CONTROLLERS if c.name in scenario.controllers)
    try:
        model = ClusterModel(
            _with_namespaces(loaded),
            controllers=controllers,
            faults=scenario.faults,
            events=(events := _events(scenario, loaded)),
            properties=_rollout.bind_events(_properties.by_id(scenario.properties), events),
            new_namespaces=scenario.new_namespaces,
            cpu_utilization=dict(scenario.cpu_utilization),
        )
    except Exception as exc:  # the API server rejected an object: say which and where
        from kmodel.errors import InvalidModel

        if not isinstance(exc, InvalidModel):
            raise
        src = loaded.sources.get(getattr(exc, "ref", None))
        if src is None:
            raise InvalidManifest(str(exc), file=paths[0]) from None
        # A 422 names the field ("spec.ports[0].nodePort: Invalid value: ..."): point at its line.
        match = re.search(r": ((?:spec|metadata)(?:\.[A-Za-z]+|\[\d+\])+): Invalid value", str(exc))
        doc = next((d for d in loaded.documents if d.source == src), None)
        fieldpath = match.group(1) if match else None
        line = doc.line(fieldpath) if doc is not None and fieldpath else src.line
        raise InvalidManifest(str(exc), file=src.file, line=line, document=src.document, field=fieldpath) from None
    return Spec(tuple(paths), loaded, scenario, model)


#: Files in a spec folder that are about the spec, not manifests.
SPEC_METADATA_FILES = frozenset({"expected.json", "schedule.json"})


def _spec_files(paths: Sequence[str]) -> list[str]:
    """Directories expanded as the loader does, minus the spec's own metadata files."""
    import os

    from kmodel.manifests import _walk

    out: list[str] = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            found = [f for f in _walk(path) if os.path.basename(f) not in SPEC_METADATA_FILES]
            edits = _kubectl.apply_files(found)  # files `apply` events read are edits, not objects
            out.extend(f for f in found if os.path.abspath(f) not in edits)
        else:
            out.append(path)
    return out


def _with_namespaces(loaded: LoadResult) -> list[Any]:
    """The objects plus every namespace they use that the input does not define (assumed to
    exist, as ``default`` does on every cluster)."""
    from kmodel.objects.meta import Namespace, ObjectMeta

    objects = list(loaded.objects)
    have = {o.metadata.name for o in objects if o.kind == "Namespace"}
    used = {"default"}
    for o in objects:
        if o.kind not in ("Namespace", "Node"):
            used.add(o.metadata.namespace or "default")
    for name in sorted(used - have):
        objects.append(Namespace(ObjectMeta(name)))
    return objects
