"""``kmodel check`` at scale: the shop example, and N copies of it in separate namespaces.

    python benchmarks/check_scale.py [--copies 100]

Prints wall time and peak memory for the full suite and for the static reference checks alone
(what kube-linter-style linters do: one object or one reference at a time), each as a separate
process, so the figures include start-up and loading.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shop"


def make_copies(dest: Path, copies: int) -> int:
    """Write ``copies`` namespaced copies of the example; return the number of objects."""
    objects = 0
    (dest / "nodes.yaml").write_text((EXAMPLE / "nodes.yaml").read_text().replace("count: 3", f"count: {3 * copies}"))
    (dest / "assumptions.yaml").write_text("")
    for i in range(copies):
        ns = f"shop-{i:03d}"
        for f in sorted(EXAMPLE.glob("[!.]*.yaml")):
            if f.name in ("nodes.yaml", "assumptions.yaml"):
                continue
            text = re.sub(r"\b(namespace|name): shop\b", rf"\1: {ns}", f.read_text())
            (dest / f"{ns}-{f.name}").write_text(text)
        assumptions = re.sub(r"namespace: shop\b", f"namespace: {ns}", (EXAMPLE / "assumptions.yaml").read_text())
        with open(dest / "assumptions.yaml", "a") as fh:
            fh.write(assumptions + "\n---\n")
    for f in dest.glob("shop-*.yaml"):
        objects += f.read_text().count("\nkind: ") + f.read_text().startswith("kind: ")
    return objects


def measure(args: list[str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-m", "kmodel.cli", "check", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if out.returncode == 2:
        raise SystemExit(out.stderr)
    return seconds, max(peak, before) / 1024, out.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=100)
    opts = parser.parse_args()
    from kmodel.checks import all_checks

    static = ",".join(c.id for c in all_checks() if c.engine == "static")
    print(f"{'input':<28} {'objects':>8} {'suite':<16} {'seconds':>8} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for copies in (1, opts.copies):
            dest = Path(tmp) / f"x{copies}"
            dest.mkdir()
            n = make_copies(dest, copies)
            for label, extra in (("full", []), ("static only", ["--select", static])):
                s, mem, _ = measure([str(dest), "--assume", str(dest / "assumptions.yaml"), "--format", "json",
                                     "--output", os.devnull, *extra])
                print(f"{f'{copies} copies of the shop':<28} {n:>8} {label:<16} {s:>8.2f} {mem:>9.0f}")


if __name__ == "__main__":
    main()
