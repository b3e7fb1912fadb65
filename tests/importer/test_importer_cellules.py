"""Cell readers: exact amounts from float cells, French dates, booleans, CPO years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdv_prog.importer import cellules
from cdv_prog.importer.cellules import CelluleInvalide, FormuleSansValeur


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1200, Decimal("1200")),
        (1200.0, Decimal("1200")),
        (1234.5, Decimal("1234.50")),
        (0.01, Decimal("0.01")),
        (0, Decimal("0")),
        ("12 000,50 €", Decimal("12000.50")),
        ("1500", Decimal("1500")),
        (Decimal("99.99"), Decimal("99.99")),
    ],
)
def test_montant_exact(cell, expected):
    value = cellules.montant(cell)
    assert value == expected and isinstance(value, Decimal)


@pytest.mark.parametrize(
    "cell",
    [
        0.1 + 0.2,  # 0.30000000000000004: a float that is not a whole number of cents
        12.345,  # three decimals
        "12,345",
        -5.0,
        "-5",
        True,
        "abc",
        dt.datetime(2025, 1, 1),
        float("nan"),
        float("inf"),
        1e300,
    ],
)
def test_montant_refuse(cell):
    with pytest.raises(CelluleInvalide):
        cellules.montant(cell)


@given(st.integers(min_value=0, max_value=10**11))
@settings(max_examples=200)
def test_montant_from_float_cell_is_exact(cents):
    """Any amount to the cent, stored by a spreadsheet as a binary float, comes back exact."""
    amount = Decimal(cents) / 100
    assert cellules.montant(float(amount)) == amount


def test_formule_sans_valeur_is_a_clear_error():
    with pytest.raises(CelluleInvalide) as info:
        cellules.montant(FormuleSansValeur("=SUM(A1:A3)"))
    assert info.value.nature == "formule-sans-valeur"
    assert "=SUM(A1:A3)" in str(info.value)


def test_erreur_de_calcul():
    with pytest.raises(CelluleInvalide) as info:
        cellules.montant("#DIV/0!")
    assert info.value.nature == "erreur-de-calcul"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.datetime(2025, 9, 1), dt.date(2025, 9, 1)),
        (dt.date(2025, 9, 1), dt.date(2025, 9, 1)),
        ("01/09/2025", dt.date(2025, 9, 1)),
        ("1/9/2025", dt.date(2025, 9, 1)),
        ("01.09.2025", dt.date(2025, 9, 1)),
        ("2025-09-01", dt.date(2025, 9, 1)),
        ("2025-09-01 00:00:00", dt.date(2025, 9, 1)),
    ],
)
def test_date(cell, expected):
    assert cellules.date(cell) == expected


@pytest.mark.parametrize("cell", ["31/02/2025", "2025-13-01", "01/09/25", "demain", 45901, 45901.0, True])
def test_date_refusee(cell):
    with pytest.raises(CelluleInvalide):
        cellules.date(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("oui", True),
        ("Oui", True),
        ("x", True),
        ("VRAI", True),
        (True, True),
        (1, True),
        ("non", False),
        ("NON", False),
        (None, False),
        ("", False),
        (False, False),
        (0, False),
    ],
)
def test_booleen(cell, expected):
    assert cellules.booleen(cell) is expected


def test_booleen_refuse():
    with pytest.raises(CelluleInvalide):
        cellules.booleen("peut-être")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2025-2027", [2025, 2026, 2027]),
        ("2025 à 2027", [2025, 2026, 2027]),
        ("2025, 2026, 2027", [2025, 2026, 2027]),
        ("2025;2026", [2025, 2026]),
        (2025, [2025]),
        (None, None),
        ("non", None),
    ],
)
def test_annees_cpo(cell, expected):
    assert cellules.annees(cell, (";", ",")) == expected


@pytest.mark.parametrize("cell", ["oui", True, "2027-2025", "2025-2040", "2025, bientôt"])
def test_annees_cpo_refusees(cell):
    with pytest.raises(CelluleInvalide):
        cellules.annees(cell, (";", ","))


@pytest.mark.parametrize(
    ("cell", "expected"), [(14, "14"), (14.0, "14"), (" CDV-2025-014 ", "CDV-2025-014"), ("25-001", "25-001")]
)
def test_numero(cell, expected):
    assert cellules.numero(cell) == expected


def test_numero_refuse_virgule():
    with pytest.raises(CelluleInvalide):
        cellules.numero(14.5)


def test_decoupe_listes():
    assert cellules.decoupe("La Conte; Viguier St Jacques\nBastide / Pont-Vieux", (";", ",")) == [
        "La Conte",
        "Viguier St Jacques",
        "Bastide / Pont-Vieux",
    ]


# --------------------------------------------------------------------------- French dates (both sides)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("15/01/2025", dt.date(2025, 1, 15)),
        ("29/02/2024", dt.date(2024, 2, 29)),  # leap year
        ("28/02/2025", dt.date(2025, 2, 28)),
        ("30/04/2025", dt.date(2025, 4, 30)),
        ("31/12/2025", dt.date(2025, 12, 31)),
        ("01/01/2025", dt.date(2025, 1, 1)),
        ("15/01/2025 00:00:00", dt.date(2025, 1, 15)),  # a date exported with its midnight
        ("15.01.2025", dt.date(2025, 1, 15)),
        ("15-01-2025", dt.date(2025, 1, 15)),
    ],
)
def test_french_dates(cell, expected):
    assert cellules.date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("29/02/2025", "février 2025 a 28 jours"),
        ("31/04/2025", "avril 2025 a 30 jours"),
        ("32/01/2025", "janvier 2025 a 31 jours"),
        ("00/01/2025", "pas de jour 0"),
        ("15/13/2025", "pas de mois 13"),
        ("15/00/2025", "pas de mois 0"),
        ("2025-02-30", "février 2025 a 28 jours"),
        ("15/01/25", "quatre chiffres"),
        ("15/01/2025 14:30", "n'est pas une date"),
    ],
)
def test_impossible_dates_are_refused_in_french(cell, reason):
    with pytest.raises(CelluleInvalide) as info:
        cellules.date(cell)
    assert reason in str(info.value)
    assert "date" in str(info.value)


# --------------------------------------------------------------------------- ambiguous amounts (both sides)


@pytest.mark.parametrize(
    ("cell", "written"), [("4.000", "4000"), ("4.000 €", "4000"), ("1,500", "1500"), ("1.500", "1500")]
)
def test_a_dot_or_comma_then_three_digits_is_ambiguous(cell, written):
    with pytest.raises(CelluleInvalide) as info:
        cellules.montant(cell)
    message = str(info.value)
    assert "ambigu" in message and written in message
    assert f'"{int(written):,} €"'.replace(",", " ") in message  # how to write it: "4 000 €"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("4000", Decimal("4000")),
        ("4 000", Decimal("4000")),
        ("4 000 €", Decimal("4000")),
        ("4.00", Decimal("4")),
        ("4,50", Decimal("4.50")),
        ("1500,5", Decimal("1500.50")),
        (4000.0, Decimal("4000")),  # a number cell: no ambiguity
        (4000, Decimal("4000")),
        (1234.56, Decimal("1234.56")),
    ],
)
def test_unambiguous_amounts(cell, expected):
    assert cellules.montant(cell) == expected


@pytest.mark.parametrize("cell", ["12,3456", "4.0000", 1234.567, 0.001, "1.000.000", "4.000,00"])
def test_more_than_two_decimals_or_dotted_thousands_are_refused(cell):
    with pytest.raises(CelluleInvalide):
        cellules.montant(cell)


def test_a_mapping_default_written_4_000_is_ambiguous_too():
    """A YAML number ``4.000`` in the mapping's defaults reaches the reader as Decimal("4.000")."""
    with pytest.raises(CelluleInvalide) as info:
        cellules.montant(Decimal("4.000"))
    assert "ambigu" in str(info.value)


# --------------------------------------------------------------------------- « nothing », lists


@pytest.mark.parametrize("cell", [None, "", "  ", "-", " - ", "--", "–", "—", "néant", "Néant", "NEANT"])
def test_nothing_marks_are_empty(cell):
    assert cellules.vide(cell)


@pytest.mark.parametrize("cell", [0, "0", "-5", "x", "Néant de rien", False])
def test_values_are_not_empty(cell):
    assert not cellules.vide(cell)


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("La Conte / Viguier", ["La Conte", "Viguier"]),
        ("La Conte et Viguier", ["La Conte", "Viguier"]),
        ("La Conte ET Viguier", ["La Conte", "Viguier"]),
        ("Berriac", ["Berriac"]),  # « et » only as a word
        ("Bastide Ouest et", ["Bastide Ouest"]),
        ("La Conte\nViguier", ["La Conte", "Viguier"]),
        ("La Conte\r\nViguier", ["La Conte", "Viguier"]),
        ("La\x07 Conte", ["La Conte"]),
    ],
)
def test_list_items(cell, items):
    assert cellules.elements(cell, (";", ",", "+", "/", " et ")) == items
