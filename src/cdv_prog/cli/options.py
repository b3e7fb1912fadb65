"""The options and arguments the commands share, as typer declares them, and the app factory.

The one module of shared command-line declarations that imports typer: what the commands do with
the values (:mod:`cdv_prog.cli.common`) imports neither typer nor click, so that ``cdv check``'s
fast path (:mod:`cdv_prog.cli.fast`) runs without them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from typer.core import TyperGroup


def new_app(name: str, help: str, *, completion: bool = False, cls: type[TyperGroup] | None = None) -> typer.Typer:
    """A typer app (``cdv`` or one of its command groups) with the settings they all share.

    Help and usage errors in French (:mod:`cdv_prog.cli.french`); ``completion``: the
    ``--install-completion`` and ``--show-completion`` options (the root app only). A group called
    without a command shows its help on standard error and exits 2, as click does. ``cls``: the
    click group's class, a :class:`~cdv_prog.cli.french.FrenchGroup` (the default) or a subclass.
    """
    from cdv_prog.cli.french import SUBCOMMAND_METAVAR, FrenchGroup, FrenchTyper, install

    install()
    return FrenchTyper(
        name=name,
        help=help,
        cls=cls or FrenchGroup,
        subcommand_metavar=SUBCOMMAND_METAVAR,
        suggest_commands=False,  # FrenchGroup suggests, in French
        no_args_is_help=True,
        add_completion=completion,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )


def output_option(help: str) -> Any:
    """``-o/--output FICHIER``: the one declaration of the report file, the same in every command.

    ``-o -`` is standard output, as in most command line tools.
    """
    return typer.Option("--output", "-o", metavar="FICHIER", help=help, show_default=False, callback=_dash_is_stdout)


def format_option(formats: Iterable[str], help: str) -> Any:
    """``-f/--format``: the one declaration of a command's format option, its choices from the registry."""
    return typer.Option("--format", "-f", metavar="|".join(formats), help=help, show_default=False)


def _dash_is_stdout(value: Path | None) -> Path | None:
    return None if value is not None and str(value) == "-" else value


HISTORIQUE_HELP = (
    "Dossiers d'exercices précédents lus comme historique seulement (fichier ou répertoire ; répétable). "
    "Les dossiers des chemins donnés servent déjà d'historique à ceux des exercices suivants."
)

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        metavar="CHEMIN",
        help="Fichiers de dossiers ou répertoires (recherche récursive des *.yaml, *.yml). Défaut : data/dossiers.",
        show_default=False,
        readable=False,  # an unreadable file is an « invalide » report, as inside a folder (not a usage error)
    ),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        "-r",
        metavar="RÈGLES",
        help="Fichier ou répertoire de règles. Défaut : ./rules s'il existe, sinon les règles livrées avec cdv.",
        show_default=False,
        readable=False,  # an unreadable rules file: the loader's French reason, with its name
    ),
]
ExerciceOpt = Annotated[
    int | None,
    typer.Option(
        "--exercice",
        "-e",
        metavar="ANNÉE",
        help="Ne vérifier que les dossiers de cet exercice (année).",
        show_default=False,
    ),
]

JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        min=1,
        show_default=False,
        help="Nombre de processus, le principal compris (il vérifie des dossiers lui aussi). Défaut : un par processeur pour les gros lots (200 fichiers et plus), sinon 1.",
    ),
]

HistoriqueOpt = Annotated[
    list[Path] | None,
    typer.Option("--historique", metavar="CHEMIN", help=HISTORIQUE_HELP, show_default=False),
]
