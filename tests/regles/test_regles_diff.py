"""``cdv regles diff OLD NEW [DOSSIERS]``: changed rules by year, then the dossiers and totals that move.

The expected flips are computed by hand from the 36 example dossiers of
data/dossiers/2025 (financeur totals of the eligible ones):

* plancher raised to 1 500 € → CDV-2025-029 flips (Marcou Habitat 1 000 € and
  Alogea 1 000 € fall below it), and CDV-2025-023 (its « autre », the commune of
  Berriac, 1 000 €: since SPEC v2 the plancher concerns every financeur but the
  privés); CDV-2025-004 and CDV-2025-007 have Marcou Habitat at exactly 1 500 € and
  stay eligible, and so does CDV-2025-009 with its « autre » at exactly 1 500 €;
* plancher lowered to 400 € → only CDV-2025-012 (Marcou Habitat 450 €) becomes eligible;
* plancher raised to 1 000 € → nothing flips (no concerned financeur between 500 and 999,99 €).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cdv_prog.core.money import euros

# CDV-2025-029: etat 4000, agglo 8000, ville 5000, habitat-audois 4500, marcou-habitat 1000, alogea 1000
D029 = {"etat": 4000, "agglo": 8000, "ville": 5000, "habitat-audois": 4500, "marcou-habitat": 1000, "alogea": 1000}
# CDV-2025-023: etat 2000, agglo 3000, autre 1000
D023 = {"etat": 2000, "agglo": 3000, "autre": 1000}
# CDV-2025-012: etat 2000, agglo 2500, marcou-habitat 450
D012 = {"etat": 2000, "agglo": 2500, "marcou-habitat": 450}


def _new_rules(rules_copy, edit, old: str, new: str):
    edit(rules_copy / "regles.yaml", old, new)
    return rules_copy


def _diff_json(cdv, *args):
    run = cdv("regles", "diff", *args, "--format", "json")
    assert run.code == 0, run.out + run.err
    return json.loads(run.out)


def _totals(doc, exercice=2025):
    [block] = [b for b in doc["totaux"] if b["exercice"] == exercice]
    return {row["financeur"]: row for row in block["financeurs"]}


def test_plancher_raised_to_1500_flips_two_dossiers(cdv, rules_copy, edit, regles):
    new = _new_rules(rules_copy, edit, "minimum: {2024: 500}", "minimum: {2024: 1500}")
    doc = _diff_json(cdv, "rules", new, "data/dossiers/2025")
    # the change, by year
    [change] = doc["changements"]
    assert (change["section"], change["code"], change["nature"], change["cle"]) == (
        "regles",
        "plancher-financeur",
        "modification",
        "minimum",
    )
    assert change["annees"] == [2024, 2030] and change["avant"] == 500 and change["apres"] == 1500
    # the dossiers
    assert doc["resume"] == {"changements": 1, "dossiers": 36, "dossiers_changes": 2, "verdicts_changes": 2}
    d023, d = doc["dossiers"]
    assert d023["id"] == "CDV-2025-023" and d023["verdict"] == {"avant": "eligible", "apres": "ineligible"}
    assert "Autre : 1 000,00 € < plancher de 1 500,00 €" in d023["regles"][0]["message"]
    assert d["id"] == "CDV-2025-029" and d["verdict"] == {"avant": "eligible", "apres": "ineligible"}
    assert d["regles"] == [
        {"regle": "plancher-financeur", "avant": "ok", "apres": "echec", "message": d["regles"][0]["message"]}
    ]
    assert "Marcou Habitat : 1 000,00 € < plancher de 1 500,00 €" in d["regles"][0]["message"]
    # totals: retained (inside the enveloppe's périmètre, plus the droit commun apart) drops by exactly
    # the amounts of CDV-2025-023 and CDV-2025-029; requested is unchanged
    totals = _totals(doc)
    for code, row in totals.items():
        assert row["demande"]["avant"] == row["demande"]["apres"]
        drop = sum(Decimal(str(row[k]["avant"])) - Decimal(str(row[k]["apres"])) for k in ("retenu", "droit-commun"))
        assert drop == D029.get(code, 0) + D023.get(code, 0), code
    agglo = float(regles.enveloppe("agglo", 2025) or 0)
    assert totals["agglo"]["enveloppe"] == {"avant": agglo, "apres": agglo}
    assert totals["etat"]["enveloppe"] == {"avant": None, "apres": None}


def test_plancher_lowered_to_400_makes_012_eligible(cdv, rules_copy, edit):
    new = _new_rules(rules_copy, edit, "minimum: {2024: 500}", "minimum: {2024: 400}")
    doc = _diff_json(cdv, "rules", new, "data/dossiers")
    assert [(d["id"], d["verdict"]["avant"], d["verdict"]["apres"]) for d in doc["dossiers"]] == [
        ("CDV-2025-012", "ineligible", "eligible")
    ]
    for code, row in _totals(doc).items():
        gain = sum(Decimal(str(row[k]["apres"])) - Decimal(str(row[k]["avant"])) for k in ("retenu", "droit-commun"))
        assert gain == D012.get(code, 0), code


def test_plancher_raised_to_1000_flips_nothing(cdv, rules_copy, edit):
    new = _new_rules(rules_copy, edit, "minimum: {2024: 500}", "minimum: 1000")
    doc = _diff_json(cdv, "rules", new, "data/dossiers")
    assert len(doc["changements"]) == 1
    assert doc["dossiers"] == []
    for row in _totals(doc).values():
        assert row["retenu"]["avant"] == row["retenu"]["apres"]


def test_dated_change_shows_the_years_and_spares_2025(cdv, rules_copy, edit):
    new = _new_rules(rules_copy, edit, "minimum: {2024: 500}", "minimum: {2024: 500, 2026: 1000}")
    doc = _diff_json(cdv, "rules", new, "data/dossiers/2025")
    [change] = doc["changements"]
    assert change["annees"] == [2026, 2030] and (change["avant"], change["apres"]) == (500, 1000)
    assert change["avant_texte"] == "500,00 €" and change["apres_texte"] == "1 000,00 €"
    assert doc["dossiers"] == []


def test_rewriting_a_value_without_changing_it_is_no_change(cdv, rules_copy, edit):
    edit(rules_copy / "regles.yaml", "minimum: {2024: 500}", "minimum: 500")
    edit(rules_copy / "regles.yaml", "    type: budget-equilibre\n", "    type: budget-equilibre\n    tolerance: 0\n")
    doc = _diff_json(cdv, "rules", rules_copy)
    assert doc["changements"] == []
    assert "dossiers" not in doc


def test_referentiels_enveloppes_rules_added_and_removed(cdv, rules_copy, edit):
    edit(
        rules_copy / "contrat.yaml",
        "  ars: {nom: Agence régionale de santé Occitanie, sigle: ARS, groupe: partenaire}\n",
        "",
    )
    edit(rules_copy / "contrat.yaml", "sigle: Région, groupe: partenaire", "sigle: Région, groupe: principal")
    edit(rules_copy / "enveloppes.yaml", "montant: {2024: 261000}", "montant: {2024: 261000, 2027: 270000}")
    edit(rules_copy / "enveloppes.yaml", "  etat:\n", "  region: {2026: 50000}\n  etat:\n")
    regles = rules_copy / "regles.yaml"
    text = regles.read_text(encoding="utf-8")
    start = text.index("  bonus-innovation:")
    regles.write_text(
        text[:start]
        + (
            "  caf-bilan:\n    titre: Bilan N-1 pour la CAF\n    type: pieces-requises\n    pieces: [bilan-n-1]\n"
            "    si: {finance: caf}\n    gravite: bloquant\n    source: Lettre de cadrage 2026\n"
        ),
        encoding="utf-8",
    )
    edit(regles, "    si: {finance: departement}\n", "    si: {finance: [departement, agglo]}\n")
    doc = _diff_json(cdv, "rules", rules_copy, "data/dossiers")
    got = {(c["section"], c["code"], c["nature"], c["cle"], tuple(c["annees"] or ())) for c in doc["changements"]}
    assert ("financeurs", "ars", "suppression", None, ()) in got
    assert ("financeurs", "region", "modification", "groupe", ()) in got
    assert ("enveloppes", "agglo", "modification", None, (2027, 2030)) in got
    assert ("enveloppes", "region", "ajout", None, (2026, 2030)) in got
    assert ("regles", "bonus-innovation", "suppression", None, ()) in got
    assert ("regles", "caf-bilan", "ajout", None, ()) in got
    assert ("regles", "departement-cofinancement", "modification", "si", ()) in got
    by_id = {d["id"]: d for d in doc["dossiers"]}
    # ARS no longer exists: its dossiers (013, 033) become invalide
    assert by_id["CDV-2025-013"]["verdict"] == {"avant": "eligible", "apres": "invalide"}
    # the new CAF rule: 001 has the « bilan-n-1 » piece, 026 (eligible until now) does not
    new_001 = next(r for r in by_id["CDV-2025-001"]["regles"] if r["regle"] == "caf-bilan")
    assert (new_001["avant"], new_001["apres"]) == ("absente", "ok")
    assert by_id["CDV-2025-001"]["verdict"] == {"avant": "eligible", "apres": "eligible"}
    new_026 = next(r for r in by_id["CDV-2025-026"]["regles"] if r["regle"] == "caf-bilan")
    assert (new_026["avant"], new_026["apres"]) == ("absente", "echec")
    assert by_id["CDV-2025-026"]["verdict"] == {"avant": "eligible", "apres": "ineligible"}
    # the bonus rule is gone from the innovative dossiers
    assert any(
        r == {**r, "regle": "bonus-innovation", "avant": "ok", "apres": "absente"}
        for r in by_id["CDV-2025-010"]["regles"]
    )


def test_text_format(cdv, rules_copy, edit, regles):
    new = _new_rules(rules_copy, edit, "minimum: {2024: 500}", "minimum: {2024: 500, 2025: 1500}")
    run = cdv("regles", "diff", "rules", new, "data/dossiers/2025")
    assert run.code == 0
    out = run.out
    assert "~ règle plancher-financeur — Plancher de 500 € par financeur" in out
    assert "      minimum, 2025-2030 : 500,00 € → 1 500,00 €" in out
    assert "Dossiers : 36 examiné(s), 2 changent, dont 2 de verdict" in out
    assert "  CDV-2025-029  éligible → inéligible  data/dossiers/2025/CDV-2025-029.yaml" in out
    assert "      plancher-financeur : ok → échec (" in out
    assert "Totaux par financeur, exercice 2025" in out
    agglo = next(line for line in run.lines if line.strip().startswith("Agglo "))
    assert euros(regles.enveloppe("agglo", 2025) or Decimal(0)) in agglo and "-11 000,00 €" in agglo  # 029 and 023


def test_without_dossiers_only_the_rules_are_compared(cdv):
    run = cdv("regles", "diff", "rules", "rules")
    assert run.code == 0
    assert "Aucun changement des règles." in run.out
    assert "impact sur les dossiers non calculé" in run.out


def test_exercice_filter(cdv, rules_copy, edit):
    new = _new_rules(rules_copy, edit, "minimum: {2024: 500}", "minimum: {2024: 1500}")
    doc = _diff_json(cdv, "rules", new, "data/dossiers", "--exercice", "2027")
    assert doc["resume"]["dossiers"] == 0 and doc["dossiers"] == [] and doc["totaux"] == []


def test_output_is_deterministic(cdv, rules_copy, edit):
    new = _new_rules(rules_copy, edit, "minimum: {2024: 500}", "minimum: {2024: 1500}")
    first = cdv("regles", "diff", "rules", new, "data/dossiers", "--format", "json").out
    assert cdv("regles", "diff", "rules", new, "data/dossiers", "--format", "json").out == first


@pytest.mark.parametrize("which", ["old", "new"])
def test_invalid_rules_are_a_usage_error(which, cdv, rules_copy, edit):
    edit(rules_copy / "regles.yaml", "    type: montant-minimum\n", "    type: plancher\n")
    args = ("rules", rules_copy) if which == "new" else (rules_copy, "rules")
    run = cdv("regles", "diff", *args)
    assert run.code == 2
    assert "regles.plancher-financeur.type" in run.err


def test_missing_dossier_path_is_a_usage_error(cdv, tmp_path):
    run = cdv("regles", "diff", "rules", "rules", tmp_path / "absent")
    assert run.code == 2 and "introuvable" in run.err
