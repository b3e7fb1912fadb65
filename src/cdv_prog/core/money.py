"""Exact amounts: parsing the forms people type, and French display.

Money is ``Decimal`` everywhere, with at most two decimals; binary floats are
refused as input and never used in computations.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

ZERO = Decimal("0")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # 1 000 milliards : au-delà, c'est une faute de frappe

_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")
_AMOUNT_RE = re.compile(r"^[0-9]+([.,][0-9]+)?$")


class AmountError(ValueError):
    """A value that is not a valid amount; the message is French."""


def parse_amount(value: object) -> Decimal:
    """``1200``, ``Decimal("12.5")``, ``"12 000,50"``, ``"12 000,50 €"`` → Decimal.

    Refuses booleans, floats, negative numbers, more than two decimals,
    infinities and NaN.
    """
    if isinstance(value, bool):
        raise AmountError("un montant doit être un nombre, pas true/false")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, float):
        raise AmountError("montant en virgule flottante refusé : écrire le nombre tel quel ou entre guillemets")
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("€"):
            text = text[:-1]
        text = text.translate(_SPACES)
        if text.upper().startswith("EUR"):
            text = text[3:]
        if text.upper().endswith("EUR"):
            text = text[:-3]
        if text.startswith("-"):
            raise AmountError(f"montant négatif « {value} » : un montant est toujours positif ou nul")
        if not _AMOUNT_RE.match(text):
            raise AmountError(f'« {value[:40]} » n\'est pas un montant (exemples : 12000, 12000.50, "12 000,50 €")')
        amount = Decimal(text.replace(",", "."))
    else:
        raise AmountError("un montant doit être un nombre")
    if not amount.is_finite():
        raise AmountError("montant infini ou indéfini (.inf, .nan) refusé")
    if amount < 0:
        raise AmountError(f"montant négatif ({amount}) : un montant est toujours positif ou nul")
    if amount > MAX_AMOUNT:
        raise AmountError("montant démesuré (plus de 1 000 milliards d'euros)")
    try:
        exact = amount.quantize(CENT)
    except InvalidOperation:
        raise AmountError("montant illisible") from None
    if exact != amount:
        raise AmountError(f"« {value} » a plus de deux décimales : un montant s'écrit au centime près")
    return exact


_FRENCH_DIGITS = str.maketrans(",.", " ,")


def euros(amount: Decimal) -> str:
    """``Decimal("12000.5")`` → ``"12 000,50 €"``."""
    q = amount.quantize(CENT)
    if q.is_zero():
        q = abs(q)  # never "-0,00 €"
    return f"{q:,.2f}".translate(_FRENCH_DIGITS) + " €"


def percent(ratio: Decimal, places: int = 2) -> str:
    """``Decimal("0.41666")`` → ``"41,67 %"`` (display only)."""
    value = (ratio * 100).quantize(Decimal(1).scaleb(-places))
    text = f"{value:f}".replace(".", ",")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return f"{text} %"


# --------------------------------------------------------------------------- JSON: the one rule

TAUX_PLACES = Decimal("0.0001")


def montant_json(amount: Decimal | None) -> float | None:
    """A Decimal amount as a JSON number rounded to the cent (the reports' numbers, ``docs/rapports.md``)."""
    return None if amount is None else float(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def taux_json(ratio: Decimal | None) -> float | None:
    """A rate (fraction) as a JSON number with 4 decimals."""
    return None if ratio is None else float(ratio.quantize(TAUX_PLACES, rounding=ROUND_HALF_UP))


def nombre_json(value: Decimal) -> int | float:
    """A parameter value (amount, fraction…) as a JSON number: an integer when it is one."""
    exponent = value.as_tuple().exponent  # an int, or "n", "N", "F" for NaN and infinities
    if value == value.to_integral_value() and isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


# --------------------------------------------------------------------------- the pydantic type


def valider_montant(value: object) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise PydanticCustomError("montant", str(exc)) from None


Montant = Annotated[Decimal, BeforeValidator(valider_montant)]
"""An amount field of a model (dossier, rule parameter): parsed by :func:`parse_amount`."""
