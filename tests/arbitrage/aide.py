"""Helpers of the ``cdv arbitrage`` tests: the over-demanded scenario, generated dossiers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import juger
from cdv_prog.core.report import DossierReport
from cdv_prog.core.ruleset import JeuDeRegles

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "data" / "scenarios" / "arbitrage"
DOSSIERS = SCENARIO / "dossiers"
PRIORITES = SCENARIO / "priorites.yaml"


def dossier_data(ident: str, financements: list[tuple[str, int]], quartier: str = "grazailles") -> dict[str, Any]:
    """A dossier of 2025 whose budget balances, with these (financeur, requested) lines."""
    total = sum(m for _, m in financements) + 100
    return {
        "id": ident,
        "exercice": 2025,
        "intitule": f"Action {ident}",
        "porteur": {"nom": f"Association {ident}", "type": "association"},
        "action": {
            "defi": "grandir",
            "objectif": "grandir.education",
            "quartiers": [quartier],
            "debut": dt.date(2025, 1, 1),
            "fin": dt.date(2025, 12, 31),
        },
        "budget": {"total": total, "autres-produits": 100},
        "financements": [
            {"financeur": f, "montant": m, **({"dispositif": "BOP 147"} if f == "etat" else {})}
            for f, m in financements
        ],
        "pieces": ["attestation-prefecture", "liste-bureau", "rib"],
    }


def reports_of(datas: Iterable[dict[str, Any]], regles: JeuDeRegles) -> list[DossierReport]:
    out = []
    for data in datas:
        dossier = Dossier.valider(data, regles)
        out.append(juger(dossier, regles, f"{dossier.id}.yaml"))
    return out
