"""A usual dossier's models built directly from its data, without pydantic's validation — or declined.

:func:`cdv_prog.files.dossiers.read_dossier` tries :func:`dossier_simple` first. It
returns exactly the :class:`~cdv_prog.core.dossier.Dossier` that
``Dossier.model_validate(data, context={"regles": regles})`` returns — equal
models, the same fields set, the same values — or ``None`` (it *declines*) as
soon as the data steps outside what it checks, and pydantic then validates the
data as before. It never reports an error: anything that could be one is
declined, so every message still comes from pydantic (``files/messages.py``).

Why: a process's first validation builds the dossier's whole pydantic schema,
and each validation calls from Rust about thirty Python validators (amounts,
codes known to the rule set, dates). The same instructions, or nearly, done
here in Python touch less memory: 10 000 dossiers ``--jobs 1``, −5 to −6 % of
wall time in two A/Bs of 9 rounds; one dossier −1.4 % of instructions (issue 17).

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
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from cdv_prog.core.champs import valider_montant
from cdv_prog.core.dated import ANNEE_MAX, ANNEE_MIN
from cdv_prog.core.dossier import Action, BilanPrecedent, Budget, Cpo, Dossier, Financement, Porteur, lire_date
from cdv_prog.core.money import ZERO
from cdv_prog.core.vocab import CODE_PATTERN, HORS_QPV, OPTIONAL_REFERENTIELS, TYPES_PORTEUR

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles

M = TypeVar("M", bound=BaseModel)


class _Refus(Exception):
    """The data is not one this module builds: pydantic validates it (and says what is wrong, if anything).

    Raised anew each time: one shared instance would keep, by its traceback, the last declined data alive.
    """


# the patterns of the models' fields, matched as pydantic-core matches them (the whole text)
_IDENTIFIANT = re.compile(r"[A-Za-z0-9._-]+").fullmatch
_CODE = re.compile(CODE_PATTERN.removeprefix("^").removesuffix("$")).fullmatch
_SIRET = re.compile(r"[0-9]{14}").fullmatch

# each model's keys (its fields' aliases), and the required ones
_DOSSIER = frozenset(
    {"id", "exercice", "intitule", "porteur", "action", "budget", "financements", "pieces", "elan", "bilan-precedent"}
)
_DOSSIER_REQUIS = frozenset({"id", "exercice", "intitule", "porteur", "action", "budget", "financements"})
_PORTEUR = frozenset({"nom", "type", "siret"})
_PORTEUR_REQUIS = frozenset({"nom"})
_ACTION = frozenset(
    {
        "defi",
        "objectif",
        "axes",
        "quartiers",
        "debut",
        "fin",
        "innovante",
        "parentalite",
        "renouvellement",
        "cpo",
        "precedent",
    }
)
_ACTION_REQUIS = frozenset({"defi", "quartiers", "debut", "fin"})
_BUDGET = frozenset({"total", "autres-produits", "contributions-nature"})
_BUDGET_REQUIS = frozenset({"total"})
_FINANCEMENT = frozenset({"financeur", "dispositif", "montant", "accorde"})
_FINANCEMENT_REQUIS = frozenset({"financeur", "montant"})
_BILAN = frozenset({"envoye-le", "financeurs"})
_CPO = frozenset({"annees"})
_AUCUNE: frozenset[str] = frozenset()
# an alias → its field's name (the other keys are their field's name)
_NOMS = {
    "bilan-precedent": "bilan_precedent",
    "autres-produits": "autres_produits",
    "contributions-nature": "contributions_nature",
    "envoye-le": "envoye_le",
}


def dossier_simple(data: dict[Any, Any], regles: JeuDeRegles) -> Dossier | None:
    """The dossier ``data`` describes, as pydantic would validate it with the rule set ``regles``; None: declined."""
    try:
        return _dossier(data, _Codes(regles), regles)
    except Exception:  # _Refus, a validator's PydanticCustomError, or any surprise: pydantic decides
        return None


class _Codes:
    """The codes of the rule set that a dossier's codes must be (an empty optional référentiel: any code)."""

    __slots__ = ("axes", "defis", "financeurs", "quartiers")

    def __init__(self, regles: JeuDeRegles) -> None:
        self.financeurs = regles.financeurs
        self.quartiers = regles.quartiers
        self.defis = regles.defis if regles.defis or "defis" not in OPTIONAL_REFERENTIELS else None
        self.axes = regles.axes if regles.axes or "axes" not in OPTIONAL_REFERENTIELS else None


# A model's state as validation leaves it, set as ``model_construct`` sets it (by the slots of BaseModel);
# tests/test_dossier_simple.py compares the whole state, ``__getstate__``, with pydantic's.
_new = object.__new__
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def _modele(cls: type[M], valeurs: dict[str, Any], presents: set[str]) -> M:
    """A model holding ``valeurs`` (every field, in its order), the fields ``presents`` set by the data."""
    model = _new(cls)
    _set_dict(model, valeurs)
    _set_fields_set(model, presents)
    _set_extra(model, None)
    _set_private(model, None)
    return model


def _cles(data: object, permises: frozenset[str], requises: frozenset[str]) -> dict[str, Any]:
    """``data``, a mapping of the model's keys only, every required one present."""
    if type(data) is not dict:
        raise _Refus
    cles = data.keys()
    if not (cles >= requises and cles <= permises):
        raise _Refus
    return data


def _presents(data: dict[str, Any]) -> set[str]:
    """The fields a mapping sets, by name (for a model whose fields have aliases)."""
    return {_NOMS.get(cle, cle) for cle in data}


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
    date = value if type(value) is dt.date else lire_date(value)  # its PydanticCustomError: declined
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
    valeurs = {
        "id": _identifiant(d["id"]),
        "exercice": exercice,
        "intitule": _texte(d["intitule"]),
        "porteur": _porteur(d["porteur"]),
        "action": _action(d["action"], codes, regles),
        "budget": _budget(d["budget"]),
        "financements": [_financement(f, codes) for f in financements],
        "pieces": _codes_de(pieces, None) if "pieces" in d else [],
        "elan": _booleen(get("elan", False)),
        "bilan_precedent": None if bilan is None else _bilan(bilan, codes),
    }
    return _modele(Dossier, valeurs, _presents(d))


def _porteur(data: object) -> Porteur:
    d = _cles(data, _PORTEUR, _PORTEUR_REQUIS)
    nature = d.get("type")
    if nature is not None and (type(nature) is not str or nature not in TYPES_PORTEUR):
        raise _Refus
    siret = d.get("siret")
    if siret is not None and (type(siret) is not str or not _SIRET(siret)):
        raise _Refus
    return _modele(Porteur, {"nom": _texte(d["nom"]), "type": nature, "siret": siret}, set(d))


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
    valeurs = {
        "defi": defi,
        "objectif": objectif,
        "axes": _codes_de(d["axes"], codes.axes) if "axes" in d else [],
        "quartiers": quartiers.copy(),
        "debut": debut,
        "fin": fin,
        "innovante": _booleen(get("innovante", False)),
        "parentalite": _booleen(get("parentalite", False)),
        "renouvellement": _booleen(get("renouvellement", False)),
        "cpo": None if cpo is None else _cpo(cpo),
        "precedent": None if precedent is None else _identifiant(precedent),
    }
    return _modele(Action, valeurs, set(d))


def _cpo(data: object) -> Cpo:
    d = _cles(data, _CPO, _CPO)
    annees = d["annees"]
    if type(annees) is not list or not 1 <= len(annees) <= 10:
        raise _Refus
    for annee in annees:
        if type(annee) is not int or not ANNEE_MIN <= annee <= ANNEE_MAX:
            raise _Refus
    return _modele(Cpo, {"annees": annees.copy()}, set(d))


def _budget(data: object) -> Budget:
    d = _cles(data, _BUDGET, _BUDGET_REQUIS)
    total = valider_montant(d["total"])
    if not total > 0:
        raise _Refus
    valeurs = {
        "total": total,
        "autres_produits": valider_montant(d["autres-produits"]) if "autres-produits" in d else ZERO,
        "contributions_nature": valider_montant(d["contributions-nature"]) if "contributions-nature" in d else ZERO,
    }
    return _modele(Budget, valeurs, _presents(d))


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
    valeurs = {
        "financeur": financeur,
        "dispositif": None if dispositif is None else _texte(dispositif),
        "montant": valider_montant(data["montant"]),  # a finite Decimal, or its PydanticCustomError: declined
        "accorde": None if accorde is None else valider_montant(accorde),
    }
    return _modele(Financement, valeurs, set(cles))


def _bilan(data: object, codes: _Codes) -> BilanPrecedent:
    d = _cles(data, _BILAN, _AUCUNE)
    envoye, financeurs = d.get("envoye-le"), d.get("financeurs")
    valeurs = {
        "envoye_le": None if envoye is None else _date(envoye),
        "financeurs": None if financeurs is None else _codes_de(financeurs, codes.financeurs),
    }
    return _modele(BilanPrecedent, valeurs, _presents(d))
