"""DiagramConfig files: defaults, fields, and errors that name file, line, document and field."""

from __future__ import annotations

import io

import pytest

from kmodel.errors import InvalidManifest
from kmodel.render.config import DEFAULT_GROUP_BY, load_config, parse_config

HEAD = "apiVersion: kmodel.dev/v1alpha1\nkind: DiagramConfig\n"


def test_defaults_and_every_field():
    assert load_config(None).group_by == DEFAULT_GROUP_BY
    cfg = parse_config(io.StringIO(HEAD + """spec:
  title: t
  groupBy: [namespace, app]
  namespaces: [a]
  collapse: false
  zoneLabel: z
  subnetLabel: s
  vpc: v
  maxChanges: 3
  subnets:
    - {name: pub, zone: z1, public: true, cidr: 10.0.0.0/24, hosts: [bastion], nodeSelector: {role: edge}}
"""), "c.yaml")
    assert (cfg.title, cfg.group_by, cfg.namespaces, cfg.collapse, cfg.zone_label, cfg.subnet_label, cfg.vpc,
            cfg.max_changes) == ("t", ("namespace", "app"), ("a",), False, "z", "s", "v", 3)
    (sub,) = cfg.subnets
    assert sub.public and sub.hosts == ("bastion",) and sub.node_selector == (("role", "edge"),)


@pytest.mark.parametrize("body,line,field", [
    ("spec:\n  collapse: yes please\n", 4, "spec.collapse"),
    ("spec:\n  maxChanges: 0\n", 4, "spec.maxChanges"),
    ("spec:\n  subnets:\n    - {zone: a}\n", 5, "spec.subnets[0].name"),
    ("spec:\n  subnets:\n    - {name: a, size: 3}\n", 5, "spec.subnets[0].size"),
    ("spec:\n  groupBy: namespace\n", 4, "spec.groupBy"),
])
def test_errors_name_the_line_and_field(body, line, field):
    with pytest.raises(InvalidManifest) as err:
        parse_config(io.StringIO(HEAD + body), "cfg.yaml")
    assert (err.value.file, err.value.line, err.value.document, err.value.field) == ("cfg.yaml", line, 1, field)


def test_wrong_kind_and_missing_file(tmp_path):
    with pytest.raises(InvalidManifest, match="kind must be DiagramConfig"):
        parse_config(io.StringIO("apiVersion: kmodel.dev/v1alpha1\nkind: Scenario\n"), "c.yaml")
    with pytest.raises(InvalidManifest, match="cannot read"):
        load_config(str(tmp_path / "nope.yaml"))
