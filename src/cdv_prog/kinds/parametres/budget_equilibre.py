"""The parameters of the « budget-equilibre » rule kind (:mod:`cdv_prog.kinds.budget_equilibre`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from cdv_prog.core.money import ZERO
from cdv_prog.kinds.parametres.base import Montant
from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    tolerance: Montant = ZERO
