"""The parameters of the « cpo-par-quartier » rule kind (:mod:`cdv_prog.kinds.cpo_par_quartier`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cdv_prog.core.modeles.regles import Condition
from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    # model_construct: the empty condition Condition() is, without building Condition's validator at import
    dossiers: Condition = Condition.model_construct()
    premiere_annee_inconnue: Condition | None = Field(default=None, alias="premiere-annee-inconnue")
    financeurs_minimum: Annotated[int, Field(ge=1, le=50, alias="financeurs-minimum")] = 1
    minimum: Annotated[int, Field(ge=1, le=50)] = 1
    minimum_total: Annotated[int, Field(ge=1, le=1000)] | None = Field(default=None, alias="minimum-total")
    statuts: Annotated[list[Annotated[str, Field(pattern=r"^(qpv|veille)$")]], Field(min_length=1)] = ["qpv"]  # noqa: RUF012 - pydantic copies field defaults; ruff cannot see this base is a BaseModel
    libelle: Annotated[str, Field(min_length=1, max_length=200)] = "dossier répondant aux critères"
