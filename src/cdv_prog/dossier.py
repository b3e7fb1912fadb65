"""The dossier: one action, one exercice, a budget and its financements (SPEC §1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .money import ZERO, AmountError, parse_amount


def _amount(value: object) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise PydanticCustomError("montant", str(exc)) from None


Montant = Annotated[Decimal, BeforeValidator(_amount)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]*$", max_length=80)]


OPTIONAL_REFERENTIELS = ("defis", "axes")


def _known(section: str, label: str):
    """Validator: the code must exist in the rule set passed as validation context."""

    def check(value: str, info: ValidationInfo) -> str:
        regles = (info.context or {}).get("regles")
        if regles is None:
            return value
        known = getattr(regles, section)
        if not known and section in OPTIONAL_REFERENTIELS:
            return value  # a rule set without this référentiel does not check its codes
        if value not in known and not (section == "quartiers" and value == "hors-qpv"):
            codes = ", ".join(sorted(known) + (["hors-qpv"] if section == "quartiers" else []))
            raise PydanticCustomError("code_inconnu", "{label} inconnu « {value} » ; codes connus : {codes}",
                                      {"label": label, "value": value, "codes": codes})
        return value

    return AfterValidator(check)


CodeFinanceur = Annotated[Code, _known("financeurs", "financeur")]
CodeQuartier = Annotated[Code, _known("quartiers", "quartier")]
CodeDefi = Annotated[Code, _known("defis", "défi")]
CodeAxe = Annotated[Code, _known("axes", "axe transversal")]
Texte = Annotated[str, Field(min_length=1, max_length=2000)]

TYPES_PORTEUR = ("association", "collectivite", "bailleur", "etablissement-public", "entreprise", "autre")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)


class Porteur(_Strict):
    nom: Texte
    type: Literal["association", "collectivite", "bailleur", "etablissement-public", "entreprise", "autre"] | None = None
    siret: Annotated[str, Field(pattern=r"^[0-9]{14}$")] | None = None


class Cpo(_Strict):
    annees: Annotated[list[int], Field(min_length=1, max_length=10)]


class Action(_Strict):
    defi: CodeDefi
    objectif: Code | None = None
    axes: list[CodeAxe] = []
    quartiers: Annotated[list[CodeQuartier], Field(min_length=1)]
    debut: dt.date
    fin: dt.date
    innovante: bool = False
    parentalite: bool = False
    renouvellement: bool = False
    cpo: Cpo | None = None

    @field_validator("fin")
    @classmethod
    def _dates_in_order(cls, fin: dt.date, info: ValidationInfo) -> dt.date:
        debut = info.data.get("debut")
        if isinstance(debut, dt.date) and fin < debut:
            raise PydanticCustomError(
                "dates", "la fin ({fin}) précède le début ({debut})", {"fin": str(fin), "debut": str(debut)}
            )
        return fin

    @field_validator("objectif")
    @classmethod
    def _objectif_of_defi(cls, objectif: str | None, info: ValidationInfo) -> str | None:
        regles = (info.context or {}).get("regles")
        defi = info.data.get("defi")
        if objectif is None or regles is None or defi not in regles.defis:
            return objectif
        known = regles.defis[defi].objectifs
        if objectif not in known:
            raise PydanticCustomError(
                "objectif", "objectif « {o} » inconnu pour le défi « {d} » ; objectifs possibles : {codes}",
                {"o": objectif, "d": defi, "codes": ", ".join(known)},
            )
        return objectif


class Budget(_Strict):
    total: Annotated[Montant, Field(gt=0)]
    autres_produits: Montant = Field(default=ZERO, alias="autres-produits")
    contributions_nature: Montant = Field(default=ZERO, alias="contributions-nature")


class Financement(_Strict):
    financeur: CodeFinanceur
    dispositif: Texte | None = None
    montant: Montant
    accorde: Montant | None = None

    @property
    def retenu(self) -> Decimal:
        """Montant retenu: ``accorde`` if present, else ``montant``."""
        return self.montant if self.accorde is None else self.accorde


class BilanPrecedent(_Strict):
    envoye_le: dt.date | None = Field(default=None, alias="envoye-le")


class Dossier(_Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$", max_length=100)]
    exercice: int
    intitule: Texte
    porteur: Porteur
    action: Action
    budget: Budget
    financements: Annotated[list[Financement], Field(min_length=1)]
    pieces: list[Code] = []
    elan: bool = False
    bilan_precedent: BilanPrecedent | None = Field(default=None, alias="bilan-precedent")

    @field_validator("exercice")
    @classmethod
    def _exercice_in_period(cls, exercice: int, info: ValidationInfo) -> int:
        regles = (info.context or {}).get("regles")
        if regles is not None:
            first, last = regles.contrat.periode
            if not first <= exercice <= last:
                raise PydanticCustomError(
                    "exercice", "exercice {e} hors de la période du contrat ({a}-{b})", {"e": exercice, "a": first, "b": last}
                )
        return exercice

    def totaux(self) -> dict[str, Decimal]:
        """Total retained per financeur, in order of first appearance."""
        out: dict[str, Decimal] = {}
        for line in self.financements:
            out[line.financeur] = out.get(line.financeur, ZERO) + line.retenu
        return out

    def demandes(self) -> dict[str, Decimal]:
        """Total requested (``montant``) per financeur."""
        out: dict[str, Decimal] = {}
        for line in self.financements:
            out[line.financeur] = out.get(line.financeur, ZERO) + line.montant
        return out


def siret_luhn_ok(siret: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(siret)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
