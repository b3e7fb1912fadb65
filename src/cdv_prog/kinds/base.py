"""What every rule kind shares: the base of its parameters and the parameter types.

A kind module declares ``TYPE``, ``PORTEE`` (``dossier`` or
``programmation``), ``Parametres`` (a subclass of :class:`Parametres`),
optionally ``CHAMP`` (the dossier field it is about, for the line of a
finding) and a pure ``verifier(ctx, params)`` returning a
:class:`~cdv_prog.core.findings.Resultat`; its docstring has three parts:
« Ce que la règle vérifie », « Pourquoi », « Exemple ».
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from cdv_prog.core.champs import Code, CodeFinanceur, CodeQuartier, Montant
from cdv_prog.core.context import Contexte, ContexteProgrammation
from cdv_prog.core.vocab import GroupeFinanceur, suggest


class Parametres(BaseModel):
    """Base of every kind's parameters: unknown keys forbidden, strict types.

    The engine reads them as :class:`~cdv_prog.core.valeurs.Valeurs` (``VALEURS``: a nested parameters
    model, such as ``date-limite``'s bornes, becomes one too).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)
    VALEURS: ClassVar[bool] = True


def valider_fraction(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PydanticCustomError("fraction", "doit être une fraction entre 0 et 1 (0.5 pour 50 %)")
    d = Decimal(value)
    if not d.is_finite() or not (0 <= d <= 1):
        raise PydanticCustomError("fraction", "doit être une fraction entre 0 et 1 (0.5 pour 50 %)")
    return d


def dispositif_connu(value: str, info: ValidationInfo) -> str:
    """A dispositif code of the rule set's référentiel (checked when the rule set is the context)."""
    regles = (info.context or {}).get("regles")
    if regles is None or value in regles.dispositifs:
        return value
    codes = sorted(regles.dispositifs)
    raise PydanticCustomError(
        "code_inconnu",
        "dispositif inconnu « {value} »{hint} ; codes connus : {codes}",
        {"value": value, "hint": suggest(value, codes), "codes": ", ".join(codes) or "aucun"},
    )


def date_fr(d: dt.date) -> str:
    """``15/01/2025``: a date as the messages write it (``%d/%m/%Y``), formatted once per date.

    Every dossier's dates are written in several messages; ``strftime`` is slow and
    the same dates come back from dossier to dossier.
    """
    shown = _DATES_FR.get(d)
    if shown is None:
        shown = format(d, "%d/%m/%Y")
        if len(_DATES_FR) >= 4096:
            _DATES_FR.clear()
        _DATES_FR[d] = shown
    return shown


_DATES_FR: dict[dt.date, str] = {}


ListeFinanceurs = Annotated[list[CodeFinanceur], Field(min_length=1)]
CodeDispositif = Annotated[Code, AfterValidator(dispositif_connu)]
Fraction = Annotated[Decimal, BeforeValidator(valider_fraction)]
Groupe = GroupeFinanceur

__all__ = [
    "CodeDispositif",
    "CodeFinanceur",
    "CodeQuartier",
    "Contexte",
    "ContexteProgrammation",
    "Fraction",
    "Groupe",
    "ListeFinanceurs",
    "Montant",
    "Parametres",
]
