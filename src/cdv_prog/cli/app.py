"""The ``cdv`` command line: the app, its commands, and ``main()`` (the console script).

Payload on stdout, everything else on stderr. Exit codes: 0 all fine; 1
problems in the data (a dossier inéligible or invalide, an enveloppe
exceeded); 2 usage error — in French, rebuilt from click's exception
(:mod:`cdv_prog.cli.french`); a group called without its command (``cdv``,
``cdv regles``) shows its help on stderr and exits 2, as click does. ``-o/--output
FICHIER`` is the report file in every command. Each command lives in its own module of this
package and is registered here (:data:`COMMANDS`) — the one place that names them all, so there
is no import circle; a command's module is imported only when that command runs (or the help
lists them), so that ``cdv check`` starts fast.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
import typer.main
from typer._click.core import Command, Context
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param  # loaded by typer.core
from typer.core import TyperArgument, TyperOption

from cdv_prog.cli.common import err_console
from cdv_prog.cli.french import FrenchGroup, FrenchTyper, french_completion, usage_message
from cdv_prog.cli.options import new_app


def _version(value: bool) -> None:
    """``--version``: answered as soon as it is read, before any command is looked for."""
    if value:
        from cdv_prog import __version__

        typer.echo(f"cdv {__version__}")
        raise typer.Exit(0)


# The commands, in the order of ``cdv --help`` (typer lists the commands, then the groups): a command's
# function or a group's typer app, by module and name. Each is imported and built only when it is asked
# for (:class:`_LazyGroup`): ``cdv check`` imports neither the arbitrage, nor the importer, nor the other
# commands' modules.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("cdv_prog.cli.check", "check"),
    "programmation": ("cdv_prog.cli.programmation", "programmation"),
    "arbitrage": ("cdv_prog.cli.arbitrage", "arbitrage"),
    "suivi": ("cdv_prog.cli.suivi", "suivi"),
    "schema": ("cdv_prog.cli.schema", "schema"),
    "importer": ("cdv_prog.cli.importer", "importer"),
    "regles": ("cdv_prog.cli.regles", "regles_app"),
    "cache": ("cdv_prog.cli.cache", "cache_app"),
}


def _build(name: str) -> Command:
    """The click command ``name`` of ``cdv``, built as typer builds it inside the whole tree."""
    import importlib

    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    scratch = FrenchTyper()  # registered as on the app itself: the same CommandInfo or TyperInfo
    if isinstance(target, typer.Typer):
        scratch.add_typer(target, name=name)
        return _coerce_when_given(
            typer.main.get_group_from_info(
                scratch.registered_groups[0],
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
        )
    scratch.command(name)(target)
    return _coerce_when_given(
        typer.main.get_command_from_info(
            scratch.registered_commands[0],
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=app.rich_markup_mode,
        )
    )


class _WhenGiven(RuntimeParam):
    """A parameter's coercion, built by typer the first time a value comes (never for ``None``)."""

    descriptor: TypeDescriptor

    def __init__(self, descriptor: TypeDescriptor) -> None:
        super().__init__(descriptor.parameter_info, descriptor.annotation)
        object.__setattr__(self, "descriptor", descriptor)  # a frozen dataclass: set once, here

    def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
        built = build_runtime_param(self.descriptor)
        param._runtime_param = built  # the next value goes straight to it
        return built._coerce_value(value, param=param, ctx=ctx)


def _coerce_when_given(command: Command) -> Command:
    """``command`` (and its sub-commands) with each parameter's coercion built only for a value given.

    typer builds a pydantic ``TypeAdapter`` for every parameter it processes, given or not; an
    option left out (``None``) is never coerced (``RuntimeParam.coerce``), so its adapter is
    built only if a value comes (:class:`_WhenGiven`): the same values and errors, a dozen
    adapters fewer at each start.
    """
    for param in command.params:
        if isinstance(param, TyperArgument | TyperOption) and param._runtime_param is None:
            param._runtime_param = _WhenGiven(param.type_descriptor)
    for sub in getattr(command, "commands", {}).values():
        _coerce_when_given(sub)
    return command


class _LazyGroup(FrenchGroup):
    """The root group: its commands (:data:`COMMANDS`) built the first time they are asked for."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.commands[cmd_name] = _build(cmd_name)
        return super().get_command(ctx, cmd_name)


app = new_app(
    "cdv",
    "cdv — règles du contrat de ville en code : éligibilité des dossiers et programmation des financements.",
    completion=True,
    cls=_LazyGroup,
)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Affiche la version de cdv.", is_eager=True, callback=_version)
    ] = False,
) -> None:
    """cdv — règles du contrat de ville en code : éligibilité des dossiers et programmation des financements."""


def command(*, lazy: bool = False) -> Command:
    """The click command tree of ``cdv``, as ``main()`` runs it (help and completion options in French).

    ``lazy``: each command is built when it is asked for, as ``main()`` does (else all of them at once).
    """
    root = typer.main.get_command(app)
    if not isinstance(root, _LazyGroup):  # pragma: no cover - the app is made with cls=_LazyGroup
        raise TypeError(type(root).__name__)
    _coerce_when_given(root)
    if not lazy:
        for name in COMMANDS:
            root.commands[name] = _build(name)
    french_completion(root)
    return root


def _plain(message: str) -> str:
    """A click message in French, its quoted values shown as they are (not read as rich markup), each bounded."""
    import re

    from rich.markup import escape

    from cdv_prog.core.texte import LIMIT, short

    return escape(re.sub(rf"\S{{{LIMIT + 1},}}", lambda m: short(m.group()), message))


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: French usage errors, exit code 2, never a traceback.

    The whole command line through typer; :func:`cdv_prog.cli.main` first tries ``cdv check``'s
    fast path, which runs the same command without typer (:mod:`cdv_prog.cli.fast`).
    """
    from cdv_prog.cli.process import protected

    return protected(lambda: command(lazy=True).main(args=argv, standalone_mode=False, prog_name="cdv"), _usage)


def _usage(exc: Exception) -> int | None:
    """The exit code of click's and typer's exceptions, after their French message; ``None`` for another."""
    if isinstance(exc, NoArgsIsHelpError):  # a group without its command: its help, a usage error (exit 2) as in click
        console = err_console()
        for line in exc.ctx.get_help().splitlines():  # line by line: the console writes out a newline
            console.print(line, highlight=False, markup=False)
        console.print(
            f"[bold red]Erreur d'utilisation :[/] commande manquante : {_plain(exc.ctx.command_path)} COMMANDE, "
            "l'une de celles ci-dessus",
            highlight=False,
        )
        return 2
    if isinstance(exc, UsageError):
        console = err_console()
        for line in exc.ctx.get_usage().splitlines() if exc.ctx is not None else ():
            console.print(line, highlight=False, markup=False)
        console.print(f"[bold red]Erreur d'utilisation :[/] {_plain(usage_message(exc))}", highlight=False)
        path = exc.ctx.command_path if exc.ctx is not None else "cdv"
        console.print(f"Aide : {_plain(path)} --help", highlight=False)
        return 2
    if isinstance(exc, ClickException):
        err_console().print(f"[bold red]Erreur :[/] {_plain(exc.format_message())}", highlight=False)
        return 2
    if isinstance(exc, typer.Abort):
        err_console().print("Interrompu.")
        return 130
    return None
