"""The dossier: one action, one exercice, a budget and its financements (format: ``docs/dossier.md``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from cdv_prog.core.money import ZERO, Montant
from cdv_prog.core.vocab import Code, CodeAxe, CodeDefi, CodeFinanceur, CodeQuartier, Texte, TypePorteur


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)


class Porteur(_Strict):
    nom: Texte
    type: TypePorteur | None = None
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
                "objectif",
                "objectif « {o} » inconnu pour le défi « {d} » ; objectifs possibles : {codes}",
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
                    "exercice",
                    "exercice {e} hors de la période du contrat ({a}-{b})",
                    {"e": exercice, "a": first, "b": last},
                )
        return exercice
