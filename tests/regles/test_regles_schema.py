"""``cdv schema dossier|regles``: JSON Schemas from the models; the committed ones are up to date."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cdv_prog.files.loader import load_yaml_file

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
HEADER = "# yaml-language-server: $schema=../../../schemas/dossier.schema.json"


def plain(value: Any) -> Any:
    """Data as an editor's YAML 1.2 parser gives it: keys are text, dates are text, numbers are numbers."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@functools.cache
def validator(name: str):
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("name", ["dossier", "regles"])
def test_committed_schema_is_up_to_date(name, cdv):
    run = cdv("schema", name, "--rules", "rules")
    assert run.code == 0
    assert (SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8") == run.out, (
        f"schemas/{name}.schema.json n'est plus à jour : cdv schema {name} > schemas/{name}.schema.json"
    )
    doc = json.loads(run.out)
    assert run.out == json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert cdv("schema", name, "--rules", "rules").out == run.out


def test_example_dossiers_validate_and_carry_the_header():
    v = validator("dossier")
    files = sorted((REPO / "data" / "dossiers").rglob("*.yaml"))
    assert len(files) >= 36
    for f in files:
        assert f.read_text(encoding="utf-8").splitlines()[0] == HEADER, f
        errors = [e.message for e in v.iter_errors(plain(load_yaml_file(f).data))]
        assert not errors, (f, errors)


def _example() -> dict:
    return plain(load_yaml_file(REPO / "data/dossiers/2025/CDV-2025-001.yaml").data)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(intitulé="x"),
        lambda d: d["financements"][0].update(financeur="etta"),
        lambda d: d["financements"][0].update(montant="abc"),
        lambda d: d["financements"][0].update(montant=-5),
        lambda d: d["financements"][0].update(montant="12,345"),
        lambda d: d["action"].update(quartiers=["grazaille"]),
        lambda d: d["action"].update(quartiers=[]),
        lambda d: d["action"].update(debut="1er septembre 2025"),  # "01/09/2025" is a date (JJ/MM/AAAA)
        lambda d: d.update(exercice=2040),
        lambda d: d.update(elan="yes"),
        lambda d: d["budget"].update(total=0),
        lambda d: d.pop("financements"),
        lambda d: d["porteur"].update(siret="123"),
    ],
)
def test_bad_dossiers_are_rejected(change):
    data = _example()
    change(data)
    assert not validator("dossier").is_valid(data)


def test_french_amount_texts_and_codes_are_accepted():
    data = _example()
    data["financements"][0]["montant"] = "6 000,00 €"
    data["budget"]["total"] = "21\u202f000,50"
    data["action"]["quartiers"] = ["hors-qpv"]
    data["pieces"].append("une-piece-hors-referentiel")  # offered as completions, not imposed
    assert validator("dossier").is_valid(data)


def test_codes_offered_as_completions(regles):
    schema = json.loads((SCHEMAS / "dossier.schema.json").read_text(encoding="utf-8"))
    fin = schema["$defs"]["Financement"]["properties"]["financeur"]
    assert fin["enum"] == list(regles.financeurs)
    assert schema["properties"]["exercice"]["minimum"] == 2024 and schema["properties"]["exercice"]["maximum"] == 2030
    assert "description" in schema["$defs"]["Budget"]["properties"]["total"]


def test_shipped_rules_files_validate():
    v = validator("regles")
    for f in sorted((REPO / "rules").glob("*.yaml")):
        errors = [e.message for e in v.iter_errors(plain(load_yaml_file(f).data))]
        assert not errors, (f, errors)


def _rules_file() -> dict:
    return plain(load_yaml_file(REPO / "rules/regles.yaml").data)


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        (lambda r: r["plancher-financeur"].update(minimum={"2024": 500, "2026": 1000}), True),
        (lambda r: r["plancher-financeur"].update(minimum="1 000,00 €"), True),
        (lambda r: r["cpo-cofinancement"].update(part={"2024": 0.5, "2027": 0.6}), True),
        (lambda r: r["departement-cofinancement"].update(si={"finance": ["departement", "agglo"]}), True),
        (lambda r: r["plancher-financeur"].update(minimun=3), False),
        (lambda r: r["plancher-financeur"].update(minimum="beaucoup"), False),
        (lambda r: r["plancher-financeur"].update(minimum={"deux-mille": 500}), False),
        (lambda r: r["cpo-cofinancement"].update(part=1.5), False),
        (lambda r: r["plancher-financeur"].update(type="plancher"), False),
        (lambda r: r["plancher-financeur"].update(gravite="fatal"), False),
        (lambda r: r["plancher-financeur"].pop("source"), False),
        (lambda r: r["caf-pieces"].update(si={"finance": "caf", "financement": True}), False),
        (lambda r: r["financeurs-principaux"].pop("minimum"), False),
    ],
)
def test_rules_schema_per_kind(change, valid):
    data = copy.deepcopy(_rules_file())
    change(data["regles"])
    assert validator("regles").is_valid(data) is valid


def test_dossier_schema_follows_the_rules_given(cdv, rules_copy, edit):
    edit(
        rules_copy / "contrat.yaml",
        "  autre: {nom: Autres financeurs, sigle: Autre, groupe: autre}\n",
        "  autre: {nom: Autres financeurs, sigle: Autre, groupe: autre}\n  fondation-x: {nom: Fondation X, groupe: autre}\n",
    )
    doc = json.loads(cdv("schema", "dossier", "--rules", rules_copy).out)
    codes = doc["$defs"]["Financement"]["properties"]["financeur"]["enum"]
    assert codes[codes.index("autre") + 1] == "fondation-x"  # in the order of the rules, right after « autre »


def test_schema_to_a_file_and_usage_errors(cdv, tmp_path):
    out = tmp_path / "s.json"
    assert cdv("schema", "regles", "-o", out).code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["title"].startswith("Fichier de règles")
    assert cdv("schema", "autre").code == 2
