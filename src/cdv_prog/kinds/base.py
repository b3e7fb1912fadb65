"""What every rule kind shares: the dossier as seen by the rules, and parameter types."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from ..dossier import Dossier, Montant
from ..money import ZERO

if TYPE_CHECKING:
    from ..regles import RuleSet


class Parametres(BaseModel):
    """Base of every kind's parameters: unknown keys forbidden, strict types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _financeur_known(value: str, info: ValidationInfo) -> str:
    regles = (info.context or {}).get("regles")
    if regles is not None and value not in regles.financeurs:
        raise PydanticCustomError(
            "financeur_inconnu", "financeur inconnu « {v} » ; codes connus : {codes}",
            {"v": value, "codes": ", ".join(regles.financeurs)},
        )
    return value


def _quartier_known(value: str, info: ValidationInfo) -> str:
    regles = (info.context or {}).get("regles")
    if regles is not None and value not in regles.quartiers and value != "hors-qpv":
        raise PydanticCustomError(
            "quartier_inconnu", "quartier inconnu « {v} » ; codes connus : {codes}",
            {"v": value, "codes": ", ".join([*regles.quartiers, "hors-qpv"])},
        )
    return value


def _fraction(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PydanticCustomError("fraction", "doit être une fraction entre 0 et 1 (0.5 pour 50 %)")
    d = Decimal(value)
    if not d.is_finite() or not (0 <= d <= 1):
        raise PydanticCustomError("fraction", "doit être une fraction entre 0 et 1 (0.5 pour 50 %)")
    return d


CodeFinanceur = Annotated[str, AfterValidator(_financeur_known)]
CodeQuartier = Annotated[str, AfterValidator(_quartier_known)]
ListeFinanceurs = Annotated[list[CodeFinanceur], Field(min_length=1)]
Fraction = Annotated[Decimal, BeforeValidator(_fraction)]
Groupe = Annotated[str, Field(pattern=r"^(principal|partenaire|bailleur|autre)$")]
__all__ = ["Contexte", "Parametres", "CodeFinanceur", "CodeQuartier", "ListeFinanceurs", "Fraction", "Groupe", "Montant"]


@dataclass
class Contexte:
    """A valid dossier as the rules see it, with its totals computed once."""

    dossier: Dossier
    regles: "RuleSet"
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def exercice(self) -> int:
        return self.dossier.exercice

    @cached_property
    def totaux(self) -> dict[str, Decimal]:
        """Montant retenu per financeur (accorde if present, else montant)."""
        return self.dossier.totaux()

    @cached_property
    def financent(self) -> list[str]:
        """Financeurs whose total is > 0, in order of appearance."""
        return [code for code, total in self.totaux.items() if total > ZERO]

    def total(self, financeur: str) -> Decimal:
        return self.totaux.get(financeur, ZERO)

    def nom(self, financeur: str) -> str:
        return self.regles.nom_court(financeur)

    def noms(self, financeurs: list[str]) -> str:
        return ", ".join(self.nom(c) for c in financeurs) or "aucun"
