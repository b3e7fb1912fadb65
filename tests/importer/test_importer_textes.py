"""Encodings of CSV files, and control characters never written into a dossier nor shown raw.

A CSV with a UTF-8 byte-order mark and a Windows-1252 body (Excel on Windows
does that) used to crash the importer; the encoding read is now always said. A
control character in the workbook's file name, a sheet name or a cell never
reaches a dossier file (comments included) nor a message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from importer_tableaux import ENTETE_DAUPHIN

from cdv_prog.core.dossier import Dossier
from cdv_prog.files.dossiers import read_dossier
from cdv_prog.importer.execution import ImportImpossible

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"
CONTROLES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

LIGNE = [
    "25-001",
    "2025",
    "Café des parents",
    "Association Les Écureuils",
    "La Conte",
    "Grandir",
    "01/09/2025",
    "31/12/2025",
    "2 000,00",
    "CARCASSONNE AGGLO",
    "2 000,00",
    "",
    "",
]


def _dossier(path: Path, regles) -> Dossier:
    result = read_dossier(path, regles)
    assert isinstance(result, Dossier), getattr(result, "erreurs", result)
    return result


def _csv(path: Path, rows: list[list[str]], encoding: str, prefix: bytes = b"") -> Path:
    text = "\r\n".join(";".join(row) for row in rows) + "\r\n"
    path.write_bytes(prefix + text.encode(encoding))
    return path


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "bom", "note"),
    [
        ("cp1252", b"\xef\xbb\xbf", "encodage Windows-1252 (texte non UTF-8 dès la ligne 1, malgré la marque UTF-8"),
        ("cp1252", b"", "encodage Windows-1252 (texte non UTF-8 dès la ligne 1)"),
        ("utf-8", b"\xef\xbb\xbf", "encodage UTF-8 (avec BOM)"),
        ("utf-8", b"", "encodage UTF-8"),
    ],
)
def test_csv_encoding_is_read_and_said(tmp_path, run_import, regles, encoding, bom, note):
    """Before: a BOM followed by a Windows-1252 body raised UnicodeDecodeError (an internal error)."""
    book = _csv(tmp_path / "export.csv", [ENTETE_DAUPHIN, LIGNE], encoding, bom)
    run = run_import(book)
    assert run.statuts() == {"25-001": "ecrit"}
    assert any(n.startswith(note) for n in run.imp.notes), run.imp.notes
    dossier = _dossier(tmp_path / "dossiers" / "25-001.yaml", regles)
    assert dossier.intitule == "Café des parents" and dossier.porteur.nom == "Association Les Écureuils"


def test_windows_1252_found_late_names_its_line(tmp_path, run_import):
    rows = [["Export DAUPHIN 2025"], ENTETE_DAUPHIN, LIGNE]
    path = tmp_path / "export.csv"
    path.write_bytes(b"\r\n".join(";".join(r).encode("cp1252") for r in rows) + b"\r\n")
    run = run_import(path)
    assert run.statuts() == {"25-001": "ecrit"}
    assert any("dès la ligne 2" in n for n in run.imp.notes), run.imp.notes  # line 1 is plain ASCII


def test_bom_then_utf8_then_cp1252_is_read_as_windows_1252_through_the_cli(cdv, tmp_path):
    book = _csv(tmp_path / "export.csv", [ENTETE_DAUPHIN, LIGNE], "cp1252", b"\xef\xbb\xbf")
    result = cdv("importer", book, "--exercice", "2025", "--vers", tmp_path / "out", "--rules", RULES)
    assert result.code == 0, result.err
    assert "encodage Windows-1252" in result.err and "Traceback" not in result.err


def test_bytes_neither_utf8_nor_windows_1252_are_refused_with_their_line(tmp_path, run_import):
    path = tmp_path / "export.csv"
    path.write_bytes(";".join(ENTETE_DAUPHIN).encode("utf-8") + b"\r\n25-001;2025;Caf\x81\r\n")
    with pytest.raises(ImportImpossible) as info:
        run_import(path)
    assert "ligne 2" in info.value.lignes[0] and "ni UTF-8 ni Windows-1252" in info.value.lignes[0]


# --------------------------------------------------------------------------- control characters


def test_control_characters_in_the_file_name_never_reach_the_dossier(tmp_path, run_import, regles, csv_file):
    """Before: the raw name went into the provenance comment, and no dossier could be written."""
    name = "prog\x1b[31m\x07\x7f\u202e.csv"
    book = csv_file([ENTETE_DAUPHIN, LIGNE], name=name)
    run = run_import(book)
    assert run.statuts() == {"25-001": "ecrit"}
    text = (tmp_path / "dossiers" / "25-001.yaml").read_text(encoding="utf-8")
    assert not CONTROLES.search(text)
    comment = text.splitlines()[1]
    assert comment == "# Importé par cdv importer depuis « prog\\x1b[31m\\x07\\x7f\\u202e.csv », ligne 2."
    _dossier(tmp_path / "dossiers" / "25-001.yaml", regles)


def test_control_characters_in_the_file_name_are_shown_written_out(cdv, tmp_path, csv_file):
    rows = [ENTETE_DAUPHIN, LIGNE, LIGNE[:2] + ["Autre intitulé"] + LIGNE[3:]]
    book = csv_file(rows, name="prog\x1b[2J.csv")
    result = cdv("importer", book, "--exercice", "2025", "--vers", tmp_path / "out", "--rules", RULES)
    assert result.code == 1  # the second line contradicts the first: a problem naming the file
    assert "\x1b" not in result.err
    assert "prog\\x1b[2J.csv, ligne 3, colonne C" in result.err


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_control_characters_of_a_cell_are_not_kept(tmp_path, run_import, regles, xlsx, csv_file, kind):
    if kind == "csv":
        book = csv_file([ENTETE_DAUPHIN, LIGNE[:2] + ["Café\x1b[2J des\u202e parents\x07"] + LIGNE[3:]])
    else:  # Excel writes a control character as _xHHHH_
        book = xlsx([list(ENTETE_DAUPHIN), LIGNE[:2] + ["Café_x001B_[2J des\u202e parents_x0007_"] + LIGNE[3:]])
    run = run_import(book)
    assert run.statuts() == {"25-001": "ecrit"}
    text = (tmp_path / "dossiers" / "25-001.yaml").read_text(encoding="utf-8")
    assert not CONTROLES.search(text) and "\\u001b" not in text
    assert _dossier(tmp_path / "dossiers" / "25-001.yaml", regles).intitule == "Café [2J des parents"


def test_control_characters_in_a_problem_message_are_written_out(tmp_path, run_import, csv_file):
    book = csv_file([ENTETE_DAUPHIN, LIGNE[:4] + ["Centre\x1b[2J"] + LIGNE[5:]])
    run = run_import(book)
    (message,) = [str(p) for r in run.resultats for p in r.problemes]
    assert "\x1b" not in message and "Centre [2J" in message


def test_unknown_sheet_names_are_written_out(tmp_path, run_import, xlsx):
    book = xlsx([list(ENTETE_DAUPHIN), LIGNE], title="Prog\u202e2025")
    with pytest.raises(ImportImpossible) as info:
        run_import(book, feuille="Autre\x1b[2J")
    message = info.value.lignes[0]
    assert not CONTROLES.search(message)
    assert "Autre\\x1b[2J" in message and "Prog\\u202e2025" in message


def test_an_id_with_a_control_character_is_reported(tmp_path, run_import, csv_file):
    book = csv_file([ENTETE_DAUPHIN, ["25-\x07001", *LIGNE[1:]], ["25-002\x07", *LIGNE[1:]]])
    run = run_import(book)
    assert run.statuts() == {"25- 001": "ignore", "25-002": "ecrit"}  # a trailing one is only a blank
    assert run.problemes() == [(2, "A", "id", "dossier-invalide")]
