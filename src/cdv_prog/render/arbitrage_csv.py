"""``cdv arbitrage --format csv``: one row per financement line of every dossier, with its reasons.

``;`` and UTF-8 with a BOM (Excel, French settings), amounts with a decimal
comma, as ``cdv programmation --format csv``.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from cdv_prog.programmation.arbitrage.explication import STATUTS_FR
from cdv_prog.render.programmation_common import cellule
from cdv_prog.render.programmation_csv import nombre

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.arbitrage.explication import Arbitrage
    from cdv_prog.render.registry import Sortie

COLONNES = (
    "exercice",
    "dossier",
    "statut",
    "ligne",
    "financeur",
    "dispositif",
    "demande",
    "propose",
    "coupe",
    "motifs",
)


def render(a: Arbitrage, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLONNES)
    for d in a.dossiers:
        motifs = cellule(" ; ".join(d.motifs))
        if not d.lignes:
            writer.writerow(
                [a.exercice, cellule(d.id or d.fichier), STATUTS_FR[d.statut], "", "", "", "", "", "", motifs]
            )
        for ligne in d.lignes:
            writer.writerow(
                [
                    a.exercice,
                    cellule(d.id or d.fichier),
                    STATUTS_FR[d.statut],
                    ligne.numero,
                    cellule(ligne.financeur),
                    cellule(ligne.dispositif or ""),
                    nombre(ligne.demande),
                    nombre(ligne.propose),
                    nombre(ligne.coupe),
                    motifs,
                ]
            )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
