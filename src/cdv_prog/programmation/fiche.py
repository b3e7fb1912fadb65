"""What the programmation keeps of a valid dossier: a compact :class:`Fiche`, never the dossier itself.

A programmation of 100 000 dossiers must not hold 100 000 pydantic
dossiers. Each valid report is reduced, where it is made (a ``--jobs``
worker: ``check_reports(resumer=fiche)``, or the sequential batch), to the
few values the totals, breakdowns, CPO commitments, programmation rules and
renderers read besides the report's own fields (id, verdict, constats,
``montants``): a tuple of interned strings, and for a dossier under a CPO
its history record (:class:`~cdv_prog.core.historique.DossierAnterieur`,
what ``cpo-par-quartier`` reads). It crosses processes as a plain tuple.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NamedTuple

from cdv_prog.core.historique import DossierAnterieur

if TYPE_CHECKING:
    from cdv_prog.core.dossier import Dossier
    from cdv_prog.core.montants import Montants
    from cdv_prog.core.report import DossierReport


def _i(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)  # codes and names repeat across dossiers: one copy each


class Fiche(NamedTuple):
    """A valid dossier as the programmation keeps it (no amounts: those are the report's ``montants``)."""

    intitule: str
    porteur: str  # the porteur's name
    siret: str | None
    type_porteur: str | None
    quartiers: tuple[str, ...]  # codes, in the dossier's order, each once
    defi: str | None
    objectif: str | None
    renouvellement: bool
    annees_cpo: tuple[int, ...] | None  # None: the action is not under a CPO
    cpo: DossierAnterieur | None  # under a CPO: its record, for the programmation rules (``cpo-par-quartier``)

    @classmethod
    def of(cls, dossier: Dossier, montants: Montants) -> Fiche:
        action, porteur = dossier.action, dossier.porteur
        cpo = action.cpo
        return cls(
            dossier.intitule,
            _i(porteur.nom) or "",
            porteur.siret,
            _i(porteur.type),
            tuple(sys.intern(q) for q in dict.fromkeys(action.quartiers)),
            _i(action.defi),
            _i(action.objectif),
            bool(action.renouvellement),
            tuple(cpo.annees) if cpo is not None else None,
            DossierAnterieur.of(dossier, montants) if cpo is not None else None,
        )


def fiche(report: DossierReport) -> Fiche | None:
    """The :class:`Fiche` of a valid report that still has its dossier (the hook of ``check_reports``)."""
    if report.verdict == "invalide" or report.dossier is None or report.montants is None:
        return None
    return Fiche.of(report.dossier, report.montants)


def fiche_de(report: DossierReport) -> Fiche | None:
    """The report's fiche: made where the report was made, else from its dossier; None for no valid dossier."""
    if report.verdict == "invalide" or report.montants is None:
        return None
    if isinstance(report.sommaire, Fiche):
        return report.sommaire
    return fiche(report)
