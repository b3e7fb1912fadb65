"""``cdv programmation``: per-financeur totals of an exercice against the enveloppes, and the COPIL report.

Registered on the ``cdv`` app by an import at the bottom of :mod:`cdv_prog.cli`.
Reads and checks the dossiers, streaming (a progress bar on stderr for 100
files or more, when stderr is a terminal, never with ``--format json``),
computes the programmation (pure), renders it in the chosen format, and writes
it to stdout or atomically to ``--output``.
Exit code (SPEC §4): 0 all fine; 1 a dossier inéligible or invalide, an
enveloppe exceeded or a bloquant programmation rule failed; 2 usage error.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer

from .cli import PathsArg, RulesOpt, app, err_console, fail_usage, find_files, load_ruleset


class ProgFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


EXERCICE_HELP = "Exercice (année) de la programmation. Défaut : celui des dossiers, s'ils en ont un seul."
FORMAT_HELP = "Format : text, json, csv (une ligne par financeur), xlsx (classeur) ou html (rapport autonome)."
PROGRESS_MIN_FILES = 100  # below that, reading takes less than a moment: no bar flickering by
OUTPUT_HELP = "Écrit le rapport dans ce fichier (écriture atomique ; refuse d'écraser un dossier ou un fichier de règles)."


def _progress(files: list[Path], shown: bool) -> Iterator[Path]:
    """The files, with a transient rich progress bar on stderr when ``shown``."""
    if not shown:
        yield from files
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("Lecture des dossiers"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("dossiers", total=len(files))
        for path in files:
            yield path
            progress.advance(task)


@app.command("programmation")
def programmation(
    paths: PathsArg = None,
    rules: RulesOpt = None,
    exercice: Annotated[Optional[int], typer.Option("--exercice", "-e", help=EXERCICE_HELP, show_default=False)] = None,
    format: Annotated[ProgFormat, typer.Option("--format", "-f", help=FORMAT_HELP)] = ProgFormat.text,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help=OUTPUT_HELP, show_default=False)] = None,
) -> None:
    """Programmation d'un exercice : par financeur, enveloppe, demandé, retenu, solde, taux ; répartitions, CPO."""
    from .batch import check_files
    from .output import OutputRefused, check_target
    from .programmation.calcul import AucunExercice, PlusieursExercices, calculer, calculer_exercice_unique

    regles = load_ruleset(rules)
    roots = paths or [Path("data/dossiers")]
    files = find_files(roots)
    first, last = regles.contrat.periode
    if exercice is not None and not first <= exercice <= last:
        raise fail_usage(f"exercice {exercice} hors de la période du contrat ({first}-{last})")
    target = None
    if output is not None:
        rules_dirs = sorted({p.parent for p in regles.fichiers})
        try:
            target = check_target(output, [*files, *regles.fichiers], [*roots, *rules_dirs])
        except OutputRefused as exc:
            raise fail_usage(str(exc)) from None
    elif format is ProgFormat.xlsx and sys.stdout.isatty():
        raise fail_usage("un classeur xlsx ne s'affiche pas dans un terminal : ajouter --output FICHIER.xlsx")

    shown = format is not ProgFormat.json and len(files) >= PROGRESS_MIN_FILES and sys.stderr.isatty()
    reports = check_files(_progress(files, shown), regles, exercice)  # streamed: memory stays small
    if exercice is not None:
        prog = calculer(reports, regles, exercice)
    else:
        try:
            prog = calculer_exercice_unique(reports, regles)
        except PlusieursExercices as exc:
            raise fail_usage(f"les dossiers relèvent de plusieurs exercices ({exc}) : préciser lequel avec --exercice") from None
        except AucunExercice:
            raise fail_usage("aucun dossier dont l'exercice soit lisible : préciser l'exercice avec --exercice "
                             "pour voir les enveloppes") from None

    payload = _render(prog, regles, format, to_terminal=target is None and sys.stdout.isatty())
    if payload is not None:
        if target is not None:
            from .output import write_atomic

            try:
                write_atomic(target, payload)
            except OSError as exc:
                raise fail_usage(f"écriture de {output} impossible : {exc.strerror or exc}") from None
            err_console().print(f"Rapport écrit : {output}", highlight=False)
        else:
            sys.stdout.buffer.write(payload)
    sys.stdout.flush()
    raise typer.Exit(prog.exit_code)


def _render(prog, regles, format: ProgFormat, to_terminal: bool) -> bytes | None:
    """The report's bytes; None when it was printed straight to the terminal (text with colours)."""
    if format is ProgFormat.json:
        from .render import programmation_json

        return programmation_json.render(prog, regles).encode("utf-8")
    if format is ProgFormat.csv:
        from .render import programmation_csv

        return programmation_csv.render(prog, regles)
    if format is ProgFormat.xlsx:
        from .render import programmation_xlsx

        return programmation_xlsx.render(prog, regles)
    if format is ProgFormat.html:
        from .render import programmation_html

        return programmation_html.render(prog, regles).encode("utf-8")
    from .render import programmation_text

    if to_terminal:
        programmation_text.render(programmation_text.console_for(), prog, regles)
        return None
    import io

    buf = io.StringIO()
    programmation_text.render(programmation_text.console_for(buf), prog, regles)
    return buf.getvalue().encode("utf-8")
