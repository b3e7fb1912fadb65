"""The parameters of the « date-limite » rule kind (:mod:`cdv_prog.kinds.date_limite`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


def _jour_reel(mois: int, jour: int) -> None:
    try:
        dt.date(2024, mois, jour)  # 2024: leap year, so 29/02 is allowed
    except ValueError:
        raise PydanticCustomError("jour", "le {j}/{m} n'existe pas", {"j": jour, "m": mois}) from None


class Borne(BaseParametres):
    """A day of the year of the exercice (shifted by ``decalage-annees``)."""

    mois: Annotated[int, Field(ge=1, le=12)]
    jour: Annotated[int, Field(ge=1, le=31)]
    decalage_annees: Annotated[int, Field(ge=-10, le=10, alias="decalage-annees")] = 0

    @model_validator(mode="after")
    def _real_day(self) -> Borne:
        _jour_reel(self.mois, self.jour)
        return self


class Parametres(BaseParametres):
    champ: Literal["bilan-precedent.envoye-le", "action.debut", "action.fin"]
    mois: Annotated[int, Field(ge=1, le=12)]
    jour: Annotated[int, Field(ge=1, le=31)]
    decalage_annees: Annotated[int, Field(ge=-10, le=10, alias="decalage-annees")] = 0
    au_plus_tot: Borne | None = Field(default=None, alias="au-plus-tot")

    @model_validator(mode="after")
    def _real_day(self) -> Parametres:
        _jour_reel(self.mois, self.jour)
        return self
