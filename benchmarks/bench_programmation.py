"""Benchmark of ``cdv programmation --format json`` against ``cdv check --format json`` on the same dossiers.

Issue 17's row: programmation / check ≤ 1.3 ×, with ``--jobs``, on 100 000
dossiers, peak memory ≤ 150 MB. The lot is the **shared peer's**
(``../shared/peers/gen_dossiers.py --seed 42``): one exercice (2025), so that
``cdv programmation`` needs no ``--exercice``; ``-n`` changes its size.

Whole processes, round after round, medians, ``--jobs 1`` and ``--jobs 2``:

* **cache on** (a fresh ``CDV_CACHE_DIR`` of this run): for each command,
  ``cdv cache vider`` (not timed), a **cold** run, then a **warm** run;
* **cache off**: ``cdv check --sans-cache`` against
  ``cdv programmation --sans-cache``, commands alternated — only if
  ``cdv programmation --help`` offers ``--sans-cache`` (otherwise skipped,
  and said so).

Then the peak memory of ``cdv programmation`` (cache cold, and off when it
can be; and with ``--jobs 2``, the text and HTML formats), with ``bench_check.peak_memory``: the biggest process's RSS and the
process tree's PSS; and whether ``--jobs 1`` and ``--jobs 2`` write the same
bytes.

Usage::

    python benchmarks/bench_programmation.py                  # N=100 000, 3 rounds (long: ≈ 20 min)
    python benchmarks/bench_programmation.py -n 5000 --rounds 1 --sans-memoire   # quick look
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import (
    ENV,
    REPO,
    TARGETS,
    alternate,
    cdv_command,
    digest,
    executer,
    machine,
    mark,
    medians,
    options_communes,
    peak_memory,
    peer_lot,
    prepare_env,
    safe_output,
    yaml_files,
)

TARGET = 1.3  # programmation / check, at most
JOBS = (1, 2)


def options(cdv: list[str], command: str) -> str:
    """The text of ``cdv COMMAND --help`` (to see which options it offers)."""
    out = subprocess.run([*cdv, command, "--help"], cwd=REPO, env=ENV, capture_output=True, text=True)
    return out.stdout


def measure(work: Path, *, n: int, rounds: int, memory: bool = True) -> dict[str, Any]:
    """The medians, ratios and memory as plain data."""
    prepare_env(work)
    cdv = cdv_command()
    lot = peer_lot(work, n)
    help_text = options(cdv, "programmation")
    has_jobs, has_sans_cache = "--jobs" in help_text, "--sans-cache" in help_text

    def cmd(command: str, jobs: int, cache: bool, format: str = "json") -> list[str]:
        line = [*cdv, command, str(lot), "--format", format]
        if command == "check" or has_jobs:
            line += ["--jobs", str(jobs)]
        if not cache:
            line.append("--sans-cache")
        return line

    vider = [*cdv, "cache", "vider"]
    result: dict[str, Any] = {
        "machine": machine(),
        "n": len(yaml_files(lot)),
        "rounds": rounds,
        "jobs_programmation": has_jobs,
        "sans_cache_programmation": has_sans_cache,
    }
    cache_off = has_sans_cache
    # also the warm-up (page cache, .pyc files)
    result["identical_jobs"] = digest(cmd("programmation", 1, not cache_off), REPO) == digest(
        cmd("programmation", 2, not cache_off), REPO
    )

    # cache on: cold then warm, each command in turn, in the same rounds
    on: dict[str, list[str]] = {}
    before: dict[str, list[str]] = {}
    for jobs in JOBS:
        for command in ("check", "programmation"):
            on[f"{command}-j{jobs}-froid"] = cmd(command, jobs, True)
            before[f"{command}-j{jobs}-froid"] = vider
            on[f"{command}-j{jobs}-chaud"] = cmd(command, jobs, True)
    med = medians(alternate(on, rounds, REPO, before=before, rotate=False))
    result["cache"] = {
        f"j{jobs}": {
            state: {
                "check": med[f"check-j{jobs}-{state}"],
                "programmation": med[f"programmation-j{jobs}-{state}"],
                "ratio": med[f"programmation-j{jobs}-{state}"] / med[f"check-j{jobs}-{state}"],
            }
            for state in ("froid", "chaud")
        }
        for jobs in JOBS
    }

    # cache off: only when programmation can be told so
    if cache_off:
        off = {
            f"{command}-j{jobs}": cmd(command, jobs, False) for jobs in JOBS for command in ("check", "programmation")
        }
        med = medians(alternate(off, rounds, REPO))
        result["sans_cache"] = {
            f"j{jobs}": {
                "check": med[f"check-j{jobs}"],
                "programmation": med[f"programmation-j{jobs}"],
                "ratio": med[f"programmation-j{jobs}"] / med[f"check-j{jobs}"],
            }
            for jobs in JOBS
        }

    mem: dict[str, tuple[float, float | None]] = {}
    if memory:
        for jobs in JOBS:
            mem[f"{jobs}, cache à froid"] = peak_memory(cmd("programmation", jobs, True), REPO, before=vider)
            if cache_off:
                mem[f"{jobs}, sans cache"] = peak_memory(cmd("programmation", jobs, False), REPO)
        for format in ("text", "html"):  # remedies computed (text), every retained action listed (html)
            mem[f"2, --format {format}"] = peak_memory(cmd("programmation", 2, True, format), REPO, before=vider)
    result["memory_mb"] = mem
    return result


def headline(result: dict[str, Any]) -> tuple[float, str]:
    """The row of issue 17's table: programmation / check with ``--jobs 2``, without cache when possible."""
    if "sans_cache" in result:
        return result["sans_cache"]["j2"]["ratio"], "--jobs 2, --sans-cache"
    return result["cache"]["j2"]["froid"]["ratio"], "--jobs 2, cache à froid"


def report(result: dict[str, Any]) -> None:
    print()
    print(f"Machine : {result['machine']}")
    print(
        f"Lot du pair (gen_dossiers.py --seed 42, un exercice) : {result['n']} dossiers, médianes de {result['rounds']} tours"
    )
    if not result["jobs_programmation"]:
        print("  (cdv programmation n'a pas --jobs ici : lancé sans, contre cdv check --jobs N)")
    for jobs in JOBS:
        for state, label in (("froid", "cache à froid"), ("chaud", "cache à chaud")):
            row = result["cache"][f"j{jobs}"][state]
            print(
                f"  -j {jobs}, {label:13}  check {row['check']:7.2f} s  programmation {row['programmation']:7.2f} s"
                f"   {row['ratio']:4.2f} ×   (objectif ≤ {TARGET}) {mark(row['ratio'], TARGET)}"
            )
    if "sans_cache" in result:
        for jobs in JOBS:
            row = result["sans_cache"][f"j{jobs}"]
            print(
                f"  -j {jobs}, sans cache     check {row['check']:7.2f} s  programmation {row['programmation']:7.2f} s"
                f"   {row['ratio']:4.2f} ×   (objectif ≤ {TARGET}) {mark(row['ratio'], TARGET)}"
            )
    else:
        print("  sans cache : ligne ignorée (cdv programmation n'a pas --sans-cache)")
    print(f"  sortie de programmation -j 1 et -j 2 identique : {'oui' if result['identical_jobs'] else 'NON'}")
    for label, (single, tree) in result["memory_mb"].items():
        extra = f", tous processus (PSS) {tree:.0f} Mo" if tree is not None else ""
        print(
            f"  mémoire de programmation, -j {label} : pic {single:.0f} Mo par processus{extra}"
            f"   (objectif ≤ {TARGETS['rss_mb']} Mo) {mark(single, TARGETS['rss_mb'])}"
        )


def main() -> None:
    safe_output()
    parser = argparse.ArgumentParser(description="Benchmark de cdv programmation contre cdv check.")
    parser.add_argument("-n", type=int, default=100_000, help="dossiers du lot du pair (100 000)")
    parser.add_argument("--rounds", type=int, default=3, help="tours alternés (3)")
    parser.add_argument("--sans-memoire", action="store_true", help="sans la mesure de la mémoire")
    options_communes(parser)
    args = parser.parse_args()
    executer(args, lambda w: measure(w, n=args.n, rounds=args.rounds, memory=not args.sans_memoire), report)


if __name__ == "__main__":
    main()
