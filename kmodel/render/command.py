"""``kmodel diagram``: build a view from inputs, write it stamped, and check stamped files.

A :class:`Request` is what the command line asks for (inputs, view, options). :func:`build`
turns it into a :class:`~kmodel.render.diagram.Diagram`; :func:`write` into the bytes of a file
whose stamp records the request with its paths relative to the file's folder
(:mod:`kmodel.render.output`); :func:`check_directory` re-runs the request of every stamped file
in a folder and reports those that no longer match their inputs, and :func:`update_directory`
rewrites them.

For ``trace`` and ``states`` the inputs are a spec (manifests and a Scenario): its exploration
runs with the scenario's bounds (symmetry reduction on unless ``symmetry=False``), and the trace
drawn is that of the first violated property in the scenario's order (or ``prop``). ``traffic``
with ``prop`` draws the traffic-flow graph of the last state of that property's counterexample.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from kmodel.errors import InvalidArgument, KmodelError
from kmodel.render.diagram import Diagram
from kmodel.render.output import (
    format_of,
    graphviz_version,
    read_stamp,
    source_digest,
    write_bytes,
)

__all__ = ["Request", "VIEWS", "build", "write", "check_directory", "update_directory"]

VIEWS = ("architecture", "workload", "traffic", "trace", "states")
_STAMP_VERSION = 1


@dataclass(frozen=True)
class Request:
    """What to draw: ``view`` of ``paths`` with the options of ``kmodel diagram``."""

    paths: tuple[str, ...]
    view: str
    settle: bool = False
    config: str | None = None
    prop: str | None = None
    symmetry: bool = True
    max_states: int | None = None
    icons: bool = False

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise InvalidArgument(f"unknown view {self.view!r}; one of {', '.join(VIEWS)}")
        if not self.paths:
            raise InvalidArgument("no input: give manifest files, folders or - for standard input")

    def command(self, base: str) -> dict[str, Any]:
        """The stamp's record of this request, paths relative to the folder ``base``."""
        def rel(p: str) -> str:
            return p if p == "-" else os.path.relpath(os.path.abspath(p), base).replace(os.sep, "/")

        options = {k: v for k, v in asdict(self).items() if k not in ("paths", "view")}
        if self.config is not None:
            options["config"] = rel(self.config)
        return {"stamp": _STAMP_VERSION, "view": self.view, "paths": [rel(p) for p in self.paths],
                "options": {k: v for k, v in sorted(options.items()) if v not in (None, False) or k == "symmetry"}}

    @classmethod
    def from_stamp(cls, stamp: dict[str, Any], base: str) -> Request:
        """The request a stamp records, paths resolved against the folder ``base``."""
        def res(p: str) -> str:
            return p if p == "-" else os.path.normpath(os.path.join(base, p))

        options = dict(stamp.get("options") or {})
        if options.get("config") is not None:
            options["config"] = res(options["config"])
        known = {"settle", "config", "prop", "symmetry", "max_states", "icons"}
        return cls(tuple(res(p) for p in stamp.get("paths") or []), str(stamp.get("view")),
                   **{k: v for k, v in options.items() if k in known})


def _config(request: Request, stdin_text: str | None = None) -> Any:
    """``--config``, else the DiagramConfig among the inputs, else the defaults."""
    from kmodel.render.config import load_config

    return load_config(request.config, request.paths, stdin_text)


def _spec_result(request: Request, stdin: TextIO | None, cache: dict[Any, Any]) -> tuple[Any, Any]:
    key = ("spec", request.paths, request.symmetry)
    if key in cache:
        return cache[key]  # type: ignore[no-any-return]
    from kmodel.scenario import load_spec

    spec = load_spec(list(request.paths), stdin=stdin)
    sc = spec.scenario
    result = (spec.model.checker().symmetry(request.symmetry).max_depth(sc.max_depth).max_states(sc.max_states)
              .progress(False).bfs())
    cache[key] = (spec, result)
    return spec, result


def _violation(spec: Any, result: Any, prop: str | None) -> tuple[str, Any]:
    if prop is not None:
        if prop not in result.properties:
            raise InvalidArgument(f"--property {prop}: not a property of this spec "
                                  f"({', '.join(result.properties)})")
        r = result[prop]
        if r.verdict != "violated" or r.path is None:
            raise KmodelError(f"{prop}: {r.verdict} in {spec.scenario.name}, there is no counterexample to draw")
        return prop, r
    for name, r in result.properties.items():
        if r.verdict == "violated" and r.path is not None and r.kind != "example":
            return name, r
    raise KmodelError(f"no property is violated in {spec.scenario.name}: there is no counterexample to draw "
                      "(--view states draws the explored state graph)")


def build(request: Request, *, stdin: TextIO | None = None, cache: dict[Any, Any] | None = None) -> Diagram:
    """The diagram ``request`` asks for (with icons when it asks for them)."""
    diagram = _build(request, stdin, {} if cache is None else cache)
    if request.icons:
        from dataclasses import replace

        diagram = replace(diagram, icons=True)
    return diagram


def _build(request: Request, stdin: TextIO | None, cache: dict[Any, Any]) -> Diagram:
    text = None
    if "-" in request.paths:  # read once: the config and the loaders both read it
        import io
        import sys

        text = (stdin if stdin is not None else sys.stdin).read()
        stdin = io.StringIO(text)
    config = _config(request, text)
    if request.view == "traffic" and request.prop is not None:
        from kmodel import properties as props
        from kmodel.render.traffic import flow_graph, traffic

        spec, result = _spec_result(request, stdin, cache)
        pid, r = _violation(spec, result, request.prop)
        why = "; ".join(props.explain(pid, r.path.last_state))
        return traffic(flow_graph(r.path.last_state),
                       title=config.title or f"{spec.scenario.name}: traffic where {pid} is violated"
                       + (f" ({why})" if why else ""))
    if request.view in ("architecture", "workload", "traffic"):
        from kmodel.render.inputs import load_inputs

        key = ("inputs", request.paths, request.settle, request.config)
        inputs = cache.get(key)
        if inputs is None:
            inputs = cache[key] = load_inputs(list(request.paths), config=config, settle_state=request.settle,
                                              stdin=stdin)
        if request.view == "architecture":
            from kmodel.render.architecture import architecture

            return architecture(inputs)
        if request.view == "workload":
            from kmodel.render.workload import workload

            return workload(inputs)
        from kmodel.render.traffic import flow_graph, traffic

        return traffic(flow_graph(inputs.state), title=config.title or f"traffic: {inputs.name}")
    from kmodel import properties as props

    spec, result = _spec_result(request, stdin, cache)
    name = spec.scenario.name
    if request.view == "trace":
        from kmodel.render.trace import trace

        pid, r = _violation(spec, result, request.prop)
        why = props.explain(pid, r.path.last_state) if r.kind in ("state", "stuck", "cycle") else []
        return trace(spec.model, r.path, property_name=pid, kind=r.kind, explanation=why, max_changes=config.max_changes,
                     title=config.title or f"{name}: {pid} violated after {len(r.path)} steps")
    from kmodel.render.stategraph import states

    path, stuck = None, False
    try:
        _, r = _violation(spec, result, request.prop)
        path, stuck = r.path, r.kind == "stuck"
    except KmodelError:
        pass
    return states(spec.model, path=path, stuck_end=stuck, symmetry=request.symmetry,
                  max_states=request.max_states or 5000,
                  title=config.title or f"{name}: explored states" + (" (symmetry reduced)" if request.symmetry else ""))


def write(request: Request, output: str, *, stdin: TextIO | None = None,
          cache: dict[Any, Any] | None = None) -> tuple[bytes, Diagram]:
    """The bytes of ``output`` (its format from the extension) and the diagram drawn."""
    fmt = format_of(output)
    diagram = build(request, stdin=stdin, cache=cache)
    base = os.path.dirname(os.path.abspath(output))
    return write_bytes(diagram, fmt, request.command(base)), diagram


def _stamped_files(directory: str) -> list[str]:
    out = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            try:
                format_of(name)
            except InvalidArgument:
                continue
            out.append(os.path.join(root, name))
    return out


def _visit(directory: str, act: Callable[[str, bytes, bytes], None], compare_bytes: bool = True,
           select: Callable[[Request], bool] | None = None) -> list[str]:
    if not os.path.isdir(directory):
        raise InvalidArgument(f"{directory}: not a directory")
    problems: list[str] = []
    cache: dict[Any, Any] = {}
    local = None
    for path in _stamped_files(directory):
        fmt = format_of(path)
        with open(path, "rb") as fh:
            data = fh.read()
        stamp = read_stamp(data, fmt)
        shown = os.path.relpath(path, directory)
        if stamp is None:
            problems.append(f"{shown}: no kmodel stamp (not made by `kmodel diagram -o`), cannot be checked")
            continue
        if "-" in (stamp.get("paths") or []):
            problems.append(f"{shown}: drawn from standard input, cannot be checked")
            continue
        request = Request.from_stamp(stamp, os.path.dirname(os.path.abspath(path)))
        if select is not None and not select(request):
            continue
        try:
            diagram = build(request, cache=cache)
        except KmodelError as exc:
            problems.append(f"{shown}: cannot redraw: {exc}")
            continue
        from kmodel.render.dot import to_dot

        if source_digest(to_dot(diagram)) != stamp.get("source"):
            fresh = write_bytes(diagram, fmt, request.command(os.path.dirname(os.path.abspath(path))))
            act(path, data, fresh)
            problems.append(f"{shown}: stale: its inputs now give a different diagram")
            continue
        if not compare_bytes:
            continue
        if fmt in ("svg", "png"):
            local = local or graphviz_version()
            if stamp.get("graphviz") != local:
                continue  # same content, laid out by another graphviz: not comparable byte for byte
        fresh = write_bytes(diagram, fmt, request.command(os.path.dirname(os.path.abspath(path))))
        if fresh != data:
            act(path, data, fresh)
            problems.append(f"{shown}: differs from a fresh render of the same diagram (edited by hand?)")
    return problems


def check_directory(directory: str, *, compare_bytes: bool = True,
                    select: Callable[[Request], bool] | None = None) -> list[str]:
    """Problems with the stamped diagrams under ``directory`` (empty: all current).

    Every file's DOT digest is compared with a fresh drawing; with ``compare_bytes`` (the
    default) the whole file too, when the local graphviz is the one that laid it out. ``select``
    limits the check to the files whose request it accepts."""
    return _visit(directory, lambda path, old, new: None, compare_bytes, select)


def update_directory(directory: str) -> list[str]:
    """Redraw every stamped diagram under ``directory`` that is not current; what changed."""
    def rewrite(path: str, old: bytes, new: bytes) -> None:
        with open(path, "wb") as fh:
            fh.write(new)

    return _visit(directory, rewrite)



def run_command(paths: tuple[str, ...], *, view: str | None, output: str | None, fmt: str, config: str | None,
                settle: bool, prop: str | None, symmetry: bool, max_states: int | None, check: str | None,
                update: str | None, stdin: TextIO | None = None, icons: bool = False) -> tuple[int, bytes, list[str]]:
    """The body of ``kmodel diagram``: ``(exit code, bytes for standard output, lines for
    standard error)``. Exit 0 drawn (or every diagram current), 1 stale diagrams under
    ``--check``; bad input raises (exit 2)."""
    if check is not None or update is not None:
        if paths or view or output or icons:
            raise InvalidArgument("--check DIR and --update DIR take no inputs, --view, -o or --icons")
        if check is not None and update is not None:
            raise InvalidArgument("give --check or --update, not both")
        if check is not None:
            problems = check_directory(check)
            if problems:
                return 1, b"", problems + [f"{len(problems)} diagram(s) under {check} are not current: "
                                           f"run `kmodel diagram --update {check}`"]
            return 0, b"", [f"every stamped diagram under {check} is current"]
        changed = update_directory(update)  # type: ignore[arg-type]
        return 0, b"", changed + [f"{len(changed)} diagram(s) redrawn under {update}"]
    if not view and paths and "-" not in paths:
        from kmodel.render.config import load_config

        views = load_config(config, paths).views
        view = views[0] if views else None  # the first view the inputs' DiagramConfig lists
    if not view:
        raise InvalidArgument("give --view (architecture, workload, traffic, trace or states), or --check DIR "
                              "(or list views in the inputs' DiagramConfig)")
    request = Request(paths, view, settle, config, prop, symmetry, max_states, icons)
    if output is None:
        from kmodel.render.output import render_bytes

        diagram = build(request, stdin=stdin)
        data = render_bytes(diagram, fmt)
        return 0, data, [f"{len(diagram.findings)} finding(s)"] if diagram.findings else []
    data, diagram = write(request, output, stdin=stdin)
    with open(output, "wb") as fh:
        fh.write(data)
    lines = [f"wrote {output}: {len(diagram.nodes)} boxes, {len(diagram.edges)} edges, "
             f"{len(diagram.findings)} finding(s)"]
    lines += [f"  {f.message}" for f in diagram.findings[:20]]
    return 0, b"", lines
