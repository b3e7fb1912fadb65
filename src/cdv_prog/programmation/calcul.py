"""The programmation of one exercice, computed from the dossier reports: pure, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from cdv_prog.core.context import ContexteProgrammation
from cdv_prog.core.engine import evaluer_programmation
from cdv_prog.core.findings import Constat
from cdv_prog.core.historique import DossierAnterieur, Historique, HistoriqueDossiers
from cdv_prog.core.montants import TotalFinanceur
from cdv_prog.core.report import DossierReport, Resume
from cdv_prog.programmation.engagements import Engagements, EngagementsCpo
from cdv_prog.programmation.fiche import Fiche, fiche_de
from cdv_prog.programmation.repartitions import Repartition, Repartitions
from cdv_prog.programmation.totaux import Totaux

if TYPE_CHECKING:
    from cdv_prog.core.derogations import Derogation
    from cdv_prog.core.ruleset import JeuDeRegles


MontantsPlats = tuple[str | int | Decimal, ...]
"""Amounts per financeur, flat: code, amount, code, amount… (an amount in cents when it is written to the cent)."""


def _compact(amounts: dict[str, Decimal] | None) -> MontantsPlats | None:
    if amounts is None:
        return None
    out: list[str | int | Decimal] = []
    for code, amount in amounts.items():
        exponent = amount.as_tuple().exponent
        out += (code, int(amount.scaleb(2)) if exponent == -2 else amount)  # cents: 28 bytes, not 104
    return tuple(out)


def _amounts(flat: MontantsPlats | None) -> dict[str, Decimal] | None:
    if flat is None:
        return None
    return {
        str(flat[i]): Decimal(v).scaleb(-2) if isinstance(v := flat[i + 1], int) else Decimal(v)
        for i in range(0, len(flat), 2)
    }


class LigneDossier:
    """A dossier as the programmation lists it (what the reports need, not the whole dossier).

    Compact — slots, amounts in cents, the reasons of a valid dossier drawn
    from its failed rules when asked — since a programmation keeps one per
    dossier it lists.
    """

    __slots__ = (
        "_demande",
        "_motifs",
        "_retenu",
        "ce_qu_il_faudrait",
        "cpo",
        "defi",
        "derogation",
        "echecs",
        "fichier",
        "id",
        "intitule",
        "porteur",
        "quartiers",
        "siret",
        "verdict",
    )

    def __init__(
        self,
        id: str | None,
        fichier: str,
        verdict: str,
        intitule: str | None = None,
        porteur: str | None = None,
        cpo: bool = False,
        demande: dict[str, Decimal] | None = None,
        retenu: dict[str, Decimal] | None = None,
        motifs: tuple[str, ...] | None = (),  # None: drawn from ``echecs``
        echecs: tuple[Constat, ...] = (),  # the failed bloquant rules themselves (reports name them by title)
        siret: str | None = None,  # the porteur's (open data: ``cdv programmation --format scdl``)
        quartiers: tuple[str, ...] = (),  # codes, in the dossier's order (the COPIL report groups by them)
        defi: str | None = None,  # code
        derogation: Derogation | None = None,  # éligible par dérogation of the COPIL (rules/derogations.yaml)
        ce_qu_il_faudrait: str | None = None,  # an inéligible dossier's verified combined remedy, when computed
    ):
        self.id = id
        self.fichier = fichier
        self.verdict = verdict
        self.intitule = intitule
        self.porteur = porteur
        self.cpo = cpo
        self._demande = _compact(demande)
        self._retenu = _compact(retenu)
        self._motifs = motifs
        self.echecs = echecs
        self.siret = siret
        self.quartiers = quartiers
        self.defi = defi
        self.derogation = derogation
        self.ce_qu_il_faudrait = ce_qu_il_faudrait

    @property
    def demande(self) -> dict[str, Decimal] | None:
        """Requested per financeur (a valid dossier)."""
        return _amounts(self._demande)

    @property
    def retenu(self) -> dict[str, Decimal] | None:
        """Retained per financeur (a valid dossier)."""
        return _amounts(self._retenu)

    @property
    def motifs(self) -> tuple[str, ...]:
        """Failed bloquant rules, or reading errors, in French."""
        if self._motifs is not None:
            return self._motifs
        return tuple(f"{c.regle} : {c.message}" for c in self.echecs)

    @classmethod
    def of(
        cls,
        report: DossierReport,
        fiche: Fiche | None = None,
        *,
        complete: bool = True,
        echecs: tuple[Constat, ...] | None = None,
    ) -> LigneDossier:
        """The line of a report, from its fiche (:mod:`.fiche`: made where the report was made, if not given).

        ``complete=False``: a set-aside dossier as the JSON, text and CSV reports list it — id, file,
        verdict, reasons, « ce qu'il faudrait » —, without its amounts and descriptive fields (a third
        of a big batch is set aside: ~200 bytes a line saved). ``echecs``: the report's failed
        bloquant rules, when the caller has them already (shared between lines).
        """
        d, m = fiche if fiche is not None else fiche_de(report), report.montants
        if report.verdict == "invalide" or d is None or m is None:
            return cls(report.id, report.fichier, "invalide", motifs=tuple(str(e) for e in report.erreurs))
        if echecs is None:
            echecs = tuple(report.echecs)
        if not complete:
            return cls(
                report.id,
                report.fichier,
                report.verdict,
                motifs=None,
                echecs=echecs,
                derogation=report.derogation if report.par_derogation else None,
                ce_qu_il_faudrait=_ce_qu_il_faudrait(report),
            )
        return cls(
            report.id,
            report.fichier,
            report.verdict,
            d.intitule,
            d.porteur,
            d.annees_cpo is not None,
            m.demandes,
            m.retenus,
            None,  # drawn from echecs when asked
            echecs,
            d.siret,
            d.quartiers,
            d.defi,
            derogation=report.derogation if report.par_derogation else None,
            ce_qu_il_faudrait=_ce_qu_il_faudrait(report),
        )


def _ce_qu_il_faudrait(report: DossierReport) -> str | None:
    """« Ce qu'il faudrait » for an inéligible dossier whose remedies were computed (``core.remedier``)."""
    if not report.remedes_calcules or report.verdict != "ineligible":
        return None
    if report.pour_etre_eligible is not None:
        return report.pour_etre_eligible.phrase
    return report.pour_etre_eligible_impossible or "aucune modification simple trouvée"


class Lignes(Protocol):
    """Where a :class:`Calcul` keeps its lines: a list, or a list that goes to disk beyond a size (the command
    gives ``files.spill.SpillList``: the programmation itself reads and writes no file)."""

    def append(self, ligne: LigneDossier, /) -> None: ...
    def __iter__(self) -> Iterator[LigneDossier]: ...
    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Programmation:
    exercice: int
    financeurs: tuple[TotalFinanceur, ...]
    resume: Resume
    constats: tuple[Constat, ...]
    repartitions: tuple[Repartition, ...]
    engagements: Engagements
    # in path order; without ``lignes_retenues``, only ecartes and dérogations. Beyond some 5 000 lines,
    # read back from a temporary file at each pass (:class:`~cdv_prog.files.spill.SpillList`): iterate, never index
    dossiers: tuple[LigneDossier, ...] | Lignes
    lignes_retenues: bool = True  # ``dossiers`` lists the eligible dossiers too (the formats that show them)

    @property
    def ecartes(self) -> list[LigneDossier]:
        """Inéligible and invalide dossiers: counted and listed apart, never in the retained totals."""
        return list(self.ecartees())

    def ecartees(self) -> Iterator[LigneDossier]:
        """:attr:`ecartes` one at a time (the lines may be read back from disk: never all held)."""
        return (d for d in self.dossiers if d.verdict != "eligible")

    def retenues(self) -> Iterator[LigneDossier]:
        """The eligible lines, one at a time: every éligible dossier's with ``lignes_retenues``, else the
        dérogations'."""
        return (d for d in self.dossiers if d.verdict == "eligible")

    @property
    def n_ecartes(self) -> int:
        """How many lines :meth:`ecartees` gives, from the summary (every set-aside dossier has its line)."""
        return self.resume.ineligible + self.resume.invalide

    @property
    def n_retenues(self) -> int:
        """How many lines :meth:`retenues` gives, from the summary (no pass over the lines)."""
        return self.resume.eligible if self.lignes_retenues else self.resume.par_derogation

    @property
    def par_derogation(self) -> list[LigneDossier]:
        """Éligible dossiers funded by a dérogation of the COPIL: in the totals, listed apart."""
        return [d for d in self.dossiers if d.derogation is not None]

    @property
    def depassement(self) -> bool:
        return any(f.depassement for f in self.financeurs)

    @property
    def bloquants(self) -> list[Constat]:
        return [c for c in self.constats if c.statut == "echec" and c.gravite == "bloquant"]

    @property
    def exit_code(self) -> int:
        """1 if a dossier is inéligible or invalide, an enveloppe exceeded, a bloquant rule fails (docs/rapports.md)."""
        return 1 if (self.resume.exit_code or self.depassement or self.bloquants) else 0


class Calcul:
    """Accumulates the reports of one exercice, one at a time, into a :class:`Programmation`.

    Memory: no report and no dossier is kept — sums, the CPO dossiers' records
    (for the programmation rules) and one :class:`LigneDossier` per dossier
    listed (``lignes_retenues=False``: the set-aside and dérogation ones only,
    all that the JSON, text and CSV reports list, the set-aside ones without
    their amounts: ``LigneDossier.of(complete=False)``). The failed rules the
    lines name are kept once each (:meth:`_partages`): under ``--jobs`` every
    report comes back with its own copies.
    """

    def __init__(
        self,
        regles: JeuDeRegles,
        exercice: int,
        historique: Historique | None = None,
        suivants: HistoriqueDossiers | None = None,
        lignes_retenues: bool = True,
        lignes: Callable[[], Lignes] = list,
    ):
        self.regles = regles
        self.exercice = exercice
        self.historique = historique  # the dossiers of earlier exercices (SPEC §5), for the programmation rules
        self.totaux = Totaux(exercice, regles)
        self.repartitions = Repartitions(regles)
        self.engagements = EngagementsCpo(exercice, regles, suivants=suivants)  # suivants: the CPO's later dossiers
        self.cpo: list[DossierAnterieur] = []  # the eligible CPO dossiers' records, for the programmation rules
        self.lignes = lignes()  # cdv programmation's: on disk beyond 5 000 lines (files.spill), memory bounded
        self.lignes_retenues = lignes_retenues
        self._constats: dict[tuple[str, str, str, str, str], Constat] = {}  # each failed rule's constat, once

    def add(self, report: DossierReport) -> None:
        self.totaux.add(report)
        fiche = fiche_de(report)
        eligible = report.verdict == "eligible" and fiche is not None and report.montants is not None
        if self.lignes_retenues or not eligible or report.par_derogation:
            complete = self.lignes_retenues or eligible
            echecs = self._partages(report, remedes=complete)
            self.lignes.append(LigneDossier.of(report, fiche, complete=complete, echecs=echecs))
        if eligible and fiche is not None and report.montants is not None:
            self.repartitions.ajouter(fiche, report.montants)
            if fiche.cpo is not None:
                self.cpo.append(fiche.cpo)
                self.engagements.ajouter(fiche.cpo.id, fiche.annees_cpo, report.montants)

    def _partages(self, report: DossierReport, remedes: bool = True) -> tuple[Constat, ...]:
        """The report's failed bloquant rules, each the one equal constat already kept if there is one.

        ``remedes=False``: without each rule's remedy (a line listed by its reasons only: the dossier's
        combined remedy is its ``ce_qu_il_faudrait``), so that they can be shared too.
        """
        out = []
        for c in report.echecs:
            if not remedes and c.remede is not None:
                c = replace(c, remede=None)
            if c.remede is None and c.derogation is None:
                c = self._constats.setdefault((c.regle, c.gravite, c.statut, c.message, c.source), c)
            out.append(c)
        return tuple(out)

    def resultat(self) -> Programmation:
        financeurs = tuple(self.totaux.financeurs())
        ctx = ContexteProgrammation(self.exercice, self.regles, tuple(self.cpo), financeurs, historique=self.historique)
        return Programmation(
            self.exercice,
            financeurs,
            self.totaux.resume,
            tuple(evaluer_programmation(ctx)),
            tuple(self.repartitions.resultat()),
            self.engagements.resultat(),
            self.lignes if getattr(self.lignes, "sur_disque", 0) else tuple(self.lignes),
            self.lignes_retenues,
        )


def calculer(
    reports: Iterable[DossierReport],
    regles: JeuDeRegles,
    exercice: int,
    historique: Historique | None = None,
    suivants: HistoriqueDossiers | None = None,
    lignes_retenues: bool = True,
    lignes: Callable[[], Lignes] = list,
) -> Programmation:
    """The programmation of ``exercice`` from its reports (in path order), with the history if given.

    ``suivants``: an index holding the dossiers of later exercices (the CPO's
    commitments use their real later dossiers, :mod:`.engagements`).
    ``lignes_retenues``, ``lignes``: as for :class:`Calcul`.
    """
    calcul = Calcul(regles, exercice, historique, suivants, lignes_retenues, lignes)
    for report in reports:
        calcul.add(report)
    return calcul.resultat()


class PlusieursExercices(Exception):
    def __init__(self, exercices: list[int]):
        super().__init__(", ".join(map(str, exercices)))
        self.exercices = exercices


class AucunExercice(Exception):
    """No report tells its exercice (no dossier, or none readable)."""


def calculer_exercice_unique(
    reports: Iterable[DossierReport],
    regles: JeuDeRegles,
    historique: HistoriqueDossiers | None = None,
    lignes_retenues: bool = True,
    lignes: Callable[[], Lignes] = list,
) -> Programmation:
    """The programmation of the one exercice the reports share, streaming.

    Reports are held only until the first one whose exercice is known (those
    before it are unreadable files); reports of another exercice are dropped
    and make the result :class:`PlusieursExercices`.
    """
    pending: list[DossierReport] = []
    calcul: Calcul | None = None
    autres: set[int] = set()
    for report in reports:
        if calcul is None:
            pending.append(report)
            if report.exercice is not None:
                vue = historique.vue(report.exercice) if historique is not None else None
                calcul = Calcul(regles, report.exercice, vue, historique, lignes_retenues, lignes)
                for held in pending:
                    calcul.add(held)
                pending = []
        elif report.exercice is None or report.exercice == calcul.exercice:
            calcul.add(report)
        else:
            autres.add(report.exercice)
    if calcul is None:
        raise AucunExercice()
    if autres:
        raise PlusieursExercices(sorted(autres | {calcul.exercice}))
    return calcul.resultat()
