"""What every programmation renderer shares: French labels, header facts, cell texts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from cdv_prog.core.money import euros, percent

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import Programmation

NON_RENSEIGNEE = "non renseignée"
DEMANDE_NOTE = (
    "Demandé : dossiers valides de l'exercice, éligibles ou non ; retenu (accordé, sinon demandé) : dossiers "
    "éligibles seulement ; dossiers : dossiers éligibles que le financeur finance."
)


@dataclass(frozen=True)
class EnteteRapport:
    """Facts a report states about itself: what it covers and with which rules and tool."""

    exercice: int
    contrat: str
    fichiers_regles: tuple[str, ...]  # file names only: the output does not depend on where the rules live
    empreinte: str  # SHA-256 of the rules files (JeuDeRegles.empreinte)
    version: str

    @classmethod
    def of(cls, prog: Programmation, regles: JeuDeRegles) -> EnteteRapport:
        from cdv_prog import __version__

        return cls(
            prog.exercice, regles.contrat.nom, tuple(p.name for p in regles.fichiers), regles.empreinte, __version__
        )

    @property
    def regles(self) -> str:
        return ", ".join(self.fichiers_regles)


def montant(amount: Decimal | None) -> str:
    return NON_RENSEIGNEE if amount is None else euros(amount)


def taux(ratio: Decimal | None) -> str:
    return "—" if ratio is None else percent(ratio, 1)


def etat(depassement: bool, enveloppe: Decimal | None) -> str:
    if enveloppe is None:
        return "sans enveloppe"
    return "DÉPASSÉE" if depassement else "dans l'enveloppe"


def resume_text(prog: Programmation) -> str:
    r = prog.resume
    return f"{r.total} dossier(s) : {r.eligible} éligible(s), {r.ineligible} inéligible(s), {r.invalide} invalide(s)"
