"""Linear constraints on one dossier's amounts, in a small solver-neutral form (``cdv arbitrage``).

A rule kind whose outcome depends on the amounts (a floor, a number of
financeurs, a share of the budget) may declare, after its ``verifier``, a pure
``contraintes(ctx, p)`` returning the constraints that hold exactly when the
rule holds, over three kinds of quantities of the dossier:

* :class:`Total` — the proposed total of a financeur on the dossier (euros);
* :class:`Finance` — 1 when that financeur finances the dossier (total > 0), else 0;
* :class:`Retenu` — 1 when the dossier is retained, else 0.

A constraint reads ``Σ coef × quantité  (>= | <=)  borne × Retenu``: it binds
a retained dossier and is empty for one left out (every quantity is then 0).
``si`` names financeurs that must finance the dossier for it to apply (the
rule's ``si: {finance: …}``): the model switches it off otherwise.

A kind whose outcome does not depend on the amounts declares
``DEPEND_DES_MONTANTS = False``: eligibility judged on the requested amounts
then holds for any proposal. Kinds never import a solver; the model that reads
these constraints lives in :mod:`cdv_prog.programmation.arbitrage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True, order=True)
class Total:
    """The proposed total of a financeur on the dossier."""

    financeur: str


@dataclass(frozen=True, order=True)
class Finance:
    """1 when the financeur finances the dossier (its proposed total is > 0), else 0."""

    financeur: str


@dataclass(frozen=True, order=True)
class Retenu:
    """1 when the dossier is retained, else 0."""


Quantite = Total | Finance | Retenu


@dataclass(frozen=True)
class Contrainte:
    """``Σ coef × quantité  sens  borne × Retenu``, applying when every financeur of ``si`` finances."""

    termes: tuple[tuple[Decimal, Quantite], ...]
    sens: Literal[">=", "<="]
    borne: Decimal
    texte: str  # what the constraint says, in French (« plancher de 500,00 € pour la Ville »)
    si: tuple[str, ...] = ()

    def tient(self, valeurs: dict[Quantite, Decimal]) -> bool:
        """Whether proposed values satisfy it (quantities missing from ``valeurs`` are 0)."""
        if any(valeurs.get(Finance(f), Decimal(0)) == 0 for f in self.si):
            return True
        gauche = sum((c * valeurs.get(q, Decimal(0)) for c, q in self.termes), Decimal(0))
        droite = self.borne * valeurs.get(Retenu(), Decimal(0))
        return gauche >= droite if self.sens == ">=" else gauche <= droite


def au_moins(termes: list[tuple[Decimal, Quantite]], borne: Decimal, texte: str) -> Contrainte:
    return Contrainte(tuple(termes), ">=", borne, texte)
