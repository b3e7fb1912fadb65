"""``cdv regles verifier`` warns when a figure in a rule's title no longer matches its parameters (item 29).

« Plancher de 500 € » goes stale when ``minimum`` becomes 1 000 € from 2026:
the warning names the title's file and line, the figure, the parameter's value
and the years. Amounts in euros are matched against amount parameters,
percentages against fractions, plain integers against integer parameters.
"""

from __future__ import annotations

import pytest


def _warnings(cdv, rules) -> list[dict]:
    run = cdv("regles", "verifier", rules, "--format", "json")
    assert run.code == 0, run.out + run.err
    return [p for p in run.json()["problemes"] if p["niveau"] == "avertissement"]


def test_shipped_titles_match_their_parameters(cdv) -> None:
    assert _warnings(cdv, "rules") == []


def test_stale_amount_in_a_title_is_a_warning_with_the_title_line(cdv, rules_copy, edit, line_of) -> None:
    edit(rules_copy / "regles.yaml", "minimum: {2024: 500}", "minimum: {2024: 500, 2026: 1000}")
    [warning] = _warnings(cdv, rules_copy)
    assert warning["champ"] == "regles.plancher-financeur.titre"
    assert warning["fichier"].endswith("regles.yaml")
    assert warning["ligne"] == line_of(rules_copy / "regles.yaml", r"titre: Plancher de 500 €")
    message = warning["message"]
    assert "« 500 € »" in message and "« minimum » vaut 1 000,00 €" in message and "2026-2030" in message


def test_title_matching_every_year_is_no_warning(cdv, rules_copy, edit) -> None:
    edit(rules_copy / "regles.yaml", "minimum: {2024: 500}", "minimum: {2024: 500, 2026: 500}")
    assert _warnings(cdv, rules_copy) == []


@pytest.mark.parametrize(
    ("old", "new", "champ", "stale"),
    [
        ("    part: 0.5\n", "    part: 0.4\n", "regles.cpo-cofinancement.titre", "« 50 % »"),  # a percentage
        ("    jour: 30\n", "    jour: 15\n", "regles.caf-bilan-renouvellement.titre", "« 30 »"),  # a plain integer
        (
            "titre: Plancher de 500 € par financeur",
            "titre: Plancher de 1 000,00 euros",
            "regles.plancher-financeur.titre",
            "« 1 000,00 euros »",
        ),
    ],
)
def test_each_kind_of_figure_is_checked(old, new, champ, stale, cdv, rules_copy, edit) -> None:
    edit(rules_copy / "regles.yaml", old, new)
    [warning] = _warnings(cdv, rules_copy)
    assert warning["champ"] == champ and stale in warning["message"]


@pytest.mark.parametrize(
    "title",
    [
        "Plancher de 500 € par financeur",
        "Plancher de 500,00 € par financeur",
        "Plancher de 500 euros, depuis 2024",  # a year is not a figure to match
        "Plancher par financeur",
    ],
)
def test_titles_that_still_match_are_no_warning(title, cdv, rules_copy, edit) -> None:
    edit(rules_copy / "regles.yaml", "titre: Plancher de 500 € par financeur", f"titre: {title}")
    assert _warnings(cdv, rules_copy) == []


def test_a_figure_with_nothing_to_compare_is_left_alone(cdv, rules_copy, edit) -> None:
    # budget-equilibre has an amount parameter (tolerance, 0 €) but « 12 mois » is a plain integer
    # and the kind has no integer parameter: nothing to compare, no warning
    edit(rules_copy / "regles.yaml", "titre: Budget prévisionnel équilibré", "titre: Budget prévisionnel sur 12 mois")
    assert _warnings(cdv, rules_copy) == []
