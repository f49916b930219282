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


# -- a DiagramConfig inside the inputs (a spec folder) ----------------------------------------------

FOLDER_CONFIG = """apiVersion: kmodel.dev/v1alpha1
kind: DiagramConfig
metadata: {name: web}
spec:
  title: web, drawn flat
  groupBy: [namespace]
  views: [workload, architecture]
"""


def test_a_config_in_the_folder_is_read_and_the_loaders_pass_over_it(manifests, nodes_yaml, web_yaml):
    from kmodel.checks.runner import load_config as check_config, run
    from kmodel.render.config import find_config
    from kmodel.render.inputs import load_inputs
    from kmodel.render.workload import workload
    from kmodel.scenario import load_spec

    manifests(nodes_yaml + "---\n" + web_yaml)
    folder = manifests(FOLDER_CONFIG, "diagram.yaml")
    cfg = find_config([folder])
    assert (cfg.title, cfg.group_by, cfg.views) == ("web, drawn flat", ("namespace",), ("workload", "architecture"))
    assert cfg.source.endswith("diagram.yaml")
    inputs = load_inputs([folder])
    assert inputs.config == cfg
    d = workload(inputs)
    assert d.title == "web, drawn flat" and not [c for c in d.clusters if c.kind == "app"]  # groupBy: namespace only
    assert load_spec([folder]).model is not None  # kmodel explore ignores it
    run([folder], config=check_config(None))  # and so does kmodel check
    assert load_config(None, [folder]) == cfg
    assert load_config(None, [folder]) != load_config(None, [])


def test_explicit_config_wins_and_two_in_the_inputs_are_an_error(manifests, tmp_path, nodes_yaml):
    from kmodel.render.config import find_config

    folder = manifests(nodes_yaml)
    other = tmp_path / "other.yaml"
    other.write_text(HEAD + "spec:\n  title: explicit\n")
    manifests(FOLDER_CONFIG, "diagram.yaml")
    assert load_config(str(other), [folder]).title == "explicit"
    manifests("---\n" + FOLDER_CONFIG, "z-second.yaml")
    with pytest.raises(InvalidManifest) as err:
        find_config([folder])
    assert (err.value.file.endswith("z-second.yaml"), err.value.line, err.value.document, err.value.field) \
        == (True, 2, 1, "kind")
    assert "a second DiagramConfig" in str(err.value)


def test_an_error_in_a_folder_config_names_file_line_document_and_field(manifests, nodes_yaml):
    from kmodel.render.config import find_config

    folder = manifests(nodes_yaml + "---\n" + FOLDER_CONFIG.replace("views: [workload, architecture]",
                                                                     "views: [workload, pictures]"))
    with pytest.raises(InvalidManifest) as err:
        find_config([folder])
    assert (err.value.line, err.value.document, err.value.field) == (24, 3, "spec.views[1]")
    assert "unknown view 'pictures'" in str(err.value)


def test_the_cli_draws_the_first_listed_view_and_exits_2_on_a_bad_config(manifests, nodes_yaml, web_yaml):
    from click.testing import CliRunner

    from kmodel.cli import cli

    manifests(nodes_yaml + "---\n" + web_yaml)
    folder = manifests(FOLDER_CONFIG, "diagram.yaml")
    result = CliRunner().invoke(cli, ["diagram", folder])
    assert result.exit_code == 0 and "// kmodel workload view" in result.output
    manifests(FOLDER_CONFIG.replace("groupBy: [namespace]", "groupBy: namespace"), "diagram.yaml")
    result = CliRunner().invoke(cli, ["diagram", folder, "--view", "workload"])
    assert result.exit_code == 2 and "diagram.yaml:6: document 1: spec.groupBy" in result.output
    assert "Traceback" not in result.output


def test_stdin_config_is_read_too(nodes_yaml, web_yaml):
    import io

    from kmodel.render.command import Request, build

    text = nodes_yaml + "---\n" + web_yaml + "---\n" + FOLDER_CONFIG
    d = build(Request(("-",), "workload"), stdin=io.StringIO(text))
    assert d.title == "web, drawn flat"
