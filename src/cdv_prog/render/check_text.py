"""Text output of ``cdv check`` for a chargé de mission, with rich: a block per dossier, a summary, totals."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from cdv_prog.core.report import DossierReport, Resume
from cdv_prog.core.vocab import VERDICTS_FR
from cdv_prog.render.registry import CheckRun, Sortie

STYLES = {
    "eligible": ("bold green", "✔"),
    "ineligible": ("bold red", "✘"),
    "invalide": ("bold magenta", "⚠"),
}


def console_on(buffer: io.StringIO, sortie: Sortie) -> Console:
    """A rich console writing into ``buffer``, as it would on the real output."""
    if sortie.terminal:
        return Console(file=buffer, highlight=False, force_terminal=True, width=sortie.largeur)
    return Console(file=buffer, highlight=False, width=sortie.largeur)


def render(reports: Iterable[DossierReport], run: CheckRun) -> Iterator[str]:
    """Per dossier its block; then the summary and, for several dossiers, the totals per financeur."""
    buffer = io.StringIO()
    console = console_on(buffer, run.sortie)
    for report in reports:
        dossier(console, report)
        yield _drain(buffer)
    summary(console, run.resume)
    if run.resume.total > 1:
        from cdv_prog.render.programmation_text import totaux as totaux_table

        totaux_table(console, run.totaux)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def dossier(console: Console, report: DossierReport) -> None:
    style, mark = STYLES[report.verdict]
    head = Text()
    head.append(f"{mark} ", style=style)
    head.append(report.id or "(sans id)", style="bold")
    head.append("  ")
    head.append(VERDICTS_FR[report.verdict], style=style)
    if report.verdict == "eligible" and report.reserves:
        head.append(f" avec {len(report.reserves)} réserve(s)", style="yellow")
    head.append(f"  {report.fichier}", style="dim")
    console.print(head, soft_wrap=True)
    for err in report.erreurs:
        console.print(f"    {escape(str(err))}", style="magenta", highlight=False, soft_wrap=True)
    for c in report.echecs:
        _constat(console, "✘", c.regle, c.message, c.source, "red")
    for c in report.reserves:
        _constat(console, "réserve", c.regle, c.message, c.source, "yellow")
    for c in report.informations:
        console.print(f"    ℹ {escape(c.regle)} : {escape(c.message)}", style="cyan", highlight=False, soft_wrap=True)


def _constat(console: Console, mark: str, regle: str, message: str, source: str, style: str) -> None:
    console.print(f"    {mark} {escape(regle)} : {escape(message)}", style=style, highlight=False, soft_wrap=True)
    console.print(f"      Source : {escape(source)}", style="dim", highlight=False, soft_wrap=True)


def summary(console: Console, resume: Resume) -> None:
    if resume.total == 0:
        console.print("Aucun dossier à vérifier.", style="yellow")
        return
    parts = [
        f"{resume.total} dossier(s)",
        f"{resume.eligible} éligible(s)" + (f" dont {resume.reserves} avec réserves" if resume.reserves else ""),
        f"{resume.ineligible} inéligible(s)",
        f"{resume.invalide} invalide(s)",
    ]
    style = "bold green" if resume.exit_code == 0 else "bold red"
    console.print()
    console.print("Résumé : " + ", ".join(parts), style=style, highlight=False, soft_wrap=True)
