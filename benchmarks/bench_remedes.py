"""Benchmark of ``cdv check --remedes`` against ``cdv check`` alone (issue 13: target ≤ 1.3×).

Generates N synthetic dossiers (``generate.py``: deterministic, about a third
inéligibles), then runs, alternating round after round and keeping medians,
``cdv check --format json --sans-cache`` with and without ``--remedes`` (same
``--jobs``; ``--remedes`` never uses the cache, so neither run does: a warm
cache would compare reading back with checking), and prints the ratio and how many inéligible dossiers got a verified combined
remedy. On a shared machine, say so with the figures.

Usage::

    python benchmarks/bench_remedes.py                    # N=10 000, 3 rounds, --jobs 1
    python benchmarks/bench_remedes.py -n 2000 --rounds 1 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

REPO = Path(__file__).resolve().parent.parent


def _run(args: list[str], out: Path) -> float:
    start = time.perf_counter()
    with out.open("wb") as fh:
        subprocess.run(args, stdout=fh, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    cdv = str(Path(sys.executable).parent / "cdv")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "dossiers"
        generate(root, args.n)
        base = [cdv, "check", str(root), "--format", "json", "--jobs", str(args.jobs), "--rules", str(REPO / "rules")]
        base.append("--sans-cache")
        seul, avec = [], []
        for _ in range(args.rounds):
            seul.append(_run(base, Path(tmp) / "seul.json"))
            avec.append(_run([*base, "--remedes"], Path(tmp) / "avec.json"))
        doc = json.loads((Path(tmp) / "avec.json").read_text(encoding="utf-8"))
    ineligibles = [d for d in doc["dossiers"] if d["verdict"] == "ineligible"]
    remedies = sum(d.get("pour-etre-eligible") is not None for d in ineligibles)
    a, b = statistics.median(seul), statistics.median(avec)
    print(f"{args.n} dossiers, --jobs {args.jobs}, {args.rounds} round(s), {os.cpu_count()} cores (machine shared?)")
    print(
        f"  inéligibles : {len(ineligibles)} ({len(ineligibles) / max(1, len(doc['dossiers'])):.0%}), "
        f"avec une modification d'ensemble vérifiée : {remedies}"
    )
    print(f"  cdv check            : {a:.2f} s (médiane)")
    print(f"  cdv check --remedes  : {b:.2f} s (médiane)")
    print(f"  rapport              : {b / a:.2f} × (cible ≤ 1,30 ×)")


if __name__ == "__main__":
    main()
