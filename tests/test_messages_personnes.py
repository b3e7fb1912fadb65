"""Messages that speak French to a person (field test of version 1, items 27 and 28).

* a constat says what is true of the dossier (« le dossier n'est pas déposé
  sur la plateforme Elan »), never « elan vaut false ; attendu : true »; field
  names stay only as the location (the report's line and champ);
* a code written with capitals, accents or spaces says how codes are written
  and names the closest known code; a value refused by a list names the list;
* a date written the French way (JJ/MM/AAAA) is read, an impossible one is
  refused with a French message.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from cdv_prog.core.report import DossierReport
from cdv_prog.files.dossiers import read_dossier

# Jargon a person should not read in a constat: YAML booleans, field paths, statut codes.
JARGON = [
    (re.compile(r"\b(true|false)\b"), "booléen YAML"),
    (re.compile(r"\bvaut\b"), "« vaut » : un champ et sa valeur"),
    (re.compile(r"\b[a-z]+(?:-[a-z]+)*\.[a-z]+(?:-[a-z]+)+\b|\baction\.[a-z]+\b"), "chemin de champ"),
    (re.compile(r"(?<!\()\bqpv\b|\(veille\)|\(qpv\)"), "code de statut de quartier"),
    (re.compile(r"\b0 financeur"), "« 0 financeur »"),
]

VARIANTS: dict[str, dict[str, Any]] = {
    "base": {},
    "parentalité CAF sans Elan": {
        "action": {"parentalite": True},
        "financements": [
            {"financeur": "etat", "montant": 2000},
            {"financeur": "ville", "montant": 2000},
            {"financeur": "caf", "montant": 2000},
        ],
    },
    "parentalité CAF sur Elan": {
        "elan": True,
        "action": {"parentalite": True},
        "financements": [
            {"financeur": "etat", "montant": 2000},
            {"financeur": "ville", "montant": 2000},
            {"financeur": "caf", "montant": 2000},
        ],
    },
    "renouvellement CAF sans bilan": {
        "action": {"renouvellement": True},
        "financements": [
            {"financeur": "etat", "montant": 2000},
            {"financeur": "ville", "montant": 2000},
            {"financeur": "caf", "montant": 2000},
        ],
        "pieces": ["rib"],
    },
    "renouvellement CAF bilan en retard": {
        "action": {"renouvellement": True},
        "bilan-precedent": {"envoye-le": dt.date(2025, 5, 1)},
        "financements": [
            {"financeur": "etat", "montant": 2000},
            {"financeur": "ville", "montant": 2000},
            {"financeur": "caf", "montant": 2000},
        ],
    },
    "quartier de veille": {"action": {"quartiers": ["aiguille-trebes"]}},
    "hors QPV": {"action": {"quartiers": ["hors-qpv"]}},
    "CAF seule": {"financements": [{"financeur": "caf", "montant": 6000}]},
    "CPO": {"action": {"cpo": {"annees": [2024, 2025, 2026]}}},
    "innovante": {"action": {"innovante": True}},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_constats_speak_french_to_a_person(variant: str, evaluate, make_dossier) -> None:
    evaluation = evaluate(make_dossier(VARIANTS[variant]))
    for regle, constat in evaluation.constats.items():
        for pattern, what in JARGON:
            assert not pattern.search(constat.message), f"{regle} ({what}) : {constat.message}"


def test_elan_says_what_is_true_of_the_dossier(evaluate, make_dossier) -> None:
    without = evaluate(make_dossier(VARIANTS["parentalité CAF sans Elan"])).constats["caf-parentalite-elan"]
    assert without.statut == "echec"
    assert without.message.startswith("le dossier n'est pas déposé sur la plateforme Elan")
    filed = evaluate(make_dossier(VARIANTS["parentalité CAF sur Elan"])).constats["caf-parentalite-elan"]
    assert (filed.statut, filed.message) == ("ok", "le dossier est déposé sur la plateforme Elan")


def test_deadline_names_the_date_in_words(evaluate, make_dossier) -> None:
    missing = evaluate(make_dossier(VARIANTS["renouvellement CAF sans bilan"])).constats["caf-bilan-renouvellement"]
    assert missing.statut == "echec"
    assert "bilan de l'année précédente" in missing.message and "30/04/2025" in missing.message
    late = evaluate(make_dossier(VARIANTS["renouvellement CAF bilan en retard"])).constats["caf-bilan-renouvellement"]
    assert late.statut == "echec" and "01/05/2025" in late.message and "30/04/2025" in late.message


def test_quartier_statut_in_words(evaluate, make_dossier) -> None:
    veille = evaluate(make_dossier(VARIANTS["quartier de veille"])).constats["quartier-prioritaire"]
    assert veille.statut == "echec"
    assert (
        "quartier prioritaire (QPV)" in veille.message and "L'Aiguille (Trèbes) (quartier de veille)" in veille.message
    )
    ok = evaluate(make_dossier()).constats["quartier-prioritaire"]
    assert ok.statut == "ok" and ok.message == "action en quartier prioritaire (QPV) : Grazailles"


def test_missing_pieces_are_named_as_in_the_referentiel(evaluate, make_dossier, regles) -> None:
    caf = evaluate(make_dossier(VARIANTS["renouvellement CAF sans bilan"])).constats["caf-pieces"]
    assert caf.statut == "echec"
    assert regles.pieces["liste-bureau"] in caf.message and "(liste-bureau)" in caf.message


def test_undated_rule_says_from_when_it_applies(evaluate, make_dossier, write_rules) -> None:
    from cdv_prog.files.rules import load_rules

    rules = load_rules(
        write_rules(
            {
                "plancher-2026": {
                    "type": "montant-minimum",
                    "minimum": {2026: 1000},
                    "gravite": "bloquant",
                    "source": "test",
                }
            }
        )
    )
    constat = evaluate(make_dossier(), rules).constats["plancher-2026"]
    assert constat.statut == "sans-objet"
    assert (
        constat.message
        == "sans objet : la règle ne s'applique qu'à partir de 2026 (aucune valeur de « minimum » pour 2025)"
    )


# --------------------------------------------------------------------------- item 28: codes, listed values, French dates


def _read(data: Any, write_yaml, regles, name: str = "dossier.yaml") -> Any:
    return read_dossier(write_yaml(data, name), regles)


def _errors(result: Any) -> dict[str, str]:
    assert isinstance(result, DossierReport) and result.verdict == "invalide", result
    return {e.champ: e.message for e in result.erreurs}


@pytest.mark.parametrize(
    ("fragment", "champ", "expected"),
    [
        (
            {"financements": [{"financeur": "Ville", "montant": 3000}, {"financeur": "etat", "montant": 3000}]},
            "financements[0].financeur",
            "les codes s'écrivent en minuscules : ville",
        ),
        (
            {"action": {"quartiers": ["Grazailles"]}},
            "action.quartiers[0]",
            "les codes s'écrivent en minuscules : grazailles",
        ),
        (
            {"action": {"quartiers": ["Bastide Pont Vieux"]}},
            "action.quartiers[0]",
            "sans accent ni espace : bastide-pont-vieux",
        ),
        ({"action": {"defi": "Grandir"}}, "action.defi", "les codes s'écrivent en minuscules : grandir"),
        (
            {"financements": [{"financeur": "vile", "montant": 6000}]},
            "financements[0].financeur",
            "vouliez-vous dire « ville » ?",
        ),
        ({"action": {"quartiers": ["grazaile"]}}, "action.quartiers[0]", "vouliez-vous dire « grazailles » ?"),
        ({"pieces": ["RIB"]}, "pieces[0]", "les codes s'écrivent en minuscules : rib"),
        ({"porteur": {"type": "Association"}}, "porteur.type", "vouliez-vous dire « association » ?"),
        ({"porteur": {"siret": "1234"}}, "porteur.siret", "14 chiffres"),
        ({"id": "CDV 2025 001"}, "id", "lettres sans accent, des chiffres"),
    ],
)
def test_malformed_codes_say_how_to_write_them(fragment, champ, expected, write_yaml, make_dossier, regles) -> None:
    errors = _errors(_read(make_dossier(fragment), write_yaml, regles))
    assert champ in errors, errors
    assert expected in errors[champ]
    assert "mal formée" not in errors[champ] or ":" in errors[champ]


def test_rules_listed_values_are_named(cdv, tmp_path) -> None:
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parent.parent / "rules", rules)
    path = rules / "regles.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    statuts: [qpv]\n" in text
    path.write_text(text.replace("    statuts: [qpv]\n", "    statuts: [prioritaire]\n", 1), encoding="utf-8")
    run = cdv("regles", "verifier", rules)
    assert run.code == 2
    assert "valeur « prioritaire » non autorisée ; valeurs possibles : qpv, veille" in run.out
    financeurs = rules / "contrat.yaml"
    text = financeurs.read_text(encoding="utf-8")
    financeurs.write_text(text.replace("  ville: {nom:", "  Ville: {nom:", 1), encoding="utf-8")
    run = cdv("regles", "verifier", rules)
    assert "les codes s'écrivent en minuscules : ville" in run.out


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("15/01/2025", dt.date(2025, 1, 15)),
        ("1/2/2025", dt.date(2025, 2, 1)),
        ('"15/01/2025"', dt.date(2025, 1, 15)),
        ("15.01.2025", dt.date(2025, 1, 15)),
        ('"2025-01-15"', dt.date(2025, 1, 15)),  # quoted ISO date: a date too
        ("2025-01-15", dt.date(2025, 1, 15)),
        ("29/02/2024", dt.date(2024, 2, 29)),
    ],
)
def test_french_dates_are_read(written: str, expected: dt.date, write_yaml, make_dossier, regles, to_yaml) -> None:
    text = to_yaml(make_dossier()).replace("debut: 2025-01-01", f"debut: {written}")
    if expected.year == 2024:
        text = text.replace("exercice: 2025", "exercice: 2024").replace("fin: 2025-12-31", "fin: 2024-12-31")
    result = _read(text, write_yaml, regles)
    assert not isinstance(result, DossierReport), result.erreurs
    assert result.action.debut == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("31/02/2025", "date inexistante « 31/02/2025 »"),
        ("29/02/2025", "date inexistante « 29/02/2025 »"),
        ("15/13/2025", "date inexistante « 15/13/2025 »"),
        ("15/01/25", "l'année s'écrit avec quatre chiffres"),
        ("00/01/2025", "date inexistante"),
        ("le 15 janvier", "date"),
    ],
)
def test_impossible_dates_are_refused_in_french(
    written: str, expected: str, write_yaml, make_dossier, regles, to_yaml
) -> None:
    text = to_yaml(make_dossier()).replace("debut: 2025-01-01", f"debut: {written}")
    errors = _errors(_read(text, write_yaml, regles))
    assert expected in errors["action.debut"], errors


def test_the_dossier_schema_accepts_french_dates_and_the_accepted_years() -> None:
    import json

    import jsonschema

    root = Path(__file__).resolve().parent.parent / "schemas"
    schema = json.loads((root / "dossier.schema.json").read_text(encoding="utf-8"))
    debut = schema["$defs"]["Action"]["properties"]["debut"]
    checker = jsonschema.Draft202012Validator(debut, format_checker=jsonschema.FormatChecker())
    for good in ("2025-01-15", "15/01/2025", "1/2/2025"):
        assert checker.is_valid(good), good
    for bad in ("15/01/25", "le 15 janvier", "2025-13-45"):
        assert not checker.is_valid(bad), bad
    rules = json.loads((root / "regles.schema.json").read_text(encoding="utf-8"))
    assert "2100" in json.dumps(rules) and "^[0-9]{4}$" not in json.dumps(rules)
