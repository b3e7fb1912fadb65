"""Deterministic synthetic dossiers for the benchmark (and for tests that need many).

``generate(dest, n)`` writes ``n`` dossier files under ``dest`` (1 000 per
sub-folder), the same bytes for the same ``(n, seed)``. Every rule of the
shipped catalogue is exercised, both ways: about a third of the dossiers are
inéligibles (one blocking defect each, in turn), about 2 % are invalides (an
unknown key, a bad amount, an unknown financeur…), the rest éligibles, some
with réserves.

Usage: ``python benchmarks/generate.py DEST [N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

QPV = ["bastide-pont-vieux", "fleming-la-reille", "grazailles", "la-conte-ozanam-sainte-marie", "viguier-saint-jacques"]
VEILLE = ["aiguille-trebes", "esperance-berriac"]
DEFIS = {
    "grandir": ["grandir.sante", "grandir.education", "grandir.sport", "grandir.culture", "grandir.solidarites"],
    "habiter": ["habiter.tranquillite", "habiter.entretien", "habiter.amenagement", "habiter.habitat-durable"],
    "travailler": ["travailler.emploi", "travailler.jeunes", "travailler.initiative", "travailler.commerce"],
}
AXES = ["mobilites", "transition-ecologique", "lutte-discriminations", "participation-habitants"]
TYPES = ["association", "association", "association", "collectivite", "bailleur", "etablissement-public", "entreprise"]
PARTENAIRES = ["departement", "region", "ars", "alogea", "habitat-audois", "marcou-habitat", "europe", "prive", "autre"]
WORDS = ["Atelier", "Parcours", "Chantier", "Accompagnement", "Médiation", "Café", "École", "Fête", "Jardin", "Forum"]
WHAT = [
    "des parents",
    "numérique",
    "jeunes",
    "santé",
    "emploi",
    "citoyen",
    "sportif",
    "culturel",
    "solidaire",
    "de quartier",
]

# One blocking defect per inéligible dossier, in turn: together they make
# every blocking rule fail somewhere.
DEFECTS = [
    "un-seul-principal",  # financeurs-principaux
    "sous-plancher",  # plancher-financeur
    "budget-desequilibre",  # budget-equilibre
    "cpo-non-consecutive",  # cpo-duree
    "cpo-sous-financee",  # cpo-cofinancement
    "cpo-sans-evaluation",  # cpo-evaluation-annuelle
    "caf-deux-exercices",  # caf-exercice-unique
    "caf-seule",  # caf-seul-financeur (and financeurs-principaux)
    "caf-sans-rib",  # caf-pieces
    "caf-bilan-tardif",  # caf-bilan-renouvellement
]
INVALID = [
    ("cle-inconnue", "financements:", "financement:"),
    ("montant-trois-decimales", None, None),
    ("financeur-inconnu", None, None),
    ("date-inexistante", None, None),
    ("cle-en-double", None, None),
]


def _amount(rng: random.Random, value: int) -> str:
    """An amount in one of the forms people type."""
    form = rng.random()
    if form < 0.75:
        return str(value)
    if form < 0.9:
        return f"{value}.00"
    text = f"{value:,}".replace(",", " ")
    return f'"{text},00 €"'


def dossier_text(i: int, rng: random.Random) -> str:
    exercice = 2025 if i % 5 else 2024 + (i // 5) % 3
    ident = f"GEN-{exercice}-{i:06d}"
    roll = rng.random()
    defect = None
    invalid = None
    if roll < 0.02:
        invalid = INVALID[i % len(INVALID)][0]
    elif roll < 0.35:
        defect = DEFECTS[i % len(DEFECTS)]

    defi = rng.choice(sorted(DEFIS))
    objectif = rng.choice(DEFIS[defi])
    quartiers = rng.sample(QPV, rng.randint(1, 3))
    if rng.random() < 0.08:  # quartier-prioritaire: réserve
        quartiers = [rng.choice(VEILLE + ["hors-qpv"])]
    axes = rng.sample(AXES, rng.randint(0, 2))
    innovante = rng.random() < 0.15
    parentalite = defi == "grandir" and rng.random() < 0.3
    renouvellement = rng.random() < 0.3
    uses_cpo = rng.random() < 0.15 or defect in ("cpo-non-consecutive", "cpo-sous-financee", "cpo-sans-evaluation")
    uses_caf = rng.random() < 0.25 or (defect or "").startswith("caf-")
    if defect == "caf-bilan-tardif":
        renouvellement = True

    lines: list[tuple[str, int, str | None]] = []  # financeur, montant, dispositif
    principals = rng.sample(
        ["etat", "ville", "agglo"], 1 if defect in ("un-seul-principal", "caf-seule") else rng.randint(2, 3)
    )
    if defect == "caf-seule":
        principals = []
    for code in principals:
        lines.append(
            (code, rng.randrange(1000, 25000, 50), "BOP 147" if code == "etat" and rng.random() < 0.5 else None)
        )
    if uses_caf:
        lines.append(("caf", rng.randrange(600, 12000, 50), "CLAS" if rng.random() < 0.3 else None))
    if rng.random() < 0.35:
        lines.append((rng.choice(PARTENAIRES), rng.randrange(500, 8000, 50), None))
    if rng.random() < 0.1 and "departement" not in [c for c, _, _ in lines]:
        lines.append(("departement", rng.randrange(500, 5000, 50), None))  # departement-cofinancement
    if defect == "sous-plancher":
        lines.append((rng.choice(["ville", "departement", "habitat-audois"]), rng.randrange(50, 500, 10), None))
    if rng.random() < 0.1:
        lines.append(("prive", rng.randrange(50, 400, 10), "mécénat"))  # groupe autre: no floor

    autres = rng.choice([0, 0, 0, 500, 1000, 2500])
    requested = sum(m for _, m, _ in lines)
    if defect == "cpo-sous-financee":
        autres = requested * 2 + 1000
    total = requested + autres
    if defect == "budget-desequilibre":
        total += rng.choice([1, 100, 2500])

    debut_year = fin_year = exercice
    if defect == "caf-deux-exercices":
        fin_year = exercice + 1
    debut = f"{debut_year}-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}"
    fin = f"{fin_year}-{rng.randint(7, 12):02d}-{rng.randint(1, 28):02d}"
    if invalid == "date-inexistante":
        fin = f"{fin_year}-02-30"

    pieces = ["attestation-prefecture", "liste-bureau", "rib"]
    if rng.random() < 0.5:
        pieces.append("statuts")
    if defect == "caf-sans-rib":
        pieces.remove("rib")
    if uses_cpo:
        first = max(2024, exercice - rng.randint(0, 2))
        annees = [first, first + 1, first + 2]
        if defect == "cpo-non-consecutive":
            annees = [first, first + 2, first + 3]
        if defect != "cpo-sans-evaluation" and exercice > first:
            pieces.append("evaluation-annuelle")
        elif defect == "cpo-sans-evaluation" and exercice == first:
            annees = [first - 1, first, first + 1] if first > 2024 else annees
            if first == 2024:  # cannot be after the first year: fail cpo-duree instead
                annees = [first, first + 2, first + 3]

    out = [
        f"id: {ident}",
        f"exercice: {exercice}",
        f"intitule: {rng.choice(WORDS)} {rng.choice(WHAT)} n°{i}",
        "porteur:",
        f"  nom: Association synthétique {i % 997}",
        f"  type: {rng.choice(TYPES)}",
    ]
    if rng.random() < 0.5:
        base = f"{rng.randrange(10**8, 10**9)}{rng.randrange(10**4, 10**5)}"
        out.append(f'  siret: "{base}"')
    out += [
        "action:",
        f"  defi: {defi}",
        f"  objectif: {objectif}",
    ]
    if axes:
        out.append(f"  axes: [{', '.join(axes)}]")
    out += [
        f"  quartiers: [{', '.join(quartiers)}]",
        f"  debut: {debut}",
        f"  fin: {fin}",
        f"  innovante: {'true' if innovante else 'false'}",
        f"  parentalite: {'true' if parentalite else 'false'}",
        f"  renouvellement: {'true' if renouvellement else 'false'}",
    ]
    if uses_cpo:
        out += ["  cpo:", f"    annees: [{', '.join(map(str, annees))}]"]
    out += ["budget:", f"  total: {_amount(rng, total)}"]
    if autres:
        out.append(f"  autres-produits: {_amount(rng, autres)}")
    if rng.random() < 0.2:
        out.append(f"  contributions-nature: {rng.randrange(100, 5000, 100)}")
    if invalid == "cle-en-double":
        out.append(f"  total: {total}")
    out.append("financements:" if invalid != "cle-inconnue" else "financement:")
    for k, (code, montant, dispositif) in enumerate(lines):
        if invalid == "financeur-inconnu" and k == 0:
            code = "mairie"
        out.append(f"  - financeur: {code}")
        if dispositif:
            out.append(f"    dispositif: {dispositif}")
        if invalid == "montant-trois-decimales" and k == 0:
            out.append(f"    montant: {montant}.125")
        else:
            out.append(f"    montant: {_amount(rng, montant)}")
        if rng.random() < 0.2:
            out.append(f"    accorde: {montant - montant % 100}")
    out.append(f"pieces: [{', '.join(pieces)}]")
    if uses_caf and parentalite:
        out.append(f"elan: {'true' if rng.random() < 0.7 else 'false'}")  # caf-parentalite-elan
    if renouvellement and (uses_caf or rng.random() < 0.5):
        day: str | None = "04-30" if rng.random() < 0.2 else f"0{rng.randint(1, 4)}-{rng.randint(1, 28):02d}"
        if defect == "caf-bilan-tardif":
            day = rng.choice(["05-01", "06-15", None])
        if day is not None:
            out += ["bilan-precedent:", f"  envoye-le: {exercice}-{day}"]
    return "\n".join(out) + "\n"


def generate(dest: Path, n: int, seed: int = 0, per_folder: int = 1000) -> list[Path]:
    """Write ``n`` dossiers under ``dest``; returns their paths in path order."""
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        folder = dest / f"lot-{i // per_folder:04d}"
        if i % per_folder == 0:
            folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"dossier-{i:06d}.yaml"
        path.write_text(dossier_text(i, rng), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.dest, args.n, args.seed)


if __name__ == "__main__":
    main()
