"""The parameters of the « siret-valide » rule kind (:mod:`cdv_prog.kinds.siret_valide`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    pass
