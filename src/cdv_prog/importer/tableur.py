"""Reading spreadsheets: ``.xlsx`` (openpyxl, read-only) and ``.csv``, into plain rows.

A :class:`Feuille` is one sheet as a list of rows (row ``i`` of the list is
spreadsheet row ``i + 1``). Merged cells take the value of their top-left cell;
a formula whose workbook holds no calculated value becomes a
:class:`~.cellules.FormuleSansValeur` marker. ``saisies[i]`` tells whether row
``i`` holds anything typed in (not only formulas or merged copies): rows without
are blank and skipped. Sizes are bounded; a file that cannot be read raises
:class:`TableurIllisible` with a French message.
"""

from __future__ import annotations

import csv
import io
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdv_prog.importer.cellules import FormuleSansValeur, vide

MAX_OCTETS = 50 * 1024 * 1024
MAX_DECOMPRESSE = 500 * 1024 * 1024
MAX_LIGNES = 100_000
MAX_COLONNES = 500
LIGNES_ENTETE = 30

Ligne = tuple[Any, ...]


class TableurIllisible(Exception):
    """The file cannot be read as a spreadsheet (French message)."""


@dataclass
class Feuille:
    fichier: str
    nom: str | None
    lignes: list[Ligne]
    saisies: list[bool]
    notes: list[str] = field(default_factory=list)
    numeros: list[int] | None = None  # line of each row in the file, when it differs from index + 1 (CSV)

    def numero(self, ligne: int) -> int:
        """The row number people see (1-based) of list index ``ligne``."""
        return self.numeros[ligne] if self.numeros is not None else ligne + 1

    def cellule(self, ligne: int, colonne: int) -> Any:
        row = self.lignes[ligne]
        return row[colonne] if colonne < len(row) else None


def _check_file(path: Path) -> None:
    try:
        st = path.stat()
    except OSError as exc:
        raise TableurIllisible(f"fichier introuvable ou illisible : {path} ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise TableurIllisible(f"{path} n'est pas un fichier ordinaire")
    if st.st_size > MAX_OCTETS:
        raise TableurIllisible(f"{path} : fichier trop gros ({st.st_size} octets ; maximum {MAX_OCTETS})")


def ouvrir(path: Path, feuille: str | None, reconnait: Callable[[list[Ligne]], bool]) -> Feuille:
    """The sheet to import: ``feuille`` if named, else the first whose first rows ``reconnait``."""
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(path, feuille, reconnait)
    if suffix in (".csv", ".txt", ".tsv"):
        return _csv(path)
    if suffix == ".xls":
        raise TableurIllisible(
            f"{path} : ancien format Excel (.xls) non lu ; enregistrez le classeur au format .xlsx ou .csv"
        )
    if suffix == ".ods":
        raise TableurIllisible(
            f"{path} : format OpenDocument (.ods) non lu ; enregistrez le classeur au format .xlsx ou .csv"
        )
    raise TableurIllisible(
        f"{path} : extension « {path.suffix or '(aucune)'} » non reconnue ; formats lus : .xlsx, .csv"
    )


# --------------------------------------------------------------------------- xlsx


def _xlsx(path: Path, feuille: str | None, reconnait: Callable[[list[Ligne]], bool]) -> Feuille:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise TableurIllisible(f"{path} : ce n'est pas un classeur .xlsx valide (archive illisible)") from None
    with archive:
        total = sum(info.file_size for info in archive.infolist())
        if total > MAX_DECOMPRESSE:
            raise TableurIllisible(f"{path} : classeur trop volumineux une fois décompressé ({total} octets)")
        chemins = _sheet_paths(archive)
    import warnings

    from openpyxl import load_workbook

    def open_book(data_only: bool) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return load_workbook(path, read_only=True, data_only=data_only)
        except Exception as exc:  # openpyxl raises many kinds on damaged files
            raise TableurIllisible(
                f"{path} : classeur illisible, ce n'est pas un classeur Excel .xlsx valide "
                f"(enregistrez-le à nouveau depuis le tableur) [{type(exc).__name__}]"
            ) from None

    valeurs = open_book(True)
    formules = None
    chosen: str | None = None
    try:
        names = [n for n in valeurs.sheetnames if hasattr(valeurs[n], "iter_rows")]
        if not names:
            raise TableurIllisible(f"{path} : aucune feuille de calcul dans ce classeur")
        if feuille is not None:
            chosen = _find_sheet(feuille, names)
            if chosen is None:
                raise TableurIllisible(f"{path} : pas de feuille « {feuille} » ; feuilles : {', '.join(names)}")
        else:
            chosen = next((n for n in names if reconnait(_first_rows(valeurs[n]))), names[0])
        has_formulas, merges = _scan_sheet(path, chemins.get(chosen))
        if has_formulas:  # a second, lock-step reading tells formula cells from typed ones
            formules = open_book(False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lignes, saisies = _read_sheet(path, valeurs[chosen], formules[chosen] if formules is not None else None)
    except TableurIllisible:
        raise
    except Exception as exc:
        raise TableurIllisible(
            f"{path} : feuille « {chosen or '?'} » illisible (enregistrez le classeur à nouveau "
            f"depuis le tableur) [{type(exc).__name__}]"
        ) from None
    finally:
        valeurs.close()
        if formules is not None:
            formules.close()
    assert chosen is not None
    _spread_merges(lignes, merges)
    return Feuille(str(path), chosen, lignes, saisies)


def _find_sheet(wanted: str, names: list[str]) -> str | None:
    if wanted in names:
        return wanted
    from cdv_prog.importer.texte import simplifie

    return next((n for n in names if simplifie(n) == simplifie(wanted)), None)


def _first_rows(ws: Any) -> list[Ligne]:
    rows = []
    for row in ws.iter_rows(max_row=LIGNES_ENTETE, values_only=True):
        rows.append(tuple(row[:MAX_COLONNES]))
    return rows


def _is_formula(value: object) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def _formula_text(value: object) -> str:
    return value if isinstance(value, str) else str(getattr(value, "text", "") or "formule")


def _read_sheet(path: Path, ws_values: Any, ws_formulas: Any | None) -> tuple[list[Ligne], list[bool]]:
    lignes: list[Ligne] = []
    saisies: list[bool] = []
    pending = 0  # empty rows not stored yet: trailing ones are dropped (sheet sizes are often overstated)
    value_rows = ws_values.iter_rows(values_only=True)
    formula_rows = ws_formulas.iter_rows(values_only=True) if ws_formulas is not None else None
    for values in value_rows:
        formulas = next(formula_rows, ()) if formula_rows is not None else ()
        if not any(v is not None for v in values) and not any(f is not None for f in formulas):
            pending += 1
            continue
        if len(lignes) + pending >= MAX_LIGNES:
            raise TableurIllisible(f"{path} : plus de {MAX_LIGNES} lignes ; découpez le fichier")
        lignes.extend([()] * pending)
        saisies.extend([False] * pending)
        pending = 0
        row: list[Any] = []
        typed = False
        for i, value in enumerate(values[:MAX_COLONNES]):
            formula = formulas[i] if i < len(formulas) else None
            if _is_formula(formula):
                row.append(FormuleSansValeur(_formula_text(formula)) if value is None else value)
            else:
                row.append(value)
                typed = typed or not vide(value)
        while row and row[-1] is None:
            row.pop()
        lignes.append(tuple(row))
        saisies.append(typed)
    return lignes, saisies


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML inside the archive (from workbook.xml and its relationships)."""
    import posixpath
    import xml.etree.ElementTree as ET

    try:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError, OSError, zipfile.BadZipFile):
        return {}
    targets: dict[str | None, str] = {}
    for rel in rels:
        if _local(rel.tag) == "Relationship":
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = target
    out: dict[str, str] = {}
    for el in workbook.iter():
        if _local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            name = el.get("name")
            if rid in targets and name is not None:
                out[name] = targets[rid]
    return out


def _scan_sheet(path: Path, inner: str | None) -> tuple[bool, list[tuple[int, int, int, int]]]:
    """One streaming pass over a sheet's XML: does it hold formulas, and its merged ranges.

    Merged ranges are (min_col, min_row, max_col, max_row), 1-based. When the
    sheet's XML cannot be found, formulas are assumed (the safe side) and no
    range is known.
    """
    if inner is None:
        return True, []
    from xml.parsers import expat

    from openpyxl.utils.cell import range_boundaries

    found = {"formulas": False}
    merges: list[tuple[int, int, int, int]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "f":
            found["formulas"] = True
        elif local == "mergeCell" and len(merges) < 100_000:
            try:
                bounds = range_boundaries(attrs.get("ref", ""))
            except (ValueError, TypeError):
                return
            if None not in bounds:
                merges.append(bounds)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        with zipfile.ZipFile(path) as archive, archive.open(inner) as src:
            parser.ParseFile(src)
    except (KeyError, expat.ExpatError, OSError, zipfile.BadZipFile):
        return True, merges
    return found["formulas"], merges


def _spread_merges(lignes: list[Ligne], merges: list[tuple[int, int, int, int]]) -> None:
    """Every cell of a merged range shows the value of its top-left cell."""
    for min_col, min_row, max_col, max_row in merges:
        if min_row > len(lignes):
            continue
        top = lignes[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else None
        if value is None:
            continue
        last_col = min(max_col, MAX_COLONNES)
        for r in range(min_row, min(max_row, len(lignes)) + 1):
            row = list(lignes[r - 1])
            if len(row) < last_col:
                row.extend([None] * (last_col - len(row)))
            for c in range(min_col, last_col + 1):
                if row[c - 1] is None:
                    row[c - 1] = value
            lignes[r - 1] = tuple(row)


# --------------------------------------------------------------------------- csv


def _decode(path: Path, raw: bytes) -> tuple[str, str | None]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "encodage UTF-16 détecté"
        except UnicodeDecodeError:
            raise TableurIllisible(f"{path} : texte UTF-16 illisible") from None
    if b"\x00" in raw:
        raise TableurIllisible(f"{path} : fichier binaire (octets nuls), ce n'est pas un CSV")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "encodage Windows-1252 détecté"
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TableurIllisible(f"{path}, ligne {line} : encodage non reconnu (ni UTF-8 ni Windows-1252)") from None


def _delimiter(text: str) -> str:
    sample = [line for line in text.splitlines()[:200] if line.strip()][:50]
    best, best_score = ";", -1
    for delim in (";", ",", "\t"):
        try:
            counts = [len(r) for r in csv.reader(sample, delimiter=delim)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=lambda n: (counts.count(n), n))
        score = counts.count(mode) if mode > 1 else 0
        if score > best_score:
            best, best_score = delim, score
    return best


def _csv(path: Path) -> Feuille:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TableurIllisible(f"{path} : fichier illisible ({exc.strerror or exc})") from None
    text, note = _decode(path, raw)
    delim = _delimiter(text)
    lignes: list[Ligne] = []
    saisies: list[bool] = []
    numeros: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    previous = 0
    try:
        for row in reader:
            numeros.append(previous + 1)
            previous = reader.line_num
            if len(lignes) >= MAX_LIGNES:
                raise TableurIllisible(f"{path} : plus de {MAX_LIGNES} lignes ; découpez le fichier")
            cells = tuple(None if not c.strip() else c for c in row[:MAX_COLONNES])
            while cells and cells[-1] is None:
                cells = cells[:-1]
            lignes.append(cells)
            saisies.append(bool(cells))
    except csv.Error as exc:
        raise TableurIllisible(f"{path}, ligne {reader.line_num} : CSV mal formé ({exc})") from None
    notes = [note] if note else []
    notes.append(f"séparateur « {'tabulation' if delim == chr(9) else delim} »")
    return Feuille(str(path), None, lignes, saisies, notes, numeros)
