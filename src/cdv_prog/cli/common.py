"""What every command shares: the app factory, the error console, usage errors, common options.

Only typer and the standard library are imported at module level: ``cdv
--help`` and ``cdv check FILE`` start fast, and each command imports what it
needs when it runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from cdv_prog.core.ruleset import JeuDeRegles


def new_app(name: str, help: str) -> typer.Typer:
    """A typer app (``cdv`` or one of its command groups) with the settings they all share."""
    return typer.Typer(
        name=name,
        help=help,
        no_args_is_help=True,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )


def err_console() -> Console:
    """The console of messages (standard error): the payload alone goes to standard output."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)  # no wrapping inside file paths


def fail_usage(message: str) -> typer.Exit:
    """Print a French usage error; the caller raises the returned exit (code 2)."""
    from rich.markup import escape

    err_console().print(f"[bold red]Erreur :[/] {escape(message)}", highlight=False)
    return typer.Exit(2)


def default_rules() -> Path:
    """The default rules path, relative to the current folder when inside it (shorter messages)."""
    import os

    from cdv_prog.files.rules import default_rules_path

    found = default_rules_path()
    try:
        rel = os.path.relpath(found)
    except ValueError:
        return found
    return Path(rel) if not rel.startswith("..") else found


def load_ruleset(rules: Path | None) -> JeuDeRegles:
    """The rule set at ``rules`` (default: ./rules, else the shipped one), or exit 2 with its problems."""
    from cdv_prog.core.ruleset import RulesError
    from cdv_prog.files.rules import default_rules_path, load_rules

    path = rules if rules is not None else default_rules_path()
    try:
        return load_rules(path)
    except RulesError as exc:
        from rich.markup import escape

        console = err_console()
        console.print(f"[bold red]Règles invalides[/] ({escape(str(path))}) :", highlight=False)
        for p in exc.problems:
            console.print("  " + escape(str(p)), highlight=False)
        raise typer.Exit(2) from None


def find_files(paths: list[Path]) -> list[Path]:
    """The dossier files under ``paths``, or exit 2 naming the missing path."""
    from cdv_prog.files.dossiers import MissingPath, discover

    try:
        return discover(paths)
    except MissingPath as exc:
        raise fail_usage(f"chemin introuvable : {exc}") from None


T = TypeVar("T")


def progress(items: Iterable[T], total: int, shown: bool, label: str) -> Iterator[T]:
    """The items, with a transient progress bar on standard error when ``shown``."""
    if not shown:
        yield from items
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task)


def write_report(target: Path, data: bytes | str, inputs: list[Path], roots: list[Path]) -> None:
    """Write a report file through the one write path, or exit 2 with a French message."""
    from cdv_prog.files.output import OutputRefused, write_output

    try:
        write_output(target, data, inputs, roots, make_parents=True)
    except OutputRefused as exc:
        raise fail_usage(str(exc)) from None
    except OSError as exc:
        raise fail_usage(f"impossible d'écrire {target} : {exc.strerror or exc}") from None


def rules_inputs(path: Path) -> tuple[list[Path], list[Path]]:
    """The rules files under ``path`` and the folders they are read from (never written over)."""
    from cdv_prog.files.rules import rules_files

    if not path.exists():
        return [], []
    files = rules_files(path)
    return files, sorted({f.parent for f in files} | ({path} if path.is_dir() else set()))


def out(line: str) -> None:
    """One line of payload on standard output."""
    import sys

    sys.stdout.write(line + "\n")


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Fichiers de dossiers ou répertoires (recherche récursive des *.yaml, *.yml). Défaut : data/dossiers.",
        show_default=False,
    ),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        "-r",
        help="Fichier ou répertoire de règles. Défaut : ./rules s'il existe, sinon les règles livrées avec cdv.",
        show_default=False,
    ),
]
ExerciceOpt = Annotated[
    int | None,
    typer.Option("--exercice", "-e", help="Ne vérifier que les dossiers de cet exercice (année).", show_default=False),
]

JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        show_default=False,
        help="Nombre de processus. Défaut : un par processeur pour les gros lots (200 fichiers et plus), sinon 1.",
    ),
]
