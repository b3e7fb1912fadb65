"""Benchmark of ``cdv programmation`` and ``cdv regles diff`` against ``cdv check``: time ratio, memory.

Generates N synthetic dossiers (``generate.py``: three exercices mixed, most
of them 2025), then measures, alternating the commands round after round and
keeping medians, the ratio to ``cdv check --format json --sans-cache`` with
the same ``--jobs`` of:

* ``cdv programmation --exercice 2025 --format json``;
* ``cdv regles diff rules rules-changed`` on the same dossiers (the plancher
  raised: both rule sets judge every dossier);

checks that ``--jobs 1`` and ``--jobs 2`` write the same bytes, and measures
the peak memory of both commands on a much bigger batch (100 000 dossiers by
default): the peak RSS of the biggest process and the peak PSS of the
process tree (``bench_check.peak_memory``).

Targets (issue 17): programmation ≤ 1.3 × check, ≤ 150 MB with ``--jobs 1``
and ``--jobs 2``.

Usage::

    python benchmarks/bench_programmation.py                  # N=10 000, 3 rounds, memory on 100 000
    python benchmarks/bench_programmation.py -n 2000 --rounds 2 --big 0
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import ENV, REPO, cdv_command, digest, machine, peak_memory, wall
from generate import generate

TARGETS = {"ratio": 1.3, "rss_mb": 150}


def changed_rules(work: Path) -> Path:
    """A copy of the shipped rules with the plancher raised (a diff that moves verdicts)."""
    dest = work / "rules-changed"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(REPO / "rules", dest)
    path = dest / "regles.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("minimum: {2024: 500}", "minimum: {2024: 1500}"), encoding="utf-8")
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark de cdv programmation et cdv regles diff.")
    parser.add_argument("-n", type=int, default=10_000, help="dossiers du lot chronométré (10 000)")
    parser.add_argument("--rounds", type=int, default=3, help="tours alternés (3)")
    parser.add_argument(
        "--big", type=int, default=100_000, help="dossiers de la mesure mémoire (100 000 ; 0 : pas de mesure)"
    )
    parser.add_argument("--workdir", type=Path, help="dossier de travail (défaut : temporaire, effacé à la fin)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="cdv-bench-prog-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(args, work)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def commands(cdv: list[str], lot: Path, rules: Path, jobs: str) -> dict[str, list[str]]:
    return {
        f"check-j{jobs}": [*cdv, "check", str(lot), "--format", "json", "--jobs", jobs, "--sans-cache"],
        f"programmation-j{jobs}": [*cdv, "programmation", str(lot), "-e", "2025", "--format", "json", "--jobs", jobs],
        f"diff-j{jobs}": [*cdv, "regles", "diff", "rules", str(rules), str(lot), "--format", "json", "--jobs", jobs],
    }


def run(args: argparse.Namespace, work: Path) -> None:
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    ENV["CDV_CACHE_DIR"] = str(work / "cdv-cache")  # never the user's cache
    cdv = cdv_command()
    rules = changed_rules(work)
    lot = work / f"lot-{args.n}"
    if not lot.exists():
        generate(lot, args.n)
    cmds = {**commands(cdv, lot, rules, "1"), **commands(cdv, lot, rules, "2")}
    same = {
        name: digest(cmds[f"{name}-j1"], REPO) == digest(cmds[f"{name}-j2"], REPO) for name in ("programmation", "diff")
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    names = list(cmds)
    for r in range(args.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]  # alternate who goes first
        for name in order:
            times[name].append(wall(cmds[name], REPO))
        print(
            f"tour {r + 1}/{args.rounds} : " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
            file=sys.stderr,
        )
    med = {k: statistics.median(v) for k, v in times.items()}

    memory: dict[str, tuple[float, float | None]] = {}
    if args.big:
        big = work / f"lot-{args.big}"
        if not big.exists():
            t = time.perf_counter()
            generate(big, args.big)
            print(f"{args.big} dossiers générés en {time.perf_counter() - t:.1f} s", file=sys.stderr)
        for jobs in ("1", "2"):
            for name, cmd in commands(cdv, big, rules, jobs).items():
                if not name.startswith("check"):
                    memory[name] = peak_memory(cmd, REPO)

    print()
    print(f"Machine : {machine()}")
    print(f"Lot : {args.n} dossiers, médianes de {args.rounds} tours alternés")
    for jobs in ("1", "2"):
        check = med[f"check-j{jobs}"]
        print(f"  cdv check --format json -j {jobs}            {check:6.2f} s")
        for name in ("programmation", "diff"):
            t = med[f"{name}-j{jobs}"]
            goal = f"   (objectif ≤ {TARGETS['ratio']})" if name == "programmation" else ""
            print(f"  {name:13} --format json -j {jobs}   {t:6.2f} s   {t / check:4.2f} × check{goal}")
    for name, ok in same.items():
        print(f"  {name} : sortie -j 1 et -j 2 identique   {'oui' if ok else 'NON'}")
    for name, (single, tree) in memory.items():
        extra = f", tous processus (PSS) {tree:.0f} Mo" if tree is not None else ""
        print(
            f"  mémoire, {args.big} dossiers, {name} : pic {single:.0f} Mo par processus{extra}"
            f"   (objectif ≤ {TARGETS['rss_mb']} Mo)"
        )


if __name__ == "__main__":
    main()
