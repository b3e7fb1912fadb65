"""What every programmation renderer shares: French labels, header facts, cell texts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from cdv_prog.core.money import euros, percent
from cdv_prog.core.texte import visible
from cdv_prog.render.rule_titles import nom_regle as nom_regle  # re-exported: the reports' one naming
from cdv_prog.render.rule_titles import titre_regle

if TYPE_CHECKING:
    from cdv_prog.core.montants import TotalFinanceur, TotalSousEnveloppe
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import LigneDossier, Programmation

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


@dataclass(frozen=True)
class Motif:
    """Why a dossier is set aside: a failed bloquant rule (``regle``, its ``titre``) or a reading error."""

    message: str
    regle: str | None = None
    titre: str | None = None

    def texte(self) -> str:
        """In one plain text: « Titre (id) : message », or the reading error."""
        if self.regle is None:
            return self.message
        named = self.regle if self.titre == self.regle else f"{self.titre} ({self.regle})"
        return f"{named} : {self.message}"


def motifs(dossier: LigneDossier, regles: JeuDeRegles | None) -> list[Motif]:
    """The reasons a dossier is set aside, each failed rule named by its title."""
    if dossier.echecs:
        return [Motif(c.message, c.regle, titre_regle(regles, c.regle)) for c in dossier.echecs]
    return [Motif(m) for m in dossier.motifs]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a text cell as a formula (OWASP « CSV injection »)."""


def cellule(text: str | Sequence[str]) -> str:
    """A free text as a spreadsheet cell (xlsx, CSV): shown as it is, never run as a formula.

    Control characters and undecodable bytes are written out (:func:`~cdv_prog.core.texte.visible`);
    a text that starts like a formula (``=HYPERLINK(…)``, ``+``, ``-``, ``@``) gets a leading ``'``,
    as OWASP recommends. A sequence of texts is one cell of several lines (the reasons of a dossier).
    Amounts are not texts: they stay numbers and never come here.
    """
    shown = visible(text) if isinstance(text, str) else "\n".join(visible(line) for line in text)
    return "'" + shown if shown.startswith(FORMULA_STARTS) else shown


def montant(amount: Decimal | None) -> str:
    return NON_RENSEIGNEE if amount is None else euros(amount)


def taux(ratio: Decimal | None) -> str:
    return "—" if ratio is None else percent(ratio, 1)


def etat(depassement: bool, enveloppe: Decimal | None) -> str:
    if enveloppe is None:
        return "sans enveloppe"
    return "DÉPASSÉE" if depassement else "dans l'enveloppe"


def etat_financeur(f: TotalFinanceur) -> str:
    """The État cell of a financeur: its enveloppe exceeded, or one of its sous-enveloppes, or fine."""
    if f.depassement_enveloppe:
        return "DÉPASSÉE"
    if f.depassement:
        return "sous-enveloppe DÉPASSÉE"
    return etat(False, f.enveloppe)


def libelle_sous_enveloppe(s: TotalSousEnveloppe) -> str:
    """How a sous-enveloppe is named under its financeur: « dont Appel à projets annuel »."""
    return f"dont {s.nom}"


DROIT_COMMUN_TITRE = "Droit commun mobilisé"
DROIT_COMMUN_NOTE = (
    "Retenu sur les dossiers éligibles, lignes hors du périmètre de l'enveloppe du financeur "
    "(nature de la ligne selon son dispositif : FIPD, abattement TFPB…) : compté à part, jamais dans l'enveloppe."
)
DROIT_COMMUN_AUCUN = "Droit commun mobilisé : aucun (aucune ligne hors du périmètre des enveloppes)."


def droit_commun(financeurs: Iterable[TotalFinanceur]) -> list[TotalFinanceur]:
    """The financeurs that mobilise droit commun (retained outside their enveloppe's périmètre)."""
    return [f for f in financeurs if f.droit_commun > 0]


def resume_text(prog: Programmation) -> str:
    r = prog.resume
    dont = f" dont {r.par_derogation} par dérogation" if r.par_derogation else ""
    return (
        f"{r.total} dossier(s) : {r.eligible} éligible(s){dont}, {r.ineligible} inéligible(s), {r.invalide} invalide(s)"
    )


@dataclass(frozen=True)
class TotauxGeneraux:
    """The grand totals of an exercice, every financeur together.

    ``demande``: Σ of every line of the valid dossiers (eligible or not); ``retenu``: Σ of every line of the
    eligible dossiers, droit commun included; ``droit_commun``: the part of ``retenu`` outside the enveloppes.
    """

    demande: Decimal
    retenu: Decimal
    droit_commun: Decimal

    @classmethod
    def of(cls, prog: Programmation) -> TotauxGeneraux:
        zero = Decimal(0)
        demande = sum((sum(d.demande.values(), zero) for d in prog.dossiers if d.demande is not None), zero)
        retenu = sum(
            (sum(d.retenu.values(), zero) for d in prog.retenues() if d.retenu is not None),
            zero,
        )
        return cls(demande, retenu, sum((f.droit_commun for f in prog.financeurs), zero))


def retenus(dossier: LigneDossier) -> dict[str, Decimal]:
    """What a dossier retains per financeur as the report counts it: its amounts if eligible, else nothing."""
    return dict(dossier.retenu or {}) if dossier.verdict == "eligible" else {}
