"""The ``kmodel`` command line.

Exit codes: 0 every property holds (or the search was cut and nothing was violated: said
plainly), 1 a property is violated, 2 bad input or usage. Output is deterministic.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from kmodel.errors import KmodelError

__all__ = ["main"]

EXIT_OK, EXIT_VIOLATED, EXIT_BAD_INPUT = 0, 1, 2
#: Kinds kmodel loads and stores but does not reconcile yet.
_NO_CONTROLLER_YET: frozenset[str] = frozenset()


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except KmodelError as exc:
            click.echo(f"kmodel: error: {exc}", err=True)
            ctx.exit(EXIT_BAD_INPUT)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kmodel")
def cli() -> None:
    """kmodel: model-check Kubernetes reconciliation logic."""


@cli.command()
@click.argument("spec", nargs=-1, required=True)
@click.option("--strategy", type=click.Choice(["bfs", "dfs", "simulate", "smt"]), default="bfs", show_default=True,
              help="Search strategy; bfs gives shortest counterexamples; smt is Z3 bounded model checking "
                   "(numeric models only) to --max-depth.")
@click.option("--max-depth", type=click.IntRange(min=0), default=None,
              help="Do not expand states deeper than this (default: the scenario's bounds.maxDepth).")
@click.option("--max-states", type=click.IntRange(min=1), default=None,
              help="Stop after this many distinct states (default: the scenario's bounds.maxStates).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, help="Seconds.")
@click.option("--no-symmetry", is_flag=True, help="Do not identify states up to renaming of pods and nodes.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --strategy simulate.")
@click.option("--runs", type=click.IntRange(min=1), default=100, show_default=True,
              help="Random walks for --strategy simulate.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--progress/--no-progress", default=None, help="Progress line (default: on a terminal, not in CI).")
def explore(spec: Sequence[str], strategy: str, max_depth: int | None, max_states: int | None,
            timeout: float | None, no_symmetry: bool, seed: int, runs: int, fmt: str,
            progress: bool | None) -> None:
    """Model-check a scenario: SPEC is a folder or files of manifests with a Scenario (or - for stdin)."""
    from kmodel import properties as props
    from kmodel.report.text import explore_json, explore_text
    from kmodel.scenario import load_spec

    loaded = load_spec(list(spec), stdin=sys.stdin)
    scenario = loaded.scenario
    checker = loaded.model.checker().symmetry(not no_symmetry).progress(progress)
    depth = max_depth if max_depth is not None else scenario.max_depth
    states = max_states if max_states is not None else scenario.max_states
    checker = checker.max_depth(depth).max_states(states).timeout(timeout)
    if strategy == "smt":
        from kmodel.smt.bmc import encodable

        encodable(loaded.model)  # EncodingUnsupported (exit 2) names a model without an encoding
        if depth is None:
            raise click.UsageError("--strategy smt needs a depth: --max-depth N or the scenario's bounds.maxDepth")
        result = checker.smt(depth)
    elif strategy == "bfs":
        result = checker.bfs()
    elif strategy == "dfs":
        result = checker.dfs()
    else:
        result = checker.simulate(seed=seed, runs=runs)
    name = scenario.name
    render = explore_json if fmt == "json" else explore_text
    why = getattr(loaded.model, "explain", None) or (lambda pid, world: props.explain(pid, world))
    out = render(loaded.model, result, name=name, expect=scenario.expect, unstable=why)
    inert = sorted(f"{o.kind}/{o.metadata.name}" for o in loaded.loaded.objects if o.kind in _NO_CONTROLLER_YET)
    if fmt == "text" and inert:
        out = (f"note: no controller models {', '.join(inert)} yet: kmodel keeps the object but creates "
               "nothing from it\n") + out
    if fmt == "text" and loaded.loaded.skipped:
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(loaded.loaded.skipped.items()))
        out = f"skipped (kinds kmodel does not model yet): {skipped}\n" + out
    click.echo(out, nl=False)
    sys.exit(EXIT_VIOLATED if result.verdict == "violated" else EXIT_OK)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "formats", multiple=True, type=click.Choice(["text", "json", "sarif", "junit"]),
              help="Report format; repeat with --output for several reports in one run (default: text).")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
              help="File for the report of the --format at the same position (default: standard output).")
@click.option("--select", multiple=True, help="Run only these check ids (repeatable or comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these check ids (repeatable or comma-separated).")
@click.option("--assume", multiple=True, type=click.Path(dir_okay=False),
              help="Manifests of objects that exist outside the input (IngressClass, operator-made Secret...).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: .kmodel.yaml in the working directory or the first input directory).")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default=None,
              help="Exit 1 when findings at or above this severity exist (default: error, or the config's failOn).")
def check(paths: Sequence[str], formats: Sequence[str], outputs: Sequence[str], select: Sequence[str],
          ignore: Sequence[str], assume: Sequence[str], config_path: str | None, fail_on: str | None) -> None:
    """Check manifests (files, directories, - for stdin) for what would break in a cluster.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input or usage.
    """
    from kmodel.checks.runner import find_config, load_config, run
    from kmodel.report.findings import FORMATS

    def split(values: Sequence[str]) -> list[str]:
        return [v.strip() for value in values for v in value.split(",") if v.strip()]

    if len(outputs) > max(len(formats), 1):
        raise click.UsageError("more --output than --format options")
    config = load_config(config_path or find_config(paths))
    result = run(list(paths), config=config, select=split(select) or None, ignore=split(ignore),
                 assume=list(assume), stdin=sys.stdin)
    pairs = list(zip(formats or ("text",), list(outputs) + [None] * len(formats or ("text",)), strict=False))
    if sum(1 for _, out in pairs if out is None) > 1:
        raise click.UsageError("only one report can go to standard output: give --output for the others")
    rendered = [(FORMATS[fmt](result.findings, result.checks, result.inventory, result.notes), out)
                for fmt, out in pairs]
    for text, out in rendered:  # everything rendered before anything is written
        if out is None:
            click.echo(text, nl=False)
        else:
            tmp = f"{out}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            import os

            os.replace(tmp, out)
    sys.exit(EXIT_VIOLATED if result.failed(fail_on or config.fail_on) else EXIT_OK)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--view", type=click.Choice(["architecture", "workload", "traffic", "trace", "states"]), default=None,
              help="What to draw.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="FILE.svg, .png, .dot or .mmd (Mermaid), stamped for --check (default: DOT on standard output).")
@click.option("--format", "fmt", type=click.Choice(["dot", "mmd"]), default="dot", show_default=True,
              help="Text format on standard output when no -o is given.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="A kmodel.dev/v1alpha1 DiagramConfig: grouping, zones and subnets, collapsing, title.")
@click.option("--settle", is_flag=True, help="Run the model's controllers (no faults) first and draw where they leave it.")
@click.option("--property", "prop", default=None, help="--view trace: the property whose counterexample to draw.")
@click.option("--no-symmetry", is_flag=True, help="--view trace/states: explore without symmetry reduction.")
@click.option("--max-states", type=click.IntRange(min=1), default=None, help="--view states: explore at most this many.")
@click.option("--check", "check_dir", type=click.Path(file_okay=False), default=None,
              help="Fail (exit 1) when a stamped diagram under DIR no longer matches its inputs.")
@click.option("--update", "update_dir", type=click.Path(file_okay=False), default=None,
              help="Redraw the stamped diagrams under DIR that are not current.")
@click.option("--icons", is_flag=True, help="Draw each box with its kind's icon (the Kubernetes community icons kmodel ships).")
def diagram(paths: Sequence[str], view: str | None, output: str | None, fmt: str, config_path: str | None,
            settle: bool, prop: str | None, no_symmetry: bool, max_states: int | None, check_dir: str | None,
            update_dir: str | None, icons: bool) -> None:
    """Draw the model: architecture, workloads, traffic, a counterexample trace or the state graph.

    Exit codes: 0 drawn (or, with --check, every diagram current), 1 stale diagrams, 2 bad input.
    """
    from kmodel.errors import InvalidArgument
    from kmodel.render.command import run_command

    try:
        code, data, lines = run_command(tuple(paths), view=view, output=output, fmt=fmt, config=config_path,
                                        settle=settle, prop=prop, symmetry=not no_symmetry, max_states=max_states,
                                        check=check_dir, update=update_dir, stdin=sys.stdin, icons=icons)
    except InvalidArgument as exc:
        raise click.UsageError(str(exc)) from None
    if data:
        click.echo(data.decode("utf-8"), nl=False)
    for line in lines:
        click.echo(line, err=True)
    sys.exit(code)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--objective", type=click.Choice(["fewest-nodes", "balanced"]), default=None,
              help="Optimise the placement found (default: any placement).")
@click.option("--backend", type=click.Choice(["auto", "z3", "cpsat"]), default="auto", show_default=True,
              help="Solver: Z3 for small problems and explanations, OR-tools CP-SAT for packing at scale.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Seconds per solver call.")
@click.option("--greedy/--no-greedy", default=True, show_default=True,
              help="Compare with the default scheduler's greedy placement.")
@click.option("--tolerance/--no-tolerance", default=True, show_default=True,
              help="Check that every workload still fits after losing any node or any zone.")
def schedule(paths: Sequence[str], fmt: str, objective: str | None, backend: str, timeout: float,
             greedy: bool, tolerance: bool) -> None:
    """Decide whether every pod of PATHS fits the Node objects given with them, and report.

    Workloads are Deployments, ReplicaSets, StatefulSets and bare Pods; nodes are Node objects
    (``kubectl get nodes -o yaml``). Exit codes: 0 everything fits (or undecided, said plainly), 1
    a pod cannot be placed, the scheduler strands pods, or a node or zone loss is not survived;
    2 bad input or usage.
    """
    from kmodel.errors import InvalidArgument
    from kmodel.manifests import load
    from kmodel.report.schedule import schedule_json, schedule_text
    from kmodel.smt.placement import problem_from_objects
    from kmodel.smt.scheduling import schedule_analysis

    import os

    from kmodel.scenario import _spec_files

    from kmodel.checks.runner import CONFIG_FILE, _node_pool, find_config, load_config

    # a spec folder's own files, a `kmodel check` config and the files it assumes are not manifests
    config = load_config(find_config(list(paths)))
    assumed = {os.path.abspath(p) for p in config.assume}
    files = [f for f in _spec_files(list(paths))
             if f == "-" or (os.path.basename(f) != CONFIG_FILE and os.path.abspath(f) not in assumed)]
    loaded = load(files, stdin=sys.stdin)
    pools = [n for source, doc in loaded.extras if doc.get("kind") == "NodePool" for n in _node_pool(source, doc)]
    if pools:  # `kind: NodePool` (kmodel.dev/v1alpha1), as `kmodel check` reads it
        from kmodel.manifests import LoadResult

        loaded = LoadResult(loaded.objects + tuple(pools), loaded.sources, loaded.skipped, loaded.extras,
                            loaded.documents)
    if not any(o.kind == "Node" for o in loaded.objects):
        raise InvalidArgument("no Node objects in the input: give the nodes to schedule onto "
                              "(e.g. kubectl get nodes -o yaml > nodes.yaml)")
    problem = problem_from_objects(loaded.objects)
    analysis = schedule_analysis(problem, objective=objective, backend=backend, timeout=timeout,
                                 greedy=greedy, tolerance=tolerance)
    if loaded.skipped:
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(loaded.skipped.items()))
        analysis.notes.append(f"skipped (kinds kmodel does not model yet): {skipped}")
    name = " ".join(paths)
    out = schedule_json(analysis, name=name) if fmt == "json" else schedule_text(analysis, name=name)
    click.echo(out, nl=False)
    sys.exit(EXIT_VIOLATED if analysis.failed else EXIT_OK)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--theorem", "names", multiple=True, help="Only the theorems with these names (repeatable).")
def prove(paths: Sequence[str], fmt: str, names: Sequence[str]) -> None:
    """Check theorem files (proofs/NAME.py, or a directory of them) with Z3.

    Each theorem says whether it expects to be proved or refuted. Exit codes: 0 every outcome is
    the expected one, 1 some outcome differs (or is unknown), 2 bad input.
    """
    from kmodel.smt.proofs import render_json, render_text, run

    report = run(list(paths), names=list(names) or None)
    if names and not report.results:
        raise click.UsageError(f"no theorem named {', '.join(names)} in {', '.join(paths)}")
    click.echo((render_json if fmt == "json" else render_text)(report), nl=False)
    sys.exit(EXIT_OK if report.ok else EXIT_VIOLATED)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``kmodel`` console script."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="kmodel")


if __name__ == "__main__":  # pragma: no cover
    main()
