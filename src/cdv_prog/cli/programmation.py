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
    err_console,
    fail_usage,
    find_files,
    load_ruleset,
    progress,
)
from cdv_prog.render.registry import PROGRAMMATION, choices

EXERCICE_HELP = "Exercice (année) de la programmation. Défaut : celui des dossiers, s'ils en ont un seul."
FORMAT_HELP = "Format : text, json, csv (une ligne par financeur), xlsx (classeur) ou html (rapport autonome)."
PROGRESS_MIN_FILES = 100  # below that, reading takes less than a moment: no bar flickering by
OUTPUT_HELP = (
    "Écrit le rapport dans ce fichier (écriture atomique ; refuse d'écraser un dossier ou un fichier de règles)."
)


def programmation(
    paths: PathsArg = None,
    rules: RulesOpt = None,
    exercice: Annotated[int | None, typer.Option("--exercice", "-e", help=EXERCICE_HELP, show_default=False)] = None,
    format: Annotated[str, typer.Option("--format", "-f", metavar=choices(PROGRAMMATION), help=FORMAT_HELP)] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP, show_default=False)] = None,
    jobs: JobsOpt = None,
) -> None:
    """Programmation d'un exercice : par financeur, enveloppe, demandé, retenu, solde, taux ; répartitions, CPO."""
    from cdv_prog.cli.check import sortie
    from cdv_prog.files.output import OutputRefused, check_output, write_output
    from cdv_prog.files.parallel import check_reports
    from cdv_prog.programmation.calcul import AucunExercice, PlusieursExercices, calculer, calculer_exercice_unique
    from cdv_prog.render.registry import programmation_renderer

    if format not in PROGRAMMATION:
        raise fail_usage(f"format inconnu « {format} » ; formats possibles : {', '.join(PROGRAMMATION)}")
    regles = load_ruleset(rules)
    roots = paths or [Path("data/dossiers")]
    files = find_files(roots)
    first, last = regles.contrat.periode
    if exercice is not None and not first <= exercice <= last:
        raise fail_usage(f"exercice {exercice} hors de la période du contrat ({first}-{last})")
    inputs = [*files, *regles.fichiers]
    dirs = [*roots, *sorted({p.parent for p in regles.fichiers})]
    if output is not None:
        try:
            check_output(output, inputs, dirs)
        except OutputRefused as exc:
            raise fail_usage(str(exc)) from None
    elif format == "xlsx" and sys.stdout.isatty():
        raise fail_usage("un classeur xlsx ne s'affiche pas dans un terminal : ajouter --output FICHIER.xlsx")

    shown = format != "json" and len(files) >= PROGRESS_MIN_FILES and sys.stderr.isatty()
    # streamed: the calculation keeps sums, not reports, and memory stays small
    reports = progress(check_reports(files, regles, exercice, jobs=jobs), len(files), shown, "Lecture des dossiers")
    if exercice is not None:
        prog = calculer(reports, regles, exercice)
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
        try:
            write_output(output, payload, inputs, dirs)
        except OutputRefused as exc:
            raise fail_usage(str(exc)) from None
        except OSError as exc:
            raise fail_usage(f"écriture de {output} impossible : {exc.strerror or exc}") from None
        err_console().print(f"Rapport écrit : {output}", highlight=False, markup=False)
    else:
        sys.stdout.buffer.write(payload)
    sys.stdout.flush()
    raise typer.Exit(prog.exit_code)
