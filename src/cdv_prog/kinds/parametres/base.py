"""The base of every kind's parameters and the parameter types (pydantic): :mod:`cdv_prog.kinds.parametres`.

Each kind's ``Parametres`` (``kinds/parametres/<the kind's module>.py``) is a subclass of
:class:`Parametres`; the kind module itself is described in :mod:`cdv_prog.kinds.base`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from cdv_prog.core.champs import Code, CodeFinanceur, CodeQuartier, Montant
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


ListeFinanceurs = Annotated[list[CodeFinanceur], Field(min_length=1)]
CodeDispositif = Annotated[Code, AfterValidator(dispositif_connu)]
Fraction = Annotated[Decimal, BeforeValidator(valider_fraction)]
Groupe = GroupeFinanceur

__all__ = [
    "CodeDispositif",
    "CodeFinanceur",
    "CodeQuartier",
    "Fraction",
    "Groupe",
    "ListeFinanceurs",
    "Montant",
    "Parametres",
]
