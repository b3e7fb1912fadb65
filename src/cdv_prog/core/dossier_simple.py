"""A usual dossier's record built directly from its data, without pydantic — or declined.

:func:`cdv_prog.files.dossiers.read_dossier` tries :func:`dossier_simple` first. It
returns exactly the :class:`~cdv_prog.core.dossier.Dossier` that
``Dossier.valider(data, regles)`` returns (pydantic's validation, then its record)
— equal records, the same values of the same types — or ``None`` (it *declines*)
as soon as the data steps outside what it checks, and pydantic then validates the
data as before. It never reports an error: anything that could be one is
declined, so every message still comes from pydantic (``files/messages.py``).

Why: importing pydantic and building the dossier's models is most of the start of
a ``cdv check`` of one dossier, and each validation calls from Rust about thirty
Python validators (amounts, codes known to the rule set, dates). The same checks
done here in Python touch less memory: 10 000 dossiers ``--jobs 1``, −5 to −6 %
of wall time in two A/Bs of 9 rounds (issue 17); and this module imports no pydantic.

What it accepts: every key one of the model's (its alias), every required one
present; text, lists, mappings, booleans and integers of exactly their type
(strict mode: no ``True`` for ``1``, no ``"1"`` for ``1``); codes in their
written form and known to the rule set; dates as a YAML date or a text that
:func:`~cdv_prog.core.dossier.lire_date` reads; amounts that
:func:`~cdv_prog.core.champs.valider_montant` reads. Anything else is declined.
A property test holds it to pydantic on generated and mangled dossiers, both
sides of every bound (``tests/test_dossier_simple.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from cdv_prog.core.dated import ANNEE_MAX, ANNEE_MIN
from cdv_prog.core.dossier import Action, BilanPrecedent, Budget, Cpo, Dossier, Financement, Porteur, lire_date
from cdv_prog.core.money import ZERO, valider_montant
from cdv_prog.core.valeurs import Enregistrement
from cdv_prog.core.vocab import CODE_PATTERN, HORS_QPV, OPTIONAL_REFERENTIELS, TYPES_PORTEUR

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles


class _Refus(Exception):
    """The data is not one this module builds: pydantic validates it (and says what is wrong, if anything).

    Raised anew each time: one shared instance would keep, by its traceback, the last declined data alive.
    """


# the patterns of the models' fields, matched as pydantic-core matches them (the whole text)
_IDENTIFIANT = re.compile(r"[A-Za-z0-9._-]+").fullmatch
_CODE = re.compile(CODE_PATTERN.removeprefix("^").removesuffix("$")).fullmatch
_SIRET = re.compile(r"[0-9]{14}").fullmatch


def _cles_du(record: type[Enregistrement]) -> tuple[frozenset[str], frozenset[str]]:
    """A record's keys in the data (its fields' YAML names), and the required ones (those without a default).

    A field added to a record and its model but not built here gives :meth:`Enregistrement.de` one value
    too few: it raises, and the dossier is declined (pydantic builds it) — never built without the field.
    """
    noms = [(nom, record._ALIAS.get(nom, nom)) for nom in record._CHAMPS]
    return frozenset(cle for _, cle in noms), frozenset(cle for nom, cle in noms if nom not in record._DEFAUTS)


_DOSSIER, _DOSSIER_REQUIS = _cles_du(Dossier)
_PORTEUR, _PORTEUR_REQUIS = _cles_du(Porteur)
_ACTION, _ACTION_REQUIS = _cles_du(Action)
_BUDGET, _BUDGET_REQUIS = _cles_du(Budget)
_FINANCEMENT, _FINANCEMENT_REQUIS = _cles_du(Financement)
_BILAN, _BILAN_REQUIS = _cles_du(BilanPrecedent)
_CPO, _CPO_REQUIS = _cles_du(Cpo)


def dossier_simple(data: dict[Any, Any], regles: JeuDeRegles) -> Dossier | None:
    """The dossier ``data`` describes, as pydantic would validate it with the rule set ``regles``; None: declined."""
    try:
        return _dossier(data, _Codes(regles), regles)
    except Exception:  # _Refus, an unreadable date or amount, or any surprise: pydantic decides
        return None


class _Codes:
    """The codes of the rule set that a dossier's codes must be (an empty optional référentiel: any code)."""

    __slots__ = ("axes", "defis", "financeurs", "quartiers")

    def __init__(self, regles: JeuDeRegles) -> None:
        self.financeurs = regles.financeurs
        self.quartiers = regles.quartiers
        self.defis = regles.defis if regles.defis or "defis" not in OPTIONAL_REFERENTIELS else None
        self.axes = regles.axes if regles.axes or "axes" not in OPTIONAL_REFERENTIELS else None


def _cles(data: object, permises: frozenset[str], requises: frozenset[str]) -> dict[str, Any]:
    """``data``, a mapping of the model's keys only, every required one present."""
    if type(data) is not dict:
        raise _Refus
    cles = data.keys()
    if not (cles >= requises and cles <= permises):
        raise _Refus
    return data


def _texte(value: object) -> str:
    """``Texte``: 1 to 2 000 characters."""
    if type(value) is not str or not 0 < len(value) <= 2000:
        raise _Refus
    return value


def _booleen(value: object) -> bool:
    if value is not True and value is not False:
        raise _Refus
    return value


def _code(value: object, connus: Any) -> str:
    """A code written as codes are (80 characters at most), in ``connus`` (None: any code)."""
    if type(value) is not str or len(value) > 80 or not _CODE(value) or (connus is not None and value not in connus):
        raise _Refus
    return value


def _codes_de(values: object, connus: Any) -> list[str]:
    """A list of codes (:func:`_code`), a new one."""
    if type(values) is not list:
        raise _Refus
    return [_code(value, connus) for value in values]


def _identifiant(value: object) -> str:
    """An identifier of a dossier (its ``id``, its ``precedent``): at most 100 letters, digits, ``.``, ``_``, ``-``."""
    if type(value) is not str or len(value) > 100 or not _IDENTIFIANT(value):
        raise _Refus
    return value


def _date(value: object) -> dt.date:
    date = value if type(value) is dt.date else lire_date(value)  # its DateIllisible: declined
    if type(date) is not dt.date or not ANNEE_MIN <= date.year <= ANNEE_MAX:
        raise _Refus
    return date


def _dossier(data: object, codes: _Codes, regles: JeuDeRegles) -> Dossier:
    d = _cles(data, _DOSSIER, _DOSSIER_REQUIS)
    exercice = d["exercice"]
    premier, dernier = regles.contrat.periode
    if type(exercice) is not int or not (ANNEE_MIN <= exercice <= ANNEE_MAX and premier <= exercice <= dernier):
        raise _Refus
    financements = d["financements"]
    if type(financements) is not list or not financements:
        raise _Refus
    get = d.get
    pieces, bilan = get("pieces"), get("bilan-precedent")
    return Dossier.de(
        _identifiant(d["id"]),
        exercice,
        _texte(d["intitule"]),
        _porteur(d["porteur"]),
        _action(d["action"], codes, regles),
        _budget(d["budget"]),
        [_financement(f, codes) for f in financements],
        _codes_de(pieces, None) if "pieces" in d else [],
        _booleen(get("elan", False)),
        None if bilan is None else _bilan(bilan, codes),
    )


def _porteur(data: object) -> Porteur:
    d = _cles(data, _PORTEUR, _PORTEUR_REQUIS)
    nature = d.get("type")
    if nature is not None and (type(nature) is not str or nature not in TYPES_PORTEUR):
        raise _Refus
    siret = d.get("siret")
    if siret is not None and (type(siret) is not str or not _SIRET(siret)):
        raise _Refus
    return Porteur.de(_texte(d["nom"]), nature, siret)


def _action(data: object, codes: _Codes, regles: JeuDeRegles) -> Action:
    d = _cles(data, _ACTION, _ACTION_REQUIS)
    get = d.get
    defi = _code(d["defi"], codes.defis)
    objectif = get("objectif")
    if objectif is not None:
        _code(objectif, None)
        if defi in regles.defis and objectif not in regles.defis[defi].objectifs:
            raise _Refus
    quartiers = d["quartiers"]
    if type(quartiers) is not list or not quartiers:
        raise _Refus
    connus = codes.quartiers
    for quartier in quartiers:  # a quartier of the rule set, or hors-qpv
        if type(quartier) is not str or (quartier not in connus and quartier != HORS_QPV):
            raise _Refus
        _code(quartier, None)
    debut, fin = _date(d["debut"]), _date(d["fin"])
    if fin < debut:
        raise _Refus
    cpo, precedent = get("cpo"), get("precedent")
    return Action.de(
        defi,
        objectif,
        _codes_de(d["axes"], codes.axes) if "axes" in d else [],
        quartiers.copy(),
        debut,
        fin,
        _booleen(get("innovante", False)),
        _booleen(get("parentalite", False)),
        _booleen(get("renouvellement", False)),
        None if cpo is None else _cpo(cpo),
        None if precedent is None else _identifiant(precedent),
    )


def _cpo(data: object) -> Cpo:
    d = _cles(data, _CPO, _CPO_REQUIS)
    annees = d["annees"]
    if type(annees) is not list or not 1 <= len(annees) <= 10:
        raise _Refus
    for annee in annees:
        if type(annee) is not int or not ANNEE_MIN <= annee <= ANNEE_MAX:
            raise _Refus
    return Cpo.de(annees.copy())


def _budget(data: object) -> Budget:
    d = _cles(data, _BUDGET, _BUDGET_REQUIS)
    total = valider_montant(d["total"])
    if not total > 0:
        raise _Refus
    return Budget.de(
        total,
        valider_montant(d["autres-produits"]) if "autres-produits" in d else ZERO,
        valider_montant(d["contributions-nature"]) if "contributions-nature" in d else ZERO,
    )


def _financement(data: object, codes: _Codes) -> Financement:
    # the most frequent model (a few per dossier): _cles and _code written out (2 000 dossiers: −0.4 % of
    # the batch's instructions against calling them)
    if type(data) is not dict:
        raise _Refus
    cles = data.keys()
    if not (cles >= _FINANCEMENT_REQUIS and cles <= _FINANCEMENT):
        raise _Refus
    financeur, dispositif, accorde = data["financeur"], data.get("dispositif"), data.get("accorde")
    if type(financeur) is not str or financeur not in codes.financeurs:
        raise _Refus  # (the rule set's financeurs are codes: its schema)
    return Financement.de(
        financeur,
        None if dispositif is None else _texte(dispositif),
        valider_montant(data["montant"]),  # a finite Decimal, or its AmountError: declined
        None if accorde is None else valider_montant(accorde),
    )


def _bilan(data: object, codes: _Codes) -> BilanPrecedent:
    d = _cles(data, _BILAN, _BILAN_REQUIS)
    envoye, financeurs = d.get("envoye-le"), d.get("financeurs")
    return BilanPrecedent.de(
        None if envoye is None else _date(envoye),
        None if financeurs is None else _codes_de(financeurs, codes.financeurs),
    )
