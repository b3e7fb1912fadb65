"""The parameters of the « financeurs-minimum » rule kind (:mod:`cdv_prog.kinds.financeurs_minimum`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cdv_prog.kinds.parametres.base import CodeFinanceur
from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    minimum: Annotated[int, Field(ge=1, le=50)]
    parmi: Annotated[list[CodeFinanceur], Field(min_length=1)] | None = None
    sauf: list[CodeFinanceur] = []  # noqa: RUF012 - pydantic copies field defaults; ruff cannot see this base is a BaseModel
