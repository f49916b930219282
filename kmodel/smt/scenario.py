"""Scenarios that name a numeric model instead of a cluster: ``spec.model``.

A spec folder may hold, instead of manifests, one Scenario whose ``spec.model`` names a numeric
model of :mod:`kmodel.smt.models` and its parameters; ``kmodel explore`` then checks that model
(with ``--strategy bfs``, ``dfs``, ``simulate`` or ``smt``)::

    apiVersion: kmodel.dev/v1alpha1
    kind: Scenario
    metadata: {name: replicaset-expectations-expiry}
    spec:
      model:
        name: replicaset-expectations
        params: {replicas: [1, 3], slowInformer: 1, burst: 2}   # a number, [lo, hi], or any
      bounds: {maxDepth: 6}
      properties: [replicas-bounded]                           # default: all of the model's
      expect: {replicas-bounded: violated}

Parameter names are the model's, in camelCase or snake_case; a maxSurge/maxUnavailable-style
parameter also takes ``"25%"``. ``controllers``, ``faults``, ``events`` and ``newNamespaces`` do
not apply to a numeric model and are errors, as are manifests beside it. This module imports no
solver.

Examples
--------
>>> from kmodel.manifests import Source
>>> from kmodel.scenario import Scenario
>>> doc = {"apiVersion": "kmodel.dev/v1alpha1", "kind": "Scenario", "metadata": {"name": "x"},
...        "spec": {"model": {"name": "replicaset-expectations", "params": {"replicas": [1, 2]}}}}
>>> sc = parse_numeric(doc, Source("s.yaml", 1, 1), Scenario)
>>> sc.model
ReplicaSetExpectations(replicas=(1, 2), burst=500, slow_informer=0, api_errors=0, max_losses=0)
>>> sc.properties
('type-ok', 'replicas-bounded', 'reaches-replicas', 'converges')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kmodel.errors import InvalidArgument, InvalidManifest

__all__ = ["parse_numeric", "numeric_spec"]

_VERDICTS = ("holds", "violated", "incomplete")
_NOT_FOR_MODELS = ("controllers", "faults", "events", "newNamespaces")


def _err(message: str, source: Any, fieldpath: str) -> InvalidManifest:
    return InvalidManifest(message, file=source.file, line=source.line, document=source.document, field=fieldpath)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _value(raw: Any, source: Any, path: str) -> Any:
    if raw == "any":
        return None
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"[0-9]+%", raw):
        return raw
    if isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in raw):
        return (raw[0], raw[1])
    raise _err(f"expected a number, [lo, hi], 'N%' or any, got {raw!r}", source, path)


def parse_numeric(doc: dict[str, Any], source: Any, scenario_cls: Any) -> Any:
    """Parse a ``kind: Scenario`` with ``spec.model`` into ``scenario_cls`` (its ``model`` set)."""
    from kmodel.smt.models import MODELS

    meta = doc.get("metadata") or {}
    spec = doc.get("spec") or {}
    for key in _NOT_FOR_MODELS:
        if key in spec:
            raise _err(f"{key!r} does not apply to a numeric model (spec.model): its steps are the model's",
                       source, f"spec.{key}")
    model_doc = spec.get("model")
    if not isinstance(model_doc, dict):
        raise _err("expected a mapping {name: ..., params: {...}}", source, "spec.model")
    for key in model_doc:
        if key not in ("name", "params", "options"):
            raise _err(f"unknown field {key!r} (known: name, params, options)", source, f"spec.model.{key}")
    name = model_doc.get("name")
    if name not in MODELS:
        raise _err(f"unknown model {name!r} (known: {', '.join(sorted(MODELS))})", source, "spec.model.name")
    cls = MODELS[name]
    kwargs: dict[str, Any] = {}
    for group in ("params", "options"):
        raw = model_doc.get(group) or {}
        if not isinstance(raw, dict):
            raise _err("expected a mapping", source, f"spec.model.{group}")
        for key, value in raw.items():
            kwargs[_snake(str(key))] = _value(value, source, f"spec.model.{group}.{key}")
    try:
        model = cls(**kwargs)
    except (InvalidArgument, TypeError) as exc:
        raise _err(str(exc), source, "spec.model.params") from None
    names = [f.name for f in model.all_formulas()]
    props = spec.get("properties", names)
    if not isinstance(props, list) or not all(isinstance(p, str) for p in props):
        raise _err("expected a list of property names", source, "spec.properties")
    for i, p in enumerate(props):
        if p not in names:
            raise _err(f"unknown property {p!r} of {name} (known: {', '.join(names)})", source, f"spec.properties[{i}]")
    bounds = spec.get("bounds") or {}
    if not isinstance(bounds, dict):
        raise _err("expected a mapping", source, "spec.bounds")
    for key in bounds:
        if key not in ("maxDepth", "maxStates"):
            raise _err(f"unknown field {key!r} (known: maxDepth, maxStates)", source, f"spec.bounds.{key}")
    limits = {}
    for key in ("maxDepth", "maxStates"):
        v = bounds.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise _err(f"expected a non-negative integer, got {v!r}", source, f"spec.bounds.{key}")
        limits[key] = v
    expect = spec.get("expect") or {}
    if not isinstance(expect, dict):
        raise _err("expected a mapping", source, "spec.expect")
    for p, verdict in expect.items():
        if p not in props:
            raise _err(f"expectation for {p!r}, which is not among spec.properties", source, f"spec.expect.{p}")
        if verdict not in _VERDICTS:
            raise _err(f"expected verdict must be one of {', '.join(_VERDICTS)}, got {verdict!r}", source,
                       f"spec.expect.{p}")
    selected = model.select(props)
    return scenario_cls(name=str(meta.get("name", name)), controllers=(), max_depth=limits["maxDepth"],
                        max_states=limits["maxStates"], properties=tuple(props), expect=dict(expect),
                        source=source, model=selected)


def numeric_spec(paths: Sequence[str], loaded: Any, scenario: Any, spec_cls: Any) -> Any:
    """The :class:`kmodel.scenario.Spec` of a numeric-model scenario (no manifests allowed beside it)."""
    if loaded.objects:
        first = loaded.objects[0]
        src = loaded.sources.get(first.ref) if hasattr(first, "ref") else None
        where = src or scenario.source
        raise InvalidManifest(f"a Scenario with spec.model checks a numeric model; {first.kind} "
                              f"{first.metadata.name!r} has no place in it (put manifests in another spec)",
                              file=where.file, line=where.line, document=where.document)
    return spec_cls(tuple(paths), loaded, scenario, scenario.model)
