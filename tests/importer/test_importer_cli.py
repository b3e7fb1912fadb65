"""``cdv importer`` end to end: exit codes, --essai, --remplacer, and the round trip through ``cdv check``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from importer_tableaux import ENTETE_ACTION, ENTETE_DAUPHIN, action_row

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


@pytest.fixture
def book(xlsx) -> Path:
    return xlsx([ENTETE_ACTION, action_row(1), action_row(2, quartiers="Bastide")])


def test_import_writes_files_and_lists_them(cdv, book, tmp_path):
    out = tmp_path / "dossiers"
    result = cdv("importer", book, "--exercice", "2025", "--vers", out, "--rules", RULES)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [str(out / "CDV-2025-001.yaml"), str(out / "CDV-2025-002.yaml")]
    assert sorted(_files(out)) == ["CDV-2025-001.yaml", "CDV-2025-002.yaml"]
    assert "2 dossier(s) écrit(s), 0 ignoré(s)" in result.err
    assert "numéros d'action sans préfixe : identifiants CDV-2025-NNN" in " ".join(result.err.split())


def test_skipped_rows_give_exit_1_and_the_others_are_written(cdv, xlsx, tmp_path):
    book = xlsx([ENTETE_ACTION, action_row(1), action_row(2, etat="mille"), action_row(None)])
    out = tmp_path / "dossiers"
    result = cdv("importer", book, "--exercice", "2025", "--vers", out, "--rules", RULES)
    assert result.code == 1
    assert sorted(_files(out)) == ["CDV-2025-001.yaml"]
    assert "1 dossier(s) écrit(s), 2 ignoré(s)" in " ".join(result.err.split())
    assert "Traceback" not in result.err


def test_essai_writes_nothing_and_shows_the_files(cdv, book, tmp_path):
    out = tmp_path / "dossiers"
    trial = cdv("importer", book, "--exercice", "2025", "--vers", out, "--essai", "--rules", RULES)
    assert trial.code == 0
    assert not out.exists()
    real = cdv("importer", book, "--exercice", "2025", "--vers", out, "--rules", RULES)
    assert real.code == 0
    shown = trial.out.split("# ---- ")[1:]
    assert len(shown) == 2
    for block, (name, content) in zip(shown, _files(out).items(), strict=True):
        header, text = block.split("\n", 1)
        assert header.startswith(str(out / name))
        assert text.encode("utf-8") == content  # exactly what the real run wrote


def test_existing_files_are_kept_unless_remplacer(cdv, xlsx, tmp_path):
    out = tmp_path / "dossiers"
    out.mkdir()
    (out / "CDV-2025-001.yaml").write_text("# écrit à la main\n", encoding="utf-8")
    book = xlsx([ENTETE_ACTION, action_row(1), action_row(2)])
    kept = cdv("importer", book, "--exercice", "2025", "--vers", out, "--rules", RULES)
    assert kept.code == 1
    assert (out / "CDV-2025-001.yaml").read_text(encoding="utf-8") == "# écrit à la main\n"
    assert (out / "CDV-2025-002.yaml").exists()
    trial = cdv("importer", book, "--exercice", "2025", "--vers", out, "--essai", "--remplacer", "--rules", RULES)
    assert trial.code == 0 and (out / "CDV-2025-001.yaml").read_text(encoding="utf-8") == "# écrit à la main\n"
    replaced = cdv("importer", book, "--exercice", "2025", "--vers", out, "--remplacer", "--rules", RULES)
    assert replaced.code == 0
    assert (out / "CDV-2025-001.yaml").read_text(encoding="utf-8").startswith("# yaml-language-server:")
    assert sorted(_files(out)) == ["CDV-2025-001.yaml", "CDV-2025-002.yaml"]  # no temporary file left behind


def test_rerun_is_unchanged_and_byte_identical(cdv, book, tmp_path):
    out = tmp_path / "dossiers"
    assert cdv("importer", book, "--exercice", "2025", "--vers", out, "--rules", RULES).code == 0
    before = _files(out)
    again = cdv("importer", book, "--exercice", "2025", "--vers", out, "--rules", RULES)
    assert again.code == 0
    assert "2 inchangé(s)" in again.err
    assert _files(out) == before
    other = tmp_path / "ailleurs"
    assert cdv("importer", book, "--exercice", "2025", "--vers", other, "--rules", RULES).code == 0
    assert _files(other) == before


def test_input_file_is_never_modified(cdv, book, tmp_path):
    digest = hashlib.sha256(book.read_bytes()).hexdigest()
    cdv("importer", book, "--exercice", "2025", "--vers", tmp_path / "o", "--rules", RULES)
    assert hashlib.sha256(book.read_bytes()).hexdigest() == digest


def test_default_output_folder(cdv, book, tmp_path):
    result = cdv("importer", book, "--exercice", "2025", "--rules", RULES, cwd=tmp_path)
    assert result.code == 0
    assert sorted(_files(tmp_path / "data" / "dossiers" / "2025")) == ["CDV-2025-001.yaml", "CDV-2025-002.yaml"]


def test_schema_header_points_to_the_repository_schema(cdv, book, tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "dossier.schema.json").write_text("{}")
    out = tmp_path / "data" / "dossiers" / "2025"
    cdv("importer", book, "--exercice", "2025", "--vers", out, "--rules", RULES)
    first = (out / "CDV-2025-001.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../../schemas/dossier.schema.json"


@pytest.mark.parametrize(
    "args",
    [
        ["importer", "absent.xlsx", "--exercice", "2025"],
        ["importer", "--exercice", "2025"],
        ["importer", "{book}"],
        ["importer", "{book}", "--exercice", "2019"],
        ["importer", "{book}", "--exercice", "deux mille"],
        ["importer", "{book}", "--exercice", "2025", "--correspondance", "absente.yaml"],
        ["importer", "{book}", "--exercice", "2025", "--disposition", "en-colonnes"],
        ["importer", "{other}", "--exercice", "2025"],
        ["importer", "{corrupt}", "--exercice", "2025"],
    ],
)
def test_usage_errors_exit_2(cdv, book, tmp_path, args):
    other = tmp_path / "prog.ods"
    other.write_bytes(b"x")
    corrupt = tmp_path / "casse.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 pas un classeur")
    argv = [a.format(book=book, other=other, corrupt=corrupt) for a in args]
    result = cdv(*argv, "--vers", tmp_path / "out", "--rules", RULES)
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


def test_output_folder_that_is_a_file(cdv, book, tmp_path):
    target = tmp_path / "fichier"
    target.write_text("x")
    assert cdv("importer", book, "--exercice", "2025", "--vers", target, "--rules", RULES).code == 2


# ---------------------------------------------------------------------------- round trip


def test_round_trip_workbook_to_check_verdicts(cdv, xlsx, tmp_path):
    rows = [
        ENTETE_ACTION,
        action_row("A", quartiers="La Conte"),  # eligible
        action_row("B", etat=None, ville=2000, agglo=None, total=2000),  # 1 principal financeur
        action_row("C", etat=400, total=2400),  # below the 500 € plancher
        action_row("D", total=5000),  # budget not balanced
        action_row("E", caf=1000, total=4000),  # CAF without its pieces
        action_row("F", quartiers="L'Espérance"),  # quartier de veille: reserve
        action_row("G", total=3500, autres=500),  # autres produits balance it
    ]
    out = tmp_path / "dossiers"
    imported = cdv("importer", xlsx(rows), "--exercice", "2025", "--vers", out, "--rules", RULES)
    assert imported.code == 0, imported.err
    check = cdv("check", out, "--format", "json", "--rules", RULES)
    assert check.code == 1
    report = {d["id"]: d for d in check.json()["dossiers"]}
    verdicts = {k: d["verdict"] for k, d in report.items()}
    assert verdicts == {
        "A": "eligible",
        "B": "ineligible",
        "C": "ineligible",
        "D": "ineligible",
        "E": "ineligible",
        "F": "eligible",
        "G": "eligible",
    }

    def echecs(ident):
        return {c["regle"] for c in report[ident]["constats"] if c["statut"] == "echec"}

    assert echecs("A") == set() and echecs("G") == set()
    assert echecs("B") == {"financeurs-principaux"}
    assert echecs("C") == {"plancher-financeur"}
    assert echecs("D") == {"budget-equilibre"}
    assert "caf-pieces" in echecs("E")
    assert echecs("F") == {"quartier-prioritaire"}


def test_round_trip_dauphin_export_to_check_verdicts(cdv, csv_file, tmp_path):
    action = ["25-010", "2025", "Atelier", "Asso", "Grazailles", "Grandir", "01/02/2025", "30/06/2025", "4000"]
    other = ["25-011", "2025", "Atelier 2", "Asso", "Grazailles", "Grandir", "01/02/2025", "30/06/2025", "2000"]
    rows = [
        ENTETE_DAUPHIN,
        action + ["11-ETAT-POLITIQUE-VILLE", "2000", "", "400"],  # voted below the plancher: retenu 400
        action + ["CARCASSONNE AGGLO", "2000", "", ""],
        other + ["CARCASSONNE (11069)", "1000", "", "1000"],
        other + ["CARCASSONNE AGGLO", "1000", "800", ""],
    ]
    out = tmp_path / "dossiers"
    assert (
        cdv("importer", csv_file(rows, encoding="cp1252"), "--exercice", "2025", "--vers", out, "--rules", RULES).code
        == 0
    )
    check = cdv("check", out, "--format", "json", "--rules", RULES)
    report = {d["id"]: d for d in check.json()["dossiers"]}
    assert report["25-010"]["verdict"] == "ineligible"
    assert {c["regle"] for c in report["25-010"]["constats"] if c["statut"] == "echec"} == {"plancher-financeur"}
    assert report["25-011"]["verdict"] == "eligible"


def test_entry_point_exit_codes(cdv, book, tmp_path):
    """The console script's ``main()``: no traceback, exit codes as documented (the real process: test_smoke.py)."""
    out = tmp_path / "o"
    ok = cdv("importer", book, "--exercice", "2025", "--vers", out, "--rules", RULES)
    assert ok.code == 0 and sorted(_files(out)) == ["CDV-2025-001.yaml", "CDV-2025-002.yaml"]
    bad = cdv("importer", tmp_path / "absent.csv", "--exercice", "2025", "--vers", out)
    assert bad.code == 2 and "Traceback" not in bad.err


def test_imported_dossiers_match_the_editor_schema(cdv, xlsx, csv_file, tmp_path):
    """The files written validate against schemas/dossier.schema.json, read as an editor reads YAML."""
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = REPO / "schemas" / "dossier.schema.json"
    if not schema_path.is_file():
        pytest.skip("schemas/dossier.schema.json absent")
    import json

    import yaml

    class Editor(yaml.SafeLoader):  # dates stay text, as in YAML 1.2 (yaml-language-server)
        pass

    Editor.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    out = tmp_path / "dossiers"
    book = xlsx([ENTETE_ACTION, action_row(1, total=3000.5, etat=1000.5), action_row("no", caf=250.25, total=3250.25)])
    assert cdv("importer", book, "--exercice", "2025", "--vers", out, "--rules", RULES).code == 0
    validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text(encoding="utf-8")))
    for path in sorted(out.iterdir()):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Editor)
        assert [e.message for e in validator.iter_errors(data)] == [], path.name
