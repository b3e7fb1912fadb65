"""The rule set's référentiels and a rule's ``si:`` as pydantic validates them (:mod:`cdv_prog.files.rules`, the JSON
schema of ``cdv schema regles``); each model hands over its plain record of :mod:`cdv_prog.core.ruleset` or
:mod:`cdv_prog.core.conditions` (``en_clair()``), the same fields in the same order (tests/test_modeles.py).

The class names and docstrings are those of the schema (its ``$defs``): they were the engine's classes.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from cdv_prog.core import conditions, ruleset
from cdv_prog.core.champs import Code, CodeFinanceur
from cdv_prog.core.dated import ANNEE_MAX, ANNEE_MIN, annee_invalide
from cdv_prog.core.modeles import STRICT, EnClair
from cdv_prog.core.valeurs import Enregistrement
from cdv_prog.core.vocab import GroupeFinanceur, Nature, StatutQuartier, TypePorteur

Texte = Annotated[str, Field(min_length=1)]


class _Strict(EnClair, BaseModel):
    model_config = STRICT


class ContratDef(_Strict):
    CLAIR: ClassVar[type[Enregistrement]] = ruleset.ContratDef

    nom: Texte
    periode: Annotated[
        list[Annotated[int, WithJsonSchema({"type": "integer", "minimum": ANNEE_MIN, "maximum": ANNEE_MAX})]],
        Field(min_length=2, max_length=2),
    ]
    sigle: str | None = None

    @field_validator("periode")
    @classmethod
    def _ordered(cls, periode: list[int]) -> list[int]:
        for year in periode:
            reason = annee_invalide(year)
            if reason is not None:
                raise PydanticCustomError("periode", "période du contrat : {r}", {"r": reason})
        if periode[0] > periode[1]:
            raise PydanticCustomError("periode", "la période doit aller de la première à la dernière année")
        return periode


class FinanceurDef(_Strict):
    CLAIR: ClassVar[type[Enregistrement]] = ruleset.FinanceurDef

    nom: Texte
    groupe: GroupeFinanceur
    sigle: str | None = None
    nature: Nature = "specifique"  # of its lines whose dispositif is unknown or absent
    annuel: bool = False  # votes each year: never committed for later years by a CPO
    # its SIRET, 14 digits: the ``idAttribuant`` of its open data (``cdv programmation --format scdl``)
    siret: Annotated[str, Field(pattern=r"^[0-9]{14}$")] | None = None


class DispositifDef(_Strict):
    """A dispositif (BOP 147, FIPD, REAAP…): its financeur and its nature, and the names people write."""

    CLAIR: ClassVar[type[Enregistrement]] = ruleset.DispositifDef

    nom: Texte
    financeur: Code | list[Code] | None = None  # one or several; None: any financeur (« droit commun »)
    nature: Nature
    alias: list[Texte] = []


class Perimetre(_Strict):
    """The lines of its financeur an enveloppe counts: by nature, by CPO or not; a key left out: any.

    ``Perimetre()`` counts every line (an enveloppe given in the short form).
    """

    CLAIR: ClassVar[type[Enregistrement]] = ruleset.Perimetre

    nature: Nature | None = None  # specifique | droit-commun
    cpo: bool | None = None  # true: dossiers under a CPO only; false: the others only


class QuartierDef(_Strict):
    CLAIR: ClassVar[type[Enregistrement]] = ruleset.QuartierDef

    nom: Texte
    statut: StatutQuartier
    commune: str | None = None


class DefiDef(_Strict):
    CLAIR: ClassVar[type[Enregistrement]] = ruleset.DefiDef

    nom: Texte
    objectifs: dict[Code, Texte] = {}


class Referentiel(_Strict):
    contrat: ContratDef
    financeurs: Annotated[dict[Code, FinanceurDef], Field(min_length=1)]
    quartiers: Annotated[dict[Code, QuartierDef], Field(min_length=1)]
    defis: dict[Code, DefiDef] = {}
    axes: dict[Code, Texte] = {}
    pieces: dict[Code, Texte] = {}
    dispositifs: dict[Code, DispositifDef] = {}


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Condition(_Strict):
    CLAIR: ClassVar[type[Enregistrement]] = conditions.Condition

    finance: Annotated[list[CodeFinanceur], BeforeValidator(_one_or_many), Field(min_length=1)] | None = None
    cpo: bool | None = None
    innovante: bool | None = None
    parentalite: bool | None = None
    renouvellement: bool | None = None
    elan: bool | None = None
    cpo_apres_premiere_annee: bool | None = Field(default=None, alias="cpo-apres-premiere-annee")
    hors_geographie_prioritaire: bool | None = Field(default=None, alias="hors-geographie-prioritaire")
    objectif: bool | None = None
    precedent: bool | None = None
    historique: bool | None = None
    type_porteur: Annotated[list[TypePorteur | None], BeforeValidator(_one_or_many), Field(min_length=1)] | None = (
        Field(default=None, alias="type-porteur")
    )
    finance_n_1: Annotated[list[CodeFinanceur], BeforeValidator(_one_or_many), Field(min_length=1)] | None = Field(
        default=None, alias="finance-n-1"
    )
