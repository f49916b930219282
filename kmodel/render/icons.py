"""Icons for ``kmodel diagram --icons``: small SVG files shipped in ``kmodel/render/icons/``.

The icons of Kubernetes objects and components are the Kubernetes community icon set
(``kubernetes/community``, ``icons/svg/``), which its README licenses under a choice of
Apache-2.0 or CC-BY-4.0; kmodel uses them under Apache-2.0, its own licence, with the
attribution and the changes made (Inkscape metadata removed, size set to 48 px) recorded in
``kmodel/render/icons/ATTRIBUTION.md``. The load-balancer icon (``alb.svg``) is drawn for kmodel.

How an icon gets into each format, without an absolute path anywhere:

* **DOT** names it relative to the package's render folder (``<img src="icons/pod.svg"/>``);
* **SVG and PNG**: graphviz runs with that folder as its working directory
  (:func:`layout_cwd`), so it reads the icon; in SVG output, where graphviz would write the
  file name into an ``<image>`` element, :func:`inline_svg_icons` replaces each by a ``<use>`` of
  a ``<symbol>`` holding the icon's own drawing, so the file is self-contained;
* **Mermaid** has no images: icons are left out.

Examples
--------
>>> from kmodel.render.diagram import Node
>>> icon_for(Node("Pod/default/a", "a", "Pod")), icon_for(Node("x", "x", "ghost"))
('icons/pod.svg', None)
>>> icon_for(Node("component:etcd", "etcd", "component"))
'icons/etcd.svg'
"""

from __future__ import annotations

import os
import re
from functools import cache

from kmodel.render.diagram import Node

__all__ = ["ICONS", "COMPONENT_ICONS", "icon_for", "icon_files", "layout_cwd", "inline_svg_icons", "ICON_PX"]

#: Node kind -> icon file (in ``kmodel/render/icons/``).
ICONS = {
    "Pod": "pod", "Deployment": "deploy", "ReplicaSet": "rs", "StatefulSet": "sts", "DaemonSet": "ds",
    "Job": "job", "CronJob": "cronjob", "Service": "svc", "Ingress": "ing", "HorizontalPodAutoscaler": "hpa",
    "ConfigMap": "cm", "Secret": "secret", "PersistentVolumeClaim": "pvc", "PersistentVolume": "pv",
    "ServiceAccount": "sa", "NetworkPolicy": "netpol", "endpoint": "ep", "client": "user",
    "loadbalancer": "alb", "nodeport": "node", "agent": "kubelet",
}
#: A control-plane component's label -> icon file.
COMPONENT_ICONS = {
    "kube-apiserver": "api", "etcd": "etcd", "kube-scheduler": "sched", "kube-controller-manager": "c-m",
    "cloud-controller-manager": "c-c-m", "aws-load-balancer-controller": "c-m",
}
#: The side of the square an icon is drawn in, in points.
ICON_PX = 22
_FOLDER = "icons"
_ROOT = os.path.dirname(os.path.abspath(__file__))


def icon_for(node: Node) -> str | None:
    """The icon of ``node`` as a path relative to :func:`layout_cwd`, or ``None``."""
    name = COMPONENT_ICONS.get(node.label) if node.kind == "component" else ICONS.get(node.kind)
    return f"{_FOLDER}/{name}.svg" if name else None


def icon_files() -> list[str]:
    """Every icon file shipped, as a path relative to :func:`layout_cwd`, sorted."""
    folder = os.path.join(_ROOT, _FOLDER)
    return sorted(f"{_FOLDER}/{n}" for n in os.listdir(folder) if n.endswith(".svg"))


def layout_cwd() -> str:
    """The folder graphviz runs in when a diagram has icons (the package's render folder)."""
    return _ROOT


@cache
def _symbol(rel: str) -> tuple[str, str]:
    """``(symbol id, <symbol> element)`` for an icon file."""
    with open(os.path.join(_ROOT, rel), encoding="utf-8") as fh:
        text = fh.read()
    match = re.search(r"<svg\b[^>]*>", text)
    if match is None:  # pragma: no cover - the shipped icons are SVG
        raise ValueError(f"{rel}: not an SVG file")
    view = re.search(r'viewBox="([^"]*)"', match.group(0))
    body = text[match.end():text.rindex("</svg>")].strip()
    sid = "kmodel-icon-" + os.path.splitext(os.path.basename(rel))[0]
    box = f' viewBox="{view.group(1)}"' if view else ""
    return sid, f'<symbol id="{sid}"{box} preserveAspectRatio="xMinYMin meet">\n{body}\n</symbol>'


_IMAGE = re.compile(rb'<image xlink:href="(' + _FOLDER.encode() + rb'/[A-Za-z0-9_.-]+\.svg)"([^>]*?)/>')


def inline_svg_icons(svg: bytes) -> bytes:
    """Graphviz's SVG with each icon ``<image>`` replaced by a ``<use>`` of an inline ``<symbol>``.

    >>> svg = b'<svg width="1pt">\\n<g><image xlink:href="icons/pod.svg" width="20px" height="20px" x="1" y="2"/></g></svg>'
    >>> out = inline_svg_icons(svg)
    >>> b'icons/pod.svg' in out, b'<use xlink:href="#kmodel-icon-pod" width="20px" height="20px" x="1" y="2"/>' in out
    (False, True)
    """
    used: dict[str, str] = {}

    def use(match: re.Match[bytes]) -> bytes:
        sid, symbol = _symbol(match.group(1).decode())
        used[sid] = symbol
        attrs = re.sub(rb'\s*preserveAspectRatio="[^"]*"', b"", match.group(2))
        return b'<use xlink:href="#' + sid.encode() + b'"' + attrs + b"/>"

    out = _IMAGE.sub(use, svg)
    if not used:
        return out
    start = re.search(rb"<svg\b[^>]*>\n?", out)
    if start is None:  # pragma: no cover - graphviz always writes the root element
        return out
    defs = "<defs>\n" + "\n".join(used[k] for k in sorted(used)) + "\n</defs>\n"
    return out[:start.end()] + defs.encode() + out[start.end():]
