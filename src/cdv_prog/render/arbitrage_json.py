"""``cdv arbitrage --format json``: every proposed amount, cut and reason (format ``cdv.arbitrage/1``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cdv_prog.core.money import montant_json
from cdv_prog.programmation.arbitrage.solveur import NIVEAUX
from cdv_prog.render.arbitrage_common import resume

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.arbitrage.explication import Arbitrage
    from cdv_prog.render.registry import Sortie

FORMAT = "cdv.arbitrage/1"


def document(a: Arbitrage, regles: JeuDeRegles) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "exercice": a.exercice,
        "faisable": a.faisable,
        "resume": {
            "texte": resume(a),
            "retenus": a.compte("retenu"),
            "reduits": a.compte("reduit"),
            "ecartes": a.compte("ecarte"),
            "non-candidats": a.compte("non-candidat"),
        },
        "modifications": {cle: montant_json(m) for cle, m in sorted(a.modifications.items())},
        "priorites": a.priorites,
        "regles": {"empreinte": regles.empreinte},
        "conflits": list(a.conflits),
        "objectifs": [
            {"niveau": nom, "valeur": float(v), "prouve": prouve}
            for nom, v, prouve in zip(NIVEAUX, a.objectifs, a.prouves, strict=False)
        ],
        "enveloppes": [e.to_dict() for e in a.enveloppes],
        "dossiers": [d.to_dict() for d in a.dossiers],
    }


def render(a: Arbitrage, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    return (json.dumps(document(a, regles), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
