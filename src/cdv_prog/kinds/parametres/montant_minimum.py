"""The parameters of the « montant-minimum » rule kind (:mod:`cdv_prog.kinds.montant_minimum`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from pydantic import Field

from cdv_prog.kinds.parametres.base import CodeFinanceur, Groupe, Montant
from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    minimum: Montant
    groupes: list[Groupe] | None = None
    financeurs: list[CodeFinanceur] | None = None
    sauf_groupes: list[Groupe] = Field(default=[], alias="sauf-groupes")
