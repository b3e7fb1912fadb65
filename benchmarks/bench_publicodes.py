"""Benchmark against the Publicodes peer: the same 14 rules in Publicodes, then in cdv, on the same dossiers.

The peer is ``../shared/peers/publicodes/`` (``check.mjs`` evaluates
``éligible`` and every rule of ``regles.publicodes.yaml`` on every dossier of
a folder and prints one summary line ``dossiers=N eligible=… ineligible=…``).
This script:

1. checks that Node ≥ 18 is there (``node --version``); otherwise it prints
   « ligne ignorée : Node absent » and stops with code 0;
2. copies the peer into its work folder (it never writes into ``../shared``)
   and runs ``npm ci`` there; if that fails, the row is skipped and the
   reason printed;
3. generates N dossiers (2 000 by default) with the peer's generator
   (``gen_dossiers.py --seed 42``: one exercice, one folder);
4. runs ``node check.mjs DIR`` once and checks that it evaluated every
   dossier (exit code 0, ``dossiers=N``), then alternates, round after round,
   ``node check.mjs DIR``, ``cdv check DIR --format json --jobs 1 --sans-cache``
   and the same with ``--jobs 2`` (whole processes), and prints the medians
   and the ratio Publicodes / cdv (issue 17's target: ≥ 15 ×).

cdv runs from the repository with its ``rules/``; the verdict counts of both
engines are printed side by side for the record (cdv's rules may have moved
on from the peer's 14 rules of SPEC version 1).

Usage::

    python benchmarks/bench_publicodes.py               # N=2 000, 3 rounds
    python benchmarks/bench_publicodes.py -n 500 --rounds 1   # quick look
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import (
    ENV,
    REPO,
    alternate,
    cdv_command,
    executer,
    machine,
    mark,
    medians,
    options_communes,
    peer_lot,
    prepare_env,
    safe_output,
    shared_peers,
    wall,
    yaml_files,
)

TARGET = 15.0  # Publicodes / cdv, at least
NODE_MIN = 18
_SUMMARY = re.compile(r"^dossiers=(\d+) eligible=(\d+) ineligible=(\d+)", re.MULTILINE)


def node_major() -> int | None:
    """Node's major version, or None when there is no ``node`` to run."""
    try:
        out = subprocess.run(["node", "--version"], capture_output=True, text=True, env=ENV, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.match(r"v?(\d+)\.", out.stdout.strip())
    return int(found.group(1)) if out.returncode == 0 and found else None


def install_peer(work: Path) -> tuple[Path | None, str]:
    """A copy of the Publicodes peer under ``work`` with its packages (``npm ci``); (None, why) if impossible."""
    dest = work / "publicodes"
    if (dest / "node_modules" / "publicodes").is_dir():
        return dest, ""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(shared_peers() / "publicodes", dest, ignore=shutil.ignore_patterns("node_modules"))
    try:
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=dest, env=ENV, capture_output=True, text=True, timeout=600
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"npm ci impossible ({exc})"
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
        return None, f"npm ci a échoué (code {proc.returncode}) : " + " / ".join(last)
    return dest, ""


def summary(stdout: str) -> tuple[int, int, int]:
    """(dossiers, eligible, ineligible) from ``check.mjs``'s summary line."""
    found = _SUMMARY.search(stdout)
    if not found:
        raise SystemExit(f"résumé de check.mjs illisible : {stdout.strip()[:200]!r}")
    dossiers, eligible, ineligible = (int(x) for x in found.groups())
    return dossiers, eligible, ineligible


def measure(work: Path, *, n: int, rounds: int) -> dict[str, Any]:
    """The medians and ratios as plain data; ``{"ignore": why}`` when the row cannot be measured here."""
    prepare_env(work)
    major = node_major()
    if major is None:
        return {"ignore": "Node absent"}
    if major < NODE_MIN:
        return {"ignore": f"Node {major} trop ancien (≥ {NODE_MIN} requis)"}
    peer, why = install_peer(work)
    if peer is None:
        return {"ignore": why}
    lot = peer_lot(work, n)
    files = len(yaml_files(lot))
    cdv = cdv_command()
    node = ["node", str(peer / "check.mjs"), str(lot)]
    check = [*cdv, "check", str(lot), "--format", "json", "--sans-cache", "--jobs"]
    commands = {"publicodes": node, "cdv-j1": [*check, "1"], "cdv-j2": [*check, "2"]}

    # sanity (and warm-up): the peer ran without error and evaluated every dossier
    run = subprocess.run(node, cwd=peer, env=ENV, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"check.mjs a échoué (code {run.returncode}) :\n{run.stderr.strip()[-2000:]}")
    evaluated, p_eligible, p_ineligible = summary(run.stdout)
    if evaluated != files or p_eligible + p_ineligible != files:
        raise SystemExit(f"check.mjs n'a pas évalué tous les dossiers : {evaluated} sur {files}")
    out = subprocess.run(commands["cdv-j1"], cwd=REPO, env=ENV, capture_output=True)
    resume = json.loads(out.stdout)["resume"]
    for name in ("cdv-j1", "cdv-j2"):
        wall(commands[name], REPO)

    med = medians(alternate(commands, rounds, REPO))
    return {
        "machine": machine(),
        "n": files,
        "rounds": rounds,
        "node": major,
        "medians": med,
        "ratio_jobs1": med["publicodes"] / med["cdv-j1"],
        "ratio_jobs2": med["publicodes"] / med["cdv-j2"],
        "verdicts": {
            "publicodes": {"eligible": p_eligible, "ineligible": p_ineligible},
            "cdv": {k: resume[k] for k in ("eligible", "ineligible", "invalide")},
        },
    }


def report(result: dict[str, Any]) -> None:
    if "ignore" in result:
        print(f"Publicodes / cdv : ligne ignorée : {result['ignore']}")
        return
    med = result["medians"]
    print()
    print(f"Machine : {result['machine']}, Node {result['node']}")
    print(f"Lot du pair : {result['n']} dossiers, médianes de {result['rounds']} tours alternés")
    print(f"  node check.mjs (Publicodes)            {med['publicodes']:7.2f} s")
    for jobs in (1, 2):
        ratio = result[f"ratio_jobs{jobs}"]
        print(
            f"  cdv check --format json -j {jobs}           {med[f'cdv-j{jobs}']:7.2f} s"
            f"   Publicodes / cdv {ratio:5.1f} ×   (objectif ≥ {TARGET:.0f} ×) {mark(ratio, TARGET, at_least=True)}"
        )
    p, c = result["verdicts"]["publicodes"], result["verdicts"]["cdv"]
    print(
        f"  verdicts : Publicodes {p['eligible']} éligibles / {p['ineligible']} inéligibles ;"
        f" cdv {c['eligible']} / {c['ineligible']} (invalides {c['invalide']})"
    )


def main() -> None:
    safe_output()
    parser = argparse.ArgumentParser(description="Benchmark : les 14 règles en Publicodes / cdv.")
    parser.add_argument("-n", type=int, default=2000, help="dossiers du lot du pair (2 000)")
    parser.add_argument("--rounds", type=int, default=3, help="tours alternés (3)")
    options_communes(parser)
    args = parser.parse_args()
    executer(args, lambda w: measure(w, n=args.n, rounds=args.rounds), report)


if __name__ == "__main__":
    main()
