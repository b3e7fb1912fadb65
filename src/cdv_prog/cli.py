"""The ``cdv`` command line. Payload on stdout, everything else on stderr.

Exit codes (SPEC §4): 0 all fine; 1 problems in the data (a dossier
inéligible or invalide, an enveloppe exceeded); 2 usage error.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

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


app = new_app("cdv", "cdv — règles du contrat de ville en code : éligibilité des dossiers et programmation des financements.")


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Affiche la version de cdv.", is_eager=True)] = False,
) -> None:
    """cdv — règles du contrat de ville en code : éligibilité des dossiers et programmation des financements."""
    if version:
        from . import __version__

        typer.echo(f"cdv {__version__}")
        raise typer.Exit(0)


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


def err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)  # no wrapping inside file paths


def fail_usage(message: str) -> "typer.Exit":
    err_console().print(f"[bold red]Erreur :[/] {message}", highlight=False)
    return typer.Exit(2)


def load_ruleset(rules: Optional[Path]):
    from .regles import RulesError, default_rules_path, load_rules

    path = rules if rules is not None else default_rules_path()
    try:
        return load_rules(path)
    except RulesError as exc:
        console = err_console()
        console.print(f"[bold red]Règles invalides[/] ({path}) :", highlight=False)
        from rich.markup import escape

        for p in exc.problems:
            console.print("  " + escape(str(p)), highlight=False)
        raise typer.Exit(2) from None


def find_files(paths: list[Path]) -> list[Path]:
    from .batch import MissingPath, discover

    try:
        return discover(paths)
    except MissingPath as exc:
        raise fail_usage(f"chemin introuvable : {exc}") from None


PathsArg = Annotated[
    Optional[list[Path]],
    typer.Argument(help="Fichiers de dossiers ou répertoires (recherche récursive des *.yaml, *.yml). Défaut : data/dossiers.", show_default=False),
]
RulesOpt = Annotated[
    Optional[Path],
    typer.Option("--rules", "-r", help="Fichier ou répertoire de règles. Défaut : ./rules s'il existe, sinon les règles livrées avec cdv.", show_default=False),
]
ExerciceOpt = Annotated[
    Optional[int], typer.Option("--exercice", "-e", help="Ne vérifier que les dossiers de cet exercice (année).", show_default=False)
]

JobsOpt = Annotated[
    Optional[int],
    typer.Option("--jobs", "-j", min=1, show_default=False,
                 help="Nombre de processus. Défaut : un par processeur pour les gros lots (200 fichiers et plus), sinon 1."),
]


@app.command("check")
def check(
    paths: PathsArg = None,
    rules: RulesOpt = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Format de sortie : text, json, ou github (annotations ::error/::warning pour la CI).")] = CheckFormat.text,
    exercice: ExerciceOpt = None,
    jobs: JobsOpt = None,
) -> None:
    """Vérifie l'éligibilité des dossiers : verdict, règles en échec avec leur source, réserves."""
    from .batch import Resume
    from .parallel import check_reports

    regles = load_ruleset(rules)
    files = find_files(paths or [Path("data/dossiers")])
    resume = Resume()
    # the totals need only the dossiers' amounts: a parallel batch sends back just those
    reports = check_reports(files, regles, exercice, jobs=jobs, dossiers=False)
    from .programmation.totals import TotauxParExercice

    totaux = TotauxParExercice(regles)  # per-financeur totals, accumulated as the reports stream by
    reports = totaux.follow(reports)
    if format is CheckFormat.json:
        from .render.json_report import encode_report
        from .render.json_stream import write_stream

        def items():
            for report in reports:
                resume.add(report)
                yield encode_report(report)

        write_stream(sys.stdout, "dossiers", items(), lambda: {"resume": resume.to_dict(), "totaux": totaux.to_dict()})
    elif format is CheckFormat.github:
        from .render import github

        for report in reports:
            resume.add(report)
            for line in github.dossier_commands(report, regles):
                sys.stdout.write(line + "\n")
        err_console().print(f"{resume.total} dossier(s) : {resume.eligible} éligible(s), {resume.ineligible} inéligible(s), {resume.invalide} invalide(s)")
    else:
        from rich.console import Console

        from .render import text

        console = Console(highlight=False)
        for report in reports:
            resume.add(report)
            text.dossier(console, report)
        text.summary(console, resume)
        if resume.total > 1:
            from .render.programmation_text import totaux as totaux_table

            totaux_table(console, totaux)
    sys.stdout.flush()
    raise typer.Exit(max(resume.exit_code, totaux.exit_code))


_CLICK_FR = {
    "No such option": "option inconnue",
    "No such command": "commande inconnue",
    "Missing argument": "argument manquant",
    "Missing option": "option manquante",
    "Invalid value for": "valeur invalide pour",
    "is not one of": "n'est pas parmi",
    "is not a valid integer": "n'est pas un entier valide",
    "Option '{}' requires an argument": "l'option exige une valeur",
    "requires an argument": "exige une valeur",
    "Got unexpected extra argument": "argument en trop",
    "Did you mean": "Vouliez-vous dire",
    "Value error, ": "",
    "Input should be a valid integer, unable to parse string as an integer": "doit être un nombre entier",
}


def _french(message: str) -> str:
    for en, fr in _CLICK_FR.items():
        message = message.replace(en, fr)
    return message


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: French usage errors, exit code 2, never a traceback."""
    import os

    # cdv uses no pydantic plugin: skip their discovery (an entry-point scan, ~15 ms at each start)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # typer vendors click in recent releases: find its exception classes through typer itself
    mro = typer.BadParameter.__mro__
    usage_error = next(c for c in mro if c.__name__ == "UsageError")
    click_exception = next(c for c in mro if c.__name__ == "ClickException")
    try:
        result = app(args=argv, standalone_mode=False, prog_name="cdv")
    except usage_error as exc:
        console = err_console()
        if exc.ctx is not None:
            console.print(exc.ctx.get_usage(), highlight=False, markup=False)
        console.print(f"[bold red]Erreur d'utilisation :[/] {_french(exc.format_message())}", highlight=False)
        console.print("Aide : cdv --help", highlight=False)
        return _exit(2)
    except click_exception as exc:
        err_console().print(f"[bold red]Erreur :[/] {_french(exc.format_message())}", highlight=False)
        return _exit(2)
    except (KeyboardInterrupt, typer.Abort):
        err_console().print("Interrompu.")
        return _exit(130)
    except BrokenPipeError:
        return _exit(1)
    code = result if isinstance(result, int) else 0
    return _exit(code)


def _exit(code: int) -> int:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass
    sys.exit(code)


from . import cli_programmation  # noqa: E402,F401
from . import cli_regles  # noqa: E402,F401
from . import cli_importer  # noqa: E402,F401
