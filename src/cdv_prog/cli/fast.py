"""``cdv check``'s fast path: its common command lines read without typer, or declined.

Building typer's command tree (typer, its click, pydantic's adapters for the
parameters) costs about a fifth of checking one dossier. :func:`check_parameters`
reads the usual forms of ``cdv check`` — paths, and the command's options in their
plain spelling (``--format json``, ``--format=json``, ``-f json``, ``-j 2``, ``-j2``,
``-q``…) — and gives exactly the parameters typer would give
:func:`cdv_prog.cli.check.check`; anything else it declines (``None``): another
command, ``--help``, an unknown or repeated-in-one-word option (``-qj2``), ``--``,
a word that is empty, holds a NUL or (a value) starts with ``-``, a number typer would read
otherwise or refuse (``--jobs 0``), shell completion, Windows (where click
expands wildcards). A declined command line goes through typer, which gives
the help, the usage errors and their exit codes. ``tests/test_cli_fast.py``
proves on generated command lines that it declines or agrees with typer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

COMPLETE_VAR = "_CDV_COMPLETE"  # click's shell completion (``_{PROG}_COMPLETE``): typer answers it

# ``cdv check``'s options: their names, and how their value is read (None: a flag)
_PATH, _TEXT, _INT, _JOBS = "path", "text", "int", "jobs"
OPTIONS: dict[str, tuple[str, str | None]] = {
    "--rules": ("rules", _PATH),
    "-r": ("rules", _PATH),
    "--format": ("format", _TEXT),
    "-f": ("format", _TEXT),
    "--output": ("output", _PATH),
    "-o": ("output", _PATH),
    "--exercice": ("exercice", _INT),
    "-e": ("exercice", _INT),
    "--jobs": ("jobs", _JOBS),
    "-j": ("jobs", _JOBS),
    "--problemes-seulement": ("problemes_seulement", None),
    "--quiet": ("quiet", None),
    "-q": ("quiet", None),
    "--remedes": ("remedes", None),
    "--ecrire-remedes": ("ecrire_remedes", _PATH),
    "--sans-cache": ("sans_cache", None),
    "--historique": ("historique", _PATH),  # repeatable: each value added
}
_NUMBER = re.compile(r"[0-9]{1,9}")  # plain ASCII digits, a size every reader takes the same way


def check_parameters(argv: Sequence[str], environ: Mapping[str, str], os_name: str = "posix") -> dict[str, Any] | None:
    """The keyword arguments of :func:`cdv_prog.cli.check_run.run_check` for ``argv``, or ``None`` (declined).

    ``argv``: the command line without the program (``["check", "a.yaml", "--format", "json"]``).
    """
    if os_name == "nt" or COMPLETE_VAR in environ or not argv or argv[0] != "check":
        return None
    if any("\x00" in arg for arg in argv):  # typer refuses a path holding a NUL (never in a real command line)
        return None
    params: dict[str, Any] = {
        "paths": None,
        "rules": None,
        "format": None,
        "output": None,
        "exercice": None,
        "jobs": None,
        "problemes_seulement": False,
        "quiet": False,
        "remedes": False,
        "ecrire_remedes": None,
        "sans_cache": False,
        "historique": None,
    }
    paths: list[Path] = []
    historique: list[Path] = []
    rest = list(argv[1:])
    rest.reverse()
    while rest:
        arg = rest.pop()
        if not arg:
            return None
        if not arg.startswith("-"):
            paths.append(Path(arg))
            continue
        name, equal, attached = arg.partition("=")
        if name not in OPTIONS and not equal and arg[:2] in OPTIONS and OPTIONS[arg[:2]][1] is not None:
            name, equal, attached = arg[:2], "=", arg[2:]  # a short option's value written against it: -j2, -fjson
        elif name not in OPTIONS or (equal and not name.startswith("--")):
            return None
        key, kind = OPTIONS[name]
        if kind is None:
            if equal:
                return None
            params[key] = True
            continue
        if equal:
            value = attached
        elif rest:
            value = rest.pop()
        else:
            return None
        read = _value(kind, value)
        if read is None:
            return None
        if key == "historique":
            historique.append(read)
        elif key == "output" and value == "-":  # ``-o -``: standard output (cli.options._dash_is_stdout)
            params[key] = None
        else:
            params[key] = read
    params["paths"] = paths or None
    params["historique"] = historique or None
    return params


def _value(kind: str, value: str) -> Any:
    """An option's value as typer reads it, or ``None`` when the fast path declines it."""
    if not value or (value.startswith("-") and value != "-"):
        return None
    if kind == _TEXT:
        return value
    if kind == _PATH:
        return Path(value)
    if not _NUMBER.fullmatch(value):
        return None
    number = int(value)
    if kind == _JOBS and number < 1:  # typer refuses it (min=1): its usage error
        return None
    return number
