"""Cell values as spreadsheets give them → the typed values of a dossier.

A cell holds what openpyxl or the CSV reader gives: ``None``, text, ``int``,
``float`` (every numeric xlsx cell), ``bool``, ``datetime``… Each reader below
turns one cell into one typed value or raises :class:`CelluleInvalide` with a
French reason; amounts stay exact (a float is read back from its shortest
decimal text and must be a whole number of cents).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cdv_prog.core.money import CENT, MAX_AMOUNT, AmountError, parse_amount
from cdv_prog.core.vocab import MOIS
from cdv_prog.importer.texte import court, sans_controle


class CelluleInvalide(ValueError):
    """A cell that cannot be read as the expected value; the message is French.

    ``nature`` is a stable code for the kind of problem (``valeur-invalide``,
    ``formule-sans-valeur``, ``libelle-inconnu``).
    """

    def __init__(self, message: str, nature: str = "valeur-invalide"):
        super().__init__(message)
        self.nature = nature


@dataclass(frozen=True)
class FormuleSansValeur:
    """A formula cell whose workbook holds no calculated value (never opened in a spreadsheet)."""

    formule: str

    def __str__(self) -> str:
        return self.formule


_ERREURS_TABLEUR = (
    "#DIV/0!",
    "#N/A",
    "#NAME?",
    "#NOM?",
    "#NULL!",
    "#NUL!",
    "#NUM!",
    "#REF!",
    "#VALUE!",
    "#VALEUR!",
    "#SPILL!",
    "#CALC!",
)


# What people type for « nothing » in a spreadsheet cell (Excel's accounting format shows 0 as « - »).
RIEN = frozenset({"-", "--", "–", "—", "−", "néant", "neant"})


def vide(value: object) -> bool:
    """An empty cell: nothing, blanks, or a « nothing » mark (:data:`RIEN`: ``-``, ``—``, ``néant``…)."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not text or text.casefold() in RIEN
    return False


def _controle(value: object) -> None:
    if isinstance(value, FormuleSansValeur):
        raise CelluleInvalide(
            f"cellule calculée sans valeur enregistrée (formule {court(value.formule, 40)}) : ouvrez le classeur "
            "dans Excel ou LibreOffice et enregistrez-le, ou remplacez la formule par sa valeur",
            "formule-sans-valeur",
        )
    if isinstance(value, str) and value.strip().upper() in _ERREURS_TABLEUR:
        raise CelluleInvalide(f"erreur de calcul dans la cellule ({value.strip()})", "erreur-de-calcul")


def texte(value: object) -> str:
    """Free text on one line (intitulé, nom du porteur, dispositif)."""
    _controle(value)
    if isinstance(value, bool):
        raise CelluleInvalide("un texte est attendu, pas VRAI/FAUX")
    if isinstance(value, float):
        if not value.is_integer():
            return " ".join(repr(value).split())
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return sans_controle(str(value))


def numero(value: object) -> str:
    """An action number: text, or a whole number (``14``, ``14.0`` → ``14``)."""
    _controle(value)
    if isinstance(value, bool):
        raise CelluleInvalide("un numéro d'action est attendu, pas VRAI/FAUX")
    if isinstance(value, float):
        if not value.is_integer():
            raise CelluleInvalide(f"numéro d'action « {value} » : nombre à virgule")
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        raise CelluleInvalide("un numéro d'action est attendu, pas une date")
    return sans_controle(str(value))


def entier(value: object, quoi: str = "nombre entier") -> int:
    _controle(value)
    if isinstance(value, bool):
        raise CelluleInvalide(f"{quoi} attendu, pas VRAI/FAUX")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,9}\s*", value):
        return int(value)
    raise CelluleInvalide(f"« {court(value, 40)} » n'est pas un {quoi}")


def montant(value: object) -> Decimal:
    """An exact amount, at most two decimals, never negative."""
    _controle(value)
    if isinstance(value, bool):
        raise CelluleInvalide("un montant est attendu, pas VRAI/FAUX")
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise CelluleInvalide("un montant est attendu, pas une date")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CelluleInvalide("montant infini ou indéfini")
        try:
            exact = Decimal(repr(value))
        except InvalidOperation:  # pragma: no cover - repr of a finite float is always decimal
            raise CelluleInvalide(f"« {value} » n'est pas un montant") from None
        if abs(exact) > MAX_AMOUNT:
            raise CelluleInvalide("montant démesuré (plus de 1 000 milliards d'euros)")
        if exact != exact.quantize(CENT):
            raise CelluleInvalide(
                f"« {value} » a plus de deux décimales : un montant s'écrit au centime près (arrondissez la cellule ou sa formule)"
            )
        value = exact
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise CelluleInvalide(str(exc)) from None


_DATE_FR = re.compile(r"^\s*([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})(?:\s+00:00(?::00)?)?\s*$")
_DATE_ISO = re.compile(r"^\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[T ]00:00(?::00)?)?\s*$")
_DATE_COURTE = re.compile(r"^\s*[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}\s*$")


def date(value: object) -> dt.date:
    """A date cell, or text ``JJ/MM/AAAA`` (French order) or ``AAAA-MM-JJ``; an impossible date is refused."""
    _controle(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        m = _DATE_FR.match(value)
        if m:
            d, mth, y = (int(g) for g in m.groups())
        else:
            m = _DATE_ISO.match(value)
            if not m:
                if _DATE_COURTE.match(value):
                    raise CelluleInvalide(
                        f"date « {court(value, 40)} » : l'année s'écrit avec quatre chiffres (JJ/MM/AAAA, par exemple 15/01/2025)"
                    )
                raise CelluleInvalide(f"« {court(value, 40)} » n'est pas une date (JJ/MM/AAAA ou AAAA-MM-JJ)")
            y, mth, d = (int(g) for g in m.groups())
        return _date_exacte(y, mth, d, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CelluleInvalide(
            f"« {value} » est un nombre, pas une date : donnez à la cellule un format de date (JJ/MM/AAAA)"
        )
    raise CelluleInvalide(f"« {court(value, 40)} » n'est pas une date")


def _date_exacte(y: int, mth: int, d: int, value: str) -> dt.date:
    """The date, or the French reason it does not exist (« le 29 février 2025 n'existe pas »)."""
    shown = court(value.strip(), 40)
    if not 1 <= mth <= 12:
        raise CelluleInvalide(f"date inexistante « {shown} » : il n'y a pas de mois {mth} (JJ/MM/AAAA)")
    if d < 1:
        raise CelluleInvalide(f"date inexistante « {shown} » : il n'y a pas de jour {d} (JJ/MM/AAAA)")
    if y < 1:
        raise CelluleInvalide(f"date inexistante « {shown} » : il n'y a pas d'année {y}")
    try:
        return dt.date(y, mth, d)
    except ValueError:
        import calendar

        last = calendar.monthrange(y, mth)[1]
        raise CelluleInvalide(
            f"date inexistante « {shown} » : {MOIS[mth - 1]} {y} a {last} jours (JJ/MM/AAAA)"
        ) from None


_OUI = {"oui", "o", "x", "vrai", "true", "1", "yes", "y"}
_NON = {"non", "n", "faux", "false", "0", "no", "-"}


def booleen(value: object) -> bool:
    """``oui``/``non``, ``x``, ``VRAI``/``FAUX``, 1/0; an empty cell is ``non``."""
    _controle(value)
    if vide(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in _OUI:
        return True
    if text in _NON:
        return False
    raise CelluleInvalide(f"« {court(value, 40)} » : oui ou non attendu")


_RANGE = re.compile(r"^\s*([0-9]{4})\s*(?:-|–|—|à|a|/|\.\.)\s*([0-9]{4})\s*$")


def annees(value: object, separateurs: tuple[str, ...]) -> list[int] | None:
    """CPO years: ``2025-2027``, ``2025 à 2027`` or a list ``2025, 2026, 2027``; empty or « non » → none."""
    _controle(value)
    if vide(value) or value is False:
        return None
    if isinstance(value, str) and value.strip().casefold() in _NON:
        return None
    if isinstance(value, bool) or (isinstance(value, str) and value.strip().casefold() in _OUI):
        raise CelluleInvalide("indiquez les années de la CPO (par exemple 2025-2027), pas seulement « oui »")
    if isinstance(value, list):
        return [entier(v, "année") for v in value]
    if isinstance(value, (int, float)):
        return [entier(value, "année")]
    text = str(value)
    m = _RANGE.match(text)
    if m:
        first, last = int(m.group(1)), int(m.group(2))
        if not 0 <= last - first < 10:
            raise CelluleInvalide(
                f"années de CPO « {court(value, 40)} » : de la première à la dernière, 10 ans au plus"
            )
        return list(range(first, last + 1))
    parts = [p.strip() for p in decoupe(text, separateurs)]
    out = []
    for part in parts:
        if not re.fullmatch(r"[0-9]{4}", part):
            raise CelluleInvalide(f"années de CPO « {court(value, 40)} » : écrire 2025-2027 ou 2025, 2026, 2027")
        out.append(int(part))
    return out


def elements(value: object, separateurs: tuple[str, ...]) -> list[str]:
    """The items of a list cell (quartiers, axes, pièces), split before its blanks are collapsed."""
    _controle(value)
    if isinstance(value, bool):
        raise CelluleInvalide("une liste est attendue, pas VRAI/FAUX")
    if not isinstance(value, str):
        return [texte(value)]
    return [item for item in (sans_controle(part) for part in decoupe(value, separateurs)) if item]


def decoupe(text: str, separateurs: tuple[str, ...]) -> list[str]:
    """Split a list cell on the separators (and line breaks); empty items dropped.

    A separator made of letters (« et ») separates only as a word of its own,
    whatever its case: « La Conte et Viguier » is two items, « Berriac » one.
    """
    return [p.strip() for p in _separateurs(separateurs).split(text) if p.strip()]


@functools.lru_cache(maxsize=16)
def _separateurs(separateurs: tuple[str, ...]) -> re.Pattern[str]:
    parts = ["\n", "\r"]
    for sep in separateurs:
        word = sep.strip() or sep
        if word.isalpha():
            parts.append(rf"(?<!\S){re.escape(word)}(?!\S)")
        else:
            parts.append(re.escape(word))
    return re.compile("|".join(parts), re.IGNORECASE)
