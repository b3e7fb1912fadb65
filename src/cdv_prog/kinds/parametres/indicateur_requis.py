"""The parameters of the « indicateur-requis » rule kind (:mod:`cdv_prog.kinds.indicateur_requis`), validated here by
pydantic; the kind reads them as :class:`~cdv_prog.core.valeurs.Valeurs`."""

from __future__ import annotations

from typing import Literal

from cdv_prog.kinds.parametres.base import Parametres as BaseParametres


class Parametres(BaseParametres):
    champ: Literal["elan", "action.innovante", "action.parentalite", "action.renouvellement"]
    valeur: bool = True
