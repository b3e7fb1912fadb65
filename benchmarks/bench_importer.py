"""Benchmark of ``cdv importer``: writing N dossiers against ``--essai`` on the same workbook.

Generates a CSV export of N actions (one row per action, deterministic), then
runs, alternating round after round and keeping medians, whole processes:

* ``cdv importer prog.csv --exercice 2025 --essai`` (reads, builds, validates,
  writes nothing);
* ``cdv importer prog.csv --exercice 2025 -d FOLDER`` into an empty folder
  (the same, plus each file written atomically and the batch made durable).

The ratio write / essai is what the issue 17 targets (≤ 1.2×). The figures
depend on the disk: say where they were taken (``--dir``: a folder on the disk
measured; ``/tmp`` may be a tmpfs). The folders written are removed at the end,
not between rounds: ext4 skips, when it allocates an inode, the inodes freed in
the last seconds (``recently_deleted``, a scan that grows with their number), so
removing 10 000 files right before the next round would measure that removal's
after-effect, not the import.

Usage::

    python benchmarks/bench_importer.py              # N=10 000, 5 rounds
    python benchmarks/bench_importer.py -n 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADER = [
    "N°",
    "Intitulé",
    "Porteur",
    "Quartier(s)",
    "Défi",
    "Date de début",
    "Date de fin",
    "Budget total",
    "Autres produits",
    "État",
    "Ville",
    "Agglo",
    "CAF",
]
QUARTIERS = ["La Conte", "Grazailles", "Viguier St Jacques", "Fleming - La Reille"]
DEFIS = ["Grandir", "S'épanouir", "Travailler", "Vivre ensemble"]


def workbook(path: Path, n: int) -> None:
    """A CSV export of ``n`` valid actions of exercice 2025."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(HEADER)
        for i in range(1, n + 1):
            etat, ville, agglo = 1000 + (i % 7) * 250, 1500 + (i % 5) * 100, 800 + (i % 3) * 50
            out.writerow(
                [
                    i,
                    f"Action numéro {i} : ateliers et accompagnement",
                    f"Association {i % 300}",
                    QUARTIERS[i % len(QUARTIERS)],
                    DEFIS[i % len(DEFIS)],
                    "01/03/2025",
                    "31/12/2025",
                    etat + ville + agglo + 500,
                    500,
                    etat,
                    ville,
                    agglo,
                    "",
                ]
            )


def run(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=Path(cmd[4]).parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} : code {done.returncode}\n{done.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="actions in the workbook")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: a temporary folder)")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs cdv (another version of it)")
    args = parser.parse_args()
    cdv = [args.python, "-m", "cdv_prog"]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        base = Path(tmp)
        source = base / "prog.csv"
        workbook(source, args.n)
        common = [*cdv, "importer", str(source), "--exercice", "2025", "--rules", str(REPO / "rules")]
        essai, ecrit = [], []
        for r in range(args.rounds):
            target = base / f"out{r}"
            essai.append(run([*common, "--essai", "-d", str(target)]))
            ecrit.append(run([*common, "-d", str(target)]))
        for r in range(args.rounds):
            shutil.rmtree(base / f"out{r}")
        me, mw = statistics.median(essai), statistics.median(ecrit)
        print(f"cdv importer, {args.n} actions, {args.rounds} rounds alternated, medians (whole processes)")
        print(f"  --essai          {me:7.2f} s")
        print(f"  writing          {mw:7.2f} s")
        ratios = statistics.median(w / e for e, w in zip(essai, ecrit, strict=True))
        print(f"  writing / essai  {mw / me:7.2f} x   (target <= 1.2 x; median of the rounds' ratios {ratios:.2f} x)")


if __name__ == "__main__":
    main()
