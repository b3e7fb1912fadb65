"""The parameters of the « quartier-statut » rule kind (:mod:`cdv_prog.kinds.quartier_statut`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cdv_prog.kinds.parametres.base import CodeQuartier
from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    statuts: Annotated[list[Annotated[str, Field(pattern=r"^(qpv|veille)$")]], Field(min_length=1)] = ["qpv"]  # noqa: RUF012 - pydantic copies field defaults; ruff cannot see this base is a BaseModel
    quartiers: list[CodeQuartier] = []  # noqa: RUF012 - pydantic copies field defaults; ruff cannot see this base is a BaseModel
    precisions: dict[Literal["qpv", "veille", "hors-qpv"], Annotated[str, Field(min_length=1)]] = {}  # noqa: RUF012 - pydantic copies field defaults; ruff cannot see this base is a BaseModel
