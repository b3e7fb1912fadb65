"""Rows of the sheets the importer tests build (imported by the test modules of this folder)."""

from __future__ import annotations

import datetime as dt
from typing import Any

# One row per action: the header of a programmation workbook.
ENTETE_ACTION = [
    "N°",
    "Intitulé",
    "Porteur",
    "Quartier(s)",
    "Défi",
    "Date de début",
    "Date de fin",
    "Budget total",
    "Autres produits",
    "État",
    "Ville",
    "Agglo",
    "CAF",
]
# One row per financement line: the header of a DAUPHIN-like export.
ENTETE_DAUPHIN = [
    "N° dossier",
    "Exercice",
    "Intitulé de l'action",
    "Nom de la structure",
    "Quartiers",
    "Défi",
    "Date de début",
    "Date de fin",
    "Coût total",
    "Financeur",
    "Montant sollicité",
    "Montant proposé",
    "Montant voté",
]


def action_row(
    numero: Any = 1,
    intitule: str = "Atelier parentalité",
    porteur: str = "Association A",
    quartiers: str = "La Conte",
    defi: str = "Grandir",
    debut: Any = dt.datetime(2025, 9, 1),
    fin: Any = dt.datetime(2025, 12, 31),
    total: Any = 3000,
    autres: Any = None,
    etat: Any = 1000,
    ville: Any = 1000,
    agglo: Any = 1000,
    caf: Any = None,
) -> list[Any]:
    return [numero, intitule, porteur, quartiers, defi, debut, fin, total, autres, etat, ville, agglo, caf]
