"""Benchmark of the history (SPEC §5): N dossiers over five exercices, peak memory and time per dossier.

Generates N/5 synthetic dossiers (``generate.py``) and copies them into five
exercices (2025 to 2029: every year of a dossier shifted so that each folder
holds one exercice, in path order; ids prefixed by the exercice; each copy
after the first naming its previous year's copy in ``action.precedent``): chains of five yearly dossiers, CPOs across years, a
history of 4N/5 dossiers for the last exercice. Then, with the same
``--jobs``:

* **single**: ``cdv check --format json`` on the first exercice alone (N/5
  dossiers, no history);
* **five**: ``cdv check --format json`` on the five exercices (N dossiers,
  every one reported, each judged with the earlier ones as history);
* **last**: ``cdv check --exercice 2029 --format json`` on the five (N/5
  reported, 4N/5 read as history only).

For each: wall time, time per reported dossier and per file, and the peak RSS
of the biggest process (``getrusage`` of the children). Targets: peak RSS of
**five** ≤ 250 MB; time per file of **five** ≤ 1.2 × that of **single**.

Usage::

    python benchmarks/bench_historique.py                # N = 100 000
    python benchmarks/bench_historique.py -n 5000        # quick look
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

EXERCICES = (2025, 2026, 2027, 2028, 2029)
PEAK = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - start)
"""
ENV = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8")
_YEAR = re.compile(r"\b(20[23][0-9])\b")
TARGETS = {"rss_mb": 250, "ratio": 1.2}


def cdv_command() -> list[str]:
    script = Path(sys.executable).with_name("cdv")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cdv_prog"]


def shifted(text: str, exercice: int) -> str:
    """A generated dossier moved to ``exercice`` (every year in it shifted alike), chained to its previous copy."""
    own = re.search(r"^exercice: ([0-9]{4})$", text, re.MULTILINE)
    delta = exercice - (int(own.group(1)) if own is not None else EXERCICES[0])
    out = _YEAR.sub(lambda m: str(int(m.group(1)) + delta), text)
    out = out.replace("id: GEN-", f"id: E{exercice}-GEN-", 1)
    if exercice > EXERCICES[0]:
        ident = re.search(r"^id: E[0-9]+-(GEN-[^\n]+)$", out, re.MULTILINE)
        if ident is not None and "\naction:\n" in out:
            previous = _YEAR.sub(lambda m: str(int(m.group(1)) - 1), ident.group(1))  # one year less shifted
            out = out.replace("\naction:\n", f"\naction:\n  precedent: E{exercice - 1}-{previous}\n", 1)
    return out


def build(work: Path, n: int) -> tuple[Path, Path]:
    base = work / "base"
    if not base.exists():
        generate(base, max(1, n // len(EXERCICES)))
    five = work / "cinq"
    if five.exists():
        shutil.rmtree(five)
    for exercice in EXERCICES:
        for path in sorted(base.rglob("*.yaml")):
            target = five / str(exercice) / path.relative_to(base)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(shifted(path.read_text(encoding="utf-8"), exercice), encoding="utf-8")
    return five / str(EXERCICES[0]), five


def measure(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS of the biggest process in MB)."""
    out = subprocess.run([sys.executable, "-c", PEAK, *cmd], cwd=cwd, env=ENV, capture_output=True, text=True)
    code, maxrss, seconds = out.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"échec de {' '.join(cmd)} (code {code})")
    return float(seconds), int(maxrss) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark de l'historique (plusieurs exercices).")
    parser.add_argument("-n", type=int, default=100_000, help="dossiers en tout, sur cinq exercices (100 000)")
    parser.add_argument("--jobs", type=int, default=None, help="--jobs de cdv check (défaut : celui de cdv)")
    parser.add_argument("--workdir", type=Path, help="dossier de travail (défaut : temporaire, effacé à la fin)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="cdv-bench-hist-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        single, five = build(work, args.n)
        per_year = sum(1 for _ in single.rglob("*.yaml"))
        total = per_year * len(EXERCICES)
        print(f"{total} dossiers ({per_year} par exercice) écrits en {time.perf_counter() - start:.0f} s")
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        cdv = [*cdv_command(), "check", "--format", "json", *jobs]
        rows = {
            "single": (measure([*cdv, str(single)], work), per_year, per_year),
            "five": (measure([*cdv, str(five)], work), total, total),
            "last": (measure([*cdv, str(five), "--exercice", str(EXERCICES[-1])], work), per_year, total),
        }
        print(f"{'lot':<8} {'durée':>9} {'ms/dossier rapporté':>20} {'ms/fichier':>11} {'RSS max':>9}")
        for name, ((seconds, rss), reported, files) in rows.items():
            print(
                f"{name:<8} {seconds:>8.1f}s {1000 * seconds / reported:>20.3f} "
                f"{1000 * seconds / files:>11.3f} {rss:>7.0f}MB"
            )
        (s_single, _), _, _ = rows["single"]
        (s_five, rss_five), _, _ = rows["five"]
        ratio = (s_five / total) / (s_single / per_year)
        print(f"cinq exercices / un seul, par fichier : {ratio:.2f} (cible ≤ {TARGETS['ratio']})")
        print(f"RSS max, cinq exercices : {rss_five:.0f} MB (cible ≤ {TARGETS['rss_mb']} MB)")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
