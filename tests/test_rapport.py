"""The versioned, auditable report of ``cdv check --format json`` (``docs/rapport.md``, format cdv.rapport/2).

Its header (format, tool version, rules fingerprint), the parameters in force on each
constat, its committed JSON Schema, and every report of the examples and of hostile
inputs validating against it.
"""

from __future__ import annotations

import copy
import functools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cdv_prog import __version__
from cdv_prog.core.money import montant_texte
from cdv_prog.core.valeurs import Enregistrement, Valeurs, depuis_modele
from cdv_prog.files.rules import load_rules
from cdv_prog.render.check_json import FORMAT, parametres
from cdv_prog.workflow.schema import RAPPORT_FORMAT

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schemas" / "rapport.schema.json"
SPEC_TOP = ["dossiers", "resume", "totaux"]
SPEC_DOSSIER = ["id", "fichier", "exercice", "verdict", "constats", "erreurs"]
SPEC_CONSTAT = ["regle", "gravite", "statut", "message", "source"]
DOSSIER_2025 = REPO / "data" / "dossiers" / "2025" / "CDV-2025-001.yaml"


@functools.cache
def validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(doc)]


def test_committed_schema_is_up_to_date(cdv) -> None:
    run = cdv("schema", "rapport")
    assert run.code == 0
    assert SCHEMA.read_text(encoding="utf-8") == run.out, (
        "schemas/rapport.schema.json n'est plus à jour : cdv schema rapport > schemas/rapport.schema.json"
    )
    assert json.loads(run.out)["properties"]["format"]["const"] == FORMAT == RAPPORT_FORMAT == "cdv.rapport/2"


def test_examples_report_validates_with_header_and_spec_order(cdv, regles) -> None:
    run = cdv("check", "data/dossiers", "--format", "json")
    doc = run.json()
    assert errors(doc) == []
    assert list(doc) == ["format", "version", "empreinte", *SPEC_TOP]
    assert doc["format"] == "cdv.rapport/2" and doc["version"] == __version__
    assert doc["empreinte"] == regles.empreinte and len(doc["empreinte"]) == 64
    assert len(doc["dossiers"]) >= 36
    optional = ["par-derogation", "derogation", "derogations-sans-objet"]  # a dossier under a dérogation only
    for d in doc["dossiers"]:
        assert list(d)[: len(SPEC_DOSSIER)] == SPEC_DOSSIER
        assert list(d)[len(SPEC_DOSSIER) :] == [k for k in optional if k in d]
        for c in d["constats"]:
            assert list(c) in ([*SPEC_CONSTAT, "parametres"], [*SPEC_CONSTAT, "derogation", "parametres"])
    assert any("derogation" in d for d in doc["dossiers"])  # the shipped example of a dérogation


def test_hostile_inputs_report_validates(cdv) -> None:
    files = sorted((REPO / "tests" / "fixtures" / "invalid").glob("*.yaml"))
    assert len(files) >= 30
    run = cdv("check", "tests/fixtures/invalid", "--format", "json")
    doc = run.json()
    assert run.code == 1 and errors(doc) == []
    assert len(doc["dossiers"]) == len(files)
    for f in files:  # each one alone too: a report of one hostile file is a valid report
        assert errors(cdv("check", f, "--format", "json").json()) == [], f.name


def test_report_is_byte_identical_with_any_jobs(cdv) -> None:
    args = ("check", "data/dossiers", "tests/fixtures/invalid", "--format", "json")
    one, two = cdv(*args, "--jobs", "1"), cdv(*args, "--jobs", "2")
    assert one.out == two.out and '"parametres": {' in one.out


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc.pop("format"),
        lambda doc: doc.update(format="cdv.rapport/1"),
        lambda doc: doc.pop("empreinte"),
        lambda doc: doc["dossiers"][0]["constats"][0].pop("parametres"),
        lambda doc: doc["dossiers"][0]["constats"][0].update(inconnu=1),
        lambda doc: doc["dossiers"][0]["constats"][1]["parametres"]["minimum"].pop("depuis"),
        lambda doc: doc["dossiers"][0]["constats"][1]["parametres"]["minimum"].update(depuis="2024"),
        lambda doc: doc["dossiers"][0].update(verdict="peut-etre"),
        lambda doc: doc.update(autre=[]),
    ],
)
def test_schema_is_strict_on_its_keys(cdv, change) -> None:
    doc = cdv("check", DOSSIER_2025, "--format", "json").json()
    assert doc["dossiers"][0]["constats"][1]["regle"] == "plancher-financeur"
    assert errors(doc) == []
    broken = copy.deepcopy(doc)
    change(broken)
    assert errors(broken) != []


# --------------------------------------------------------------------------- the parameters in force


@pytest.fixture
def dated_rules(rules_copy: Path) -> Path:
    """The shipped rules, the plancher dated {2024: 500, 2026: 1000}."""
    path = rules_copy / "regles.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("    minimum: {2024: 500}\n") == 1
    path.write_text(
        text.replace("    minimum: {2024: 500}\n", "    minimum: {2024: 500, 2026: 1000}\n"), encoding="utf-8"
    )
    return rules_copy


def _constat(doc: dict[str, Any], fichier: str, regle: str) -> dict[str, Any]:
    dossier = next(d for d in doc["dossiers"] if d["fichier"].endswith(fichier))
    return next(c for c in dossier["constats"] if c["regle"] == regle)


def test_parameters_in_force_for_the_dossier_exercice(cdv, dated_rules: Path, tmp_path: Path) -> None:
    lot = tmp_path / "lot"
    lot.mkdir()
    source = DOSSIER_2025.read_text(encoding="utf-8")
    (lot / "a-2025.yaml").write_text(source, encoding="utf-8")
    (lot / "b-2026.yaml").write_text(
        source.replace("\nexercice: 2025\n", "\nexercice: 2026\n", 1).replace("id: CDV-2025-001", "id: CDV-2026-001"),
        encoding="utf-8",
    )
    doc = cdv("check", lot, "--rules", dated_rules, "--format", "json").json()
    assert errors(doc) == []
    p2025 = _constat(doc, "a-2025.yaml", "plancher-financeur")["parametres"]
    p2026 = _constat(doc, "b-2026.yaml", "plancher-financeur")["parametres"]
    assert p2025["minimum"] == {"valeur": "500.00", "depuis": 2024}
    assert p2026["minimum"] == {"valeur": "1000.00", "depuis": 2026}
    assert p2025["sauf-groupes"] == p2026["sauf-groupes"] == {"valeur": ["prive"], "depuis": None}  # undated
    assert _constat(doc, "a-2025.yaml", "budget-equilibre")["parametres"] == {}  # a rule with no parameter
    assert _constat(doc, "a-2025.yaml", "financeurs-principaux")["parametres"] == {
        "parmi": {"valeur": ["etat", "ville", "agglo"], "depuis": None},
        "minimum": {"valeur": 2, "depuis": None},
    }
    # the same rule id under another rule set gives its own parameters (the caches hold per rule set)
    shipped = cdv("check", lot, "--format", "json").json()
    assert _constat(shipped, "b-2026.yaml", "plancher-financeur")["parametres"]["minimum"] == {
        "valeur": "500.00",
        "depuis": 2024,
    }


@pytest.mark.parametrize(
    ("exercice", "expected"),
    [
        (2023, None),  # before the first year: no value yet, the rule is sans objet and lists none
        (2024, {"valeur": "500.00", "depuis": 2024}),
        (2025, {"valeur": "500.00", "depuis": 2024}),
        (2026, {"valeur": "1000.00", "depuis": 2026}),
        (2027, {"valeur": "1000.00", "depuis": 2026}),
    ],
)
def test_parameters_on_both_sides_of_each_year(dated_rules: Path, exercice: int, expected) -> None:
    regles = load_rules(dated_rules)
    regle = regles.regles["plancher-financeur"]
    got = parametres(regle, exercice, regles)
    if expected is None:
        assert got == {}
        assert regle.parametres(exercice, regles)[0] is None
    else:
        assert got["minimum"] == expected


def test_no_parameters_without_rule_or_exercice(regles) -> None:
    assert parametres(None, 2025, regles) == {}
    assert parametres(regles.regles["plancher-financeur"], None, regles) == {}


def test_parameters_read_as_pydantic_dumps_them(regles) -> None:
    """Every rule's parameters, every year of the period, as the engine keeps them (``Valeurs``): as
    ``model_dump(by_alias=True)`` gives the validated model, nested models included."""
    from pydantic import BaseModel

    def dump(value: Any) -> Any:  # the former way: pydantic's serializer, nested models included
        if isinstance(value, BaseModel):
            return value.model_dump(by_alias=True)
        if isinstance(value, list):
            return [dump(v) for v in value]
        if isinstance(value, dict):
            return {k: dump(v) for k, v in value.items()}
        return value

    def deep(value: Any) -> Any:  # what the report writes, down to the plain values
        if isinstance(value, (Valeurs, Enregistrement)):  # a Condition of the rules is a record
            return {k: deep(v) for k, v in value.champs_json().items()}
        if isinstance(value, list):
            return [deep(v) for v in value]
        if isinstance(value, dict):
            return {k: deep(v) for k, v in value.items()}
        return value

    first, last = regles.contrat.periode
    seen = 0
    for regle in (*regles.regles.values(), *regles.programmation.values()):
        for exercice in range(first, last + 1):
            valeurs, _ = regle.parametres(exercice, regles)
            if valeurs is not None:
                bruts = {k: d.at(exercice) for k, d in regle.parametres_bruts.items()}
                model = regle.kind.Parametres.model_validate(bruts, context={"regles": regles})
                assert deep(valeurs) == dump(model), (regle.id, exercice)
                assert list(valeurs.champs_json()) == list(model.model_dump(by_alias=True)), regle.id
                seen += 1
    assert seen > 50


def test_reading_the_parameters_builds_no_serializer() -> None:
    """A kind's parameters written in a report do not build their class's schema (≈1 ms a class, issue 17)."""
    from pydantic import ConfigDict, Field

    from cdv_prog.kinds.parametres.base import Parametres

    class Fresh(Parametres):  # a class no other test has built
        model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)
        sauf_groupes: list[str] = Field(default=[], alias="sauf-groupes")
        minimum: Decimal = Decimal("500.00")

    model = Fresh.model_construct(sauf_groupes=["prive"])
    assert depuis_modele(model).champs_json() == {"sauf-groupes": ["prive"], "minimum": Decimal("500.00")}
    assert not Fresh.__pydantic_complete__


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("500.00"), "500.00"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.5"), "0.5"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("1000000000000.00"), "1000000000000.00"),
    ],
)
def test_montant_texte_is_exact(value: Decimal, text: str) -> None:
    assert montant_texte(value) == text
    assert Decimal(text) == value
