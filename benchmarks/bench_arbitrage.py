"""Benchmark of ``cdv arbitrage``: solver time and peak memory, on the examples and on a big exercice.

* the shipped examples (``data/dossiers``) and the over-demanded scenario
  (``data/scenarios/arbitrage``, with and without its ``priorites.yaml``);
* a generated exercice of N dossiers (2 000 by default) and 10 financeurs, each
  with an enveloppe set 15 % under what the eligible dossiers ask (a copy of
  the shipped rules with those enveloppes), amounts drawn from a fixed seed.

For each: the time to build the model, the solver's own time (the four levels
of the objective, ``Highs.getRunTime``), the explanation (least needs of the
dossiers left out, marginal values: more solves), and the peak RSS of the
process (``getrusage``). Each case runs in a fresh process; for the generated
exercice, the whole ``cdv arbitrage`` command (reading and checking included,
JSON report written) is timed as well. Targets: the
examples under 1 s of solver time; 2 000 dossiers under 30 s on two cores.

Usage::

    python benchmarks/bench_arbitrage.py              # N=2000
    python benchmarks/bench_arbitrage.py -n 500       # quicker
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FINANCEURS = [
    "etat",
    "ville",
    "agglo",
    "departement",
    "region",
    "caf",
    "ars",
    "habitat-audois",
    "marcou-habitat",
    "europe",
]
QUARTIERS = ["grazailles", "fleming-la-reille", "bastide-pont-vieux", "la-conte-ozanam-sainte-marie", "aiguille-trebes"]

ONE = """
import json, resource, sys, time
from decimal import Decimal
from pathlib import Path
from cdv_prog.files.rules import load_rules
from cdv_prog.files.dossiers import check_files, discover
from cdv_prog.files.priorites import lire_priorites
from cdv_prog.programmation.arbitrage.modele import Poids, Priorites, construire
from cdv_prog.programmation.arbitrage.solveur import resoudre
from cdv_prog.programmation.arbitrage.explication import expliquer
rules, dossiers, exercice, priorites = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
regles = load_rules(Path(rules))
t0 = time.perf_counter()
reports = list(check_files(discover([Path(dossiers)]), regles))
t1 = time.perf_counter()
politique = None
if priorites:
    lu, _ = lire_priorites(Path(priorites))
    p = lu.poids
    politique = Priorites(lu.part_minimum, Poids({"qpv": p.qpv, "veille": p.veille, "hors-qpv": p.hors_qpv},
                          p.cpo, p.innovante, p.renouvellement), tuple(lu.garder), tuple(lu.ecarter))
probleme = construire(reports, regles, exercice, priorites=politique)
t2 = time.perf_counter()
prop = resoudre(probleme)
t3 = time.perf_counter()
arb = expliquer(probleme, prop)
t4 = time.perf_counter()
print(json.dumps({"dossiers": len(probleme.candidats), "lecture": t1 - t0, "modele": t2 - t1,
                  "resolution": t3 - t2, "solveur": prop.temps, "explication": t4 - t3,
                  "ecartes": len(prop.ecartes), "faisable": prop.faisable,
                  "rss_mo": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate(folder: Path, n: int, seed: int = 14) -> dict[str, Decimal]:
    """N eligible dossiers of 2025, 2 to 5 financeurs each (2 principal ones); the demand per financeur."""
    from cdv_prog.importer.ecriture import yaml_dossier

    rng = random.Random(seed)
    demande = {f: Decimal(0) for f in FINANCEURS}
    folder.mkdir(parents=True)
    for i in range(n):
        principaux = rng.sample(["etat", "ville", "agglo"], rng.choice([2, 2, 3]))
        autres = rng.sample([f for f in FINANCEURS[3:] if f != "caf"], rng.randint(0, 2))
        lignes = []
        for f in principaux + autres:
            m = Decimal(rng.randrange(600, 20000, 50))
            demande[f] += m
            lignes.append({"financeur": f, "montant": m, **({"dispositif": "BOP 147"} if f == "etat" else {})})
        autres_produits = Decimal(rng.randrange(0, 5000, 100))
        data = {
            "id": f"BENCH-{i:05d}",
            "exercice": 2025,
            "intitule": f"Action {i}",
            "porteur": {"nom": f"Association {i}", "type": "association"},
            "action": {
                "defi": "grandir",
                "objectif": "grandir.education",
                "quartiers": [rng.choice(QUARTIERS)],
                "debut": __import__("datetime").date(2025, 1, 1),
                "fin": __import__("datetime").date(2025, 12, 31),
                "innovante": rng.random() < 0.2,
            },
            "budget": {
                "total": sum(x["montant"] for x in lignes) + autres_produits,
                "autres-produits": autres_produits,
            },
            "financements": lignes,
            "pieces": ["attestation-prefecture", "liste-bureau", "rib"],
        }
        (folder / f"BENCH-{i:05d}.yaml").write_text(yaml_dossier(data, "schemas/dossier.schema.json"), encoding="utf-8")
    return demande


def rules_for(folder: Path, demande: dict[str, Decimal]) -> Path:
    """A copy of the shipped rules whose enveloppes are each 15 % under the demand (10 financeurs)."""
    dest = folder / "rules"
    shutil.copytree(REPO / "rules", dest, ignore=shutil.ignore_patterns("tests"))
    lines = ["enveloppes:"]
    for f, m in demande.items():
        if m > 0:
            lines.append(f"  {f}: {{2024: {int(m / Decimal('1.15'))}}}")
    (dest / "enveloppes.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def run(label: str, rules: Path, dossiers: Path, priorites: str = "") -> None:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", ONE, str(rules), str(dossiers), "2025", priorites],
        check=True,
        capture_output=True,
        text=True,
    )
    r = json.loads(out.stdout)
    print(
        f"{label:<38} {r['dossiers']:>5} candidats  modèle {r['modele']:6.2f} s  solveur {r['solveur']:6.2f} s  "
        f"explication {r['explication']:6.2f} s  écartés {r['ecartes']:>4}  pic RSS {r['rss_mo']:6.0f} Mo  "
        f"(total {time.perf_counter() - start:.1f} s)"
    )


def commande(rules: Path, dossiers: Path, sortie: Path) -> None:
    """The whole command as a person runs it: read, check, solve, explain, write the JSON report."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cdv_prog",
            "arbitrage",
            str(dossiers),
            "-r",
            str(rules),
            "-e",
            "2025",
            "-o",
            str(sortie),
        ],
        check=True,
        capture_output=True,
    )
    print(f"{'  la commande entière (cdv arbitrage -o .json)':<38} {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="dossiers of the generated exercice")
    args = parser.parse_args()
    rules = REPO / "rules"
    run("exemples (data/dossiers)", rules, REPO / "data" / "dossiers")
    scenario = REPO / "data" / "scenarios" / "arbitrage"
    run("scénario sur-demandé", rules, scenario / "dossiers")
    run("scénario sur-demandé + priorités", rules, scenario / "dossiers", str(scenario / "priorites.yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        demande = generate(Path(tmp) / "dossiers", args.n)
        regles = rules_for(Path(tmp), demande)
        run(f"généré : {args.n} dossiers, 10 financeurs, +15 %", regles, Path(tmp) / "dossiers")
        commande(regles, Path(tmp) / "dossiers", Path(tmp) / "arbitrage.json")


if __name__ == "__main__":
    main()
