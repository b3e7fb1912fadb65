"""What the rule kinds see: one dossier (:class:`Contexte`) or one exercice (:class:`ContexteProgrammation`).

Both are built by the engine from values already computed (the dossier's
:class:`~cdv_prog.core.montants.Montants`, the exercice's totals): a rule
kind reads them, never recomputes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cdv_prog.core.historique import DossierAnterieur, Historique, disponible
from cdv_prog.core.montants import Montants, TotalFinanceur

if TYPE_CHECKING:
    from cdv_prog.core.dossier import Dossier
    from cdv_prog.core.ruleset import JeuDeRegles


@dataclass
class Contexte:
    """A valid dossier as the rules see it, with its amounts."""

    dossier: Dossier
    regles: JeuDeRegles
    montants: Montants
    cache: dict[str, object] = field(default_factory=dict)
    historique: Historique | None = None  # the dossiers of earlier exercices (SPEC §5); None: not given

    @classmethod
    def of(cls, dossier: Dossier, regles: JeuDeRegles, historique: Historique | None = None) -> Contexte:
        return cls(dossier, regles, Montants.of(dossier, regles), historique=historique)

    @property
    def historique_disponible(self) -> bool:
        """At least one dossier of an earlier exercice was read (SPEC §5)."""
        return disponible(self.historique, self.exercice)

    @property
    def exercice(self) -> int:
        return self.dossier.exercice

    @property
    def totaux(self) -> dict[str, Decimal]:
        """Montant retenu per financeur (accorde if present, else montant)."""
        return self.montants.retenus

    @property
    def financent(self) -> list[str]:
        """Financeurs whose total is > 0, in order of appearance."""
        return self.montants.financent

    def total(self, financeur: str) -> Decimal:
        return self.montants.retenu(financeur)

    def nom(self, financeur: str) -> str:
        return self.regles.nom_court(financeur)

    def noms(self, financeurs: list[str]) -> str:
        return self.regles.noms_courts(financeurs)


@dataclass(frozen=True)
class ContexteProgrammation:
    """One exercice as the programmation rules see it.

    Never the dossiers themselves: a programmation of 100 000 dossiers keeps
    only compact records (``cdv programmation`` streams its batch).
    """

    exercice: int
    regles: JeuDeRegles
    cpo: tuple[DossierAnterieur, ...]  # the records of the exercice's eligible dossiers under a CPO, in path order
    financeurs: tuple[TotalFinanceur, ...]  # per-financeur totals against the enveloppes
    historique: Historique | None = None  # the dossiers of earlier exercices (SPEC §5); None: not given

    def nom(self, financeur: str) -> str:
        return self.regles.nom_court(financeur)
