"""The per-dossier shortcuts of issue 17: shared constats, remembered amounts, dates and conditions.

Each shortcut must give exactly what the long way gives, whatever came before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from cdv_prog.core import engine, money
from cdv_prog.core.conditions import Condition
from cdv_prog.core.engine import constat
from cdv_prog.core.findings import Constat
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.kinds.base import date_fr


def test_constat_is_shared_for_equal_values_and_never_across_rules(regles: JeuDeRegles) -> None:
    regle = next(iter(regles.regles.values()))
    first = constat(regle, "ok", "message")
    assert first == Constat(regle.id, regle.gravite, "ok", "message", regle.source)
    assert constat(regle, "ok", "message") is first
    autre = replace(regle, source="autre.yaml")  # same id, another source: another constat
    assert constat(autre, "ok", "message").source == "autre.yaml"
    assert constat(replace(regle, gravite="information"), "ok", "message").gravite == "information"
    assert constat(regle, "echec", "message").statut == "echec"


def test_constat_table_is_bounded(regles: JeuDeRegles, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_CONSTATS_MAX", 3)
    regle = next(iter(regles.regles.values()))
    made = [constat(regle, "ok", f"m{i}") for i in range(10)]
    assert len(engine._CONSTATS) <= 3
    assert [c.message for c in made] == [f"m{i}" for i in range(10)]


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("500"), "500,00 €"),
        (Decimal("500.00"), "500,00 €"),
        (Decimal("-0"), "0,00 €"),
        (Decimal("0"), "0,00 €"),
        (Decimal("-0.00"), "0,00 €"),
        (Decimal("12000.5"), "12 000,50 €"),
        (Decimal("-1234.56"), "-1 234,56 €"),
    ],
)
def test_euros_remembered_gives_the_same_text(amount: Decimal, shown: str) -> None:
    assert money.euros(amount) == shown
    assert money.euros(amount) == shown  # the second time from the table


def test_integer_amounts_remembered_are_the_parsed_ones() -> None:
    for value in (0, 1150, 12150, 10**12):
        assert money.valider_montant(value) == money.parse_amount(value)
        assert str(money.valider_montant(value)) == str(money.parse_amount(value))  # same exponent
    for bad in (-5, 10**12 + 1, True):
        for _ in range(2):  # refused again, never remembered
            with pytest.raises(Exception, match="montant"):
                money.valider_montant(bad)


@pytest.mark.parametrize("day", [dt.date(2025, 1, 5), dt.date(2024, 12, 31), dt.date(1999, 2, 28)])
def test_date_fr_is_strftime(day: dt.date) -> None:
    assert date_fr(day) == day.strftime("%d/%m/%Y")
    assert date_fr(day) == day.strftime("%d/%m/%Y")


def test_a_condition_set_to_false_is_not_empty() -> None:
    assert Condition().vide
    for key in ("cpo", "elan", "innovante", "historique", "precedent", "objectif"):
        assert not Condition.model_validate({key: False}).vide
    assert not Condition.model_validate({"finance": "caf"}).vide
    assert not Condition.model_validate({"type-porteur": [None]}).vide
    assert not Condition.model_validate({"finance-n-1": ["caf"]}).vide
