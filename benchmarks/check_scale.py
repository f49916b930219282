"""``kmodel check`` at scale: an example, and N copies of it in separate namespaces.

    python benchmarks/check_scale.py [--copies 100] [--example shop|shop-broken]

Prints wall time and peak memory (the checking process's own maximum resident set) for the full
suite, for the static reference checks alone (what kube-linter-style linters do: one object or
one reference at a time) and for the capacity checks alone (``unschedulable``,
``scheduler-strands-pods``, ``hpa-max-unschedulable``, ``node-loss-unsafe``,
``zone-loss-unsafe``), each as a separate process, so the figures include start-up and loading.

Copies get nodes by scaling every NodePool's ``count`` by the number of copies (100 copies of a
3-node pool: 300 nodes, still in the same zones), so each copy has the capacity the example has,
shared: the capacity analysis places 100 times the pods on 100 times the nodes in one problem.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shop"
CAPACITY = ("unschedulable", "scheduler-strands-pods", "hpa-max-unschedulable", "node-loss-unsafe", "zone-loss-unsafe")


def make_copies(dest: Path, copies: int, example: Path = EXAMPLE) -> int:
    """Write ``copies`` namespaced copies of ``example`` (every NodePool's count times
    ``copies``); return the number of objects."""
    objects = 0
    nodes = re.sub(r"\bcount: (\d+)", lambda m: f"count: {int(m.group(1)) * copies}", (example / "nodes.yaml").read_text())
    (dest / "nodes.yaml").write_text(nodes)
    (dest / "assumptions.yaml").write_text("")
    for i in range(copies):
        ns = f"shop-{i:03d}"
        for f in sorted(example.glob("[!.]*.yaml")):
            if f.name in ("nodes.yaml", "assumptions.yaml"):
                continue
            text = re.sub(r"\b(namespace|name): shop\b", rf"\1: {ns}", f.read_text())
            (dest / f"{ns}-{f.name}").write_text(text)
        assumptions = re.sub(r"namespace: shop\b", f"namespace: {ns}", (example / "assumptions.yaml").read_text())
        with open(dest / "assumptions.yaml", "a") as fh:
            fh.write(assumptions + "\n---\n")
    for f in dest.glob("shop-*.yaml"):
        objects += f.read_text().count("\nkind: ") + f.read_text().startswith("kind: ")
    return objects


_WRAPPER = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
            "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "print(u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr); sys.exit(r.returncode)")


def measure(args: list[str]) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds and peak MiB of the ``kmodel check`` process alone (a fresh
    wrapper per run, whose only child it is) and the exit code. CPU seconds are the better figure
    on a shared machine: wall time grows with the load, CPU time hardly."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _WRAPPER, sys.executable, "-m", "kmodel.cli", "check", *args],
                         capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode == 2:
        raise SystemExit(out.stderr)
    peak_kib, cpu = out.stderr.strip().splitlines()[-1].split()
    return seconds, float(cpu), int(peak_kib) / 1024, out.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--example", default="shop", help="a folder of examples/ (default: shop)")
    opts = parser.parse_args()
    from kmodel.checks import all_checks

    example = ROOT / "examples" / opts.example
    static = ",".join(c.id for c in all_checks() if c.engine == "static")
    print(f"{'input':<32} {'objects':>8} {'suite':<16} {'seconds':>8} {'cpu s':>7} {'peak MiB':>9} {'exit':>5}")
    with tempfile.TemporaryDirectory() as tmp:
        for copies in (1, opts.copies):
            dest = Path(tmp) / f"x{copies}"
            dest.mkdir()
            n = make_copies(dest, copies, example)
            for label, extra in (("full", []), ("static only", ["--select", static]),
                                 ("capacity only", ["--select", ",".join(CAPACITY)])):
                s, cpu, mem, code = measure([str(dest), "--assume", str(dest / "assumptions.yaml"), "--format",
                                             "json", "--output", os.devnull, *extra])
                print(f"{f'{copies} copies of {opts.example}':<32} {n:>8} {label:<16} {s:>8.2f} {cpu:>7.2f} "
                      f"{mem:>9.0f} {code:>5}")


if __name__ == "__main__":
    main()
