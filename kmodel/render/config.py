"""Diagram settings, written as YAML (no code): ``kmodel diagram --config FILE``.

::

    apiVersion: kmodel.dev/v1alpha1
    kind: DiagramConfig
    metadata: {name: shop}
    spec:
      title: Shop on EKS                      # default: the inputs' names
      groupBy: [namespace, app.kubernetes.io/part-of, "app.kubernetes.io/name|app"]
      namespaces: [shop]                      # draw only these (default: all)
      collapse: true                          # replicas as ×N, identical namespaces drawn once
      zoneLabel: topology.kubernetes.io/zone  # node label of its availability zone
      subnetLabel: ""                         # node label naming its subnet, if nodes carry one
      vpc: "VPC shop (10.0.0.0/16)"           # a box around the zones
      subnets:                                # the cluster file: subnets per zone
        - {name: public-a, zone: eu-west-1a, public: true, cidr: 10.0.0.0/24, hosts: [bastion]}
        - {name: private-a, zone: eu-west-1a, cidr: 10.0.16.0/20, nodeSelector: {role: worker}}
      maxChanges: 10                          # trace view: changes listed per step
      views: [architecture, workload, traffic] # what to draw of these inputs (diagrams/regenerate.py)

**Where it is read from.** ``--config FILE`` names one; without it, a document of kind
``DiagramConfig`` among the inputs is used (typically ``diagram.yaml`` in a spec folder, beside
the manifests and the Scenario: :func:`find_config`). The loaders of ``kmodel check`` and
``kmodel explore`` pass over it, and it is only ever parsed as data, never executed. Two in the
same inputs are an error. ``--config`` wins over one in the inputs. ``views`` lists the views
the inputs are meant to be drawn in: ``kmodel diagram`` without ``--view`` draws the first, and
``diagrams/regenerate.py`` draws exactly those for a bundled spec.

``groupBy`` lists the levels of boxes in the workload view: ``namespace`` or a label key; a
level ``a|b`` takes label ``a``, else ``b``; an object without the label skips that level. A
worker node goes into the subnet named by its ``subnetLabel`` label, else into the first private
subnet of its zone whose ``nodeSelector`` matches its labels. Load balancers and ``hosts`` go in
the public subnets. Every error names the file, the line, the document and the field.

Examples
--------
>>> import io
>>> cfg = parse_config(io.StringIO("apiVersion: kmodel.dev/v1alpha1\\nkind: DiagramConfig\\n"
...                                "spec:\\n  groupBy: [namespace]\\n  collapse: false\\n"), "cfg.yaml")
>>> cfg.group_by, cfg.collapse
(('namespace',), False)
>>> try:
...     parse_config(io.StringIO("apiVersion: kmodel.dev/v1alpha1\\nkind: DiagramConfig\\nspec:\\n  colapse: 1\\n"), "c.yaml")
... except Exception as err:
...     print(err)
c.yaml:4: document 1: spec.colapse: unknown field 'colapse' (known: title, groupBy, namespaces, collapse, zoneLabel, subnetLabel, vpc, subnets, maxChanges, views)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any, TextIO

import yaml
from yaml.nodes import MappingNode, Node as YamlNode, ScalarNode, SequenceNode

from kmodel.errors import InvalidManifest
from kmodel.objects.nodes import ZONE_LABEL

__all__ = ["DiagramConfig", "Subnet", "parse_config", "load_config", "find_config", "DEFAULT_GROUP_BY", "KIND"]

DEFAULT_GROUP_BY = ("namespace", "app.kubernetes.io/part-of", "app.kubernetes.io/name|app")
_API_VERSION = "kmodel.dev/v1alpha1"
_SPEC_FIELDS = ("title", "groupBy", "namespaces", "collapse", "zoneLabel", "subnetLabel", "vpc", "subnets",
                "maxChanges", "views")
KIND = "DiagramConfig"
#: The views a config may list (those of ``kmodel diagram --view``).
_VIEWS = ("architecture", "workload", "traffic", "trace", "states")
_SUBNET_FIELDS = ("name", "zone", "public", "cidr", "nodeSelector", "hosts")


@dataclass(frozen=True)
class Subnet:
    name: str
    zone: str = ""
    public: bool = False
    cidr: str = ""
    node_selector: tuple[tuple[str, str], ...] = ()
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiagramConfig:
    title: str = ""
    group_by: tuple[str, ...] = DEFAULT_GROUP_BY
    namespaces: tuple[str, ...] = ()
    collapse: bool = True
    zone_label: str = ZONE_LABEL
    subnet_label: str = ""
    vpc: str = ""
    subnets: tuple[Subnet, ...] = ()
    max_changes: int = 10
    views: tuple[str, ...] = ()
    source: str = field(default="", compare=False)


class _Doc:
    """A composed YAML document with the location of every field, for errors."""

    def __init__(self, root: YamlNode, file: str, document: int) -> None:
        self.root, self.file, self.document = root, file, document

    def fail(self, message: str, node: YamlNode, path: str) -> InvalidManifest:
        return InvalidManifest(message, file=self.file, line=node.start_mark.line + 1, document=self.document,
                               field=path or None)

    def items(self, node: YamlNode, path: str) -> list[tuple[str, YamlNode, YamlNode]]:
        if not isinstance(node, MappingNode):
            raise self.fail("expected a mapping", node, path)
        return [(str(k.value), k, v) for k, v in node.value]

    def scalar(self, node: YamlNode, path: str, kind: type) -> Any:
        if not isinstance(node, ScalarNode):
            raise self.fail(f"expected a {kind.__name__}", node, path)
        value = yaml.safe_load(yaml.serialize(node))
        if kind is str and value is None:
            return ""
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(f"expected an integer, got {value!r}", node, path)
        if kind is bool and not isinstance(value, bool):
            raise self.fail(f"expected true or false, got {value!r}", node, path)
        if kind is str and not isinstance(value, str):
            raise self.fail(f"expected a string, got {value!r}; quote it", node, path)
        return value

    def strings(self, node: YamlNode, path: str) -> tuple[str, ...]:
        if not isinstance(node, SequenceNode):
            raise self.fail("expected a list of strings", node, path)
        return tuple(self.scalar(item, f"{path}[{i}]", str) for i, item in enumerate(node.value))


def _subnet(doc: _Doc, node: YamlNode, path: str) -> Subnet:
    values: dict[str, Any] = {}
    for key, knode, vnode in doc.items(node, path):
        fpath = f"{path}.{key}"
        if key not in _SUBNET_FIELDS:
            raise doc.fail(f"unknown field {key!r} (known: {', '.join(_SUBNET_FIELDS)})", knode, fpath)
        if key == "public":
            values["public"] = doc.scalar(vnode, fpath, bool)
        elif key == "hosts":
            values["hosts"] = doc.strings(vnode, fpath)
        elif key == "nodeSelector":
            values["node_selector"] = tuple(sorted((k, doc.scalar(v, f"{fpath}.{k}", str))
                                                   for k, _, v in doc.items(vnode, fpath)))
        else:
            values[key] = doc.scalar(vnode, fpath, str)
    if not values.get("name"):
        raise doc.fail("a subnet needs a name", node, f"{path}.name")
    return Subnet(**values)


def _compose(stream: TextIO | str, file: str, document: int | None = 1) -> list[YamlNode | None]:
    try:
        return list(yaml.compose_all(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InvalidManifest(f"invalid YAML: {getattr(exc, 'problem', exc)}", file=file,
                              line=None if mark is None else mark.line + 1, document=document) from None


def parse_config(stream: TextIO, file: str) -> DiagramConfig:
    """Parse a DiagramConfig file (one document)."""
    docs = [d for d in _compose(stream, file) if d is not None]
    if len(docs) != 1:
        raise InvalidManifest(f"a diagram config is one YAML document, found {len(docs)}", file=file)
    return _parse(_Doc(docs[0], file, 1))


def _scalar_value(node: YamlNode | None, key: str) -> Any:
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key and isinstance(v, ScalarNode):
            return v.value
    return None


def find_config(paths: Sequence[str], stdin_text: str | None = None) -> DiagramConfig | None:
    """The ``DiagramConfig`` document among the inputs (files, folders as the loader walks them,
    ``-`` for ``stdin_text``), or ``None``; two are an error naming the second.

    A document is one when its ``kind`` is ``DiagramConfig`` and its ``apiVersion`` is in the
    ``kmodel.dev`` group; it is parsed as :func:`parse_config` parses a file, and its errors name
    the file, line and document."""
    from kmodel.scenario import _spec_files

    found: list[DiagramConfig] = []
    for file in _spec_files(list(paths)):
        if file == "-":
            text, shown = stdin_text, "-"
        else:
            try:
                with open(file, encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                continue  # the manifest loader reports files it cannot read
            shown = file
        if not text or KIND not in text:
            continue
        for index, node in enumerate(_compose(text, shown, None), start=1):
            if _scalar_value(node, "kind") != KIND or not str(_scalar_value(node, "apiVersion") or "").startswith(
                    "kmodel.dev/"):
                continue
            assert node is not None
            doc = _Doc(node, shown, index)
            if found:
                raise doc.fail(f"a second {KIND} in the inputs (the first is in {found[0].source}): give one, "
                               "or choose with --config", node, "kind")
            found.append(_parse(doc))
    return found[0] if found else None


def _parse(doc: _Doc) -> DiagramConfig:
    file = doc.file
    top = {k: (kn, v) for k, kn, v in doc.items(doc.root, "")}
    for key, (knode, _) in top.items():
        if key not in ("apiVersion", "kind", "metadata", "spec"):
            raise doc.fail(f"unknown field {key!r}", knode, key)
    if "apiVersion" not in top or doc.scalar(top["apiVersion"][1], "apiVersion", str) != _API_VERSION:
        raise doc.fail(f"apiVersion must be {_API_VERSION}", top.get("apiVersion", (doc.root, doc.root))[1],
                       "apiVersion")
    if "kind" not in top or doc.scalar(top["kind"][1], "kind", str) != "DiagramConfig":
        raise doc.fail("kind must be DiagramConfig", top.get("kind", (doc.root, doc.root))[1], "kind")
    values: dict[str, Any] = {"source": file}
    if "spec" in top:
        for key, knode, vnode in doc.items(top["spec"][1], "spec"):
            path = f"spec.{key}"
            if key not in _SPEC_FIELDS:
                raise doc.fail(f"unknown field {key!r} (known: {', '.join(_SPEC_FIELDS)})", knode, path)
            if key in ("groupBy", "namespaces"):
                values["group_by" if key == "groupBy" else "namespaces"] = doc.strings(vnode, path)
            elif key == "views":
                views = doc.strings(vnode, path)
                for i, view in enumerate(views):
                    if view not in _VIEWS:
                        raise doc.fail(f"unknown view {view!r} (known: {', '.join(_VIEWS)})", vnode.value[i],
                                       f"{path}[{i}]")
                values["views"] = views
            elif key == "collapse":
                values["collapse"] = doc.scalar(vnode, path, bool)
            elif key == "maxChanges":
                n = doc.scalar(vnode, path, int)
                if n < 1:
                    raise doc.fail("must be at least 1", vnode, path)
                values["max_changes"] = n
            elif key == "subnets":
                if not isinstance(vnode, SequenceNode):
                    raise doc.fail("expected a list of subnets", vnode, path)
                values["subnets"] = tuple(_subnet(doc, item, f"{path}[{i}]") for i, item in enumerate(vnode.value))
            else:
                attr = {"title": "title", "zoneLabel": "zone_label", "subnetLabel": "subnet_label", "vpc": "vpc"}[key]
                values[attr] = doc.scalar(vnode, path, str)
    for i, level in enumerate(values.get("group_by", ())):
        if not level:
            raise doc.fail("a groupBy level cannot be empty", top["spec"][1], f"spec.groupBy[{i}]")
    return DiagramConfig(**values)


def load_config(path: str | None, inputs: Sequence[str] = (), stdin_text: str | None = None) -> DiagramConfig:
    """The config in ``path``; without one, the ``DiagramConfig`` among ``inputs``
    (:func:`find_config`); else the defaults."""
    if path is None:
        return find_config(inputs, stdin_text) or DiagramConfig()
    try:
        with open(path, encoding="utf-8") as fh:
            return parse_config(fh, path)
    except OSError as exc:
        raise InvalidManifest(f"cannot read: {exc.strerror or exc}", file=path) from None
