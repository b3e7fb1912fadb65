"""Exact amounts: parsing what people type, French display."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdv_prog.core import money
from cdv_prog.core.money import AmountError, euros, parse_amount, percent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1200, Decimal("1200")),
        (0, Decimal("0")),
        (Decimal("12.5"), Decimal("12.50")),
        (Decimal("499.99"), Decimal("499.99")),
        ("12000", Decimal("12000")),
        ("12000.50", Decimal("12000.50")),
        ("12000,50", Decimal("12000.50")),
        ("12 000,50", Decimal("12000.50")),
        ("12 000,50 €", Decimal("12000.50")),
        ("12\u00a0000,50\u00a0€", Decimal("12000.50")),  # non-breaking spaces (copied from a spreadsheet)
        ("12\u202f000,50 €", Decimal("12000.50")),  # narrow non-breaking space (French typography)
        ("1 000 000", Decimal("1000000")),
        ("  500 € ", Decimal("500")),
        ("500€", Decimal("500")),
        ("0,01", Decimal("0.01")),
        ("0.5", Decimal("0.50")),
    ],
)
def test_parse_amount_accepts(value: object, expected: Decimal) -> None:
    got = parse_amount(value)
    assert got == expected
    assert isinstance(got, Decimal)


@pytest.mark.parametrize(
    "value",
    [
        12.5,  # binary float
        True,
        False,
        None,
        -1,
        Decimal("-0.01"),
        "-500",
        "- 500",
        Decimal("12.345"),
        "12,345",
        "0.001",
        "abc",
        "",
        "12 000,50 $",
        "1.000,50",  # thousands with dots: ambiguous, refused
        "12,000.50",
        "1e3",
        Decimal("Infinity"),
        Decimal("NaN"),
        [500],
        {"montant": 500},
        Decimal("1000000000000.01"),
    ],
)
def test_parse_amount_refuses(value: object) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(value)
    assert str(info.value).strip()


def test_amount_errors_are_value_errors_in_french() -> None:
    with pytest.raises(ValueError, match="décimales"):
        parse_amount("12.345")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0"), "0,00 €"),
        (Decimal("0.5"), "0,50 €"),
        (Decimal("12"), "12,00 €"),
        (Decimal("999.99"), "999,99 €"),
        (Decimal("1000"), "1 000,00 €"),
        (Decimal("12000.5"), "12 000,50 €"),
        (Decimal("185000"), "185 000,00 €"),
        (Decimal("1664753"), "1 664 753,00 €"),
        (Decimal("-450"), "-450,00 €"),
        (Decimal("-1234.56"), "-1 234,56 €"),
        # wider than the default context's 28 digits, once rounded to the cent: written all the same
        (Decimal("2953219956057676923797503.833"), "2 953 219 956 057 676 923 797 503,83 €"),
        (Decimal("99999999999999999999999999.995"), "100 000 000 000 000 000 000 000 000,00 €"),
    ],
)
def test_euros(amount: Decimal, text: str) -> None:
    assert euros(amount) == text


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (Decimal("2953219956057676923797503.833"), "est ambigu"),
        ("2953219956057676923797503,833 €", "est ambigu"),
        ("1" + ".000" * 9 + ",50", "ne sépare jamais les milliers"),
        ("9" * 27 + ".000,50", "ne sépare jamais les milliers"),
    ],
)
def test_a_long_amount_is_refused_in_french_not_crashed_on(value: object, says: str) -> None:
    """An amount of 26 digits or more, ambiguous like ``4.000`` or grouped with dots like ``1.000,50``: its
    message writes the readings in euros (it once raised decimal's InvalidOperation: « Erreur interne »)."""
    with pytest.raises(AmountError, match=says):
        parse_amount(value)
    with pytest.raises(AmountError, match=says):
        money._parse_amount(value)


def test_euros_round_trip_through_parse() -> None:
    for text in ("12 000,50 €", "0,01 €", "1 664 753,00 €"):
        assert euros(parse_amount(text)) == text


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        (Decimal("0.5"), "50 %"),
        (Decimal("0.49999"), "50 %"),
        (Decimal("0.4999"), "49,99 %"),
        (Decimal("0.41666"), "41,67 %"),
        (Decimal("1"), "100 %"),
        (Decimal("0"), "0 %"),
        (Decimal("0.925"), "92,5 %"),
    ],
)
def test_percent(ratio: Decimal, text: str) -> None:
    assert percent(ratio) == text


@settings(max_examples=500)
@given(
    st.decimals(allow_nan=True, allow_infinity=True)
    | st.builds(Decimal, st.from_regex(r"-?[0-9]{1,14}(\.[0-9]{0,4})?(E[+-]?[0-9])?", fullmatch=True))
)
def test_the_fast_path_of_a_decimal_amount_says_what_the_general_one_says(value: Decimal) -> None:
    """A YAML number's Decimal takes a short way (issue 17): the same amount, or the same refusal."""
    try:
        expected: object = money._parse_amount(value)
    except AmountError as exc:
        expected = ("refus", str(exc))
    try:
        got: object = parse_amount(value)
    except AmountError as exc:
        got = ("refus", str(exc))
    assert got == expected
    if isinstance(got, Decimal):
        assert str(got) == str(expected)  # the same exponent too: written alike
