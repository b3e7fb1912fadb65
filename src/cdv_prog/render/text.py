"""Text output of ``cdv check`` for a chargé de mission, with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..batch import DossierReport, Resume

VERDICTS = {
    "eligible": ("éligible", "bold green", "✔"),
    "ineligible": ("inéligible", "bold red", "✘"),
    "invalide": ("invalide", "bold magenta", "⚠"),
}


def dossier(console: Console, report: DossierReport) -> None:
    label, style, mark = VERDICTS[report.verdict]
    head = Text()
    head.append(f"{mark} ", style=style)
    head.append(report.id or "(sans id)", style="bold")
    head.append("  ")
    head.append(label, style=style)
    if report.verdict == "eligible" and report.reserves:
        head.append(f" avec {len(report.reserves)} réserve(s)", style="yellow")
    head.append(f"  {report.fichier}", style="dim")
    console.print(head, soft_wrap=True)
    for err in report.erreurs:
        where = f"ligne {err.ligne}" if err.ligne else "fichier"
        champ = f" [{err.champ}]" if err.champ else ""
        console.print(f"    {escape(where)}{escape(champ)} : {escape(err.message)}", style="magenta", highlight=False, soft_wrap=True)
    for c in report.echecs:
        _constat(console, "✘", c.regle, c.message, c.source, "red")
    for c in report.reserves:
        _constat(console, "réserve", c.regle, c.message, c.source, "yellow")
    for c in report.informations:
        console.print(f"    ℹ {escape(c.regle)} : {escape(c.message)}", style="cyan", highlight=False, soft_wrap=True)
    for a in report.alertes:
        console.print(f"    ! {escape(a)}", style="yellow", highlight=False, soft_wrap=True)


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
