"""The parameters of the « part-minimum » rule kind (:mod:`cdv_prog.kinds.part_minimum`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from cdv_prog.kinds.parametres.base import Fraction, ListeFinanceurs
from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    part: Fraction
    financeurs: ListeFinanceurs
