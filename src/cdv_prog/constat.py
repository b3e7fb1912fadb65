"""The one finding type: a rule's constat on a dossier (or on a programmation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Statut = Literal["ok", "echec", "sans-objet"]
Gravite = Literal["bloquant", "avertissement", "information"]


@dataclass(frozen=True)
class Resultat:
    """What a rule kind's check returns: the engine adds id, gravité and source."""

    statut: Statut
    message: str


def ok(message: str) -> Resultat:
    return Resultat("ok", message)


def echec(message: str) -> Resultat:
    return Resultat("echec", message)


def sans_objet(message: str) -> Resultat:
    return Resultat("sans-objet", message)


@dataclass(frozen=True)
class Constat:
    regle: str
    gravite: Gravite
    statut: Statut
    message: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "regle": self.regle,
            "gravite": self.gravite,
            "statut": self.statut,
            "message": self.message,
            "source": self.source,
        }
