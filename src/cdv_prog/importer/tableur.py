"""Reading spreadsheets: ``.xlsx`` (its XML streamed, bounded) and ``.csv``, into plain rows.

A :class:`Feuille` is one sheet as a list of rows (row ``i`` of the list is
spreadsheet row ``i + 1``). Merged cells take the value of their top-left cell;
a formula whose workbook holds no calculated value becomes a
:class:`~.cellules.FormuleSansValeur` marker. ``saisies[i]`` tells whether row
``i`` holds a value (typed in, or calculated other than 0 or nothing; merged
copies do not count): rows without are blank and skipped. Sizes are bounded; a
file that cannot be read raises :class:`TableurIllisible` with a French message.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdv_prog.importer.cellules import FormuleSansValeur, vide
from cdv_prog.importer.texte import lettre_colonne, neutralise, simplifie

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
#
# The workbook is read by streaming its XML parts (expat), never through a
# sheet's declared dimension: what counts is what the file holds. Every size is
# bounded before or while it is read: the decompressed size of each part, the
# rows (empty ones included), the columns, the merged ranges and the cells they
# fill. A workbook past a bound is refused in French, within seconds.

MAX_XML_FEUILLE = 40 * 1024 * 1024  # one sheet's XML, decompressed
MAX_XML_CHAINES = 20 * 1024 * 1024  # the shared strings (xl/sharedStrings.xml)
MAX_XML_PETIT = 5 * 1024 * 1024  # workbook.xml, relationships, styles
MAX_CASES = 5_000_000  # cells kept in memory for the sheet read (empty ones between values included)
MAX_FUSIONS = 5_000  # merged ranges of the sheet read
MAX_CASES_FUSIONNEES = 1_000_000  # cells filled by merged ranges, all ranges together
_MORCEAU = 64 * 1024

_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{0,7})")
_ENTIER = re.compile(r"-?[0-9]{1,18}")
_ECHAPPEMENT = re.compile(r"_x([0-9A-Fa-f]{4})_")


class _Assez(Exception):
    """Stops a streaming read early (enough rows read to recognise the sheet)."""


@dataclass
class _Classeur:
    path: Path
    archive: zipfile.ZipFile
    feuilles: dict[str, str]  # sheet name → path of its XML in the archive, in the workbook's order
    chaines: list[str]
    dates: frozenset[int]  # style indexes whose number format shows a date
    epoch: dt.datetime


def _xlsx(path: Path, feuille: str | None, reconnait: Callable[[list[Ligne]], bool]) -> Feuille:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TableurIllisible(f"{path} : ce n'est pas un classeur .xlsx valide (archive illisible)") from None
    with archive:
        total = sum(info.file_size for info in archive.infolist())
        if total > MAX_DECOMPRESSE:
            raise TableurIllisible(f"{path} : classeur trop volumineux une fois décompressé ({total} octets)")
        classeur = _classeur(path, archive)
        names = list(classeur.feuilles)
        if not names:
            raise TableurIllisible(f"{path} : aucune feuille de calcul dans ce classeur")
        if feuille is not None:
            chosen = _find_sheet(feuille, names)
            if chosen is None:
                raise TableurIllisible(
                    f"{path} : pas de feuille « {neutralise(feuille)} » ; feuilles : "
                    + ", ".join(neutralise(n) for n in names)
                )
        else:
            chosen = next(
                (n for n in names if _trop_grande(classeur, n) is None and reconnait(_first_rows(classeur, n))),
                names[0],
            )
        lecteur = _LecteurFeuille(classeur, chosen, None)
        lecteur.lis()
    lignes, saisies = lecteur.lignes, lecteur.saisies
    _spread_merges(path, chosen, lignes, lecteur.fusions)
    notes = []
    if lecteur.hors_colonnes is not None:
        ligne, colonne = lecteur.hors_colonnes
        notes.append(
            f"valeurs au-delà de la colonne {MAX_COLONNES} ignorées (la première : ligne {ligne}, "
            f"colonne {lettre_colonne(colonne)})",
        )
    return Feuille(str(path), chosen, lignes, saisies, notes)


def _find_sheet(wanted: str, names: list[str]) -> str | None:
    if wanted in names:
        return wanted
    return next((n for n in names if simplifie(n) == simplifie(wanted)), None)


def _first_rows(classeur: _Classeur, nom: str) -> list[Ligne]:
    lecteur = _LecteurFeuille(classeur, nom, LIGNES_ENTETE)
    lecteur.lis()
    return lecteur.lignes


def _trop_grande(classeur: _Classeur, nom: str) -> int | None:
    """The decompressed size of a sheet's XML when it is over the bound, else None."""
    try:
        size = classeur.archive.getinfo(classeur.feuilles[nom]).file_size
    except KeyError:
        return None
    return size if size > MAX_XML_FEUILLE else None


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _stream(
    classeur: _Classeur | tuple[Path, zipfile.ZipFile],
    inner: str,
    limit: int,
    quoi: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    """Parse one XML part of the archive with expat, chunk by chunk, never past ``limit`` bytes.

    No DTD is accepted (an .xlsx never has one: no entity can expand). A handler
    may raise :class:`_Assez` to stop early. Raises KeyError when the part is absent.
    """
    path, archive = (classeur.path, classeur.archive) if isinstance(classeur, _Classeur) else classeur
    info = archive.getinfo(inner)
    if info.file_size > limit:
        raise TableurIllisible(
            f"{path} : {quoi} trop volumineux une fois décompressé ({info.file_size} octets ; maximum {limit})"
        )
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.buffer_text = True

    def refuse_dtd(*_args: object) -> None:
        raise TableurIllisible(f"{path} : {quoi} contient une déclaration de document (DTD), refusée")

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
    if end is not None:
        parser.EndElementHandler = lambda name: end(_local(name))
    if text is not None:
        parser.CharacterDataHandler = text
    read = 0
    try:
        with archive.open(info) as src:
            while chunk := src.read(_MORCEAU):
                read += len(chunk)
                if read > limit:
                    raise TableurIllisible(
                        f"{path} : {quoi} trop volumineux une fois décompressé (plus de {limit} octets)"
                    )
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Assez:
        return
    except expat.ExpatError as exc:
        raise TableurIllisible(
            f"{path} : {quoi} illisible (XML mal formé, ligne {exc.lineno}) ; enregistrez le classeur à nouveau "
            "depuis le tableur"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise TableurIllisible(
            f"{path} : {quoi} illisible dans l'archive (enregistrez le classeur à nouveau depuis le tableur) "
            f"[{type(exc).__name__}]"
        ) from None


def _relations(path: Path, archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target path in the archive) of one part."""
    import posixpath

    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    out: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship" and len(out) < 10_000:
            target = attrs.get("Target", "")
            if target.startswith("/"):
                target = target.lstrip("/")
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            out[attrs.get("Id", "")] = (attrs.get("Type", ""), target)

    with contextlib.suppress(KeyError):  # no relationships: no part to find
        _stream((path, archive), rels, MAX_XML_PETIT, "la liste des parties du classeur", start)
    return out


def _classeur(path: Path, archive: zipfile.ZipFile) -> _Classeur:
    racine = _relations(path, archive, "")
    workbook = next((t for k, t in racine.values() if k.endswith("/officeDocument")), "xl/workbook.xml")
    rels = _relations(path, archive, workbook)
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

    feuilles: dict[str, str] = {}
    epoch = WINDOWS_EPOCH

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal epoch
        if tag == "sheet" and len(feuilles) < 1000:
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), None)
            name = attrs.get("name")
            if rid in rels and name is not None and rels[rid][0].endswith("/worksheet"):
                feuilles.setdefault(name, rels[rid][1])
        elif tag == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
            epoch = MAC_EPOCH

    try:
        _stream((path, archive), workbook, MAX_XML_PETIT, "la description du classeur (workbook.xml)", start)
    except KeyError:
        raise TableurIllisible(
            f"{path} : ce n'est pas un classeur .xlsx valide (pas de description du classeur)"
        ) from None
    chemins = {kind.rsplit("/", 1)[-1]: target for kind, target in rels.values()}
    classeur = _Classeur(path, archive, feuilles, [], frozenset(), epoch)
    classeur.chaines = _chaines(classeur, chemins.get("sharedStrings", "xl/sharedStrings.xml"))
    classeur.dates = _styles_dates(classeur, chemins.get("styles", "xl/styles.xml"))
    return classeur


def _unescape(text: str) -> str:
    """Excel's ``_xHHHH_`` escapes (``_x000D_``, ``_x005F_`` for ``_``) → characters."""
    return _ECHAPPEMENT.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _chaines(classeur: _Classeur, inner: str) -> list[str]:
    """The shared strings: the plain text of each ``<si>`` (runs joined, phonetic hints left out)."""
    chaines: list[str] = []
    current: list[str] | None = None
    capture = False
    phonetic = 0

    def start(tag: str, _attrs: dict[str, str]) -> None:
        nonlocal current, capture, phonetic
        if tag == "si":
            current = []
        elif tag == "rPh":
            phonetic += 1
        elif tag == "t" and current is not None and not phonetic:
            capture = True

    def end(tag: str) -> None:
        nonlocal current, capture, phonetic
        if tag == "si" and current is not None:
            chaines.append(_unescape("".join(current)))
            current = None
        elif tag == "rPh":
            phonetic -= 1
        elif tag == "t":
            capture = False

    def text(data: str) -> None:
        if capture and current is not None:
            current.append(data)

    with contextlib.suppress(KeyError):  # a workbook without text cells has no table
        _stream(classeur, inner, MAX_XML_CHAINES, "la table des textes (sharedStrings.xml)", start, end, text)
    return chaines


def _styles_dates(classeur: _Classeur, inner: str) -> frozenset[int]:
    """Indexes of the cell styles whose number format shows a date (their numbers are dates)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    formats: dict[int, str] = {}
    styles: list[int] = []
    depth = {"cellXfs": 0}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "numFmt" and len(formats) < 10_000:
            ident = attrs.get("numFmtId", "")
            if ident.isdigit():
                formats[int(ident)] = attrs.get("formatCode", "")[:255]
        elif tag == "cellXfs":
            depth["cellXfs"] += 1
        elif tag == "xf" and depth["cellXfs"] and len(styles) < 100_000:
            ident = attrs.get("numFmtId", "0")
            styles.append(int(ident) if ident.isdigit() and len(ident) < 10 else 0)

    def end(tag: str) -> None:
        if tag == "cellXfs":
            depth["cellXfs"] -= 1

    try:
        _stream(classeur, inner, MAX_XML_PETIT, "la feuille de styles (styles.xml)", start, end)
    except KeyError:
        return frozenset()
    dates = set()
    for index, ident in enumerate(styles):
        fmt = formats.get(ident, BUILTIN_FORMATS.get(ident))
        if is_date_format(fmt):
            dates.add(index)
    return frozenset(dates)


class _LecteurFeuille:
    """One streaming pass over a sheet's XML: its rows (values, formulas) and merged ranges.

    ``lignes[i]`` is row ``i + 1``; rows without any cell are not stored past the
    last row that has one. A formula cell without a stored value becomes a
    :class:`FormuleSansValeur`; ``saisies[i]`` tells whether row ``i`` has a
    value (typed in, or a calculated one other than 0 or nothing: a prepared
    template row is blank). ``max_lignes`` stops the reading after
    that many rows (to recognise a sheet from its first rows).
    """

    def __init__(self, classeur: _Classeur, nom: str, max_lignes: int | None):
        self.classeur = classeur
        self.nom = nom
        self.max_lignes = max_lignes
        self.lignes: list[Ligne] = []
        self.saisies: list[bool] = []
        self.fusions: list[tuple[int, int, int, int]] = []
        self.hors_colonnes: tuple[int, int] | None = None  # first (row, column) holding a value past MAX_COLONNES
        self.cases = 0
        self.row: list[Any] | None = None
        self.row_index = 0
        self.typed = False
        self.col = -1
        self.kind = "n"
        self.style = -1
        self.cell = False
        self.value: list[str] | None = None
        self.formula: list[str] | None = None
        self.inline: list[str] | None = None
        self.capture: list[str] | None = None
        self.phonetic = 0

    def where(self) -> str:
        return f"{self.classeur.path}, feuille « {neutralise(self.nom)} »"

    def lis(self) -> None:
        inner = self.classeur.feuilles[self.nom]
        size = _trop_grande(self.classeur, self.nom)
        if size is not None:
            raise TableurIllisible(
                f"{self.where()} : feuille trop volumineuse une fois décompressée ({size} octets ; maximum "
                f"{MAX_XML_FEUILLE}) ; découpez le classeur, ou choisissez une autre feuille (option --feuille)"
            )
        try:
            quoi = f"la feuille « {neutralise(self.nom)} »"
            _stream(self.classeur, inner, MAX_XML_FEUILLE, quoi, self.start, self.end, self.text)
        except KeyError:
            raise TableurIllisible(f"{self.where()} : feuille absente de l'archive") from None

    # ----------------------------------------------------------------- expat handlers

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "c":
            self.start_cell(attrs)
        elif not self.cell:
            if tag == "row":
                self.start_row(attrs)
            elif tag == "mergeCell":
                self.merge(attrs.get("ref", ""))
        elif tag == "v":
            self.value = self.capture = []
        elif tag == "f":
            self.formula = self.capture = []
        elif tag == "is":
            self.inline = []
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "t" and self.inline is not None and not self.phonetic:
            self.capture = self.inline

    def end(self, tag: str) -> None:
        if tag == "c":
            self.end_cell()
        elif tag == "row":
            self.end_row()
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag in ("v", "f", "t"):
            self.capture = None

    def text(self, data: str) -> None:
        if self.capture is not None:
            self.capture.append(data)

    # ----------------------------------------------------------------- rows and cells

    def start_row(self, attrs: dict[str, str]) -> None:
        ref = attrs.get("r", "")
        index = int(ref) if ref.isdigit() and len(ref) < 10 else self.row_index + 1
        if index <= self.row_index:
            raise TableurIllisible(f"{self.where()} : ligne {index} après la ligne {self.row_index} (classeur abîmé)")
        if self.max_lignes is not None and index > self.max_lignes:
            raise _Assez
        if index > MAX_LIGNES:
            raise TableurIllisible(
                f"{self.where()} : plus de {MAX_LIGNES} lignes (lignes vides comprises : la feuille va jusqu'à la "
                f"ligne {index}) ; supprimez les lignes inutiles ou découpez le fichier"
            )
        self.row_index = index
        self.row = []
        self.col = -1
        self.typed = False

    def start_cell(self, attrs: dict[str, str]) -> None:
        self.cell = True
        m = _REF.fullmatch(attrs.get("r", ""))
        if m:
            col = 0
            for ch in m.group(1).upper():
                col = col * 26 + ord(ch) - 64
            self.col = col - 1
        else:
            self.col += 1
        self.kind = attrs.get("t", "n")
        style = attrs.get("s", "")
        self.style = int(style) if style.isdigit() and len(style) < 10 else -1
        self.value = self.formula = self.inline = self.capture = None
        self.phonetic = 0

    def end_cell(self) -> None:
        self.cell = False
        self.capture = None
        if self.row is None:
            return
        value = self.cell_value()
        if self.col >= MAX_COLONNES:
            if not vide(value) and self.hors_colonnes is None and self.max_lignes is None:
                self.hors_colonnes = (self.row_index, self.col)
            return
        if self.formula is not None:
            if value is None:
                value = FormuleSansValeur("".join(self.formula)[:200] or "formule")
            else:  # a calculated value counts, unless it is the nothing of a prepared template row (0, "")
                self.typed = self.typed or not (vide(value) or value == 0)
        elif value is None:
            return
        else:
            self.typed = self.typed or not vide(value)
        row = self.row
        if self.col < len(row):
            if row[self.col] is not None:
                raise TableurIllisible(
                    f"{self.where()}, ligne {self.row_index} : cellule {lettre_colonne(self.col)}{self.row_index} "
                    "en double (classeur abîmé)"
                )
        else:
            row.extend([None] * (self.col + 1 - len(row)))
        row[self.col] = value

    def cell_value(self) -> Any:
        kind = self.kind
        if kind == "inlineStr":
            return _unescape("".join(self.inline)) if self.inline is not None else None
        if self.value is None:
            return None
        text = "".join(self.value)
        if kind == "s":
            try:
                return self.classeur.chaines[int(text)]
            except (ValueError, IndexError):
                raise TableurIllisible(
                    f"{self.where()}, ligne {self.row_index} : cellule {lettre_colonne(self.col)}{self.row_index} : "
                    "référence à un texte absent (classeur abîmé)"
                ) from None
        if kind == "str":
            return _unescape(text)
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "e":
            return text.strip()
        if kind == "d":
            try:
                return dt.datetime.fromisoformat(text.strip())
            except ValueError:
                return text
        text = text.strip()
        if not text:
            return None
        try:
            number: int | float = int(text) if _ENTIER.fullmatch(text) else float(text)
        except ValueError:
            return text
        if self.style in self.classeur.dates:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(number, self.classeur.epoch)
            except (ValueError, OverflowError, TypeError):
                return number
        return number

    def end_row(self) -> None:
        row = self.row
        self.row = None
        if row is None:
            return
        while row and row[-1] is None:
            row.pop()
        if not row:
            return
        gap = self.row_index - 1 - len(self.lignes)
        self.cases += len(row) + gap
        if self.cases > MAX_CASES:
            raise TableurIllisible(
                f"{self.where()} : feuille trop étendue (plus de {MAX_CASES} cellules, vides comprises, jusqu'à la "
                f"ligne {self.row_index}) ; supprimez les lignes et colonnes inutiles ou découpez le fichier"
            )
        self.lignes.extend([()] * gap)
        self.saisies.extend([False] * gap)
        self.lignes.append(tuple(row))
        self.saisies.append(self.typed)

    def merge(self, ref: str) -> None:
        if self.max_lignes is not None:
            return
        if len(self.fusions) >= MAX_FUSIONS:
            raise TableurIllisible(
                f"{self.where()} : plus de {MAX_FUSIONS} plages de cellules fusionnées ; défusionnez les cellules "
                "(sélectionner tout, « Fusionner » décoché) ou enregistrez la feuille au format .csv"
            )
        bounds = _plage(ref)
        if bounds is not None:
            self.fusions.append(bounds)


def _plage(ref: str) -> tuple[int, int, int, int] | None:
    """``"B2:D5"`` → (min_col, min_row, max_col, max_row), 1-based; None when not a range."""
    parts = ref.split(":")
    if len(parts) != 2:
        return None
    bounds = []
    for part in parts:
        m = _REF.fullmatch(part.replace("$", ""))
        if m is None or not m.group(2):
            return None
        col = 0
        for ch in m.group(1).upper():
            col = col * 26 + ord(ch) - 64
        bounds.append((col, int(m.group(2))))
    (c1, r1), (c2, r2) = bounds
    if c1 < 1 or r1 < 1:
        return None
    return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


def _spread_merges(path: Path, nom: str, lignes: list[Ligne], merges: list[tuple[int, int, int, int]]) -> None:
    """Every cell of a merged range shows the value of its top-left cell.

    Ranges are clipped to the rows and columns that hold values; the cells they
    fill, all ranges together, are bounded.
    """
    width = max((len(row) for row in lignes), default=0)
    budget = MAX_CASES_FUSIONNEES
    for min_col, min_row, max_col, max_row in merges:
        if min_row > len(lignes):
            continue
        top = lignes[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else None
        if value is None:
            continue
        last_col = min(max_col, width)
        last_row = min(max_row, len(lignes))
        budget -= max(0, last_col - min_col + 1) * (last_row - min_row + 1)
        if budget < 0:
            raise TableurIllisible(
                f"{path}, feuille « {neutralise(nom)} » : cellules fusionnées trop étendues (plus de "
                f"{MAX_CASES_FUSIONNEES} cellules couvertes) ; défusionnez les cellules ou enregistrez la feuille "
                "au format .csv"
            )
        for r in range(min_row, last_row + 1):
            row = list(lignes[r - 1])
            if len(row) < last_col:
                row.extend([None] * (last_col - len(row)))
            for c in range(min_col, last_col + 1):
                if row[c - 1] is None:
                    row[c - 1] = value
            lignes[r - 1] = tuple(row)


# --------------------------------------------------------------------------- csv


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and a note saying which encoding was read.

    A UTF-8 byte-order mark is skipped whatever follows; a body that is not
    UTF-8 is read as Windows-1252 (Excel's « CSV » on Windows), BOM or not.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "encodage UTF-16"
        except UnicodeDecodeError as exc:
            raise TableurIllisible(f"{path} : texte UTF-16 illisible (octet {exc.start})") from None
    bom = raw.startswith(b"\xef\xbb\xbf")
    body = raw[3:] if bom else raw
    if b"\x00" in body:
        raise TableurIllisible(f"{path} : fichier binaire (octets nuls), ce n'est pas un CSV")
    try:
        return body.decode("utf-8"), "encodage UTF-8" + (" (avec BOM)" if bom else "")
    except UnicodeDecodeError as exc:
        first = body[: exc.start].count(b"\n") + 1
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise TableurIllisible(
            f"{path}, ligne {line} : encodage non reconnu (ni UTF-8 ni Windows-1252) ; enregistrez le fichier en "
            "« CSV UTF-8 »"
        ) from None
    mark = ", malgré la marque UTF-8 en tête" if bom else ""
    return text, f"encodage Windows-1252 (texte non UTF-8 dès la ligne {first}{mark})"


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
    beyond: tuple[int, int] | None = None  # first (line, column) holding a value past MAX_COLONNES
    try:
        for row in reader:
            numeros.append(previous + 1)
            previous = reader.line_num
            if len(lignes) >= MAX_LIGNES:
                raise TableurIllisible(
                    f"{path} : plus de {MAX_LIGNES} lignes (lignes vides comprises) ; supprimez les lignes inutiles "
                    "ou découpez le fichier"
                )
            if beyond is None and len(row) > MAX_COLONNES:
                extra = next((i for i, c in enumerate(row[MAX_COLONNES:]) if c.strip()), None)
                if extra is not None:
                    beyond = (numeros[-1], MAX_COLONNES + extra)
            cells = tuple(None if not c.strip() else c for c in row[:MAX_COLONNES])
            while cells and cells[-1] is None:
                cells = cells[:-1]
            lignes.append(cells)
            saisies.append(any(not vide(c) for c in cells))
    except csv.Error as exc:
        raise TableurIllisible(f"{path}, ligne {reader.line_num} : CSV mal formé ({exc})") from None
    notes = [note, f"séparateur « {'tabulation' if delim == chr(9) else delim} »"]
    if beyond is not None:
        notes.append(
            f"valeurs au-delà de la colonne {MAX_COLONNES} ignorées (la première : ligne {beyond[0]}, "
            f"colonne {lettre_colonne(beyond[1])})"
        )
    return Feuille(str(path), None, lignes, saisies, notes, numeros)
