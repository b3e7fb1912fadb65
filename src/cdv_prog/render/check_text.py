"""Text output of ``cdv check`` for a chargé de mission, with rich: a block per dossier, a summary, totals."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from cdv_prog.core.report import DossierReport, Encodeur, Rapport, RapportEncode
from cdv_prog.core.texte import short
from cdv_prog.core.vocab import VERDICTS_FR
from cdv_prog.render.programmation_common import titre_regle
from cdv_prog.render.registry import CheckRun, Sortie
from cdv_prog.render.rich_text import markup, plain

if TYPE_CHECKING:
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
    if sortie.terminal:
        return Console(file=buffer, highlight=False, emoji=False, force_terminal=True, width=sortie.largeur)
    return Console(file=buffer, highlight=False, emoji=False, width=sortie.largeur)


def encodeur(run: CheckRun) -> Encodeur:
    """One dossier's block (nothing for a dossier ``run.detail`` leaves out): what a ``--jobs`` worker writes.

    Its key names what the text depends on besides the report: the detail, the width, the colours.
    """
    buffer = io.StringIO()
    console = console_on(buffer, run.sortie)
    detail, regles = run.detail, run.regles

    def encode(report: DossierReport) -> str:
        if detail == "resume" or (detail == "problemes" and not _problem(report)):
            return ""  # counted all the same: the reports stream through the summary's accumulators
        dossier(console, report, regles)
        return _drain(buffer)

    return Encodeur(f"text/{detail}/{console.width}/{console.color_system}/{console.legacy_windows}", encode)


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
    console = console_on(buffer, run.sortie)
    summary(console, run)
    if run.resume.total > 1 and run.detail != "resume":
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
    line = Text(lead, style=style)
    titre = titre_regle(regles, c.regle)
    line.append(plain(titre), style=style)
    if titre != c.regle:
        line.append(f" ({plain(c.regle)})", style="dim")
    line.append(f" : {plain(c.message)}", style=style)
    return line


def _constat(console: Console, mark: str, c: Constat, regles: JeuDeRegles | None, style: str) -> None:
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

    resume = run.resume
    if resume.total == 0 and not run.non_lus:
        console.print("Aucun dossier à vérifier.", style="yellow")
        return
    if run.detail != "resume":
        console.print()
    for error in run.non_lus:
        console.print(f"⚠ {markup(error)}", style="bold magenta", soft_wrap=True)
    parts = [
        f"{resume.total} dossier(s)",
        f"{resume.eligible} éligible(s)" + _dont(resume),
        f"{resume.ineligible} inéligible(s)",
        f"{resume.invalide} invalide(s)",
    ]
    style = "bold green" if run.exit_code == 0 else "bold red"
    console.print("Résumé : " + ", ".join(parts), style=style, highlight=False, soft_wrap=True)
    for line in summary_reasons(run):
        console.print(markup(line), style="bold red", highlight=False, soft_wrap=True)
