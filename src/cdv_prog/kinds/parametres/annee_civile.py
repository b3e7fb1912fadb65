"""The parameters of the « annee-civile » rule kind (:mod:`cdv_prog.kinds.annee_civile`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from pydantic import Field

from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    egale_exercice: bool = Field(default=True, alias="egale-exercice")
