"""The dossier as pydantic validates it (format: ``docs/dossier.md``, schema: ``cdv schema dossier``).

:func:`valider` hands over the plain record of :mod:`cdv_prog.core.dossier` the engine reads; the
usual dossier does not come here (:mod:`cdv_prog.core.dossier_simple` builds its record), only the
one that steps outside what that builder checks, so that every message comes from pydantic.
The class names and field descriptions are the schema's: they were the engine's classes.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from cdv_prog.core import dossier as clair
from cdv_prog.core.champs import Code, CodeAxe, CodeDefi, CodeFinanceur, CodeQuartier, Montant, Texte
from cdv_prog.core.dated import ANNEE_MAX, ANNEE_MIN, ANNEES, annee_invalide
from cdv_prog.core.modeles import STRICT, EnClair
from cdv_prog.core.money import ZERO
from cdv_prog.core.valeurs import Enregistrement
from cdv_prog.core.vocab import TypePorteur

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles


def valider(data: Any, regles: JeuDeRegles | None = None) -> clair.Dossier:
    """The dossier ``data`` describes, checked against the rule set ``regles`` (its codes, its period), as the
    engine reads it; pydantic's ``ValidationError`` when it is not one (``files/messages.py`` says why in French).
    """
    return Dossier.model_validate(data, context={"regles": regles}).en_clair()


_Record = type[Enregistrement]  # (a field of Porteur is named ``type``: its class body cannot say type[…])


class _Strict(EnClair, BaseModel):
    # built at the first validation, not at import: a batch whose reports all come from the cache, or the
    # parent of --jobs workers, never validates a dossier (issue 17)
    model_config = STRICT


# --------------------------------------------------------------------------- years and dates


def lire_date(value: object) -> object:
    """:func:`cdv_prog.core.dossier.lire_date`, its refusal as pydantic's error (the same French message)."""
    try:
        return clair.lire_date(value)
    except clair.DateIllisible as exc:
        raise PydanticCustomError("date", exc.gabarit, exc.valeurs) from None


def _date_in_range(value: dt.date) -> dt.date:
    if annee_invalide(value.year) is not None:
        raise PydanticCustomError(
            "date",
            "date du {d} : année hors des années acceptées ({r}) : faute de frappe ?",
            {"d": f"{value:%d/%m/%Y}", "r": ANNEES},
        )
    return value


def _annee(value: int) -> int:
    reason = annee_invalide(value)
    if reason is not None:
        raise PydanticCustomError("annee", "{r}", {"r": reason})
    return value


Date = Annotated[
    dt.date,
    BeforeValidator(lire_date),
    AfterValidator(_date_in_range),
    WithJsonSchema(
        {"type": "string", "anyOf": [{"format": "date"}, {"pattern": r"^[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}$"}]}
    ),
]
"""A date of a dossier: ``AAAA-MM-JJ`` or ``JJ/MM/AAAA``, in the accepted years."""
Annee = Annotated[
    int, AfterValidator(_annee), WithJsonSchema({"type": "integer", "minimum": ANNEE_MIN, "maximum": ANNEE_MAX})
]
"""A year of a dossier (exercice, CPO years), in the accepted years."""


class Porteur(_Strict):
    CLAIR: ClassVar[_Record] = clair.Porteur

    nom: Texte = Field(description="Nom du porteur.")
    type: TypePorteur | None = Field(default=None, description="Nature juridique du porteur.")
    siret: Annotated[str, Field(pattern=r"^[0-9]{14}$")] | None = Field(
        default=None, description="SIRET, 14 chiffres, entre guillemets (clé de contrôle vérifiée)."
    )


class Cpo(_Strict):
    CLAIR: ClassVar[_Record] = clair.Cpo

    annees: Annotated[list[Annee], Field(min_length=1, max_length=10)] = Field(
        description="Années couvertes par la CPO (3 années consécutives)."
    )


class Action(_Strict):
    CLAIR: ClassVar[_Record] = clair.Action

    defi: CodeDefi = Field(description="Défi du contrat de ville.")
    objectif: Code | None = Field(default=None, description="Objectif opérationnel, qui doit appartenir au défi.")
    axes: list[CodeAxe] = Field(default=[], description="Axes transversaux.")
    quartiers: Annotated[list[CodeQuartier], Field(min_length=1)] = Field(
        description="Quartiers de l'action (au moins un), ou hors-qpv."
    )
    debut: Date = Field(description="Date de début (AAAA-MM-JJ ou JJ/MM/AAAA).")
    fin: Date = Field(description="Date de fin (AAAA-MM-JJ ou JJ/MM/AAAA), au plus tôt le début.")
    innovante: bool = Field(default=False, description="Action innovante (bonus financier possible hors CPO).")
    parentalite: bool = Field(default=False, description="Action de soutien à la parentalité.")
    renouvellement: bool = Field(default=False, description="Renouvellement d'une action financée l'année précédente.")
    cpo: Cpo | None = Field(
        default=None, description="Présent si l'action relève d'une convention pluriannuelle d'objectifs."
    )
    precedent: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$", max_length=100)] | None = Field(
        default=None,
        description="Identifiant du dossier de cette action pour l'exercice précédent (N-1), dans l'historique.",
    )

    @field_validator("fin")
    @classmethod
    def _dates_in_order(cls, fin: dt.date, info: ValidationInfo) -> dt.date:
        debut = info.data.get("debut")
        if isinstance(debut, dt.date) and fin < debut:
            raise PydanticCustomError(
                "dates", "la fin ({fin}) précède le début ({debut})", {"fin": str(fin), "debut": str(debut)}
            )
        return fin

    @field_validator("objectif")
    @classmethod
    def _objectif_of_defi(cls, objectif: str | None, info: ValidationInfo) -> str | None:
        regles = (info.context or {}).get("regles")
        defi = info.data.get("defi")
        if objectif is None or regles is None or defi not in regles.defis:
            return objectif
        known = regles.defis[defi].objectifs
        if objectif not in known:
            raise PydanticCustomError(
                "objectif",
                "objectif « {o} » inconnu pour le défi « {d} » ; objectifs possibles : {codes}",
                {"o": objectif, "d": defi, "codes": ", ".join(known)},
            )
        return objectif


class Budget(_Strict):
    CLAIR: ClassVar[_Record] = clair.Budget

    total: Annotated[Montant, Field(gt=0)] = Field(
        description="Total des charges de l'action (comptes 60 à 68), hors contributions en nature."
    )
    autres_produits: Montant = Field(
        description="Ressources hors subventions (ventes, participations, fonds propres…).",
        default=ZERO,
        alias="autres-produits",
    )
    contributions_nature: Montant = Field(
        description="Contributions volontaires en nature (comptes 86/87), jamais comptées dans les parts.",
        default=ZERO,
        alias="contributions-nature",
    )


class Financement(_Strict):
    CLAIR: ClassVar[_Record] = clair.Financement

    financeur: CodeFinanceur = Field(description="Code du financeur.")
    dispositif: Texte | None = Field(default=None, description="Dispositif, texte libre (BOP 147, FIPD, REAAP, CLAS…).")
    montant: Montant = Field(description="Montant demandé.")
    accorde: Montant | None = Field(
        default=None,
        description="Montant proposé ou accordé dans la programmation (remplace le montant demandé dans les calculs).",
    )


class BilanPrecedent(_Strict):
    CLAIR: ClassVar[_Record] = clair.BilanPrecedent

    envoye_le: Date | None = Field(
        description="Date d'envoi du bilan (AAAA-MM-JJ ou JJ/MM/AAAA).", default=None, alias="envoye-le"
    )
    financeurs: list[CodeFinanceur] | None = Field(
        default=None,
        description=(
            "Financeurs de l'action l'année précédente (codes), quand son dossier N-1 n'est pas dans l'historique."
        ),
    )


class Dossier(_Strict):
    CLAIR: ClassVar[_Record] = clair.Dossier

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$", max_length=100)] = Field(
        description="Identifiant unique du dossier dans un lot (lettres, chiffres, . _ -), ex. CDV-2025-014."
    )
    exercice: int = Field(
        description="Année de l'exercice (année civile), dans la période du contrat.",
        json_schema_extra={"minimum": ANNEE_MIN, "maximum": ANNEE_MAX},
    )
    intitule: Texte = Field(description="Intitulé de l'action.")
    porteur: Porteur = Field(description="Le porteur de l'action (le plus souvent une association).")
    action: Action = Field(description="L'action : défi, quartiers, dates, CPO…")
    budget: Budget = Field(description="Budget prévisionnel de l'action (Cerfa n°12156).")
    financements: Annotated[list[Financement], Field(min_length=1)] = Field(
        description="Financements demandés, une ligne par financeur et dispositif (plusieurs lignes peuvent nommer le même financeur)."
    )
    pieces: list[Code] = Field(
        default=[], description="Codes des pièces fournies (attestation-prefecture, liste-bureau, rib…)."
    )
    elan: bool = Field(default=False, description="Dossier aussi déposé sur la plateforme Elan (REAAP).")
    bilan_precedent: BilanPrecedent | None = Field(
        description="Bilan de l'action de l'année précédente envoyé à la CAF.", default=None, alias="bilan-precedent"
    )

    @field_validator("exercice")
    @classmethod
    def _exercice_in_period(cls, exercice: int, info: ValidationInfo) -> int:
        reason = annee_invalide(exercice)
        if reason is not None:
            raise PydanticCustomError("exercice", "exercice : {r}", {"r": reason})
        regles = (info.context or {}).get("regles")
        if regles is not None:
            first, last = regles.contrat.periode
            if not first <= exercice <= last:
                raise PydanticCustomError(
                    "exercice",
                    "exercice {e} hors de la période du contrat ({a}-{b})",
                    {"e": exercice, "a": first, "b": last},
                )
        return exercice
