"""Exact amounts: parsing the forms people type, and French display.

Money is ``Decimal`` everywhere, with at most two decimals; binary floats are
refused as input and never used in computations. No pydantic here: the amount
field of the models is :data:`cdv_prog.core.champs.Montant`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, getcontext

from cdv_prog.core.texte import short

ZERO = Decimal("0")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # 1 000 milliards : au-delà, c'est une faute de frappe

_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")
_AMOUNT_RE = re.compile(r"^[0-9]+([.,][0-9]+)?$")
_AMBIGUOUS_RE = re.compile(r"^([0-9]+)[.,]([0-9]{3})$")  # 4.000, 1,500: thousands or decimals?
_SEVERAL_RE = re.compile(r"^[0-9]+(?:[.,][0-9]+){2,}$")  # 1.000.000, 1.000,50: a dot never groups thousands


class AmountError(ValueError):
    """A value that is not a valid amount; the message is French."""


# a YAML number's Decimal as a dossier usually holds it (``69552.31``, ``12.5``): ≥ 0, at most two decimals,
# under 10^12 (so within MAX_AMOUNT) — its text says all that in 0.5 µs where the general path takes 3 µs
_DECIMAL_SIMPLE = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")


def parse_amount(value: object) -> Decimal:
    """``1200``, ``Decimal("12.5")``, ``"12 000,50"``, ``"12 000,50 €"`` → Decimal (at the cent).

    Refuses booleans, floats, negative numbers, infinities and NaN, more than
    two decimals whatever the zeros (``4.5000``), and the ambiguous forms
    (``docs/dossier.md``, « Montants »): a dot is never a thousands separator,
    and an amount whose only separator is a dot or a comma followed by exactly
    three digits (``4.000``, ``"4.000 €"``, ``"1,500"``, ``1.500``) could mean
    four thousand or four euros. A YAML number such as ``1.500`` reaches here
    as ``Decimal("1.500")``, read from its text: its three decimal places are
    still there to be judged.
    """
    if type(value) is Decimal and _DECIMAL_SIMPLE.fullmatch(str(value)):
        return value.quantize(CENT)  # what the general path gives it (:func:`_parse_amount`)
    return _parse_amount(value)


def valider_montant(value: object) -> Decimal:
    """An amount field's value: :func:`parse_amount`, an integer's amount kept for the next time it is read
    (``montant: 12150``: the same Decimal, immutable, shared safely). :class:`AmountError` when refused.

    The models' amount type (``core.champs.Montant``) says the refusal as pydantic's error.
    """
    if type(value) is int:  # the common case
        amount = _ENTIERS.get(value)
        if amount is not None:
            return amount
        amount = parse_amount(value)
        if len(_ENTIERS) >= 4096:
            _ENTIERS.clear()
        _ENTIERS[value] = amount
        return amount
    return parse_amount(value)


_ENTIERS: dict[int, Decimal] = {}  # integer amounts already parsed


def _parse_amount(value: object) -> Decimal:
    """:func:`parse_amount`, every case."""
    if isinstance(value, bool):
        raise AmountError("un montant doit être un nombre, pas true/false")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
        exponent = value.as_tuple().exponent
        if value.is_finite() and isinstance(exponent, int) and exponent < -2 and value >= 0:
            _refuse_decimals(format(value, "f"), format(value, "f"))
    elif isinstance(value, float):
        raise AmountError("montant en virgule flottante refusé : écrire le nombre tel quel ou entre guillemets")
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("€"):
            text = text[:-1].rstrip()
        if text.upper().startswith("EUR"):
            text = text[3:].lstrip()
        if text.upper().endswith("EUR"):
            text = text[:-3].rstrip()
        compact = text.translate(_SPACES)
        if compact.startswith("-"):
            raise AmountError(f"montant négatif « {_short(value)} » : un montant est toujours positif ou nul")
        if _AMBIGUOUS_RE.match(text):
            _refuse_decimals(text, _short(value))
        if _SEVERAL_RE.match(compact):
            raise AmountError(_several_separators(compact, _short(value)))
        if not _AMOUNT_RE.match(compact):
            raise AmountError(f'« {_short(value)} » n\'est pas un montant (exemples : 12000, 12000.50, "12 000,50 €")')
        if len(compact.replace(",", ".").partition(".")[2]) > 2:
            raise AmountError(f"« {_short(value)} » a plus de deux décimales : un montant s'écrit au centime près")
        amount = Decimal(compact.replace(",", "."))
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
        raise AmountError(f"« {_short(value)} » a plus de deux décimales : un montant s'écrit au centime près")
    return exact


def _short(value: object) -> str:
    """The value quoted in a message, within the one bound of quoted values (:func:`cdv_prog.core.texte.short`)."""
    return short(value)


def _how(amount: Decimal, cents: bool = False) -> str:
    """How to write an amount: ``pour 4 000 € : écrire 4000 ou "4 000 €"`` (with its cents if ``cents``)."""
    shown = euros(amount)
    if not cents and amount == amount.to_integral_value():
        shown = shown.removesuffix(",00 €") + " €"
        plain = f"{amount.to_integral_value():f}"
    else:
        plain = f"{au_centime(amount):f}"
    return f'pour {shown} : écrire {plain} ou "{shown}"'


def _refuse_decimals(text: str, shown: str) -> None:
    """Raise for a number with three decimals or more: ambiguous when exactly three, else too precise."""
    match = _AMBIGUOUS_RE.match(text)
    if match is None:
        raise AmountError(f"« {shown} » a plus de deux décimales : un montant s'écrit au centime près")
    whole, three = match.groups()
    readings = [_how(Decimal(whole + three))]
    if three.endswith("0"):  # 4.500 may be 4,50 €; 4.123 cannot be an amount in euros
        readings.append(_how(Decimal(f"{whole}.{three[:2]}"), cents=True))
    raise AmountError(
        f"« {shown} » est ambigu : un point ou une virgule suivi de trois chiffres peut séparer les milliers "
        f"ou les décimales ; {' ; '.join(readings)}"
    )


def _several_separators(compact: str, shown: str) -> str:
    """The message for ``1.000.000``, ``1.000,50``, ``12,000.50``: a dot never separates thousands."""
    head, _, tail = compact.rpartition(compact[max(compact.rfind("."), compact.rfind(","))])
    digits = head.replace(".", "").replace(",", "")
    cents = len(tail) <= 2  # the last separator is then the decimal one
    meant = au_centime(Decimal(f"{digits}.{tail}")) if cents else Decimal(digits + tail)
    hint = f" ; {_how(meant, cents=cents)}" if meant <= MAX_AMOUNT else ""
    return (
        f"« {shown} » : un point ou une virgule ne sépare jamais les milliers (ils se séparent par des espaces){hint}"
    )


_FRENCH_DIGITS = str.maketrans(",.", " ,")


def euros(amount: Decimal) -> str:
    """``Decimal("12000.5")`` → ``"12 000,50 €"``."""
    key = str(amount)  # not the Decimal: hashing a new one takes a modular power (0.6 µs; its text 0.09 µs)
    shown = _EUROS.get(key)
    if shown is None:
        q = au_centime(amount)
        if q.is_zero():
            q = abs(q)  # never "-0,00 €"
        shown = f"{q:,.2f}".translate(_FRENCH_DIGITS) + " €"
        if amount.is_finite():
            if len(_EUROS) >= 4096:
                _EUROS.clear()
            _EUROS[key] = shown
    return shown


def au_centime(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent, whatever its number of digits.

    ``quantize`` in the default context refuses a result of more than 28 digits (InvalidOperation):
    a refused amount is still written in its message (``4.000``, ambiguous, may come with 26 digits
    before it). Such an amount is rounded in a context just wide enough, the same rounding.
    """
    try:
        return amount.quantize(CENT)
    except InvalidOperation:
        if not amount.is_finite():
            raise
        context = getcontext().copy()
        context.prec = amount.adjusted() + 4  # its digits, two decimals, and one a rounding up may carry
        return amount.quantize(CENT, context=context)


# an amount's text (``str``: 500 and 500.00 are two entries, written alike) → in words: the rules write the same
# floors and amounts in many messages
_EUROS: dict[str, str] = {}


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


def montant_texte(value: Decimal) -> str:
    """A Decimal as its exact decimal text, never rounded nor in exponent form: ``"500.00"``, ``"0.5"``.

    For the values that must be re-read exactly (the parameters of a report, ``docs/rapport.md``).
    """
    return format(value, "f")
