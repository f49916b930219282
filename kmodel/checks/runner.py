"""What ``kmodel check`` does between reading the inputs and writing the reports.

Inputs: manifests (files, directories, ``-``), Node objects (``kubectl get nodes -o yaml``) or a
``NodePool`` shorthand in kmodel's own group::

    apiVersion: kmodel.dev/v1alpha1
    kind: NodePool
    metadata: {name: workers}
    spec: {count: 3, cpu: "4", memory: 16Gi, pods: 110, zones: [eu-west-1a, eu-west-1b, eu-west-1c],
           labels: {node.kubernetes.io/instance-type: m6i.xlarge}, taints: []}

(``count`` nodes named ``<name>-1`` ... spread round-robin over ``zones``), an assumptions file
(``--assume``: objects that exist outside the input, written as manifests; only kind, name and
namespace are read, a namespace of ``"*"`` means every namespace), and a config file
(``--config``, else ``.kmodel.yaml`` in the working directory, else in the first input
directory that has one; the config and assumption files are not read as manifests)::

    select: [service-selects-nothing, ...]     # default: every check
    ignore: [pdb-selects-nothing]
    severity: {networkpolicy-selects-nothing: error}
    failOn: error                              # or warning
    assume: [cluster-assumptions.yaml]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import yaml

from kmodel.checks import Check, Finding, Inventory, SEVERITIES, check_by_id, run_checks
from kmodel.errors import InvalidManifest
from kmodel.manifests import Document, LoadResult, Source, load
from kmodel.objects.meta import ObjectMeta
from kmodel.objects.nodes import HOSTNAME_LABEL, ZONE_LABEL, Node, NodeStatus, Taint
from kmodel.objects.quantity import quantity_from_yaml

__all__ = ["CheckRun", "Config", "load_config", "run"]

CONFIG_FILE = ".kmodel.yaml"
_CONFIG_KEYS = ("select", "ignore", "severity", "failOn", "assume")


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str = "error"
    assume: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckRun:
    findings: list[Finding]
    checks: list[Check]
    inventory: Inventory
    notes: list[str]

    def failed(self, fail_on: str) -> bool:
        levels = ("error",) if fail_on == "error" else ("error", "warning")
        return any(f.severity in levels for f in self.findings)


def find_config(paths: Sequence[str]) -> str | None:
    """``.kmodel.yaml`` in the working directory, else in the first input directory that has one."""
    for directory in ["."] + [p for p in paths if p != "-" and os.path.isdir(p)]:
        candidate = os.path.join(directory, CONFIG_FILE)
        if os.path.exists(candidate):
            return os.path.normpath(candidate)
    return None


def load_config(path: str | None) -> Config:
    """Read the config at ``path`` (``None``: no config); unknown keys and ids are errors."""
    if path is None:
        return Config()
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except OSError as exc:
        raise InvalidManifest(f"cannot read config: {exc.strerror or exc}", file=path) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise InvalidManifest(f"invalid YAML: {exc}", file=path, line=None if line is None else line + 1) from None
    if not isinstance(data, dict):
        raise InvalidManifest("the config must be a mapping", file=path)
    known = check_by_id()
    for key in data:
        if key not in _CONFIG_KEYS:
            raise InvalidManifest(f"unknown key {key!r} (known: {', '.join(_CONFIG_KEYS)})", file=path, field=key)
    for key in ("select", "ignore"):
        for i in data.get(key) or []:
            if i not in known:
                raise InvalidManifest(f"unknown check id {i!r}", file=path, field=key)
    severity = data.get("severity") or {}
    for i, sev in severity.items():
        if i not in known or sev not in SEVERITIES:
            raise InvalidManifest(f"severity {i}: {sev!r} (ids: known checks; levels: {', '.join(SEVERITIES)})",
                                  file=path, field=f"severity.{i}")
    fail_on = data.get("failOn", "error")
    if fail_on not in SEVERITIES:
        raise InvalidManifest(f"failOn must be one of {', '.join(SEVERITIES)}", file=path, field="failOn")
    base = os.path.dirname(path)
    return Config(
        select=tuple(data["select"]) if data.get("select") is not None else None,
        ignore=tuple(data.get("ignore") or ()),
        severity=dict(severity),
        fail_on=fail_on,
        assume=tuple(os.path.join(base, p) for p in data.get("assume") or ()),
    )


def _node_pool(source: Source, doc: dict[str, Any]) -> list[Node]:
    def fail(message: str, fieldpath: str) -> InvalidManifest:
        return InvalidManifest(message, file=source.file, line=source.line, document=source.document, field=fieldpath)

    name = (doc.get("metadata") or {}).get("name")
    spec = doc.get("spec") or {}
    if not isinstance(name, str) or not name:
        raise fail("a NodePool needs metadata.name", "metadata.name")
    allowed = ("count", "cpu", "memory", "pods", "zones", "labels", "taints")
    for key in spec:
        if key not in allowed:
            raise fail(f"unknown field {key!r} (known: {', '.join(allowed)})", f"spec.{key}")
    count = spec.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise fail("count must be a positive integer", "spec.count")
    resources = []
    for key, unit in (("cpu", "cpu"), ("memory", "memory")):
        if key not in spec:
            raise fail(f"{key} is required", f"spec.{key}")
        try:
            q = quantity_from_yaml(spec[key])
        except ValueError as exc:
            raise fail(str(exc), f"spec.{key}") from None
        resources.append((unit, q.milli_value() if unit == "cpu" else q.value()))
    pods = spec.get("pods", 110)
    if isinstance(pods, bool) or not isinstance(pods, int) or pods < 1:
        raise fail("pods must be a positive integer", "spec.pods")
    resources.append(("pods", pods))
    zones = spec.get("zones") or []
    labels = spec.get("labels") or {}
    taints = []
    for i, t in enumerate(spec.get("taints") or []):
        if not isinstance(t, dict) or t.get("effect") not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise fail("a taint needs key and effect NoSchedule, PreferNoSchedule or NoExecute", f"spec.taints[{i}]")
        taints.append(Taint(str(t.get("key", "")), t["effect"], str(t.get("value", ""))))
    alloc = tuple(sorted(resources))
    nodes = []
    for i in range(count):
        node_name = f"{name}-{i + 1}"
        node_labels = {**{str(k): str(v) for k, v in labels.items()}, HOSTNAME_LABEL: node_name}
        if zones:
            node_labels[ZONE_LABEL] = str(zones[i % len(zones)])
        from kmodel.objects.nodes import NodeSpec
        nodes.append(Node(ObjectMeta(node_name, labels=tuple(sorted(node_labels.items()))),
                          spec=NodeSpec(taints=tuple(taints)), status=NodeStatus(capacity=alloc, allocatable=alloc)))
    return nodes


_HELM_SOURCE = "# Source: "


def _helm_sources(findings: list[Finding], *, stdin_text: str | None) -> list[Finding]:
    """Map findings in ``helm template`` output back to the chart's template files.

    Helm writes ``# Source: chart/templates/x.yaml`` above each rendered document; a finding in
    such a document is reported at that template path, with its line counted from the comment
    (the line within the rendered template: template expressions may shift it from the source
    line), and the rendered file and line kept in the message.
    """
    cache: dict[str, list[tuple[int, str]]] = {}
    out = []
    for f in findings:
        if not f.file or f.file == "-" or f.line is None:
            out.append(f)
            continue
        if f.file not in cache:
            marks = []
            try:
                with open(f.file, encoding="utf-8-sig") as fh:
                    for n, line in enumerate(fh, 1):
                        if line.startswith(_HELM_SOURCE):
                            marks.append((n, line[len(_HELM_SOURCE):].strip()))
            except OSError:
                pass
            cache[f.file] = marks
        mark = None
        for n, template in cache[f.file]:
            if n < f.line:
                mark = (n, template)
        if mark is None:
            out.append(f)
            continue
        n, template = mark
        out.append(Finding(f.check, f.severity, f.object, template, f.line - n,
                           f"{f.message} (helm template output {f.file}:{f.line})", f.field, f.trace))
    return sorted(out, key=Finding.sort_key)


def run(paths: Sequence[str], *, config: Config, select: Sequence[str] | None = None, ignore: Sequence[str] = (),
        assume: Sequence[str] = (), stdin: TextIO | None = None) -> CheckRun:
    """Load the inputs, run the checks, collect notes on what could not be checked."""
    from kmodel.scenario import _spec_files

    own = {os.path.abspath(p) for p in tuple(config.assume) + tuple(assume)}
    files = [f for f in _spec_files(paths)
             if f == "-" or (os.path.abspath(f) not in own and os.path.basename(f) != CONFIG_FILE)]
    loaded = load(files, stdin=stdin)
    notes = []
    extra_nodes: list[Node] = []
    for source, doc in loaded.extras:
        if doc.get("kind") == "NodePool":
            extra_nodes.extend(_node_pool(source, doc))
        elif doc.get("kind") in ("Scenario", "DiagramConfig"):
            continue  # specs may be checked too; the scenario is for `kmodel explore`, the config for `kmodel diagram`
        else:
            raise InvalidManifest(f"unknown kmodel kind {doc.get('kind')!r} (known: NodePool, Scenario, DiagramConfig)",
                                  file=source.file, line=source.line, document=source.document, field="kind")
    if extra_nodes:
        loaded = LoadResult(loaded.objects + tuple(extra_nodes), loaded.sources, loaded.skipped, loaded.extras,
                            loaded.documents)
    assumed: list[Document] = []
    for path in tuple(config.assume) + tuple(assume):
        assumed.extend(load([path], read_objects=False).documents)
    inventory = Inventory(loaded.documents, loaded, tuple(assumed))
    chosen_select = tuple(select) if select else config.select
    chosen_ignore = tuple(ignore) + config.ignore
    findings = _helm_sources(run_checks(inventory, select=chosen_select, ignore=chosen_ignore,
                                        severity=config.severity), stdin_text=None)
    known = check_by_id()
    checks = [c for c in known.values() if (chosen_select is None or c.id in chosen_select) and c.id not in chosen_ignore]
    from kmodel.checks.capacity import capacity_notes

    notes += capacity_notes(inventory)
    from kmodel.checks.dynamics import dynamics_notes

    notes += dynamics_notes(inventory)
    if not any(o.kind == "Node" for o in loaded.objects) and any(c.engine.startswith(("scheduler", "z3"))
                                                                 for c in checks):
        notes.append("no Node objects or NodePool in the input: scheduling checks had nothing to check against "
                     "(add `kubectl get nodes -o yaml` output or a kmodel.dev/v1alpha1 NodePool)")
    return CheckRun(findings, checks, inventory, notes)
