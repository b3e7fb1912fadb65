"""The parameters of the « dispositif-mobilise » rule kind (:mod:`cdv_prog.kinds.dispositif_mobilise`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cdv_prog.kinds.parametres.base import CodeDispositif, CodeFinanceur
from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    dispositifs: Annotated[list[CodeDispositif], Field(min_length=1)]
    financeur: CodeFinanceur | None = None
