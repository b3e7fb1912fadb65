"""Fixtures of the importer tests: workbooks and CSV files built on the fly, import runs.

The command line runs in-process through the generic ``cdv`` fixture (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cdv_prog.importer.execution import Import, Options, ResultatImport

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"


@pytest.fixture
def xlsx(tmp_path: Path) -> Callable[..., Path]:
    """``xlsx(rows, name=…, title=…, merges=…, before=…)``: an .xlsx workbook written by openpyxl.

    ``before`` is a list of (title, rows) sheets placed before the main one;
    ``merges`` are ranges like ``"A1:D1"`` merged on the main sheet.
    """

    def build(
        rows: Iterable[Iterable[Any]],
        name: str = "programmation.xlsx",
        title: str = "Programmation",
        merges: Iterable[str] = (),
        before: Iterable[tuple[str, list[list[Any]]]] = (),
    ) -> Path:
        from openpyxl import Workbook

        wb = Workbook()
        first = wb.active
        sheets = list(before)
        for i, (sheet_title, sheet_rows) in enumerate(sheets):
            ws = first if i == 0 else wb.create_sheet()
            ws.title = sheet_title
            for row in sheet_rows:
                ws.append(list(row))
        ws = wb.create_sheet() if sheets else first
        ws.title = title
        for row in rows:
            ws.append(list(row))
        for rng in merges:
            ws.merge_cells(rng)
        path = tmp_path / name
        wb.save(path)
        return path

    return build


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    """``csv_file(rows, encoding=…, delimiter=…, bom=…)``: a CSV file (CRLF line ends, like Excel)."""

    def build(
        rows: Iterable[Iterable[Any]],
        name: str = "export.csv",
        encoding: str = "utf-8",
        delimiter: str = ";",
        bom: bool = False,
    ) -> Path:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        data = buffer.getvalue().encode(encoding)
        path = tmp_path / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return build


@dataclass
class Run:
    imp: Import
    resultats: list[ResultatImport]

    def by_id(self) -> dict[str | None, ResultatImport]:
        return {r.id: r for r in self.resultats}

    def statuts(self) -> dict[str | None, str]:
        return {r.id: r.statut for r in self.resultats}

    def problemes(self) -> list[tuple[int | None, str | None, str | None, str]]:
        """(row, column letter, dossier field, nature) of every problem, in order."""
        from cdv_prog.importer.texte import lettre_colonne

        return [
            (p.ligne, lettre_colonne(p.colonne) if p.colonne is not None else None, p.champ, p.nature)
            for r in self.resultats
            for p in r.problemes
        ]


@pytest.fixture
def run_import(tmp_path: Path, regles) -> Callable[..., Run]:
    """Run an import in-process: ``run_import(fichier, exercice=2025, vers=…, **options)``."""

    def run(fichier: Path, exercice: int = 2025, vers: Path | None = None, **options: Any) -> Run:
        opts = Options(fichier=fichier, exercice=exercice, vers=vers or tmp_path / "dossiers", **options)
        imp = Import(opts, regles)
        imp.preparer()
        return Run(imp, list(imp.resultats()))

    return run
