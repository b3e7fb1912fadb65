"""The command line in French: help screens, usage errors, shell completion.

typer (0.29 and later) bundles its own click (``typer._click``). Their words
reach the user by three roads, each translated where the words are made, not
by rewriting the English text afterwards:

* typer's own words (section titles, ``[default: …]``, ``[required]``,
  « Missing command. »…) go through gettext: :func:`install` gives
  ``typer.core`` a French translation function (:data:`TYPER_FR`);
* the bundled click writes a few words itself: the ``Usage:`` prefix and the
  headings (:class:`FrenchHelpFormatter`), the help option's text, the extra
  arguments refused (:class:`FrenchCommand`, :class:`FrenchGroup`), the
  unknown command (:class:`FrenchGroup`, with cdv's own suggestion), the
  completion options (:func:`french_completion`); arguments are listed by
  their French metavar, without typer's type labels (``<path>``);
* usage errors are rebuilt in French from the exception's fields — option,
  parameter, close options, and for a value refused by pydantic its error
  type and bounds — by :func:`usage_message`.

typer's rich help (``typer.rich_utils``) is never used: ``rich_markup_mode``
is ``None`` (:func:`cdv_prog.cli.common.new_app`). ``tests/test_cli_conventions.py``
renders the help of every command and fails on an English word.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer
import typer.core
from typer._click.core import Command, Context, Parameter
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import HelpFormatter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from cdv_prog.core.texte import short

# typer's words, by their gettext message id (typer/core.py).
TYPER_FR: dict[str, str] = {
    "Arguments": "Arguments",
    "Options": "Options",
    "Commands": "Commandes",
    "default: {default}": "défaut : {default}",
    "required": "obligatoire",
    "env var: {var}": "variable d'environnement : {var}",
    "(dynamic)": "(calculé)",
    "Aborted!": "Interrompu.",
    "Missing command.": "commande manquante.",
    "No such command {name!r}.": "commande inconnue {name!r}.",
}

USAGE_PREFIX = "Utilisation : "
SUBCOMMAND_METAVAR = "COMMANDE [ARGUMENTS]..."
HELP_OPTION_HELP = "Affiche cette aide et s'arrête."
COMPLETION_HELP = {
    "install_completion": "Installe la complétion des commandes de cdv pour le shell courant (bash, zsh, fish, PowerShell).",
    "show_completion": "Affiche le script de complétion pour le shell courant, à copier ou adapter.",
}
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
_SUGGEST_MAX = 100  # no suggestion for a longer word (the command line may hold a megabyte in one argument)


def translate(message: str) -> str:
    """typer's gettext: the French of one of its message ids (itself when unknown)."""
    return TYPER_FR.get(message, message)


def install() -> None:
    """typer's help and messages in French: its gettext function becomes :func:`translate`."""
    typer.core._ = translate


class FrenchHelpFormatter(HelpFormatter):
    """click's help formatter, with « Utilisation : » and French typography in headings (« Options : »)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE_PREFIX if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading} :\n")


class FrenchContext(Context):
    formatter_class = FrenchHelpFormatter


def _with_context(exc: UsageError, ctx: Context) -> UsageError:
    """The error, with the command it happened in (click's parser leaves it out of a missing option value)."""
    if exc.ctx is None:
        exc.ctx = ctx
        exc.cmd = ctx.command
    return exc


def _french_help_option(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.help = HELP_OPTION_HELP
    return option


def _format_parameters(command: Command, ctx: Context, formatter: HelpFormatter) -> None:
    """The « Arguments » and « Options » sections; an argument is shown by its metavar alone."""
    arguments: list[tuple[str, str]] = []
    options: list[tuple[str, str]] = []
    for param in command.get_params(ctx):
        if not isinstance(param, TyperArgument | TyperOption):
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if isinstance(param, TyperArgument):
            arguments.append((param.display_name_raw + ("..." if param.nargs != 1 else ""), record[1]))
        else:
            options.append(record)
    for title, rows in ((translate("Arguments"), arguments), (translate("Options"), options)):
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


class FrenchCommand(TyperCommand):
    """A typer command whose help and usage errors are French."""

    context_class = FrenchContext

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        return _french_help_option(super().get_help_option(ctx))

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _format_parameters(self, ctx, formatter)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        # click refuses extra arguments with an English sentence: let it keep them, then refuse them here
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        except UsageError as exc:
            raise _with_context(exc, ctx) from exc.__cause__
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            extra = " ".join(short(arg) for arg in rest)
            ctx.fail(f"argument{'s' if len(rest) > 1 else ''} en trop : {extra}")
        return rest


class FrenchGroup(TyperGroup):
    """A typer group (``cdv``, ``cdv regles``) whose help and usage errors are French."""

    context_class = FrenchContext

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        return _french_help_option(super().get_help_option(ctx))

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _format_parameters(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            raise _with_context(exc, ctx) from exc.__cause__

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            from cdv_prog.core.vocab import suggest

            close = suggest(name, self.list_commands(ctx)) if len(name) <= _SUGGEST_MAX else ""
            ctx.fail(f"commande inconnue « {short(name)} »{close}")
        return super().resolve_command(ctx, args)


class FrenchTyper(typer.Typer):
    """A typer app whose commands are :class:`FrenchCommand` unless told otherwise."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        kwargs.setdefault("cls", FrenchCommand)
        return super().command(*args, **kwargs)


# --------------------------------------------------------------------------- usage errors


def usage_message(exc: UsageError) -> str:
    """The French message of a usage error, rebuilt from its fields (never from its English text)."""
    if isinstance(exc, NoSuchOption):
        close = sorted(exc.possibilities or ())
        hint = f" (vouliez-vous dire {' ou '.join(close)} ?)" if close else ""
        return f"option inconnue : {short(exc.option_name)}{hint}"
    if isinstance(exc, MissingParameter):
        return _missing(exc)
    if isinstance(exc, BadParameter):
        return _bad_value(exc)
    if isinstance(exc, BadOptionUsage):
        option = _option(exc.ctx, exc.option_name)
        if option is not None and option.is_flag:
            return f"l'option {short(exc.option_name)} ne prend pas de valeur"
        return f"l'option {short(exc.option_name)} attend une valeur"
    return exc.format_message()  # cdv's own usage errors and typer's translated ones are French already


def _hint(param: Parameter | None, fallback: object = None) -> str:
    if isinstance(param, TyperOption):
        return "/".join(param.opts)
    if isinstance(param, TyperArgument):
        return param.display_name_raw
    return short(fallback) if fallback is not None else "?"


def _choices(param: Parameter | None) -> list[str]:
    if not isinstance(param, TyperArgument | TyperOption):
        return []
    desc = param.type_descriptor
    if not desc.is_choice:
        return []
    return [str(getattr(c, "value", c)) for c in desc.choices or ()]


def _missing(exc: MissingParameter) -> str:
    kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "parameter")
    label = {"argument": "argument manquant", "option": "option manquante"}.get(kind, "paramètre manquant")
    choices = _choices(exc.param)
    possible = f" (valeurs possibles : {', '.join(choices)})" if choices else ""
    return f"{label} : {_hint(exc.param, exc.param_hint)}{possible}"


def _bad_value(exc: BadParameter) -> str:
    hint = _hint(exc.param, exc.param_hint)
    cause = exc.__cause__
    errors = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    if not errors:  # a message of cdv's own (French) or of typer's path checks
        return f"{hint} : {exc.message}"
    error = errors[0]
    value = f"« {short(error.get('input', ''))} »"
    choices = _choices(exc.param)
    if choices:
        return f"{hint} : valeur {value} inconnue ; valeurs possibles : {', '.join(choices)}"
    from cdv_prog.files.messages import message_fr

    return f"{hint} : valeur {value} invalide, {message_fr(error)}"


def _option(ctx: Context | None, name: str) -> TyperOption | None:
    if ctx is None:
        return None
    for param in ctx.command.params:
        if isinstance(param, TyperOption) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


# --------------------------------------------------------------------------- shell completion


def french_completion(command: Command) -> None:
    """The ``--install-completion`` and ``--show-completion`` options of ``command``, in French."""
    for param in command.params:
        if param.name in COMPLETION_HELP and isinstance(param, TyperOption):
            param.help = COMPLETION_HELP[param.name]
            param.callback = _install if param.name == "install_completion" else _show


def _shell(value: object) -> str:
    """The shell asked for (``--install-completion zsh``) or the one cdv runs in; exit 2 when unknown."""
    if isinstance(value, str):
        shell = value
    else:
        from typer._completion_shared import _get_shell_name

        shell = _get_shell_name() or ""
    if shell not in SHELLS:
        from cdv_prog.cli.common import fail_usage

        found = f"« {short(shell)} »" if shell else "non reconnu"
        raise fail_usage(f"complétion : shell {found} ; shells pris en charge : {', '.join(SHELLS)}")
    return shell


def _install(ctx: Context, param: Parameter, value: object) -> object:
    if not value or ctx.resilient_parsing:
        return value
    from typer._completion_shared import install as install_script

    shell, path = install_script(shell=_shell(value))
    sys.stdout.write(f"Complétion {shell} installée dans {path} ; elle prendra effet dans un nouveau terminal.\n")
    raise typer.Exit(0)


def _show(ctx: Context, param: Parameter, value: object) -> object:
    if not value or ctx.resilient_parsing:
        return value
    from typer._completion_shared import get_completion_script

    name = ctx.find_root().info_name or "cdv"
    variable = "_{}_COMPLETE".format(name.replace("-", "_").upper())
    sys.stdout.write(get_completion_script(prog_name=name, complete_var=variable, shell=_shell(value)) + "\n")
    raise typer.Exit(0)
