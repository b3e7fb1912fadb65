"""Benchmark of the incremental cache of ``cdv check``: a warm run against a cold one.

Generates N synthetic dossiers (``generate.py``), then, round after round,
alternating, whole processes, medians:

* the **floor** (PyYAML's ``CSafeLoader`` parsing the same files, nothing else);
* a **cold** run: ``cdv cache vider`` (not timed), then ``cdv check --format json``;
* a **warm** run: the same command again, every report read back from the cache;
* ``--sans-cache``: the same command neither reading nor writing the cache.

The outputs of the three are compared byte for byte. The target of issue 17 is
warm / cold ≤ 0.25×. The cache lives in a temporary folder (``CDV_CACHE_DIR``).

Usage::

    python benchmarks/bench_cache.py                  # N=10 000, 3 rounds, --jobs 1
    python benchmarks/bench_cache.py -n 2000 --rounds 3 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import ENV, FLOOR, cdv_command, digest, machine, wall
from generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lot = work / "lot"
        generate(lot, args.n)
        ENV["CDV_CACHE_DIR"] = str(work / "cache")
        cdv = cdv_command()
        check = [*cdv, "check", str(lot), "--format", "json", "--jobs", str(args.jobs)]
        vider = [*cdv, "cache", "vider"]
        floor_cmd = [sys.executable, "-c", FLOOR, str(lot)]
        times: dict[str, list[float]] = {"floor": [], "cold": [], "warm": [], "sans": []}
        for _ in range(args.rounds):
            times["floor"].append(wall(floor_cmd, work))
            subprocess.run(vider, cwd=work, env=ENV, capture_output=True, check=True)
            times["cold"].append(wall(check, work))
            times["warm"].append(wall(check, work))
            times["sans"].append(wall([*check, "--sans-cache"], work))
        same = digest(check, work) == digest([*check, "--sans-cache"], work)
        subprocess.run(vider, cwd=work, env=ENV, capture_output=True, check=True)
        same = same and digest(check, work) == digest([*check, "--sans-cache"], work)
        size = os.path.getsize(work / "cache" / "rapports.sqlite3")
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{machine()}; {args.n} dossiers, --jobs {args.jobs}, {args.rounds} rounds alternated, medians")
    for label, key in (("floor", "floor"), ("cold", "cold"), ("warm", "warm"), ("--sans-cache", "sans")):
        print(f"  {label:14} {med[key]:6.2f} s   {med[key] / med['floor']:5.2f} x floor")
    print(f"  warm / cold    {med['warm'] / med['cold']:6.2f} x   (target <= 0.25 x)")
    print(f"  cold / --sans-cache {med['cold'] / med['sans']:6.2f} x   (the cost of filling the cache)")
    print(f"  cache file: {size / 1e6:.1f} MB; outputs identical (cold, warm, --sans-cache): {same}")


if __name__ == "__main__":
    main()
