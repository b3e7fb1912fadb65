"""Outputs of the coverage of the rules: ``cdv regles tester --couverture`` and ``cdv regles couverture``."""

from __future__ import annotations

from typing import Any

from cdv_prog.core.texte import visible
from cdv_prog.core.vocab import STATUTS_FR
from cdv_prog.render.json_stream import dumps
from cdv_prog.render.workflow import tester_lines
from cdv_prog.workflow.cases import CaseResult
from cdv_prog.workflow.couverture import Bilan, Couverture

PORTEES_FR = {"regles": "dossier", "programmation": "programmation"}


def _lines(lines: list[str]) -> bytes:
    """Each line shown as it is: control characters and undecodable bytes written out."""
    return "".join(visible(line) + "\n" for line in lines).encode("utf-8")


def _pourcentage(c: Couverture) -> str:
    return f"{c.pourcentage:.1f}".replace(".", ",") + " %"


# --------------------------------------------------------------------------- cdv regles tester --couverture


def couverture_lines(c: Couverture) -> list[str]:
    width = max((len(r.id) for r in c.regles), default=5)
    lines = [f"{'règle':<{width}}  portée         ok  echec  sans-objet"]
    for r in c.regles:
        cells = []
        for statut, size in (("ok", 2), ("echec", 5), ("sans-objet", 10)):
            mark = "—" if statut not in r.attendus else ("✔" if statut in r.atteints else "✘")
            cells.append(f"{mark:>{size}}")
        lines.append(f"{r.id:<{width}}  {PORTEES_FR[r.portee]:<13}  {'  '.join(cells)}")
    if c.segments:
        lines += ["", "Paramètres datés (années où chaque valeur s'applique) :"]
        for s in c.segments:
            mark = "✔" if s.couvert else "✘ aucun cas"
            lines.append(f"  {s.regle} › {s.parametre} {s.debut}–{s.fin} : {mark}")
    manquants = [f"{r.id} ({', '.join(r.manquants)})" for r in c.regles if r.manquants]
    manquants += [f"{s.regle} › {s.parametre} {s.debut}–{s.fin}" for s in c.segments if not s.couvert]
    if manquants:
        lines += ["", "Non atteints : " + "; ".join(manquants)]
    lines += ["", f"Couverture : {c.atteints}/{c.total} ({_pourcentage(c)})"]
    return lines


def tester_text(results: list[CaseResult], c: Couverture) -> bytes:
    return _lines([*tester_lines(results), "", *couverture_lines(c)])


def tester_json(results: list[CaseResult], c: Couverture) -> bytes:
    doc: dict[str, Any] = {
        "cas": {
            "passed": sum(r.statut == "passed" for r in results),
            "failed": sum(r.statut != "passed" for r in results),
        },
        "couverture": {
            "atteints": c.atteints,
            "total": c.total,
            "pourcentage": round(c.pourcentage, 1),
            "regles": [
                {
                    "regle": r.id,
                    "portee": PORTEES_FR[r.portee],
                    "attendus": list(r.attendus),
                    "atteints": [s for s in r.attendus if s in r.atteints],
                    "manquants": r.manquants,
                }
                for r in c.regles
            ],
            "parametres": [
                {"regle": s.regle, "parametre": s.parametre, "debut": s.debut, "fin": s.fin, "couvert": s.couvert}
                for s in c.segments
            ],
        },
    }
    return (dumps(doc) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- cdv regles couverture


def _listes(b: Bilan) -> list[tuple[str, str, list[str]]]:
    return [
        ("jamais-applicables", "Jamais applicables (sans objet pour tous les dossiers)", b.jamais_applicables),
        ("jamais-en-echec", "Jamais en échec", b.jamais_en_echec),
        ("souvent-en-echec", "En échec pour plus d'un quart des dossiers", b.souvent_en_echec),
    ]


def bilan_text(b: Bilan) -> bytes:
    width = max((len(r) for r in b.regles), default=5)
    lines = [
        f"{b.dossiers} dossier(s) jugé(s)" + (f", {b.invalides} invalide(s) non comptés" if b.invalides else ""),
        "",
        f"{'règle':<{width}}  {'conforme':>8}  {'en échec':>8}  {'sans objet':>10}",
    ]
    for r in b.regles.values():
        n = r.nombres
        lines.append(f"{r.id:<{width}}  {n['ok']:>8}  {n['echec']:>8}  {n['sans-objet']:>10}")
    for _, titre, ids in _listes(b):
        lines += ["", f"{titre} : {', '.join(ids) if ids else 'aucune'}"]
    return _lines(lines)


def bilan_json(b: Bilan) -> bytes:
    doc: dict[str, Any] = {
        "dossiers": b.dossiers,
        "invalides": b.invalides,
        "regles": [{"regle": r.id, **{s: r.nombres[s] for s in STATUTS_FR}} for r in b.regles.values()],
        **{key: ids for key, _, ids in _listes(b)},
    }
    return (dumps(doc) + "\n").encode("utf-8")
