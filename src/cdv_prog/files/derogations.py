"""Reading the ``derogations:`` section of the rules (``rules/derogations.yaml``): checked, with lines.

Format (``docs/regles.md``, « Dérogations »)::

    derogations:
      - dossier: CDV-2025-021
        exercice: 2025
        regles: [plancher-financeur]      # or « regle: plancher-financeur »
        decision: COPIL du 12/03/2025, relevé n°4
        auteur: COPIL du contrat de ville
        date: 2025-03-12
        motif: structure nouvelle, première année

``decision``, ``auteur`` and ``date`` are required (an error names file, line
and key); an unknown key is an error. A dossier or a rule the rule set does not
know is only a warning of ``cdv regles verifier`` (:mod:`cdv_prog.workflow.lint`):
the dossiers are not part of the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cdv_prog.core.champs import Texte
from cdv_prog.core.dated import ANNEE_MAX, ANNEE_MIN
from cdv_prog.core.derogations import Derogation
from cdv_prog.core.modeles.dossier import Date
from cdv_prog.files.messages import known_keys, message_fr

SECTION = "derogations"

Signaler = Callable[[tuple, str], None]
Locator = Callable[[tuple], tuple[str, int | None]]
_Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$", max_length=100)]


class DerogationDef(BaseModel):
    """One dérogation as written in the rules."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    dossier: _Id
    exercice: Annotated[int, Field(ge=ANNEE_MIN, le=ANNEE_MAX)]
    regle: _Id | None = None
    regles: Annotated[list[_Id], Field(min_length=1)] | None = None
    decision: Texte
    auteur: Texte
    date: Date
    motif: Texte | None = None

    @model_validator(mode="after")
    def _une_regle(self) -> DerogationDef:
        if (self.regle is None) == (self.regles is None):
            raise ValueError("donner « regle » (une règle) ou « regles » (une liste), l'un des deux")
        return self

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.regle,) if self.regle is not None else tuple(self.regles or ())


def build_derogations(raw: Any, signaler: Signaler, locate: Locator) -> dict[str, tuple[Derogation, ...]]:
    """Dossier id → its dérogations, in the order written; problems go to ``signaler``."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        signaler((SECTION,), "doit être une liste de dérogations (- dossier: …, regles: […], decision: …)")
        return {}
    out: dict[str, list[Derogation]] = {}
    for index, item in enumerate(raw):
        path = (SECTION, index)
        if not isinstance(item, dict):
            signaler(path, "une dérogation est un ensemble de clés (dossier, exercice, regles, decision, auteur, date)")
            continue
        try:
            d = DerogationDef.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = tuple(err.get("loc", ()))
                signaler(path + loc, message_fr(dict(err), known_keys(DerogationDef, loc)))
            continue
        fichier, ligne = locate(path)
        derogation = Derogation(
            dossier=d.dossier,
            regles=d.ids,
            exercice=d.exercice,
            decision=d.decision,
            auteur=d.auteur,
            date=d.date,
            motif=d.motif,
            fichier=fichier,
            ligne=ligne,
        )
        out.setdefault(d.dossier, []).append(derogation)
    return {k: tuple(v) for k, v in out.items()}
