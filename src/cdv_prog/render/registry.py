"""Every output format of every command: one registry per command, one line per format.

A format is named by ``"module:function"``; the module is imported only when
the format is used (``cdv check`` does not pay for openpyxl). Each command's
renderers share one signature, given by the Protocol beside its registry:

* ``cdv check`` — :class:`CheckRenderer`: the reports stream in, text chunks
  stream out (memory does not grow with the batch);
* ``cdv programmation`` — :class:`ProgrammationRenderer`: the computed
  programmation in, the file's bytes out;
* ``cdv regles verifier`` / ``tester`` / ``diff`` — the workflow's result in,
  bytes out.

Adding a format: one module (or function) and one line here; the command's
``--format`` help and checks read the registry.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from cdv_prog.core.report import DossierReport, Resume
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import Programmation
    from cdv_prog.programmation.totaux import TotauxParExercice

CHECK: dict[str, str] = {
    "text": "cdv_prog.render.check_text:render",
    "json": "cdv_prog.render.check_json:render",
    "github": "cdv_prog.render.github:check",
}

PROGRAMMATION: dict[str, str] = {
    "text": "cdv_prog.render.programmation_text:render_bytes",
    "json": "cdv_prog.render.programmation_json:render",
    "csv": "cdv_prog.render.programmation_csv:render",
    "xlsx": "cdv_prog.render.programmation_xlsx:render",
    "html": "cdv_prog.render.programmation_html:render",
}

VERIFIER: dict[str, str] = {
    "text": "cdv_prog.render.workflow:verifier_text",
    "json": "cdv_prog.render.workflow:verifier_json",
    "github": "cdv_prog.render.github:verifier",
}

TESTER: dict[str, str] = {
    "text": "cdv_prog.render.workflow:tester_text",
    "github": "cdv_prog.render.github:tester",
}

DIFF: dict[str, str] = {
    "text": "cdv_prog.render.workflow:diff_text",
    "json": "cdv_prog.render.workflow:diff_json",
}

REGISTRIES: dict[str, dict[str, str]] = {
    "check": CHECK,
    "programmation": PROGRAMMATION,
    "verifier": VERIFIER,
    "tester": TESTER,
    "diff": DIFF,
}


@dataclass
class Sortie:
    """Where a rendering goes: a terminal (colours, its width) or a file/pipe (plain, fixed width)."""

    terminal: bool = False
    largeur: int | None = None


@dataclass
class CheckRun:
    """What a ``cdv check`` renderer sees besides the reports: filled in as the reports stream by."""

    regles: JeuDeRegles
    resume: Resume
    totaux: TotauxParExercice
    sortie: Sortie
    messages: list[str]  # lines for standard error, printed by the command after the payload


class CheckRenderer(Protocol):
    def __call__(self, reports: Iterable[DossierReport], run: CheckRun, /) -> Iterator[str]: ...


class ProgrammationRenderer(Protocol):
    def __call__(self, prog: Programmation, regles: JeuDeRegles, sortie: Sortie, /) -> bytes: ...


def load(registry: dict[str, str], name: str) -> Any:
    """The renderer registered under ``name`` (KeyError when there is none)."""
    module, _, function = registry[name].partition(":")
    __import__(module)  # the interpreter's own import (seen by ``python -X importtime``)
    return getattr(sys.modules[module], function)


def check_renderer(name: str) -> CheckRenderer:
    return cast("CheckRenderer", load(CHECK, name))


def programmation_renderer(name: str) -> ProgrammationRenderer:
    return cast("ProgrammationRenderer", load(PROGRAMMATION, name))


def choices(registry: dict[str, str]) -> str:
    """``text|json|github``: the formats of a command, for its help."""
    return "|".join(registry)
