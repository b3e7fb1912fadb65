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
from typing import Annotated

import typer

from cdv_prog.cli.common import (
    JobsOpt,
    PathsArg,
    RulesOpt,
    announce_rules,
    check_report_target,
    fail_usage,
    find_files,
    load_ruleset,
    nothing_to_check,
    output_help,
    output_option,
    progress,
    report_format,
    warn_unread,
    write_payload,
    write_report,
)
from cdv_prog.render.registry import PROGRAMMATION, TEXT_FORMATS, choices

EXERCICE_HELP = "Exercice (année) de la programmation. Défaut : celui des dossiers, s'ils en ont un seul."
FORMAT_HELP = (
    "Format : text, json, csv (une ligne par financeur), xlsx (classeur) ou html (rapport autonome). "
    "Défaut : text, ou celui qu'indique l'extension de --output (copil.xlsx : classeur)."
)
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
        typer.Option("--format", "-f", metavar=choices(PROGRAMMATION), help=FORMAT_HELP, show_default=False),
    ] = None,
    output: Annotated[Path | None, output_option(OUTPUT_HELP)] = None,
    jobs: JobsOpt = None,
) -> None:
    """Programmation d'un exercice : par financeur, enveloppe, demandé, retenu, solde, taux ; répartitions, CPO."""
    from cdv_prog.cli.check import sortie
    from cdv_prog.core.report import WalkError
    from cdv_prog.files.parallel import check_reports
    from cdv_prog.programmation.calcul import AucunExercice, PlusieursExercices, calculer, calculer_exercice_unique
    from cdv_prog.render.registry import programmation_renderer

    format = report_format(PROGRAMMATION, format, output)
    regles = load_ruleset(rules)
    announce_rules(rules, regles)
    roots = paths or [Path("data/dossiers")]
    non_lus: list[WalkError] = []  # folders that could not be searched: printed on stderr, exit code 1
    files = find_files(roots, non_lus)
    warn_unread(non_lus)
    first, last = regles.contrat.periode
    if exercice is not None and not first <= exercice <= last:
        raise fail_usage(f"exercice {exercice} hors de la période du contrat ({first}-{last})")
    if not files:
        raise nothing_to_check(roots, exercice, 0)
    inputs = [*files, *regles.fichiers]
    dirs = [*roots, *sorted({p.parent for p in regles.fichiers})]
    if output is not None:  # refused before the run, not after
        check_report_target(output, inputs, dirs)
    elif format == "xlsx" and sys.stdout.isatty():
        raise fail_usage("un classeur xlsx ne s'affiche pas dans un terminal : ajouter --output FICHIER.xlsx")

    shown = format != "json" and len(files) >= PROGRESS_MIN_FILES and sys.stderr.isatty()
    # streamed: the calculation keeps sums, not reports, and memory stays small
    reports = progress(check_reports(files, regles, exercice, jobs=jobs), len(files), shown, "Lecture des dossiers")
    if exercice is not None:
        prog = calculer(reports, regles, exercice)
        if prog.resume.total == 0:
            raise nothing_to_check(roots, exercice, len(files))
    else:
        try:
            prog = calculer_exercice_unique(reports, regles)
        except PlusieursExercices as exc:
            raise fail_usage(
                f"les dossiers relèvent de plusieurs exercices ({exc}) : préciser lequel avec --exercice"
            ) from None
        except AucunExercice:
            raise fail_usage(
                "aucun dossier dont l'exercice soit lisible : préciser l'exercice avec --exercice "
                "pour voir les enveloppes"
            ) from None

    payload = programmation_renderer(format)(prog, regles, sortie(to_file=output is not None))
    if output is not None:
        write_report(output, payload, inputs, dirs, announce="Rapport écrit")
    else:
        write_payload(payload, for_people=format in TEXT_FORMATS)
    sys.stdout.flush()
    raise typer.Exit(max(prog.exit_code, 1 if non_lus else 0))
