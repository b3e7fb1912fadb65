"""The field types of the pydantic models (dossier, rule set, rules' parameters), each defined once.

Codes checked against the rule set's référentiels (passed as validation
context, ``regles``) with the French message of a code mal écrit or inconnu,
texts of bounded length, amounts. The words and the shape of a code are in
:mod:`cdv_prog.core.vocab`, the parsing of amounts in :mod:`cdv_prog.core.money`:
neither imports pydantic, only the models' modules import this one — a first
step toward a ``cdv check`` that does not import pydantic at all (issue 17,
docs/performances.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from cdv_prog.core.money import AmountError
from cdv_prog.core.money import valider_montant as lire_montant
from cdv_prog.core.vocab import (
    CODE_MAX,
    CODE_PATTERN,
    CODE_RE,
    HORS_QPV,
    OPTIONAL_REFERENTIELS,
    indication_code,
    suggest,
)

Code = Annotated[str, Field(pattern=CODE_PATTERN, max_length=CODE_MAX)]
Texte = Annotated[str, Field(min_length=1, max_length=2000)]


def _written(section: str, label: str) -> BeforeValidator:
    """Validator: a code with capitals, accents or spaces (``Ville``) says how codes are written.

    With the rule set as validation context, the hint names the closest known code.
    """

    def check(value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str) or CODE_RE.match(value) or len(value) > CODE_MAX:
            return value
        regles = (info.context or {}).get("regles")
        known = list(getattr(regles, section)) if regles is not None else []
        if section == "quartiers" and known:
            known.append(HORS_QPV)
        raise PydanticCustomError(
            "code_mal_ecrit",
            "{label} « {value} » mal écrit : {hint}",
            {"label": label, "value": value, "hint": indication_code(value, known)},
        )

    return BeforeValidator(check)


def _known(section: str, label: str) -> AfterValidator:
    """Validator: the code must exist in the rule set passed as validation context (``regles``)."""

    def check(value: str, info: ValidationInfo) -> str:
        regles = (info.context or {}).get("regles")
        if regles is None:
            return value
        known = getattr(regles, section)
        if not known and section in OPTIONAL_REFERENTIELS:
            return value
        if value not in known and not (section == "quartiers" and value == HORS_QPV):
            codes = sorted(known) + ([HORS_QPV] if section == "quartiers" else [])
            raise PydanticCustomError(
                "code_inconnu",
                "{label} inconnu « {value} »{hint} ; codes connus : {codes}",
                {"label": label, "value": value, "hint": suggest(value, codes), "codes": ", ".join(codes)},
            )
        return value

    return AfterValidator(check)


CodeFinanceur = Annotated[Code, _written("financeurs", "financeur"), _known("financeurs", "financeur")]
CodeQuartier = Annotated[Code, _written("quartiers", "quartier"), _known("quartiers", "quartier")]
CodeDefi = Annotated[Code, _written("defis", "défi"), _known("defis", "défi")]
CodeAxe = Annotated[Code, _written("axes", "axe transversal"), _known("axes", "axe transversal")]


def valider_montant(value: object) -> Decimal:
    """An amount field's value (:data:`Montant`): :func:`cdv_prog.core.money.valider_montant`, its refusal
    as pydantic's error with the French message."""
    try:
        return lire_montant(value)
    except AmountError as exc:
        raise PydanticCustomError("montant", str(exc)) from None


Montant = Annotated[Decimal, BeforeValidator(valider_montant)]
"""An amount field of a model (dossier, rule parameter): parsed by :func:`~cdv_prog.core.money.parse_amount`."""
