"""The parameters of the « enveloppe-respectee » rule kind (:mod:`cdv_prog.kinds.enveloppe_respectee`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from cdv_prog.kinds.parametres.base import CodeFinanceur
from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    financeurs: list[CodeFinanceur] | None = None
