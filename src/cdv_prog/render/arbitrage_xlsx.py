"""``cdv arbitrage --format xlsx``: one sheet per view (Enveloppes, Financeurs, Dossiers, Lignes, Informations).

Amounts are real numbers with a euro format; byte-identical for the same input
(the helpers of :mod:`cdv_prog.render.programmation_xlsx`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdv_prog.programmation.arbitrage.explication import STATUTS_FR
from cdv_prog.render.arbitrage_common import (
    ENTETE_DOSSIERS,
    ENTETE_ENVELOPPES,
    ENTETE_FINANCEURS,
    ENTETE_LIGNES,
    NOTE,
    financeurs,
    modifications,
    resume,
)
from cdv_prog.render.programmation_xlsx import EURO, POURCENT, _sheet, classeur_bytes

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.arbitrage.explication import Arbitrage
    from cdv_prog.render.registry import Sortie


def render(a: Arbitrage, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(
        wb,
        "Enveloppes",
        ENTETE_ENVELOPPES,
        (
            [
                e.nom,
                e.montant,
                e.demande,
                e.utilise,
                e.reste,
                e.taux,
                "oui" if e.saturee else "non",
                e.valeur_marginale or "",
            ]
            for e in a.enveloppes
        ),
        {1: EURO, 2: EURO, 3: EURO, 4: EURO, 5: POURCENT},
        {0: 40, 7: 80},
    )
    _sheet(
        wb,
        "Financeurs",
        ENTETE_FINANCEURS,
        ([nom, dem, prop, dem - prop] for _, nom, dem, prop in financeurs(a, regles)),
        {1: EURO, 2: EURO, 3: EURO},
    )
    _sheet(
        wb,
        "Dossiers",
        ENTETE_DOSSIERS,
        (
            [
                d.id or d.fichier,
                d.intitule or "",
                STATUTS_FR[d.statut],
                d.demande,
                d.propose,
                d.coupe,
                d.poids,
                tuple(d.motifs),
            ]
            for d in a.dossiers
        ),
        {3: EURO, 4: EURO, 5: EURO},
        {1: 36, 7: 100},
    )
    _sheet(
        wb,
        "Lignes",
        ENTETE_LIGNES,
        (
            [
                d.id or d.fichier,
                ligne.numero,
                ligne.nom,
                ligne.dispositif or "",
                ligne.demande,
                ligne.propose,
                ligne.coupe,
            ]
            for d in a.dossiers
            for ligne in d.lignes
        ),
        {4: EURO, 5: EURO, 6: EURO},
    )
    infos = [
        ("Exercice", str(a.exercice)),
        ("Résumé", resume(a)),
        ("Règles (empreinte)", regles.empreinte),
        ("Enveloppes modifiées", modifications(a) or "aucune"),
        ("Priorités", a.priorites or "aucune"),
        ("Conflits", " ; ".join(a.conflits) or "aucun"),
        ("Note", NOTE),
    ]
    _sheet(wb, "Informations", ("Clé", "Valeur"), infos, {}, {0: 24, 1: 100})
    return classeur_bytes(wb)
