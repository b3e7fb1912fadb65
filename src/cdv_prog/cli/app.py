"""The ``cdv`` command line: the app, its commands, and ``main()`` (the console script).

Payload on stdout, everything else on stderr. Exit codes: 0 all fine; 1
problems in the data (a dossier inéligible or invalide, an enveloppe
exceeded); 2 usage error. Each command lives in its own module of this
package and is registered here — the one place that imports them all, so
there is no import circle.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Annotated, cast

import typer

from cdv_prog.cli import check, importer, programmation, regles, schema
from cdv_prog.cli.common import err_console, new_app

if TYPE_CHECKING:
    from typer._click.exceptions import ClickException, UsageError

app = new_app(
    "cdv", "cdv — règles du contrat de ville en code : éligibilité des dossiers et programmation des financements."
)


def _version(value: bool) -> None:
    """``--version``: answered as soon as it is read, before any command is looked for."""
    if value:
        from cdv_prog import __version__

        typer.echo(f"cdv {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Affiche la version de cdv.", is_eager=True, callback=_version)
    ] = False,
) -> None:
    """cdv — règles du contrat de ville en code : éligibilité des dossiers et programmation des financements."""


app.command("check")(check.check)
app.command("programmation")(programmation.programmation)
app.add_typer(regles.regles_app, name="regles")
app.command("schema")(schema.schema)
app.command("importer")(importer.importer)


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
    usage_error = cast("type[UsageError]", next(c for c in mro if c.__name__ == "UsageError"))
    click_exception = cast("type[ClickException]", next(c for c in mro if c.__name__ == "ClickException"))
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
    except Exception as exc:  # a bug of cdv: a French message and the details, never a bare traceback
        if os.environ.get("CDV_DEBUG"):
            raise
        from rich.markup import escape

        console = err_console()
        console.print(
            f"[bold red]Erreur interne de cdv[/] ({type(exc).__name__}) : {escape(str(exc))}", highlight=False
        )
        console.print("Relancer avec CDV_DEBUG=1 pour le détail, et signaler le problème.", highlight=False)
        return _exit(2)
    code = result if isinstance(result, int) else 0
    return _exit(code)


def _exit(code: int) -> int:
    with contextlib.suppress(BrokenPipeError, ValueError):
        sys.stdout.flush()
    sys.exit(code)
