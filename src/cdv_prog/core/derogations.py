"""A dérogation: the COPIL funds a dossier despite a rule, recorded as data with the rules.

Loaded from the ``derogations:`` section of the rules (``rules/derogations.yaml``,
:mod:`cdv_prog.files.derogations`), so it is part of the rule set's
fingerprint. The engine never rewrites a computed constat: the rule stays
``echec`` and carries the dérogation; the dossier's verdict becomes
``eligible`` « par dérogation » when every failed bloquant rule is covered
(``docs/regles.md``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from cdv_prog.core.findings import Constat


@dataclass(frozen=True)
class Derogation:
    """Which dossier, which rule(s), of which exercice; the decision, who took it, when and why."""

    dossier: str
    regles: tuple[str, ...]
    exercice: int
    decision: str  # « COPIL du 12/03/2025, relevé n°4 »
    auteur: str
    date: dt.date
    motif: str | None = None
    fichier: str = ""
    ligne: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dossier": self.dossier,
            "regles": list(self.regles),
            "exercice": self.exercice,
            "decision": self.decision,
            "auteur": self.auteur,
            "date": self.date.isoformat(),
            "motif": self.motif,
            "fichier": self.fichier,
            "ligne": self.ligne,
        }

    @property
    def lieu(self) -> str:
        """``rules/derogations.yaml:4``: where it is written."""
        return self.fichier + (f":{self.ligne}" if self.ligne else "")


@dataclass(frozen=True)
class Effet:
    """What the dérogations recorded for one dossier do to its constats and verdict."""

    constats: list[Constat]
    derogation: Derogation | None  # the one that covers its failed bloquant rules (the verdict becomes éligible)
    eligible: bool  # every failed bloquant rule is covered
    sans_objet: tuple[Derogation, ...]  # recorded, but the rules they name do not fail (the dossier was fixed)


def appliquer(
    constats: list[Constat], derogations: tuple[Derogation, ...], dossier: str, exercice: int
) -> Effet | None:
    """The dérogations of ``dossier`` for ``exercice`` over its constats; None when none is recorded.

    A covered constat stays ``echec`` (the computed truth is never rewritten) and carries
    the first dérogation naming its rule; a dérogation of another exercice never applies.
    """
    mine = [d for d in derogations if d.dossier == dossier and d.exercice == exercice]
    if not mine:
        return None
    couvre: dict[str, Derogation] = {}
    for recorded in mine:
        for regle in recorded.regles:
            couvre.setdefault(regle, recorded)
    out: list[Constat] = []
    used: list[Derogation] = []
    bloquant_seul: Derogation | None = None
    eligible = True
    for c in constats:
        d: Derogation | None = couvre.get(c.regle) if c.statut == "echec" else None
        if d is not None:
            c = replace(c, derogation=d)
            if d not in used:
                used.append(d)
        if c.statut == "echec" and c.gravite == "bloquant":
            if d is None:
                eligible = False
            elif bloquant_seul is None:
                bloquant_seul = d
        out.append(c)
    sans_objet = tuple(recorded for recorded in mine if recorded not in used)
    return Effet(out, bloquant_seul if eligible else None, eligible and bloquant_seul is not None, sans_objet)
