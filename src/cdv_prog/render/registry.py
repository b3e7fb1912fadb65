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
``--format`` help and checks read the registry. The format a report file's
extension names (``-o copil.xlsx``) is in :data:`EXTENSIONS`, one table for
every command (:func:`output_format`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from pathlib import Path

    from cdv_prog.core.report import Encodeur, Rapport, Resume, WalkError
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import Programmation
    from cdv_prog.programmation.totaux import TotauxParExercice

CHECK: dict[str, str] = {
    "text": "cdv_prog.render.check_text:render",
    "json": "cdv_prog.render.check_json:render",
    "github": "cdv_prog.render.github:check",
    "sarif": "cdv_prog.render.sarif:check",
}

PROGRAMMATION: dict[str, str] = {
    "text": "cdv_prog.render.programmation_text:chunks",  # written as it is made, as the JSON
    "json": "cdv_prog.render.programmation_json:chunks",  # written as it is made: memory does not grow
    "csv": "cdv_prog.render.programmation_csv:render",
    "xlsx": "cdv_prog.render.programmation_xlsx:render",
    "html": "cdv_prog.render.programmation_html:chunks",  # a section at a time
    # open data (SCDL « subventions »): needs --attribuant, so the command calls it with its Publication
    "scdl": "cdv_prog.render.programmation_scdl:render",
}

# ``cdv arbitrage``: the proposal and its explanation in, the file's bytes out
ARBITRAGE: dict[str, str] = {
    "text": "cdv_prog.render.arbitrage_text:render",
    "json": "cdv_prog.render.arbitrage_json:render",
    "csv": "cdv_prog.render.arbitrage_csv:render",
    "xlsx": "cdv_prog.render.arbitrage_xlsx:render",
    "html": "cdv_prog.render.arbitrage_html:render",
}

VERIFIER: dict[str, str] = {
    "text": "cdv_prog.render.workflow:verifier_text",
    "json": "cdv_prog.render.workflow:verifier_json",
    "github": "cdv_prog.render.github:verifier",
    "sarif": "cdv_prog.render.sarif:verifier",
}

TESTER: dict[str, str] = {
    "text": "cdv_prog.render.workflow:tester_text",
    "github": "cdv_prog.render.github:tester",
}

DIFF: dict[str, str] = {
    "text": "cdv_prog.render.workflow:diff_text",
    "json": "cdv_prog.render.workflow:diff_json",
}

# ``cdv regles tester --couverture``: the cases and what they reach of the rules
TESTER_COUVERTURE: dict[str, str] = {
    "text": "cdv_prog.render.couverture:tester_text",
    "json": "cdv_prog.render.couverture:tester_json",
}

COUVERTURE: dict[str, str] = {
    "text": "cdv_prog.render.couverture:bilan_text",
    "json": "cdv_prog.render.couverture:bilan_json",
}

EXPLIQUER: dict[str, str] = {
    "text": "cdv_prog.render.explication:text",
    "json": "cdv_prog.render.explication:json",
}

# ``cdv suivi``: one action across its exercices (SPEC §5)
SUIVI: dict[str, str] = {
    "text": "cdv_prog.render.suivi_text:render",
    "json": "cdv_prog.render.suivi_json:render",
    "html": "cdv_prog.render.suivi_html:render",
}

REGISTRIES: dict[str, dict[str, str]] = {
    "check": CHECK,
    "programmation": PROGRAMMATION,
    "arbitrage": ARBITRAGE,
    "verifier": VERIFIER,
    "tester": TESTER,
    "diff": DIFF,
    "tester --couverture": TESTER_COUVERTURE,
    "couverture": COUVERTURE,
    "expliquer": EXPLIQUER,
    "suivi": SUIVI,
}

# What a report file's extension says it holds (``-o copil.xlsx``: a workbook), for every command that
# writes one: without --format, the extension chooses the format; a --format it contradicts is refused.
EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".md": "text",
    ".json": "json",
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".xml": "xml",  # JUnit (cdv regles tester --junit)
    ".sarif": "sarif",  # code scanning (cdv check, cdv regles verifier)
    # formats cdv does not write: named so that ``-o copil.ods`` is refused, not filled with text
    ".xls": "xls",
    ".ods": "ods",
    ".pdf": "pdf",
    ".docx": "docx",
    ".odt": "odt",
}
# Formats that are plain text under another name: a .txt or .md file suits them as it suits ``text``.
TEXT_FORMATS = frozenset({"text", "github", "markdown"})
# Formats that are a CSV of their own: never chosen by ``.csv`` (the financeurs' CSV), accepted with it.
CSV_FORMATS = frozenset({"scdl"})


class FormatIncompatible(ValueError):
    """The format asked for and the output file's extension disagree; the message is French and names both."""


def output_format(formats: Iterable[str], chosen: str | None, target: Path | None) -> tuple[str, str | None]:
    """The format of a report, and a notice for standard error (or ``None``).

    ``formats``: the command's formats, its default first; ``chosen``: ``--format`` (``None`` when not
    given); ``target``: ``--output`` (``None``: standard output). Without ``--format``, a known extension
    chooses the format (:data:`EXTENSIONS`), an unknown one gives the default with a notice, no extension
    (``/dev/stdout``, ``rapport``) the default. :class:`FormatIncompatible` when the extension names a
    format the command does not write, or one that contradicts ``--format``.
    """
    names = list(formats)
    default = chosen or names[0]
    if target is None:
        return default, None
    extension = target.suffix.lower()
    named = EXTENSIONS.get(extension)
    if named is None:
        if chosen is None and extension:
            return default, f"extension {extension} inconnue : {target} est écrit au format {default} (voir --format)"
        return default, None
    if chosen is None:
        fitting = [name for name in names if _content(name) == named]
        if not fitting:
            raise FormatIncompatible(
                f"{target} : l'extension {extension} demande le format {named}, que cette commande n'écrit pas "
                f"(formats possibles : {', '.join(names)})"
            )
        return fitting[0], None
    if _content(chosen) != named:
        raise FormatIncompatible(
            f"--format {chosen} contredit l'extension {extension} de {target} (format {named}) : "
            "changer l'un ou l'autre"
        )
    return chosen, None


def _content(name: str) -> str:
    return "text" if name in TEXT_FORMATS else "csv" if name in CSV_FORMATS else name


# Sortie and CheckRun are plain classes, not dataclasses: built at every start of cdv check, where a
# dataclass would compile its methods each time (issue 17); the same fields, equality and repr.


class Sortie:
    """Where a rendering goes: a terminal (colours, its width) or a file/pipe (plain, fixed width)."""

    __slots__ = ("largeur", "terminal")

    def __init__(self, terminal: bool = False, largeur: int | None = None) -> None:
        self.terminal = terminal
        self.largeur = largeur

    def __repr__(self) -> str:
        return f"Sortie(terminal={self.terminal!r}, largeur={self.largeur!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sortie):
            return NotImplemented
        return (self.terminal, self.largeur) == (other.terminal, other.largeur)

    __hash__ = None  # type: ignore[assignment]  # mutable and compared by value, as the dataclass it was


class CheckRun:
    """What a ``cdv check`` renderer sees besides the reports: filled in as the reports stream by.

    ``messages``: lines for standard error, printed by the command after the payload; ``non_lus``: the
    folders that could not be searched (their dossiers were not checked: exit code 1, shown by every
    format); ``detail`` (text format only): ``"tout"`` (every dossier), ``"problemes"`` (not the
    éligibles without réserve), ``"resume"``.
    """

    __slots__ = ("detail", "messages", "non_lus", "regles", "resume", "sortie", "totaux")

    def __init__(
        self,
        regles: JeuDeRegles,
        resume: Resume,
        totaux: TotauxParExercice,
        sortie: Sortie,
        messages: list[str],
        non_lus: list[WalkError] | None = None,
        detail: str = "tout",
    ) -> None:
        self.regles = regles
        self.resume = resume
        self.totaux = totaux
        self.sortie = sortie
        self.messages = messages
        self.non_lus = [] if non_lus is None else non_lus
        self.detail = detail

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _CHECK_RUN_FIELDS)
        return f"CheckRun({fields})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CheckRun):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _CHECK_RUN_FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable and compared by value, as the dataclass it was

    @property
    def exit_code(self) -> int:
        """0 all fine; 1 a dossier inéligible or invalide, an enveloppe exceeded, a folder not searched."""
        return 1 if (self.resume.exit_code or self.totaux.exit_code or self.non_lus) else 0


_CHECK_RUN_FIELDS = ("regles", "resume", "totaux", "sortie", "messages", "non_lus", "detail")


class CheckRenderer(Protocol):
    def __call__(self, reports: Iterable[Rapport], run: CheckRun, /) -> Iterator[str | bytes]: ...


class ProgrammationRenderer(Protocol):
    """The report's bytes, or its chunks as they are made (a long list written without holding it)."""

    def __call__(self, prog: Programmation, regles: JeuDeRegles, sortie: Sortie, /) -> bytes | Iterable[bytes]: ...


def load(registry: dict[str, str], name: str) -> Any:
    """The renderer registered under ``name`` (KeyError when there is none)."""
    module, _, function = registry[name].partition(":")
    __import__(module)  # the interpreter's own import (seen by ``python -X importtime``)
    return getattr(sys.modules[module], function)


def check_renderer(name: str) -> CheckRenderer:
    return cast("CheckRenderer", load(CHECK, name))


def check_encodeur(name: str, run: CheckRun) -> Encodeur:
    """How the format ``name`` writes one dossier's report (the renderer's ``encodeur``), for ``run``."""
    module = CHECK[name].partition(":")[0]
    __import__(module)
    return cast("Encodeur", sys.modules[module].encodeur(run))


def programmation_renderer(name: str) -> ProgrammationRenderer:
    return cast("ProgrammationRenderer", load(PROGRAMMATION, name))


def choices(registry: dict[str, str]) -> str:
    """``text|json|github``: the formats of a command, for its help."""
    return "|".join(registry)
