"""What programmation-level rule kinds see: the eligible dossiers of one exercice and its totals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...dossier import Dossier
    from ...regles import RuleSet
    from ..totals import TotalFinanceur


@dataclass(frozen=True)
class ContexteProgrammation:
    """One exercice as the programmation rules see it."""

    exercice: int
    regles: "RuleSet"
    dossiers: "tuple[Dossier, ...]"  # the eligible dossiers of the exercice, in path order
    financeurs: "tuple[TotalFinanceur, ...]"  # per-financeur totals against the enveloppes

    def nom(self, financeur: str) -> str:
        return self.regles.nom_court(financeur)
