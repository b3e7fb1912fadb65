"""The parameters of the « information » rule kind (:mod:`cdv_prog.kinds.information`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    message: Annotated[str, Field(min_length=1)]
