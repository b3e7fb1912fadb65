"""The YAML emitter, the schema header and atomic, non-overwriting writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cdv_prog.files.loader import load_yaml_text
from cdv_prog.importer.ecriture import DejaPresent, ecrit_atomique, montant, schema_ref, texte, yaml_dossier


def _both_readers(scalar: str):
    doc = f"k: {scalar}\n"
    return load_yaml_text(doc).data["k"], yaml.safe_load(doc)["k"]


@pytest.mark.parametrize(
    "value",
    [
        "no",
        "No",
        "NO",
        "on",
        "off",
        "yes",
        "y",
        "n",
        "true",
        "False",
        "null",
        "~",
        "",
        " ",
        "nan",
        "12",
        "12.5",
        "1e3",
        "0x1F",
        "2025-01-01",
        "12:30",
        "3_000",
        ".inf",
        "-1",
        "+1",
        "a: b",
        "a #b",
        "#a",
        "- a",
        "[a]",
        "{a}",
        "*a",
        "&a",
        "!a",
        "|a",
        ">a",
        "%a",
        "@a",
        "`a",
        "'a",
        '"a',
        " a",
        "a ",
        "a\nb",
        "a\tb",
        "back\\slash",
        "tout:",
        "? a",
        "=",
        "Café",
        "L'Espérance",
        "Compagnie « No »",
        "Bastide / Pont-Vieux",
        "Atelier 3-6 ans, 2e session",
        "\u2028",
        "\ufeff",
        "\x85",
        "\x00",
        "😀",
    ],
)
def test_text_round_trips_through_both_yaml_readers(value):
    strict, pyyaml = _both_readers(texte(value))
    assert strict == value
    assert pyyaml == value


@pytest.mark.parametrize("value", ["no", "on", "12", "2025-01-01", "true", "null"])
def test_ambiguous_text_is_quoted(value):
    assert texte(value).startswith('"')


@pytest.mark.parametrize("value", ["Café des parents", "L'Espérance", "Association A"])
def test_plain_text_stays_plain(value):
    assert texte(value) == value


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_any_text_round_trips(value):
    strict, pyyaml = _both_readers(texte(value))
    assert strict == value
    assert pyyaml == value


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("7300"), "7300"),
        (Decimal("7300.00"), "7300"),
        (Decimal("7300.5"), "7300.50"),
        (Decimal("0.01"), "0.01"),
        (Decimal("0"), "0"),
        (Decimal("1000000000"), "1000000000"),
    ],
)
def test_montant_written_exactly(amount, text):
    assert montant(amount) == text


def test_dossier_layout_and_reload():
    data = {
        "id": "25-001",
        "exercice": 2025,
        "intitule": "no",
        "porteur": {"nom": "Association A", "siret": "51083485600013"},
        "action": {
            "defi": "grandir",
            "quartiers": ["grazailles"],
            "debut": dt.date(2025, 1, 1),
            "fin": dt.date(2025, 12, 31),
            "cpo": {"annees": [2025, 2026, 2027]},
        },
        "budget": {"total": Decimal("6000.5")},
        "financements": [
            {"financeur": "etat", "montant": Decimal("3000"), "accorde": Decimal("2500.25")},
            {"financeur": "ville", "montant": Decimal("3000.50")},
        ],
    }
    text = yaml_dossier(data, "../schemas/dossier.schema.json", "Importé de x")
    lines = text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../schemas/dossier.schema.json"
    assert lines[1] == "# Importé de x"
    assert "  - financeur: etat" in lines
    reloaded = load_yaml_text(text).data
    assert reloaded == data
    assert list(reloaded) == list(data)
    assert isinstance(reloaded["budget"]["total"], Decimal)


def test_schema_ref_relative_to_nearest_schemas_folder(tmp_path):
    schema = tmp_path / "depot" / "schemas" / "dossier.schema.json"
    schema.parent.mkdir(parents=True)
    schema.write_text("{}")
    out = tmp_path / "depot" / "data" / "dossiers" / "2025"
    assert schema_ref(out) == "../../../schemas/dossier.schema.json"
    assert schema_ref(tmp_path / "depot") == "schemas/dossier.schema.json"


def test_schema_ref_without_schemas_folder(tmp_path):
    assert schema_ref(tmp_path / "ailleurs") == "schemas/dossier.schema.json"


def test_atomic_write_never_overwrites(tmp_path):
    target = tmp_path / "A.yaml"
    target.write_text("original\n")
    with pytest.raises(DejaPresent):
        ecrit_atomique(target, "nouveau\n", remplacer=False)
    assert target.read_text() == "original\n"
    ecrit_atomique(target, "nouveau\n", remplacer=True)
    assert target.read_text() == "nouveau\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A.yaml"]  # no temporary file left


def test_atomic_write_stops_when_check_fails(tmp_path):
    target = tmp_path / "B.yaml"

    def refuse(temp: Path) -> None:
        assert temp.parent == tmp_path and temp.read_text() == "texte\n"
        raise RuntimeError("non")

    with pytest.raises(RuntimeError):
        ecrit_atomique(target, "texte\n", remplacer=False, verifie=refuse)
    assert list(tmp_path.iterdir()) == []


def test_new_files_get_the_usual_permissions(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        ecrit_atomique(tmp_path / "C.yaml", "x\n", remplacer=False)
    finally:
        os.umask(mask)
    assert (tmp_path / "C.yaml").stat().st_mode & 0o777 == 0o644
