"""Benchmark of the incremental cache of ``cdv check``: a warm run against a cold one.

On the shared peer's lot (``../shared/peers/gen_dossiers.py --seed 42``: one
exercice, one folder — issue 17's row) and on our mixed lot (``generate.py``:
three exercices, the history read first — secondary row), with ``--jobs 1``
and ``--jobs 2``; round after round, whole processes, medians:

* the **floor** (PyYAML's ``CSafeLoader`` parsing the same files, nothing else);
* a **cold** run: ``cdv cache vider`` (not timed), then ``cdv check --format json``;
* a **warm** run: the same command right after, every report read back from the cache;
* ``--sans-cache``: the same command neither reading nor writing the cache.

The outputs of cold, warm, ``--sans-cache`` and warm ``--jobs 2`` are compared
byte for byte. Issue 17's target is warm / cold ≤ 0.25 ×. The cache lives in
the run's own folder (``CDV_CACHE_DIR``).

Usage::

    python benchmarks/bench_cache.py                  # N=10 000, 3 rounds, both lots, --jobs 1 and 2
    python benchmarks/bench_cache.py -n 2000 --rounds 1 --lots pair --jobs 2   # quick look
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
    FLOOR,
    REPO,
    alternate,
    cdv_command,
    digest,
    executer,
    machine,
    mark,
    medians,
    mixed_lot,
    options_communes,
    peer_lot,
    prepare_env,
    safe_output,
    yaml_files,
)

TARGET = 0.25  # warm / cold, at most
LOTS = {"pair": peer_lot, "mixte": mixed_lot}
LABELS = {
    "pair": "lot du pair (un exercice, un répertoire) — ligne de l'issue",
    "mixte": "lot mixte (trois exercices, historique lu d'abord) — ligne secondaire",
}


def measure(
    work: Path, *, n: int, rounds: int, lots: tuple[str, ...] = ("pair", "mixte"), jobs: tuple[int, ...] = (1, 2)
) -> dict[str, Any]:
    """The medians and ratios per lot and ``--jobs``, as plain data."""
    prepare_env(work)
    cdv = cdv_command()
    vider = [*cdv, "cache", "vider"]
    folders = {name: LOTS[name](work, n) for name in lots}

    def check(lot: Path, j: int, *extra: str) -> list[str]:
        return [*cdv, "check", str(lot), "--format", "json", "--jobs", str(j), *extra]

    identical: dict[str, bool] = {}
    size: dict[str, float] = {}
    for name, lot in folders.items():  # also the warm-up (page cache, .pyc files)
        subprocess.run(vider, cwd=REPO, env=ENV, capture_output=True, check=True)
        outputs = {
            digest(check(lot, jobs[0]), REPO),  # cold
            digest(check(lot, jobs[0]), REPO),  # warm
            digest(check(lot, jobs[-1]), REPO),  # warm, the other --jobs
            digest(check(lot, jobs[0], "--sans-cache"), REPO),
        }
        identical[name] = len(outputs) == 1
        size[name] = (work / "cdv-cache" / "rapports.sqlite3").stat().st_size / 1e6

    commands: dict[str, list[str]] = {}
    before: dict[str, list[str]] = {}
    for name, lot in folders.items():
        commands[f"{name}.floor"] = [sys.executable, "-c", FLOOR, str(lot)]
        for j in jobs:
            commands[f"{name}.j{j}.froid"] = check(lot, j)
            before[f"{name}.j{j}.froid"] = vider
            commands[f"{name}.j{j}.chaud"] = check(lot, j)  # right after its cold run: rotate=False
            commands[f"{name}.j{j}.sans"] = check(lot, j, "--sans-cache")
    med = medians(alternate(commands, rounds, REPO, before=before, rotate=False))

    result: dict[str, Any] = {"machine": machine(), "n": n, "rounds": rounds, "lots": {}}
    for name, lot in folders.items():
        floor = med[f"{name}.floor"]
        row: dict[str, Any] = {
            "dossiers": len(yaml_files(lot)),
            "floor": floor,
            "identical": identical[name],
            "cache_mo": size[name],
        }
        for j in jobs:
            cold, warm, sans = (med[f"{name}.j{j}.{s}"] for s in ("froid", "chaud", "sans"))
            row[f"j{j}"] = {
                "froid": cold,
                "chaud": warm,
                "sans": sans,
                "ratio": warm / cold,
                "chaud_sur_sans": warm / sans,
                "froid_sur_sans": cold / sans,
                "chaud_sur_plancher": warm / floor,
            }
        result["lots"][name] = row
    return result


def report(result: dict[str, Any]) -> None:
    print()
    print(f"Machine : {result['machine']}")
    print(f"{result['n']} dossiers par lot, médianes de {result['rounds']} tours")
    for name, row in result["lots"].items():
        print(
            f"{LABELS[name]} ({row['dossiers']} fichiers) ; plancher {row['floor']:.2f} s ;"
            f" cache plein : {row['cache_mo']:.1f} Mo"
        )
        for key, m in row.items():
            if not (key.startswith("j") and isinstance(m, dict)):
                continue
            print(
                f"  -j {key[1:]} : à froid {m['froid']:6.2f} s, à chaud {m['chaud']:6.2f} s, --sans-cache {m['sans']:6.2f} s"
            )
            print(
                f"        à chaud / à froid {m['ratio']:5.2f} ×   (objectif ≤ {TARGET}) {mark(m['ratio'], TARGET)} ;"
                f" à chaud / --sans-cache {m['chaud_sur_sans']:5.2f} × ; remplir le cache (à froid / --sans-cache)"
                f" {m['froid_sur_sans']:5.2f} × ; à chaud / plancher {m['chaud_sur_plancher']:5.2f} ×"
            )
        print(
            f"  sorties identiques (à froid, à chaud, autre --jobs, --sans-cache) : {'oui' if row['identical'] else 'NON'}"
        )


def main() -> None:
    safe_output()
    parser = argparse.ArgumentParser(description="Benchmark du cache de cdv check : à chaud / à froid.")
    parser.add_argument("-n", type=int, default=10_000, help="dossiers par lot (10 000)")
    parser.add_argument("--rounds", type=int, default=3, help="tours (3)")
    parser.add_argument("--lots", default="pair,mixte", help="lots mesurés : pair, mixte ou pair,mixte (défaut)")
    parser.add_argument("--jobs", default="1,2", help="valeurs de --jobs, séparées par des virgules (1,2)")
    options_communes(parser)
    args = parser.parse_args()
    lots = tuple(x.strip() for x in args.lots.split(",") if x.strip())
    if not lots or any(x not in LOTS for x in lots):
        parser.error(f"--lots : pair, mixte ou pair,mixte (reçu : {args.lots})")
    try:
        jobs = tuple(int(x) for x in args.jobs.split(","))
    except ValueError:
        parser.error(f"--jobs : des entiers séparés par des virgules (reçu : {args.jobs})")
    executer(args, lambda w: measure(w, n=args.n, rounds=args.rounds, lots=lots, jobs=jobs), report)


if __name__ == "__main__":
    main()
