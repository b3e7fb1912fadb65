"""``cdv regles diff --projeter-sur ANNEE``: the effect of a change that starts after the dossiers' exercice (item 20).

The README's own example (the plancher raised from 2026) shows nothing on the
2025 dossiers: their exercice picks the 2025 values. ``--projeter-sur 2026``
judges them as if their exercice were 2026 — dated parameters and enveloppes
of 2026 — without changing their files or shifting their dates; without it,
the output says that the change starts after the dossiers examined.

Expected flips, computed by hand from data/dossiers/2025 (see test_regles_diff.py):
a plancher of 1 500 € makes CDV-2025-029 (Marcou Habitat and Alogea 1 000 €) inéligible.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "dossiers" / "2025"


def _json(cdv, *args):
    run = cdv("regles", "diff", *args, "--format", "json")
    assert run.code == 0, run.out + run.err
    return run.json()


def test_readme_example_without_projection_says_why_nothing_changes(cdv, rules_copy, edit) -> None:
    edit(rules_copy / "regles.yaml", "minimum: {2024: 500}", "minimum: {2024: 500, 2026: 1000}")
    run = cdv("regles", "diff", "rules", rules_copy, EXAMPLES)
    assert run.code == 0
    assert "0 changent" in run.out
    assert (
        "le changement de la règle plancher-financeur (minimum) s'applique à partir de 2026 ; "
        "les dossiers examinés sont de 2025 : --projeter-sur 2026 pour en voir l'effet"
    ) in run.out
    doc = _json(cdv, "rules", rules_copy, EXAMPLES)
    assert doc["projection"] is None
    assert any("--projeter-sur 2026" in r for r in doc["remarques"])


def test_projection_shows_the_effect_without_touching_the_files(cdv, rules_copy, edit) -> None:
    edit(rules_copy / "regles.yaml", "minimum: {2024: 500}", "minimum: {2024: 500, 2026: 1500}")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in EXAMPLES.glob("*.yaml")}
    without = _json(cdv, "rules", rules_copy, EXAMPLES)
    assert without["dossiers"] == []
    doc = _json(cdv, "rules", rules_copy, EXAMPLES, "--projeter-sur", "2026")
    assert doc["projection"] == 2026 and doc["remarques"] == []
    # only the plancher moves: the dates are not shifted, so no rule on dates flips
    assert [(d["id"], d["exercice"], d["verdict"]["apres"]) for d in doc["dossiers"]] == [
        ("CDV-2025-023", 2025, "ineligible"),  # its « autre » at 1 000 € (v2: every financeur but the privés)
        ("CDV-2025-029", 2025, "ineligible"),
    ]
    assert [r["regle"] for r in doc["dossiers"][0]["regles"]] == ["plancher-financeur"]
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in EXAMPLES.glob("*.yaml")} == before
    text = cdv("regles", "diff", "rules", rules_copy, EXAMPLES, "--projeter-sur", "2026").out
    assert "Projection : les dossiers sont jugés comme si leur exercice était 2026" in text
    assert "leurs fichiers ne changent pas et leurs dates ne sont pas décalées" in text
    assert "Totaux par financeur, exercice 2025 (projeté sur 2026)" in text


def test_projection_of_identical_rules_changes_nothing(cdv) -> None:
    doc = _json(cdv, "rules", "rules", EXAMPLES, "--projeter-sur", "2027")
    assert doc["dossiers"] == [] and doc["changements"] == []


def test_projection_picks_the_enveloppes_of_that_year(cdv, rules_copy, edit, regles) -> None:
    shipped = float(regles.enveloppe("agglo", 2026) or 0)
    edit(rules_copy / "enveloppes.yaml", "montant: {2024: 261000}", "montant: {2024: 261000, 2026: 100000}")
    doc = _json(cdv, "rules", rules_copy, EXAMPLES, "--projeter-sur", "2026")
    [block] = doc["totaux"]
    agglo = next(row for row in block["financeurs"] if row["financeur"] == "agglo")
    assert agglo["enveloppe"] == {"avant": shipped, "apres": 100000.0}
    plain = _json(cdv, "rules", rules_copy, EXAMPLES)
    agglo = next(row for row in plain["totaux"][0]["financeurs"] if row["financeur"] == "agglo")
    assert agglo["enveloppe"] == {"avant": shipped, "apres": shipped}
    assert any("l'enveloppe agglo" in r and "--projeter-sur 2026" in r for r in plain["remarques"])


def test_projection_before_a_later_change_says_so(cdv, rules_copy, edit) -> None:
    edit(rules_copy / "regles.yaml", "minimum: {2024: 500}", "minimum: {2024: 500, 2028: 1500}")
    doc = _json(cdv, "rules", rules_copy, EXAMPLES, "--projeter-sur", "2027")
    assert doc["dossiers"] == []
    assert doc["remarques"] == [
        "le changement de la règle plancher-financeur (minimum) s'applique à partir de 2028 ; "
        "la projection est sur 2027 : --projeter-sur 2028 pour en voir l'effet"
    ]


@pytest.mark.parametrize("year", ["2031", "2023", "1999", "-1"])
def test_projection_outside_the_period_is_a_french_usage_error(year, cdv) -> None:
    run = cdv("regles", "diff", "rules", "rules", EXAMPLES, "--projeter-sur", year)
    assert run.code == 2
    assert "--projeter-sur" in run.err and "2024-2030" in run.err


@pytest.mark.parametrize("year", ["2024", "2030"])
def test_projection_on_the_bounds_of_the_period(year, cdv) -> None:
    assert _json(cdv, "rules", "rules", EXAMPLES, "--projeter-sur", year)["projection"] == int(year)
