"""Hostile workbooks and mappings: each is refused within seconds, in French, memory bounded.

Every workbook is built here with zipfile, a few kilobytes on disk: a huge declared
dimension, a long run of empty rows, many or huge merged ranges, a sheet or a text
table too big once decompressed, a DTD. A pattern of the mapping that could search
for hours (``^(a+)+$``) is refused when the mapping is read. Each import runs in a
thread joined with a generous safety timeout: the bound is the refusal, never a
measured duration.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from importer_tableaux import ENTETE_ACTION, action_row

from cdv_prog.importer import tableur
from cdv_prog.importer.correspondance import CorrespondanceInvalide, charger, risque_motif, texte_defaut
from cdv_prog.importer.execution import ImportImpossible

SECURITE = 20  # seconds: a safety net only, every refusal below comes back in well under one

_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RACINE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="xl/workbook.xml"/></Relationships>'
)
_CLASSEUR = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Programmation" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_LIENS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    ' Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"'
    ' Target="sharedStrings.xml"/></Relationships>'
)
_DEBUT = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _lettre(index: int) -> str:
    from cdv_prog.importer.texte import lettre_colonne

    return lettre_colonne(index)


def _cellule(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    from xml.sax.saxutils import escape

    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def ligne(numero: int, values: Iterable[Any]) -> str:
    """One ``<row>`` of inline cells (texts) and numbers."""
    cells = "".join(_cellule(f"{_lettre(i)}{numero}", v) for i, v in enumerate(values))
    return f'<row r="{numero}">{cells}</row>'


def _action(numero: int, ident: Any = 1) -> str:
    values = action_row(ident, debut="01/09/2025", fin="31/12/2025")
    return ligne(numero, values)


def classeur(
    path: Path,
    rows: Iterable[str | bytes] = (),
    avant: str = "",
    apres: str = "",
    textes: Iterable[bytes] | None = None,
    entete: str | None = None,
) -> Path:
    """A one-sheet .xlsx written with zipfile: the header on row 1, then ``rows`` (text or bytes, streamed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr("_rels/.rels", _RACINE)
        archive.writestr("xl/workbook.xml", _CLASSEUR)
        archive.writestr("xl/_rels/workbook.xml.rels", _LIENS)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as dest:
            for chunk in textes or [b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>']:
                dest.write(chunk)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as dest:
            dest.write((_DEBUT + avant + "<sheetData>" + (entete or ligne(1, ENTETE_ACTION))).encode())
            for row in rows:
                dest.write(row if isinstance(row, bytes) else row.encode())
            dest.write(("</sheetData>" + apres + "</worksheet>").encode())
    assert path.stat().st_size < 1_000_000  # a small file on disk, whatever it holds once decompressed
    return path


def a_temps(action: Callable[[], Any]) -> Any:
    """Run ``action`` in a thread; fail if it has not come back within the safety timeout."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = action()
        except BaseException as exc:  # handed back to the test
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(SECURITE)
    assert not thread.is_alive(), f"pas de réponse en {SECURITE} s"
    return result


def refus(run_import: Callable[..., Any], book: Path, **options: Any) -> str:
    """The French refusal of an import (a usage error), checked to come back in time."""
    result = a_temps(lambda: run_import(book, **options))
    error = result.get("error")
    assert isinstance(error, ImportImpossible), result
    message = "\n".join(error.lignes)
    assert "Traceback" not in message
    return message


def importe(run_import: Callable[..., Any], book: Path, **options: Any) -> Any:
    result = a_temps(lambda: run_import(book, **options))
    assert "error" not in result, result.get("error")
    return result["value"]


# --------------------------------------------------------------------------- declared dimension, rows


def test_declared_dimension_is_ignored(tmp_path, run_import):
    """A sheet declaring A1:XFD1048576 (Excel's whole grid) is read for what it holds."""
    book = classeur(tmp_path / "dimension.xlsx", [_action(2)], avant='<dimension ref="A1:XFD1048576"/>')
    run = importe(run_import, book)
    assert run.statuts() == {"CDV-2025-001": "ecrit"}


def test_a_value_on_the_last_row_of_the_grid_is_refused_at_once(tmp_path, run_import):
    """Before: the rows up to 1 048 576, each padded to 16 384 columns, were read one by one (over 600 s)."""
    rows = [_action(2), ligne(1_048_576, ["x"])]
    book = classeur(tmp_path / "dimension.xlsx", rows, avant='<dimension ref="A1:XFD1048576"/>')
    message = refus(run_import, book)
    assert f"plus de {tableur.MAX_LIGNES} lignes" in message
    assert "1048576" in message and "dimension.xlsx" in message


def test_row_limit_counts_empty_rows_both_sides(tmp_path, run_import):
    last = tableur.MAX_LIGNES
    accepted = classeur(tmp_path / "dernier.xlsx", [_action(last)])
    assert importe(run_import, accepted).statuts() == {"CDV-2025-001": "ecrit"}
    refused = classeur(tmp_path / "apres.xlsx", [_action(last + 1)])
    assert f"plus de {tableur.MAX_LIGNES} lignes" in refus(run_import, refused)


def test_a_run_of_unnumbered_empty_rows_counts_against_the_limit(tmp_path, run_import):
    """Rows without a number follow each other: 100 000 empty ones push the action past the limit."""
    run = (b"<row/>" * 10_000 for _ in range(tableur.MAX_LIGNES // 10_000))
    book = classeur(tmp_path / "vides.xlsx", [*run, _action(tableur.MAX_LIGNES + 2)])
    assert f"plus de {tableur.MAX_LIGNES} lignes" in refus(run_import, book)


def test_sheet_too_big_once_decompressed_is_refused_before_reading(tmp_path, run_import):
    """40 MB of empty rows in a 40 KB file: refused on its declared size, nothing parsed (before: minutes, GB)."""
    chunk = b"<row/>" * 100_000
    count = tableur.MAX_XML_FEUILLE // len(chunk) + 1
    book = classeur(tmp_path / "enorme.xlsx", (chunk for _ in range(count)))
    message = refus(run_import, book)
    assert "trop volumineuse une fois décompressée" in message
    assert str(tableur.MAX_XML_FEUILLE) in message


def test_shared_strings_too_big_are_refused(tmp_path, run_import):
    blanks = b" " * 1_000_000
    count = tableur.MAX_XML_CHAINES // len(blanks) + 1
    textes = [
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        *([blanks] * count),
        b"</sst>",
    ]
    book = classeur(tmp_path / "textes.xlsx", [_action(2)], textes=textes)
    message = refus(run_import, book)
    assert "sharedStrings" in message and "trop volumineux" in message


def test_a_dtd_is_refused(tmp_path, run_import):
    """No entity can expand: an .xlsx never has a DTD."""
    book = tmp_path / "dtd.xlsx"
    classeur(book, [_action(2)])
    with zipfile.ZipFile(book) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    entities = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("?>", "?>" + entities, 1).replace("x</t>", "&b;</t>").encode()
    with zipfile.ZipFile(book, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert "DTD" in refus(run_import, book)


# --------------------------------------------------------------------------- merged cells


def _fusions(count: int, ref: Callable[[int], str]) -> str:
    return (
        f'<mergeCells count="{count}">'
        + "".join(f'<mergeCell ref="{ref(i)}"/>' for i in range(count))
        + "</mergeCells>"
    )


def test_merged_ranges_are_capped_both_sides(tmp_path, run_import):
    """Before: 100 000 ranges allowed, about 1 s and 400 MB each when they spanned the sheet."""
    limit = tableur.MAX_FUSIONS
    accepted = classeur(
        tmp_path / "fusions-ok.xlsx", [_action(2)], apres=_fusions(limit, lambda i: f"Z{i + 3}:AA{i + 3}")
    )
    assert importe(run_import, accepted).statuts() == {"CDV-2025-001": "ecrit"}
    refused = classeur(
        tmp_path / "fusions.xlsx", [_action(2)], apres=_fusions(limit + 1, lambda i: f"Z{i + 3}:AA{i + 3}")
    )
    message = refus(run_import, refused)
    assert f"plus de {limit} plages de cellules fusionnées" in message


def test_merged_ranges_over_the_whole_sheet_are_refused(tmp_path, run_import):
    """Ranges A1:SF99999 whose top-left cell holds a value: the cells they would fill are bounded."""
    rows = [_action(2), ligne(99_999, ["x"])]
    book = classeur(tmp_path / "grandes-fusions.xlsx", rows, apres=_fusions(20, lambda i: "A1:SF99999"))
    message = refus(run_import, book)
    assert "cellules fusionnées trop étendues" in message


def test_values_past_the_last_column_are_reported(tmp_path, run_import):
    """A value beyond the 500th column was dropped without a word: now said in the reading notes."""
    far = _lettre(tableur.MAX_COLONNES)  # the 501st column
    row = _action(2).replace("</row>", f'<c r="{far}2"><v>500</v></c></row>')
    run = importe(run_import, classeur(tmp_path / "large.xlsx", [row]))
    assert run.statuts() == {"CDV-2025-001": "ecrit"}
    assert any(f"au-delà de la colonne {tableur.MAX_COLONNES}" in n and f"colonne {far}" in n for n in run.imp.notes)


def test_the_last_column_is_still_read(tmp_path, run_import):
    last = _lettre(tableur.MAX_COLONNES - 1)  # the 500th column, a financeur's
    header = ligne(1, ENTETE_ACTION).replace("</row>", f'<c r="{last}1" t="inlineStr"><is><t>Région</t></is></c></row>')
    row = _action(2).replace("</row>", f'<c r="{last}2"><v>500</v></c></row>')
    run = importe(run_import, classeur(tmp_path / "large.xlsx", [row], entete=header))
    assert not any("au-delà" in n for n in run.imp.notes)
    assert "  - financeur: region" in run.resultats[0].texte


# --------------------------------------------------------------------------- patterns of the mapping


def _mapping(tmp_path: Path, motif: str) -> Path:
    """The shipped mapping with ``motif`` as the first pattern of the quartiers."""
    path = tmp_path / "correspondance.yaml"
    first = "    - {motif: 'viguier"
    text = texte_defaut()
    assert text.count(first) == 1
    path.write_text(text.replace(first, f"    - {{motif: '{motif}', code: grazailles}}\n{first}"), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("motif", "raison"),
    [
        ("^(a+)+$", "imbriqués"),
        ("(a*)*b", "imbriqués"),
        ("(?:a?){25}a{25}", "imbriqués"),
        ("(a|ab)*c", "alternative"),
        ("(a|a)+$", "alternative"),
        ("(\\w+)\\s\\1", "référence arrière"),
        (".*.*.*x", "trop de répétitions"),
        ("a?" * 30, "trop de répétitions"),
    ],
)
def test_catastrophic_patterns_are_refused_when_the_mapping_is_read(tmp_path, motif, raison):
    path = _mapping(tmp_path, motif)
    result = a_temps(lambda: charger(path))
    error = result.get("error")
    assert isinstance(error, CorrespondanceInvalide), result
    first = error.problemes[0]
    assert first.startswith(f"{path}:") and "[quartiers.motifs[0].motif]" in first, first
    assert raison in first


@pytest.mark.parametrize(
    "motif",
    [
        "^(VILLE|COMMUNE)\\s+DE\\s+CARCASSONNE",
        ".*a.*b",
        "\\bAGGLO(MERATION)?\\b",
        "^CARCASSONNE\\b(?!\\s*AGGLO)",
        "(ab)+c",
        "[ab]+c",
        "s(ain)?t jacques",
    ],
)
def test_ordinary_patterns_are_accepted(motif):
    assert risque_motif(motif) is None


def test_shipped_patterns_are_accepted(regles):
    charger(None)  # raises if one of them is refused


def test_hostile_pattern_stops_the_import_before_any_search(tmp_path, run_import, xlsx):
    """Before: the pattern was accepted, then searching « aaa…a! » ran for hours."""
    book = xlsx([ENTETE_ACTION, action_row(1, quartiers="a" * 40 + "!")])
    message = refus(run_import, book, correspondance=_mapping(tmp_path, "^(a+)+$"))
    assert "Correspondance invalide" in message and "imbriqués" in message


def test_a_hostile_workbook_is_a_usage_error_through_the_cli(cdv, tmp_path):
    rows = [_action(2), ligne(1_048_576, ["x"])]
    book = classeur(tmp_path / "dimension.xlsx", rows, avant='<dimension ref="A1:XFD1048576"/>')
    result = a_temps(lambda: cdv("importer", book, "--exercice", "2025", "--vers", tmp_path / "out"))["value"]
    assert result.code == 2
    assert f"plus de {tableur.MAX_LIGNES} lignes" in " ".join(result.err.split())
    assert "Traceback" not in result.err and not (tmp_path / "out").exists()
