"""``cdv check``: the eligibility of dossiers, streamed in any registered format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cdv_prog.cli.common import (
    ExerciceOpt,
    JobsOpt,
    PathsArg,
    RulesOpt,
    err_console,
    fail_usage,
    find_files,
    load_ruleset,
)
from cdv_prog.render.registry import CHECK, Sortie, choices

FORMAT_HELP = "Format de sortie : text, json, ou github (annotations ::error/::warning pour la CI)."


def check(
    paths: PathsArg = None,
    rules: RulesOpt = None,
    format: Annotated[str, typer.Option("--format", "-f", metavar=choices(CHECK), help=FORMAT_HELP)] = "text",
    exercice: ExerciceOpt = None,
    jobs: JobsOpt = None,
) -> None:
    """Vérifie l'éligibilité des dossiers : verdict, règles en échec avec leur source, réserves."""
    from cdv_prog.core.report import Resume
    from cdv_prog.files.parallel import check_reports
    from cdv_prog.programmation.totaux import TotauxParExercice
    from cdv_prog.render.registry import CheckRun, check_renderer

    if format not in CHECK:
        raise fail_usage(f"format inconnu « {format} » ; formats possibles : {', '.join(CHECK)}")
    regles = load_ruleset(rules)
    files = find_files(paths or [Path("data/dossiers")])
    # the totals need only the dossiers' amounts: a parallel batch sends back just those
    reports = check_reports(files, regles, exercice, jobs=jobs, dossiers=False)
    run = CheckRun(regles, Resume(), TotauxParExercice(regles), sortie(), [])
    for chunk in check_renderer(format)(run.totaux.follow(run.resume.follow(reports)), run):
        sys.stdout.write(chunk)
    sys.stdout.flush()
    if run.messages:
        console = err_console()
        for line in run.messages:
            console.print(line, markup=False, highlight=False)
    raise typer.Exit(max(run.resume.exit_code, run.totaux.exit_code))


def sortie(to_file: bool = False) -> Sortie:
    """Where the payload goes: the terminal (colours, its width) or a pipe or file."""
    import shutil

    if not to_file and sys.stdout.isatty():
        return Sortie(terminal=True, largeur=shutil.get_terminal_size().columns)
    return Sortie()
