"""Issue 17's table, measured: runs every benchmark with modest settings and prints a Markdown table.

Runs, in one work folder (the lots generated once and shared):
``bench_check`` (the peer's lot, and our mixed lot as secondary rows),
``bench_publicodes`` (skipped, and said so, without Node ≥ 18 or npm),
``bench_programmation``, ``bench_importer.py`` (its own script, run as a
process) and ``bench_cache``; then prints the table (measure | now | target |
✓/✗), ready to paste into README.md, with the machine and the settings.

Every figure of a row comes from one script's run (its commands alternated,
medians): ratios, not absolute times, are what carries from one machine or
moment to the next.

Usage::

    python benchmarks/tableau.py                  # 10 000 dossiers, 3 rounds; 2 000 for Publicodes; 100 000 for programmation
    python benchmarks/tableau.py --rapide         # a quick look (small lots, one round): the figures are only indicative
    python benchmarks/tableau.py -n 5000 --rounds 1 --n-programmation 20000 --sans-importer
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cache
import bench_check
import bench_programmation
import bench_publicodes
from bench_check import ENV, TARGETS, machine, mark, symbol

HERE = Path(__file__).resolve().parent
_IMPORTER_RATIO = re.compile(r"(?:writing|écriture) / (?:--)?essai\s+([0-9]+(?:[.,][0-9]+)?)")


def fr(value: float, digits: int = 2) -> str:
    """A number written the French way (decimal comma)."""
    return f"{value:.{digits}f}".replace(".", ",")


def importer_ratio(n: int, rounds: int) -> tuple[float | None, str]:
    """(writing / --essai, the raw line) from ``bench_importer.py``, run as its own process."""
    cmd = [sys.executable, str(HERE / "bench_importer.py"), "-n", str(n), "--rounds", str(rounds)]
    proc = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    found = _IMPORTER_RATIO.search(proc.stdout)
    if proc.returncode != 0 or not found:
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["sans sortie"]
        return None, f"non mesuré (bench_importer.py, code {proc.returncode} : {tail[0][:120]})"
    return float(found.group(1).replace(",", ".")), found.group(0)


Row = tuple[str, str, str, str]


def rows(
    check: dict[str, Any],
    publicodes: dict[str, Any] | None,
    programmation: dict[str, Any] | None,
    importer: tuple[float | None, str] | None,
    cache: dict[str, Any],
) -> list[Row]:
    """The table's rows (measure, now, target, ✓/✗) from the scripts' results."""
    out: list[Row] = []
    pair = check["lots"]["pair"]
    n = pair["dossiers"]
    for jobs in (1, 2):
        ratio, target = pair[f"ratio_jobs{jobs}"], TARGETS[f"jobs{jobs}"]
        tours = pair.get(f"par_tour_jobs{jobs}", [])
        spread = f" ; par tour : {fr(min(tours))} à {fr(max(tours))} ×" if len(tours) > 1 else ""
        out.append(
            (
                f"`cdv check --jobs {jobs} --format json` / plancher, lot du pair de {n}",
                f"{fr(ratio)} × ({fr(pair[f'jobs{jobs}'])} s / {fr(pair['floor'])} s{spread})",
                f"≤ {fr(target, 1)} ×",
                mark(ratio, target),
            )
        )
    out.append(
        (
            "un dossier, `cdv check FICHIER`, processus entier",
            f"{fr(check['one'], 3)} s",
            f"≤ {fr(TARGETS['one'])} s",
            mark(check["one"], TARGETS["one"]),
        )
    )
    if publicodes is None:
        out.append(("les 14 règles en Publicodes / cdv", "non mesuré (--sans-publicodes)", "≥ 15 ×", "—"))
    elif "ignore" in publicodes:
        out.append(("les 14 règles en Publicodes / cdv", f"ligne ignorée : {publicodes['ignore']}", "≥ 15 ×", "—"))
    else:
        med, r1, r2 = publicodes["medians"], publicodes["ratio_jobs1"], publicodes["ratio_jobs2"]
        out.append(
            (
                f"les 14 règles en Publicodes / cdv (`--jobs 1`), {publicodes['n']} dossiers",
                f"{fr(r1, 1)} × ({fr(med['publicodes'])} s / {fr(med['cdv-j1'])} s ; `--jobs 2` : {fr(r2, 1)} ×)",
                "≥ 15 ×",
                mark(r1, bench_publicodes.TARGET, at_least=True),
            )
        )
    if programmation is None:
        out.append(("`cdv programmation` / `cdv check`, `--format json`", "non mesuré", "≤ 1,3 ×, ≤ 150 Mo", "—"))
    else:
        ratio, how = bench_programmation.headline(programmation)
        peaks = [single for single, _ in programmation["memory_mb"].values()]
        peak = max(peaks) if peaks else None
        now = f"{fr(ratio)} × ({how})"
        ok = ratio <= bench_programmation.TARGET
        if peak is not None:
            now += f", pic {peak:.0f} Mo par processus"
            ok = ok and peak <= TARGETS["rss_mb"]
        out.append(
            (
                f"`cdv programmation --format json` / `cdv check --format json`, {programmation['n']} dossiers",
                now,
                "≤ 1,3 ×, avec `--jobs`, ≤ 150 Mo",
                symbol(ok),
            )
        )
    if importer is None:
        out.append(("`cdv importer` écriture / `--essai`", "non mesuré (--sans-importer)", "≤ 1,2 ×", "—"))
    else:
        value, line = importer
        out.append(
            (
                "`cdv importer` écriture / `--essai`",
                line if value is None else f"{fr(value)} ×",
                "≤ 1,2 ×",
                "—" if value is None else mark(value, 1.2),
            )
        )
    for name, label in (("pair", "lot du pair"), ("mixte", "lot mixte, secondaire")):
        row = cache["lots"].get(name)
        if row is None:
            continue
        for jobs in (1, 2):
            m = row.get(f"j{jobs}")
            if m is None:
                continue
            out.append(
                (
                    f"cache à chaud / à froid, {row['dossiers']} dossiers, `--jobs {jobs}` ({label})",
                    f"{fr(m['ratio'])} × ({fr(m['chaud'])} s / {fr(m['froid'])} s)",
                    "≤ 0,25 ×",
                    mark(m["ratio"], bench_cache.TARGET),
                )
            )
    mixte = check["lots"].get("mixte")
    if mixte:
        for jobs in (1, 2):
            ratio, target = mixte[f"ratio_jobs{jobs}"], TARGETS[f"jobs{jobs}"]
            out.append(
                (
                    f"`cdv check --jobs {jobs} --format json` / plancher, lot mixte de {mixte['dossiers']} (secondaire)",
                    f"{fr(ratio)} × ({fr(mixte[f'jobs{jobs}'])} s / {fr(mixte['floor'])} s)",
                    f"≤ {fr(target, 1)} ×",
                    mark(ratio, target),
                )
            )
    return out


def markdown(table: list[Row]) -> str:
    lines = ["| mesure | maintenant | objectif | ✓/✗ |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in table]
    return "\n".join(lines)


def main() -> None:
    bench_check.safe_output()
    parser = argparse.ArgumentParser(description="Le tableau de l'issue 17, mesuré.")
    parser.add_argument("-n", type=int, default=10_000, help="dossiers des lots de cdv check et du cache (10 000)")
    parser.add_argument("--rounds", type=int, default=3, help="tours alternés de chaque mesure (3)")
    parser.add_argument("--n-publicodes", type=int, default=2000, help="dossiers de la ligne Publicodes (2 000)")
    parser.add_argument("--n-programmation", type=int, default=100_000, help="dossiers de programmation (100 000)")
    parser.add_argument("--n-importer", type=int, default=5000, help="actions de bench_importer.py (5 000)")
    parser.add_argument("--rapide", action="store_true", help="aperçu : petits lots, un tour (chiffres indicatifs)")
    parser.add_argument("--sans-publicodes", action="store_true", help="sans la ligne Publicodes")
    parser.add_argument("--sans-programmation", action="store_true", help="sans la ligne programmation")
    parser.add_argument("--sans-importer", action="store_true", help="sans la ligne de l'importeur")
    parser.add_argument("--sans-memoire", action="store_true", help="sans la mesure de la mémoire")
    parser.add_argument("--workdir", type=Path, help="dossier de travail, lots gardés (défaut : temporaire, effacé)")
    args = parser.parse_args()
    if args.rapide:
        args.n, args.rounds = min(args.n, 1000), 1
        args.n_publicodes, args.n_programmation = min(args.n_publicodes, 300), min(args.n_programmation, 5000)
        args.n_importer = min(args.n_importer, 500)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="cdv-tableau-"))
    work.mkdir(parents=True, exist_ok=True)

    def step(title: str, run: Callable[[], Any]) -> Any:
        print(f"== {title}", file=sys.stderr)
        return run()

    try:
        check = step(
            "bench_check",
            lambda: bench_check.measure(work, n=args.n, rounds=args.rounds, one_runs=3, big=0),
        )
        publicodes = (
            None
            if args.sans_publicodes
            else step(
                "bench_publicodes", lambda: bench_publicodes.measure(work, n=args.n_publicodes, rounds=args.rounds)
            )
        )
        programmation = (
            None
            if args.sans_programmation
            else step(
                "bench_programmation",
                lambda: bench_programmation.measure(
                    work, n=args.n_programmation, rounds=args.rounds, memory=not args.sans_memoire
                ),
            )
        )
        importer = (
            None if args.sans_importer else step("bench_importer", lambda: importer_ratio(args.n_importer, args.rounds))
        )
        cache = step("bench_cache", lambda: bench_cache.measure(work, n=args.n, rounds=args.rounds))
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)

    print(f"Mesuré le {dt.date.today():%d/%m/%Y} : {machine()}.")
    print(
        f"Réglages : {args.n} dossiers (check, cache), {args.n_publicodes} (Publicodes),"
        f" {args.n_programmation} (programmation), {args.n_importer} actions (importer) ;"
        f" médianes de {args.rounds} tour(s) alternés."
        + (" Aperçu rapide : chiffres indicatifs seulement." if args.rapide else "")
    )
    print()
    print(markdown(rows(check, publicodes, programmation, importer, cache)))


if __name__ == "__main__":
    main()
