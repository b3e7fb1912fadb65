"""Text output of ``cdv check`` for a chargé de mission, with rich: a block per dossier, a summary, totals.

Where rich would write no colour and no terminal code (a pipe or a file: :func:`plain_output`), each
line is the text itself: the same characters are written without importing rich (about a tenth of
checking one dossier), by :func:`dossier_text` and :func:`summary_text`, which follow :func:`dossier`
and :func:`summary` line for line (``tests/test_check_text_plain.py`` compares them). The totals table
of a batch is drawn by rich either way.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from cdv_prog.core.report import DossierReport, Encodeur, Rapport, RapportEncode
from cdv_prog.core.texte import short
from cdv_prog.core.vocab import VERDICTS_FR
from cdv_prog.render.registry import CheckRun, Sortie
from cdv_prog.render.rich_text import plain

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from cdv_prog.core.findings import Constat
    from cdv_prog.core.report import Resume
    from cdv_prog.core.ruleset import JeuDeRegles

STYLES = {
    "eligible": ("bold green", "✔"),
    "ineligible": ("bold red", "✘"),
    "invalide": ("bold magenta", "⚠"),
}


def console_on(buffer: io.StringIO, sortie: Sortie) -> Console:
    """A rich console writing into ``buffer``, as it would on the real output."""
    from rich.console import Console

    if sortie.terminal:
        return Console(file=buffer, highlight=False, emoji=False, force_terminal=True, width=sortie.largeur)
    return Console(file=buffer, highlight=False, emoji=False, width=sortie.largeur)


def encodeur(run: CheckRun) -> Encodeur:
    """One dossier's block (nothing for a dossier ``run.detail`` leaves out): what a ``--jobs`` worker writes.

    Its key names what the text depends on besides the report: the detail, the width, the colours.
    """
    detail, regles = run.detail, run.regles
    buffer = io.StringIO()
    consoles: list[Console] = []

    def with_rich(report: DossierReport) -> str:
        if not consoles:
            consoles.append(console_on(buffer, run.sortie))
        dossier(consoles[0], report, regles)
        return _drain(buffer)

    plain_text = plain_output(run.sortie)

    def encode(report: DossierReport) -> str:
        if detail == "resume" or (detail == "problemes" and not _problem(report)):
            return ""  # counted all the same: the reports stream through the summary's accumulators
        if plain_text:
            text = dossier_text(report, regles)
            if text is not None:
                return text
        return with_rich(report)

    if plain_text:
        return Encodeur(f"text/{detail}/{_plain_width()}/None/False", encode, profondeur=1)  # names no line
    consoles.append(console_on(buffer, run.sortie))
    console = consoles[0]
    return Encodeur(
        f"text/{detail}/{console.width}/{console.color_system}/{console.legacy_windows}", encode, profondeur=1
    )


def render(reports: Iterable[Rapport], run: CheckRun) -> Iterator[str]:
    """Per dossier its block; then the summary and, for several dossiers, the totals per financeur.

    ``run.detail``: ``"problemes"`` leaves out the éligible dossiers without
    réserve, ``"resume"`` every dossier and the totals (the summary is the same).
    """
    encode = encodeur(run).encode
    for report in reports:
        text = report.en_texte if isinstance(report, RapportEncode) else encode(report)
        if text:
            yield text
    buffer = io.StringIO()
    totals = run.resume.total > 1 and run.detail != "resume"
    closing = summary_text(run) if plain_output(run.sortie) else None
    if closing is not None:
        if not totals:
            yield closing
            return
        buffer.write(closing)
        console = console_on(buffer, run.sortie)
    else:
        console = console_on(buffer, run.sortie)
        summary(console, run)
    if totals:
        from cdv_prog.render.programmation_text import totaux as totaux_table

        totaux_table(console, run.totaux)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def dossier(console: Console, report: DossierReport, regles: JeuDeRegles | None = None) -> None:
    """A dossier's block: verdict, file, reading errors, failed rules (named by title) and informations."""
    from rich.text import Text

    from cdv_prog.render.rich_text import markup

    style, mark = STYLES[report.verdict]
    head = Text()
    head.append(f"{mark} ", style=style)
    head.append(plain(short(report.id)) if report.id else "(sans id)", style="bold")
    head.append("  ")
    head.append(VERDICTS_FR[report.verdict], style=style)
    if report.par_derogation and report.derogation is not None:
        head.append(f" par dérogation ({plain(short(report.derogation.decision))})", style="bold yellow")
    if report.verdict == "eligible" and report.reserves:
        head.append(f" avec {len(report.reserves)} réserve(s)", style="yellow")
    head.append(f"  {plain(report.fichier)}", style="dim")
    console.print(head, soft_wrap=True)
    for err in report.erreurs:
        console.print(f"    {markup(err)}", style="magenta", highlight=False, soft_wrap=True)
    for c in report.echecs:
        _constat(console, "✘", c, regles, "red")
    for c in report.reserves:
        _constat(console, "réserve", c, regles, "yellow")
    for c in report.informations:
        console.print(_regle_line("    ℹ ", c, regles, "cyan"), soft_wrap=True)
    for d in report.derogations_sans_objet:
        line = f"    Dérogation sans objet : {plain(short(d.decision))} ({', '.join(d.regles)} : pas en échec)"
        console.print(line, style="dim", highlight=False, soft_wrap=True, markup=False)
    if report.remedes_calcules and report.verdict == "ineligible":
        if report.pour_etre_eligible is not None:
            text = f"    Pour être éligible : {plain(report.pour_etre_eligible.phrase)}"
        else:
            text = f"    Pour être éligible : {plain(report.pour_etre_eligible_impossible or '')}"
        console.print(text, style="bold", highlight=False, soft_wrap=True, markup=False)


def _regle_line(lead: str, c: Constat, regles: JeuDeRegles | None, style: str) -> Text:
    """« ✘ Titre de la règle (id) : message », the id in second place (dim); the id alone without a title."""
    from rich.text import Text

    from cdv_prog.render.rule_titles import titre_regle

    line = Text(lead, style=style)
    titre = titre_regle(regles, c.regle)
    line.append(plain(titre), style=style)
    if titre != c.regle:
        line.append(f" ({plain(c.regle)})", style="dim")
    line.append(f" : {plain(c.message)}", style=style)
    return line


def _constat(console: Console, mark: str, c: Constat, regles: JeuDeRegles | None, style: str) -> None:
    from cdv_prog.render.rich_text import markup

    console.print(_regle_line(f"    {mark} ", c, regles, style), soft_wrap=True)
    console.print(f"      Source : {markup(c.source)}", style="dim", highlight=False, soft_wrap=True)
    if c.derogation is not None:
        d = c.derogation
        text = f"      Dérogation : {plain(d.decision)} ({plain(d.auteur)}, {d.date:%d/%m/%Y})"
        console.print(text, style="yellow", highlight=False, soft_wrap=True, markup=False)
    if c.remede is not None:
        console.print(
            f"      Ce qu'il faudrait : {plain(c.remede.phrase)}",
            style="green",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )


def _problem(report: DossierReport) -> bool:
    """What ``--problemes-seulement`` shows: an inéligible or invalide dossier, or one with réserves."""
    return report.verdict != "eligible" or bool(report.reserves)


def _dont(resume: Resume) -> str:
    """« dont 3 avec réserves et 1 par dérogation », or nothing."""
    parts = [f"{resume.reserves} avec réserves"] if resume.reserves else []
    if resume.par_derogation:
        parts.append(f"{resume.par_derogation} par dérogation")
    return (" dont " + " et ".join(parts)) if parts else ""


def summary(console: Console, run: CheckRun) -> None:
    """The folders not searched, the summary line, and a line for each other reason of an exit code of 1."""
    from cdv_prog.render.check_summary import summary_reasons
    from cdv_prog.render.rich_text import markup

    resume = run.resume
    if resume.total == 0 and not run.non_lus:
        console.print("Aucun dossier à vérifier.", style="yellow")
        return
    if run.detail != "resume":
        console.print()
    for error in run.non_lus:
        console.print(f"⚠ {markup(error)}", style="bold magenta", soft_wrap=True)
    style = "bold green" if run.exit_code == 0 else "bold red"
    console.print(_resume_line(resume), style=style, highlight=False, soft_wrap=True)
    for line in summary_reasons(run):
        console.print(markup(line), style="bold red", highlight=False, soft_wrap=True)


def _resume_line(resume: Resume) -> str:
    parts = [
        f"{resume.total} dossier(s)",
        f"{resume.eligible} éligible(s)" + _dont(resume),
        f"{resume.ineligible} inéligible(s)",
        f"{resume.invalide} invalide(s)",
    ]
    return "Résumé : " + ", ".join(parts)


# --------------------------------------------------------------------------- the same text, without rich


def plain_output(sortie: Sortie) -> bool:
    """rich would write to ``sortie`` the text alone: no colour, no terminal code.

    Not a terminal, and nothing that makes rich think otherwise (``FORCE_COLOR``, ``TTY_COMPATIBLE``,
    a Jupyter kernel); not Windows (rich's legacy console). Anywhere else, rich writes.
    """
    import builtins
    import os

    return (
        not sortie.terminal
        and os.name == "posix"
        and "FORCE_COLOR" not in os.environ
        and "TTY_COMPATIBLE" not in os.environ
        and not hasattr(builtins, "get_ipython")
    )


def _plain_width() -> int:
    """The width rich's console gives itself off a terminal (part of the encodeur's key): ``COLUMNS``, else
    the first standard stream's terminal, else 80 (``rich.console.Console.size``)."""
    import os

    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    return width or 80


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # rich would drop or expand them: let rich write such a text


class _RichOnly(Exception):
    """A text only rich may write: its markup rules go beyond what the text alone shows."""


def _as_markup(value: object) -> str:
    """A value rich shows through :func:`~cdv_prog.render.rich_text.markup`: itself, when it holds no
    backslash (rich's markup reads backslashes its own way — « \\[ » shows « [ »: rich writes those)."""
    text = plain(value)
    if "\\" in text:
        raise _RichOnly
    return text


def _lines(lines: list[str]) -> str | None:
    text = "\n".join(lines) + "\n"
    return None if _CONTROL.search(text) else text


def dossier_text(report: DossierReport, regles: JeuDeRegles | None = None) -> str | None:
    """:func:`dossier`'s block as rich writes it off a terminal; ``None`` for a text only rich may write."""
    try:
        return _dossier_lines(report, regles)
    except _RichOnly:
        return None


def _dossier_lines(report: DossierReport, regles: JeuDeRegles | None) -> str | None:
    _style, mark = STYLES[report.verdict]
    head = f"{mark} " + (plain(short(report.id)) if report.id else "(sans id)") + "  " + VERDICTS_FR[report.verdict]
    if report.par_derogation and report.derogation is not None:
        head += f" par dérogation ({plain(short(report.derogation.decision))})"
    if report.verdict == "eligible" and report.reserves:
        head += f" avec {len(report.reserves)} réserve(s)"
    lines = [head + f"  {plain(report.fichier)}"]
    lines.extend(f"    {_as_markup(err)}" for err in report.erreurs)
    for c in report.echecs:
        _constat_lines(lines, "✘", c, regles)
    for c in report.reserves:
        _constat_lines(lines, "réserve", c, regles)
    lines.extend(_regle_text("    ℹ ", c, regles) for c in report.informations)
    for d in report.derogations_sans_objet:
        lines.append(f"    Dérogation sans objet : {plain(short(d.decision))} ({', '.join(d.regles)} : pas en échec)")
    if report.remedes_calcules and report.verdict == "ineligible":
        if report.pour_etre_eligible is not None:
            lines.append(f"    Pour être éligible : {plain(report.pour_etre_eligible.phrase)}")
        else:
            lines.append(f"    Pour être éligible : {plain(report.pour_etre_eligible_impossible or '')}")
    return _lines(lines)


def _regle_text(lead: str, c: Constat, regles: JeuDeRegles | None) -> str:
    from cdv_prog.render.rule_titles import titre_regle

    titre = titre_regle(regles, c.regle)
    return lead + plain(titre) + (f" ({plain(c.regle)})" if titre != c.regle else "") + f" : {plain(c.message)}"


def _constat_lines(lines: list[str], mark: str, c: Constat, regles: JeuDeRegles | None) -> None:
    lines.append(_regle_text(f"    {mark} ", c, regles))
    lines.append(f"      Source : {_as_markup(c.source)}")
    if c.derogation is not None:
        d = c.derogation
        lines.append(f"      Dérogation : {plain(d.decision)} ({plain(d.auteur)}, {d.date:%d/%m/%Y})")
    if c.remede is not None:
        lines.append(f"      Ce qu'il faudrait : {plain(c.remede.phrase)}")


def summary_text(run: CheckRun) -> str | None:
    """:func:`summary` as rich writes it off a terminal; ``None`` for a text only rich may write."""
    try:
        return _summary_lines(run)
    except _RichOnly:
        return None


def _summary_lines(run: CheckRun) -> str | None:
    from cdv_prog.render.check_summary import summary_reasons

    resume = run.resume
    if resume.total == 0 and not run.non_lus:
        return _lines(["Aucun dossier à vérifier."])
    lines = [""] if run.detail != "resume" else []
    lines.extend(f"⚠ {_as_markup(error)}" for error in run.non_lus)
    lines.append(_resume_line(resume))
    lines.extend(_as_markup(line) for line in summary_reasons(run))
    return _lines(lines)
