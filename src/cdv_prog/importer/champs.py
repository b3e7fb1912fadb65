"""The dossier fields a column can feed, derived from the :class:`~cdv_prog.core.dossier.Dossier` model.

A new field of the dossier format is importable without another edit here
when its type says how to read a cell (texte, date, booléen, montant); a
field that needs a specific reading (a code checked against a référentiel, a
list of years…) is named in :data:`LECTURES`, and a field whose reading
cannot be found makes this module fail at import (a test keeps it so).

Champ names are the dotted YAML keys (``porteur.nom``, ``budget.total``); a
sub-model may be fed by one column named after it
(:data:`UNE_COLONNE`: ``action.cpo`` gives ``action.cpo.annees``). The financement lines'
fields are the ``financement.*`` champs.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel

from cdv_prog.core.modeles.dossier import Dossier, Financement

# Fields read in their own way (a code list, a référentiel code…), by champ name.
LECTURES: dict[str, str] = {
    "id": "numero",
    "exercice": "exercice",
    "porteur.type": "type-porteur",
    "porteur.siret": "siret",
    "action.defi": "defi",
    "action.objectif": "objectif",
    "action.axes": "axes",
    "action.quartiers": "quartiers",
    "action.cpo": "annees",
    "pieces": "pieces",
    "action.precedent": "numero",
    "bilan-precedent.financeurs": "financeurs",
    "financement.financeur": "financeur",
}
# Sub-models fed by one column (the champ names the sub-model): champ → the sub-model's field it fills.
UNE_COLONNE: dict[str, str] = {"action.cpo": "annees"}
LIGNES = "financements"  # the list of financement lines: fed by the financement.* champs
PREFIXE_LIGNE = "financement."


@dataclass(frozen=True)
class Champ:
    """A dossier field a column can feed."""

    nom: str  # champ name in a correspondance file: ``budget.autres-produits``
    cles: tuple[str, ...]  # where the value goes in the dossier: ("budget", "autres-produits")
    lecture: str  # how a cell is read: texte, date, montant, booleen, numero, quartiers…
    obligatoire: bool


def _inner(annotation: object) -> object:
    """``X | None`` → ``X``; ``Annotated[X, …]`` → ``X``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        else:
            return annotation


def _model(annotation: object) -> type[BaseModel] | None:
    inner = _inner(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _lecture(nom: str, annotation: object) -> str:
    if nom in LECTURES:
        return LECTURES[nom]
    inner = _inner(annotation)
    for kind, lecture in ((bool, "booleen"), (dt.date, "date"), (Decimal, "montant"), (str, "texte")):
        if inner is kind:
            return lecture
    raise TypeError(f"champ « {nom} » du dossier : aucune lecture de cellule pour {annotation!r}")


def _champs(model: type[BaseModel], prefix: tuple[str, ...], required: bool) -> list[Champ]:
    out: list[Champ] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        if not prefix and key == LIGNES:
            continue
        sub = _model(field.annotation)
        cles = (*prefix, key)
        nom = ".".join(cles)
        needed = required and field.is_required()
        if sub is not None and nom in UNE_COLONNE:  # one column feeds one field of the sub-model
            inner = next(f for n, f in sub.model_fields.items() if (f.alias or n) == UNE_COLONNE[nom])
            out.append(Champ(nom, (*cles, UNE_COLONNE[nom]), _lecture(nom, inner.annotation), needed))
        elif sub is not None:
            out += _champs(sub, cles, needed)
        else:
            out.append(Champ(nom, cles, _lecture(nom, field.annotation), needed))
    return out


def _ligne() -> list[Champ]:
    out = []
    for name, field in Financement.model_fields.items():
        key = field.alias or name
        nom = PREFIXE_LIGNE + key
        out.append(Champ(nom, (key,), _lecture(nom, field.annotation), field.is_required()))
    return out


CHAMPS_DOSSIER: tuple[Champ, ...] = tuple(_champs(Dossier, (), True))
CHAMPS_FINANCEMENT: tuple[Champ, ...] = tuple(_ligne())
