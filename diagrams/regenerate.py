"""Regenerate ``diagrams/``: every render of the bundled specs and examples, in one command.

    python diagrams/regenerate.py

For each spec under ``specs/`` (those with an ``expected.json``): its architecture and its
workloads after the model's controllers settle, its traffic when it has Services or Ingresses,
and, when a property is violated, the first counterexample trace (and, for a traffic property,
the traffic at the violation); the explored state graph of ``pinned-pod-overcommit``. A spec
whose folder holds a ``DiagramConfig`` listing ``views`` gets exactly those views (the trace
still only when a property is violated). Then the
architecture (EKS layout from ``diagrams/eks.yaml``), workloads and traffic of ``examples/shop``
and ``examples/shop-broken``. Each diagram is written as SVG (the examples also as PNG, for the
README), stamped with the command that made it, so that ``kmodel diagram --check diagrams`` (and ``tests/render/test_diagrams_dir.py``)
can tell when one no longer matches its inputs. Stamped files that the plan no longer makes are
removed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: Every diagram is committed as SVG (text: reviewable diffs, small history); the examples shown in
#: the README also as PNG.
FORMATS = ("svg",)
PNG_TOO = ("shop-", "shop-broken-")


#: Properties about traffic: a spec violating one first also gets the traffic at the violation.
TRAFFIC_PROPERTIES = ("endpoints-correct", "no-traffic-to-unready", "service-reachable", "ingress-routes")


def _has_services(spec: Path) -> bool:
    import yaml

    for path in sorted(spec.glob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") in ("Service", "Ingress"):
                return True
    return False


def _numeric(spec: Path) -> bool:
    import yaml

    scenario = spec / "scenario.yaml"
    if not scenario.exists():
        return False
    return any(isinstance(doc, dict) and isinstance(doc.get("spec"), dict) and "model" in doc["spec"]
               for doc in yaml.safe_load_all(scenario.read_text()))


def plan() -> list[tuple[str, object]]:
    """``(file stem, Request)`` for every diagram, in a fixed order."""
    from kmodel.render.command import Request

    from kmodel.render.config import find_config

    out: list[tuple[str, object]] = []
    for spec in sorted(p for p in (ROOT / "specs").iterdir() if (p / "expected.json").exists()):
        if _numeric(spec):
            continue  # a numeric model (Scenario spec.model, kmodel.smt.scenario): no cluster to draw
        paths = (str(spec),)
        config = find_config(paths)
        listed = config.views if config is not None and config.views else None  # the spec's DiagramConfig

        def wanted(view: str, default: bool) -> bool:
            return view in listed if listed is not None else default

        if wanted("architecture", True):
            out.append((f"{spec.name}-architecture", Request(paths, "architecture", settle=True)))
        if wanted("workload", True):
            out.append((f"{spec.name}-workload", Request(paths, "workload", settle=True)))
        if wanted("traffic", _has_services(spec)):
            out.append((f"{spec.name}-traffic", Request(paths, "traffic", settle=True)))
        verdicts = json.loads((spec / "expected.json").read_text()).get("verdicts", {})
        violated = [name for name, verdict in verdicts.items() if verdict == "violated"]
        if violated and wanted("trace", True):
            out.append((f"{spec.name}-trace", Request(paths, "trace")))
            if violated[0] in TRAFFIC_PROPERTIES and wanted("traffic", True):
                out.append((f"{spec.name}-traffic-violation", Request(paths, "traffic", prop=violated[0])))
        if wanted("states", spec.name == "pinned-pod-overcommit"):
            out.append((f"{spec.name}-states", Request(paths, "states")))
    for example in ("shop", "shop-broken"):
        if (ROOT / "examples" / example).is_dir():
            paths = (str(ROOT / "examples" / example),)
            out.append((f"{example}-architecture", Request(paths, "architecture", settle=True,
                                                          config=str(HERE / "eks.yaml"))))
            out.append((f"{example}-workload", Request(paths, "workload", settle=True)))
            out.append((f"{example}-traffic", Request(paths, "traffic", settle=True)))
    return out


def formats(stem: str) -> tuple[str, ...]:
    return ("png",) + FORMATS if stem.startswith(PNG_TOO) else FORMATS


def expected_files() -> set[str]:
    return {f"{stem}.{fmt}" for stem, _ in plan() for fmt in formats(stem)}


def main(argv: list[str] | None = None) -> int:
    """Write the plan; ``--png DIR`` also writes every diagram as PNG into DIR (to look at them)."""
    args = sys.argv[1:] if argv is None else argv
    png_dir = Path(args[args.index("--png") + 1]) if "--png" in args else None
    from kmodel.render.command import write
    from kmodel.render.output import format_of, read_stamp

    cache: dict = {}
    written = set()
    for stem, request in plan():
        for fmt in formats(stem):
            target = HERE / f"{stem}.{fmt}"
            data, diagram = write(request, str(target), cache=cache)  # type: ignore[arg-type]
            old = target.read_bytes() if target.exists() else None
            if old != data:
                target.write_bytes(data)
                print(f"wrote {target.relative_to(ROOT)} ({len(diagram.findings)} findings)")
            written.add(target.name)
        if png_dir is not None:
            from kmodel.render.output import render_bytes

            png_dir.mkdir(parents=True, exist_ok=True)
            (png_dir / f"{stem}.png").write_bytes(render_bytes(diagram, "png"))
    for name in sorted(os.listdir(HERE)):
        path = HERE / name
        try:
            fmt = format_of(name)
        except Exception:
            continue
        if name not in written and read_stamp(path.read_bytes(), fmt) is not None:
            path.unlink()
            print(f"removed {path.relative_to(ROOT)} (no longer in the plan)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
