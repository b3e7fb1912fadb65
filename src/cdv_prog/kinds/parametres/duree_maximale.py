"""The parameters of the « duree-maximale » rule kind (:mod:`cdv_prog.kinds.duree_maximale`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    annees: Annotated[int, Field(ge=1, le=10)] = 1
