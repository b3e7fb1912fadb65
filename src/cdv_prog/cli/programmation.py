"""``cdv programmation``: per-financeur totals of an exercice against the enveloppes, and the COPIL report.

Reads and checks the dossiers, streaming (a progress bar on stderr for 100
files or more, when stderr is a terminal, never with ``--format json``),
computes the programmation (pure), renders it in the chosen format, and writes
it to stdout or, through the one write path, to ``--output``.
Exit code: 0 all fine; 1 a dossier inéligible or invalide, an enveloppe
exceeded or a bloquant programmation rule failed; 2 usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cdv_prog.cli.common import (
    announce_rules,
    check_report_target,
    fail_usage,
    find_files,
    load_ruleset,
    nothing_to_check,
    output_help,
    progress,
    report_format,
    warn_unread,
    write_payloads,
    write_report,
)
from cdv_prog.cli.historique import lire_historique
from cdv_prog.cli.options import HistoriqueOpt, JobsOpt, PathsArg, RulesOpt, format_option, output_option
from cdv_prog.render.registry import PROGRAMMATION, TEXT_FORMATS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from cdv_prog.core.historique import HistoriqueDossiers
    from cdv_prog.core.report import DossierReport
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.fiche import Fiche
    from cdv_prog.render.programmation_scdl import Publication

EXERCICE_HELP = "Exercice (année) de la programmation. Défaut : celui des dossiers, s'ils en ont un seul."
FORMAT_HELP = (
    "Format : text, json, csv (une ligne par financeur), xlsx (classeur), html (rapport autonome) "
    "ou scdl (données essentielles des subventions d'un financeur, avec --attribuant ; jamais choisi par "
    "l'extension .csv). "
    "Défaut : text, ou celui qu'indique l'extension de --output (copil.xlsx : classeur)."
)
ATTRIBUANT_HELP = "Avec --format scdl (obligatoire) : code du financeur qui publie ses subventions (ex. agglo)."
DATE_CONVENTION_HELP = "Avec --format scdl : date des conventions (dateConvention), sauf décision propre au dossier."
REFERENCE_HELP = "Avec --format scdl : référence de la décision (referenceDecision), sauf décision propre au dossier."
DECISIONS_HELP = "Avec --format scdl : fichier YAML des décisions du COPIL par dossier (voir docs/scdl.md)."
PROGRESS_MIN_FILES = 100  # below that, reading takes less than a moment: no bar flickering by
OUTPUT_HELP = output_help(PROGRAMMATION)


def programmation(
    paths: PathsArg = None,
    rules: RulesOpt = None,
    exercice: Annotated[
        int | None, typer.Option("--exercice", "-e", metavar="ANNÉE", help=EXERCICE_HELP, show_default=False)
    ] = None,
    format: Annotated[
        str | None,
        format_option(PROGRAMMATION, FORMAT_HELP),
    ] = None,
    output: Annotated[Path | None, output_option(OUTPUT_HELP)] = None,
    jobs: JobsOpt = None,
    attribuant: Annotated[
        str | None, typer.Option("--attribuant", metavar="CODE", help=ATTRIBUANT_HELP, show_default=False)
    ] = None,
    date_convention: Annotated[
        str | None,
        typer.Option("--date-convention", metavar="AAAA-MM-JJ", help=DATE_CONVENTION_HELP, show_default=False),
    ] = None,
    reference_decision: Annotated[
        str | None,
        typer.Option("--reference-decision", metavar="TEXTE", help=REFERENCE_HELP, show_default=False),
    ] = None,
    decisions: Annotated[
        Path | None, typer.Option("--decisions", metavar="FICHIER", help=DECISIONS_HELP, show_default=False)
    ] = None,
    historique: HistoriqueOpt = None,
) -> None:
    """Programmation d'un exercice : par financeur, enveloppe, demandé, retenu, solde, taux ; répartitions, CPO."""
    from cdv_prog.cli.check_run import sortie
    from cdv_prog.core.report import WalkError
    from cdv_prog.files.parallel import check_reports
    from cdv_prog.programmation.calcul import AucunExercice, PlusieursExercices, calculer, calculer_exercice_unique
    from cdv_prog.programmation.fiche import fiche
    from cdv_prog.render.registry import programmation_renderer

    format = report_format(PROGRAMMATION, format, output)
    regles = load_ruleset(rules)
    announce_rules(rules, regles)
    publication = _publication(format, regles, attribuant, date_convention, reference_decision, decisions)
    roots = paths or [Path("data/dossiers")]
    non_lus: list[WalkError] = []  # folders that could not be searched: printed on stderr, exit code 1
    files = find_files(roots, non_lus)
    warn_unread(non_lus)
    first, last = regles.contrat.periode
    if exercice is not None and not first <= exercice <= last:
        raise fail_usage(f"exercice {exercice} hors de la période du contrat ({first}-{last})")
    if not files:
        raise nothing_to_check(roots, exercice, 0)
    lecture, seuls = lire_historique(files, historique, regles, exercice, jobs, suivants=True)
    index = lecture.historique if lecture.historique.dossiers else None
    inputs = files + [
        *seuls,
        *regles.fichiers,
        *([decisions] if decisions is not None else []),
    ]
    dirs = [*roots, *(historique or []), *sorted({p.parent for p in regles.fichiers})]
    if output is not None:  # refused before the run, not after
        check_report_target(output, inputs, dirs)
    elif format == "xlsx" and sys.stdout.isatty():
        raise fail_usage("un classeur xlsx ne s'affiche pas dans un terminal : ajouter --output FICHIER.xlsx")

    shown = format != "json" and len(files) >= PROGRESS_MIN_FILES and sys.stderr.isatty()
    # streamed: each report is reduced to its fiche where it is made (a worker under --jobs) and the dossier
    # dropped there; the calculation keeps sums and compact lines, never a report, and memory stays small
    a_lire = lecture.rapportables(files, exercice)  # known of another exercice: not re-read
    resumer = _resumer(regles, index) if format in REMEDES_FORMATS else fiche
    batch = check_reports(a_lire, regles, exercice, jobs=jobs, dossiers=False, historique=index, resumer=resumer)
    reports = progress(batch, len(a_lire), shown, "Lecture des dossiers")
    lignes = format in LIGNES_FORMATS
    from cdv_prog.files.spill import SpillList  # the lines beyond 5 000 on disk: memory bounded at any size

    if exercice is not None:
        vue = index.vue(exercice) if index is not None else None
        prog = calculer(reports, regles, exercice, vue, index, lignes_retenues=lignes, lignes=SpillList)
        if prog.resume.total == 0:
            raise nothing_to_check(roots, exercice, len(files))
    else:
        try:
            prog = calculer_exercice_unique(reports, regles, index, lignes_retenues=lignes, lignes=SpillList)
        except PlusieursExercices as exc:
            raise fail_usage(
                f"les dossiers relèvent de plusieurs exercices ({exc}) : préciser lequel avec --exercice"
            ) from None
        except AucunExercice:
            raise fail_usage(
                "aucun dossier dont l'exercice soit lisible : préciser l'exercice avec --exercice "
                "pour voir les enveloppes"
            ) from None

    payload: bytes | Iterable[bytes]
    if publication is not None:
        from cdv_prog.render.programmation_scdl import render as scdl

        payload = scdl(prog, regles, sortie(to_file=output is not None), publication)
    else:
        payload = programmation_renderer(format)(prog, regles, sortie(to_file=output is not None))
    if output is not None:
        write_report(output, payload, inputs, dirs, announce="Rapport écrit")
    else:
        write_payloads([payload] if isinstance(payload, bytes) else payload, for_people=format in TEXT_FORMATS)
    sys.stdout.flush()
    incomplet = _report_missing(publication) if publication is not None else False
    raise typer.Exit(max(prog.exit_code, 1 if non_lus or incomplet else 0))


def _publication(
    format: str,
    regles: JeuDeRegles,
    attribuant: str | None,
    date_convention: str | None,
    reference_decision: str | None,
    decisions: Path | None,
) -> Publication | None:
    """The SCDL's options checked (usage errors in French), or None for another format."""
    import datetime as dt
    import re

    from cdv_prog.core.texte import short
    from cdv_prog.core.vocab import suggest
    from cdv_prog.files.decisions import DecisionsIllisibles, lire_decisions
    from cdv_prog.render.programmation_scdl import Publication

    if format != "scdl":
        given = [
            name
            for name, value in (
                ("--attribuant", attribuant),
                ("--date-convention", date_convention),
                ("--reference-decision", reference_decision),
                ("--decisions", decisions),
            )
            if value is not None
        ]
        if given:
            raise fail_usage(f"{', '.join(given)} ne sert qu'avec --format scdl")
        return None
    if attribuant is None:
        raise fail_usage(
            "--format scdl demande --attribuant CODE : le financeur qui publie ses subventions "
            f"(codes possibles : {', '.join(regles.financeurs)})"
        )
    if attribuant not in regles.financeurs:
        raise fail_usage(f"financeur inconnu « {short(attribuant)} »{suggest(attribuant, regles.financeurs)}")
    date: dt.date | None = None
    if date_convention is not None:
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date_convention):
                raise ValueError
            date = dt.date.fromisoformat(date_convention)
        except ValueError:
            raise fail_usage(
                f"--date-convention « {short(date_convention)} » : date attendue au format AAAA-MM-JJ"
            ) from None
    if reference_decision is not None and not reference_decision.strip():
        raise fail_usage("--reference-decision ne doit pas être vide")
    lues = {}
    if decisions is not None:
        try:
            lues = lire_decisions(decisions)
        except DecisionsIllisibles as exc:
            lines = "\n".join(f"  {error}" for error in exc.errors)
            raise fail_usage(f"{decisions} : fichier de décisions incorrect\n{lines}") from None
    return Publication(attribuant, date, reference_decision, lues)


def _report_missing(publication: Publication) -> bool:
    """The rows written with mandatory values missing, on standard error; True if any."""
    from cdv_prog.cli.common import err_console

    for manque in publication.manques:
        err_console().print(
            f"SCDL incomplet : dossier {manque.dossier} : valeur obligatoire manquante : {', '.join(manque.colonnes)}",
            highlight=False,
            markup=False,
        )
    return bool(publication.manques)


REMEDES_FORMATS = ("text", "html")
"""The formats whose list of set-aside dossiers shows « ce qu'il faudrait » (computed for those only)."""
LIGNES_FORMATS = ("html", "xlsx", "scdl")
"""The formats that list the eligible dossiers one by one (the others list only those set aside)."""


def _resumer(regles: JeuDeRegles, index: HistoriqueDossiers | None) -> Callable[[DossierReport], Fiche | None]:
    """The fiche of each report, an inéligible one's verified combined remedy added to the report first
    (judged with its exercice's history view), where the report is made: a worker under --jobs."""
    from cdv_prog.files.parallel import avec_remedes
    from cdv_prog.programmation.fiche import fiche

    def resumer(report: DossierReport) -> Fiche | None:
        if report.verdict == "ineligible" and report.dossier is not None:
            avec_remedes(report, regles, index)  # in place: the remedies travel with the report
        return fiche(report)

    return resumer
