"""--icons: icons shipped in the package, named relatively in DOT, inline in SVG, drawn in PNG."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kmodel.render import icons
from kmodel.render.command import Request, build, check_directory, write
from kmodel.render.diagram import DiagramBuilder
from kmodel.render.dot import to_dot
from kmodel.render.output import read_stamp, render_bytes

ROOT = Path(__file__).resolve().parents[2]
ICON_DIR = Path(icons.layout_cwd()) / "icons"


def _diagram(with_icons: bool):
    b = DiagramBuilder("t", "icons")
    b.node("Pod/default/a", "a", "Pod")
    b.node("Service/default/s", "s", "Service")
    b.node("missing:ConfigMap/default/c", "missing: ConfigMap/c", "ghost")
    b.edge("Service/default/s", "Pod/default/a", "selects", "selects")
    from dataclasses import replace

    return replace(b.build(), icons=with_icons)


def test_every_icon_named_is_shipped_and_attributed():
    named = set(icons.ICONS.values()) | set(icons.COMPONENT_ICONS.values())
    shipped = {Path(f).stem for f in icons.icon_files()}
    assert named == shipped, "an icon is named but not shipped, or shipped but never used"
    attribution = (ICON_DIR / "ATTRIBUTION.md").read_text()
    for name in sorted(shipped):
        assert f"`{name}.svg`" in attribution
    assert "Apache-2.0" in attribution and "kubernetes/community" in attribution
    for name in sorted(shipped):  # graphviz reads an SVG's size from its root element's px size
        head = (ICON_DIR / f"{name}.svg").read_text().splitlines()[1]
        assert re.search(r'width="\d+px" height="\d+px"', head), name


def test_package_data_declares_the_icons():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"render/icons/*.svg"' in text and '"render/icons/ATTRIBUTION.md"' in text


def test_dot_names_icons_relatively_and_only_when_asked():
    plain, with_icons = to_dot(_diagram(False)), to_dot(_diagram(True))
    assert "<img" not in plain
    assert '<img src="icons/pod.svg" scale="true"/>' in with_icons
    assert '<img src="icons/svc.svg" scale="true"/>' in with_icons
    assert with_icons.count("<img") == 2  # the ghost has none
    assert os.sep + "kmodel" + os.sep not in with_icons and str(ROOT) not in with_icons


def test_svg_carries_the_icons_inline_deterministically():
    svg = render_bytes(_diagram(True), "svg")
    assert b"<image" not in svg and b"icons/" not in svg and str(ROOT).encode() not in svg
    assert svg.count(b'<symbol id="kmodel-icon-pod"') == 1 and svg.count(b'xlink:href="#kmodel-icon-') == 2
    assert render_bytes(_diagram(True), "svg") == svg
    assert render_bytes(_diagram(False), "svg").count(b"kmodel-icon") == 0


def test_png_draws_them():
    plain, drawn = render_bytes(_diagram(False), "png"), render_bytes(_diagram(True), "png")
    assert drawn.startswith(b"\x89PNG") and drawn != plain
    assert render_bytes(_diagram(True), "png") == drawn


def test_icons_are_recorded_in_the_stamp_and_checked(tmp_path):
    spec = str(ROOT / "specs/ingress-service-port")
    out = tmp_path / "a.svg"
    data, diagram = write(Request((spec,), "architecture", settle=True, icons=True), str(out))
    assert diagram.icons and read_stamp(data, "svg")["options"]["icons"] is True
    out.write_bytes(data)
    assert check_directory(str(tmp_path)) == []
    plain = build(Request((spec,), "architecture", settle=True))
    assert not plain.icons and plain.nodes == diagram.nodes


def test_cli_flag(tmp_path):
    from click.testing import CliRunner

    from kmodel.cli import cli

    result = CliRunner().invoke(cli, ["diagram", str(ROOT / "specs/ingress-service-port"), "--view", "workload",
                                      "--icons"])
    assert result.exit_code == 0 and '<img src="icons/ing.svg"' in result.output
    result = CliRunner().invoke(cli, ["diagram", "--check", str(tmp_path), "--icons"])
    assert result.exit_code == 2


@pytest.mark.parametrize("kind,label,icon", [
    ("component", "kube-apiserver", "icons/api.svg"), ("component", "something else", None),
    ("loadbalancer", "ALB shop", "icons/alb.svg"), ("state", "1", None),
])
def test_icon_for(kind, label, icon):
    from kmodel.render.diagram import Node

    assert icons.icon_for(Node("x", label, kind)) == icon
