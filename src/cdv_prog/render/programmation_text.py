"""Text output of ``cdv programmation`` (and of the totals ending ``cdv check``), with rich tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from cdv_prog.core.money import euros
from cdv_prog.core.texte import short
from cdv_prog.core.vocab import VERDICTS_FR
from cdv_prog.render.programmation_common import (
    DEMANDE_NOTE,
    DROIT_COMMUN_AUCUN,
    DROIT_COMMUN_NOTE,
    DROIT_COMMUN_TITRE,
    EnteteRapport,
    droit_commun,
    etat,
    etat_financeur,
    libelle_sous_enveloppe,
    montant,
    motifs,
    resume_text,
    taux,
    titre_regle,
)
from cdv_prog.render.rich_text import markup, plain

if TYPE_CHECKING:
    from cdv_prog.core.montants import TotalFinanceur, TotalSousEnveloppe
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import Programmation
    from cdv_prog.programmation.engagements import Engagements
    from cdv_prog.programmation.repartitions import Repartition
    from cdv_prog.programmation.totaux import TotauxParExercice
    from cdv_prog.render.registry import Sortie

WIDTH = 120  # when not on a terminal: wide enough for the tables, and the same everywhere


def _amount_columns(table: Table, *names: str) -> None:
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)


COMPACT_NOTE = "Affichage étroit : demandé, solde et dossiers omis (--format json, csv, xlsx ou html pour tout voir)."


def table_financeurs(
    financeurs: Iterable[TotalFinanceur], regles: JeuDeRegles, titre: str, compact: bool = False
) -> Table:
    """Per financeur, each sous-enveloppe on a « dont … » row under it; ``compact``: the columns an 80-column
    terminal can hold (financeur, enveloppe, retenu, taux, état)."""
    caption = f"{DEMANDE_NOTE} {COMPACT_NOTE}" if compact else DEMANDE_NOTE
    table = Table(title=titre, title_justify="left", title_style="bold", caption=caption, caption_justify="left")
    table.add_column("Financeur", min_width=12)
    _amount_columns(
        table, *(("Enveloppe", "Retenu", "Taux") if compact else ("Enveloppe", "Demandé", "Retenu", "Solde", "Taux"))
    )
    if not compact:
        table.add_column("Dossiers", justify="right")
    table.add_column("État", min_width=10)

    def row(label: Text | str, t: TotalFinanceur | TotalSousEnveloppe, dossiers: str, state: str, style: str) -> None:
        cells: list[Text | str] = [label, montant(t.enveloppe)]
        if not compact:
            cells.append(euros(t.demande))
        cells.append(euros(t.retenu))
        if not compact:
            cells.append("—" if t.solde is None else euros(t.solde))
        cells.append(taux(t.taux))
        if not compact:
            cells.append(dossiers)
        cells.append(Text(state, style="bold red" if t.depassement else ""))
        table.add_row(*cells, style=style)

    for f in financeurs:
        style = "bold red" if f.depassement else ("dim" if f.enveloppe is None else "")
        row(markup(regles.nom_court(f.financeur)), f, str(f.dossiers), etat_financeur(f), style)
        for s in f.sous_enveloppes:
            style = "bold red" if s.depassement else ("dim" if s.enveloppe is None else "")
            label = Text("  " + plain(libelle_sous_enveloppe(s)), style="italic")
            row(label, s, "", etat(s.depassement, s.enveloppe), style)
    return table


def fits(console: Console, table: Table) -> bool:
    """Every column of the table is shown whole at the console's width: a column that never wraps (amounts)
    at its widest cell, the others at their longest word (rich would otherwise cut or empty columns)."""
    from rich.measure import Measurement

    wide = console.options.update_width(10_000)  # measured unbounded: rich clamps a measure to the width given
    needed = len(table.columns) + 1  # the vertical rules
    for column in table.columns:
        sizes = [Measurement.get(console, wide, cell) for cell in (column.header, *column.cells)]
        widest = max((m.maximum if column.no_wrap else m.minimum) for m in sizes)
        needed += max(widest, column.min_width or 0) + 2  # one space of padding on each side
    return needed <= console.width


def financeurs_fit(console: Console, financeurs: Sequence[TotalFinanceur], regles: JeuDeRegles, titre: str) -> Table:
    """The per-financeur table, whole if it fits the console, else the compact one (never a cut column)."""
    table = table_financeurs(financeurs, regles, titre)
    return table if fits(console, table) else table_financeurs(financeurs, regles, titre, compact=True)


def print_droit_commun(console: Console, financeurs: Iterable[TotalFinanceur], regles: JeuDeRegles) -> None:
    """The droit commun mobilisé per financeur (lines outside its enveloppe's périmètre), apart from the enveloppes."""
    mobilise = droit_commun(financeurs)
    console.print()
    if not mobilise:
        console.print(DROIT_COMMUN_AUCUN, style="bold")
        return
    table = Table(
        title=DROIT_COMMUN_TITRE,
        title_justify="left",
        title_style="bold",
        caption=DROIT_COMMUN_NOTE,
        caption_justify="left",
    )
    table.add_column("Financeur")
    table.add_column("Périmètre de l'enveloppe")
    _amount_columns(table, "Droit commun")
    for f in mobilise:
        table.add_row(
            markup(regles.nom_court(f.financeur)),
            markup(regles.perimetre(f.financeur).texte()),
            euros(f.droit_commun),
        )
    console.print(table)


def totaux(console: Console, par_exercice: TotauxParExercice) -> None:
    """The per-financeur table of each exercice (end of ``cdv check`` on several dossiers)."""
    if not console.is_terminal and console.width < WIDTH:
        console = Console(file=console.file, highlight=False, emoji=False, width=WIDTH)
    for t in par_exercice.exercices():
        financeurs = t.financeurs()
        console.print()
        titre = f"Totaux de l'exercice {t.exercice} par financeur ({t.resume.total} dossier(s))"
        console.print(financeurs_fit(console, financeurs, par_exercice.regles, titre))
        if droit_commun(financeurs):
            print_droit_commun(console, financeurs, par_exercice.regles)


def render(console: Console, prog: Programmation, regles: JeuDeRegles) -> None:
    """The whole report on a rich console."""
    for _ in _parties(console, prog, regles):
        pass


def _parties(console: Console, prog: Programmation, regles: JeuDeRegles) -> Iterator[None]:
    """:func:`render`, paused (a ``yield``) between parts: every :data:`ECARTES_PAR_MORCEAU` set-aside dossiers."""
    entete = EnteteRapport.of(prog, regles)
    console.print(f"Programmation de l'exercice {prog.exercice}", style="bold")
    console.print(markup(entete.contrat), soft_wrap=True)
    console.print(
        f"Règles : {markup(entete.regles)} (SHA-256 {entete.empreinte}) — cdv {entete.version}",
        style="dim",
        soft_wrap=True,
    )
    console.print(resume_text(prog), style="bold green" if prog.exit_code == 0 else "bold red")
    console.print()
    console.print(financeurs_fit(console, prog.financeurs, regles, "Financements par financeur"))
    print_droit_commun(console, prog.financeurs, regles)
    _constats(console, prog, regles)
    _engagements(console, prog.engagements, regles)
    for rep in prog.repartitions:
        _repartition(console, rep)
    _derogations(console, prog, regles)
    yield from _ecartes(console, prog, regles)


def _derogations(console: Console, prog: Programmation, regles: JeuDeRegles) -> None:
    """The dossiers funded by a dérogation of the COPIL, with their amounts and the decision."""
    lignes = prog.par_derogation
    if not lignes:
        return
    console.print()
    console.print(f"Dossiers éligibles par dérogation ({len(lignes)}), dans les montants retenus", style="bold")
    for d in lignes:
        if d.derogation is None:  # pragma: no cover - par_derogation lists only those with one
            continue
        montants = ", ".join(f"{regles.nom_court(code)} {euros(v)}" for code, v in (d.retenu or {}).items() if v)
        console.print(f"  {markup(short(d.id or ''))}  {markup(montants)}", style="yellow", soft_wrap=True)
        regles_ids = ", ".join(d.derogation.regles)
        console.print(
            f"    {markup(d.derogation.decision)} ({markup(d.derogation.auteur)}) : {markup(regles_ids)}",
            style="yellow",
            soft_wrap=True,
        )


def _regle(lead: str, regle_id: str, message: str, regles: JeuDeRegles, style: str) -> Text:
    """« ✘ Titre de la règle (id) : message », the id in second place (dim); the id alone without a title."""
    line = Text(lead, style=style)
    titre = titre_regle(regles, regle_id)
    line.append(plain(titre), style=style)
    if titre != regle_id:
        line.append(f" ({plain(regle_id)})", style="dim")
    line.append(f" : {plain(message)}", style=style)
    return line


def _constats(console: Console, prog: Programmation, regles: JeuDeRegles) -> None:
    if not prog.constats:
        return
    console.print()
    console.print("Règles de programmation", style="bold")
    for c in prog.constats:
        if c.statut == "echec":
            mark, style = ("✘", "red") if c.gravite == "bloquant" else ("réserve", "yellow")
        elif c.statut == "ok":
            mark, style = "✔", "green"
        else:
            mark, style = "–", "dim"
        console.print(_regle(f"  {mark} ", c.regle, c.message, regles, style), soft_wrap=True)
        console.print(f"    Source : {markup(c.source)}", style="dim", soft_wrap=True)


def _engagements(console: Console, eng: Engagements, regles: JeuDeRegles) -> None:
    console.print()
    if not eng.financeurs:
        console.print(
            f"Engagements CPO pour les exercices suivants : aucun (aucune CPO éligible au-delà de {eng.exercice}).",
            style="bold",
        )
        return
    caption = "Hypothèse : " + markup(eng.hypothese)
    table = _table_engagements(eng, regles, f"Engagements des CPO de {eng.exercice} pour les exercices suivants")
    if fits(console, table):
        console.print(table)
    else:  # too narrow for every year side by side (an 80-column terminal): one table per year
        for i, year in enumerate(eng.annees):
            titre = f"Engagements des CPO de {eng.exercice} pour {year}"
            console.print(_table_engagements(eng, regles, titre, [i]), soft_wrap=False)
    console.print(caption, style="dim")
    console.print(f"CPO concernées : {markup(', '.join(eng.dossiers))}", style="dim", soft_wrap=True)
    console.print(markup(eng.phrase()), style="dim")
    if eng.suivants:
        console.print(f"Dossiers des années suivantes lus : {markup(', '.join(eng.suivants))}", style="dim")


def _table_engagements(eng: Engagements, regles: JeuDeRegles, titre: str, annees: list[int] | None = None) -> Table:
    """The CPO commitments per financeur, for every following year (``annees``: the indexes of the years shown)."""
    shown = list(range(len(eng.annees))) if annees is None else annees
    table = Table(title=titre, title_justify="left", title_style="bold")
    table.add_column("Financeur")
    for i in shown:
        year = eng.annees[i]
        if annees is None:
            _amount_columns(table, f"Engagé {year}", f"Enveloppe {year}", f"Part {year}")
        else:
            _amount_columns(table, "Engagé", "Enveloppe", "Part")
    for f in eng.financeurs:
        cells = [markup(regles.nom_court(f.financeur))]
        for i in shown:
            e = f.annees[i]
            cells += [euros(e.engage), montant(e.enveloppe), taux(e.taux)]
        table.add_row(*cells)
    return table


def _repartition(console: Console, rep: Repartition) -> None:
    console.print()
    table = Table(
        title=markup(rep.titre),
        title_justify="left",
        title_style="bold",
        caption=markup(rep.note) if rep.note else None,  # no note: no caption (not « None »)
        caption_justify="left",
    )
    table.add_column(markup(rep.colonne))
    table.add_column("Dossiers", justify="right")
    _amount_columns(table, "Retenu")
    for ligne in rep.lignes:
        table.add_row(
            markup(ligne.libelle), str(ligne.dossiers), euros(ligne.retenu), style="dim" if ligne.dossiers == 0 else ""
        )
    console.print(table)


ECARTES_PAR_MORCEAU = 500
"""Set-aside dossiers written per chunk of :func:`chunks` (a third of a big batch: never all in one text)."""


def _ecartes(console: Console, prog: Programmation, regles: JeuDeRegles) -> Iterator[None]:
    ecartes = prog.ecartes
    console.print()
    if not ecartes:
        console.print("Dossiers écartés : aucun.", style="bold")
        return
    console.print(f"Dossiers écartés ({len(ecartes)}), hors des montants retenus", style="bold")
    for i, d in enumerate(ecartes, 1):
        if i % ECARTES_PAR_MORCEAU == 0:
            yield
        style = "red" if d.verdict == "ineligible" else "magenta"
        console.print(
            f"  {markup(short(d.id)) if d.id else '(sans id)'}  {VERDICTS_FR[d.verdict]}  {markup(d.fichier)}",
            style=style,
            soft_wrap=True,
        )
        for motif in motifs(d, regles):
            if motif.regle is None:
                console.print(f"    - {markup(motif.message)}", style=style, soft_wrap=True)
            else:
                console.print(_regle("    - ", motif.regle, motif.message, regles, style), soft_wrap=True)
        if d.ce_qu_il_faudrait:  # verified by the tool before it is shown (core.remedier)
            console.print(f"    Ce qu'il faudrait : {markup(d.ce_qu_il_faudrait)}", soft_wrap=True)


def render_bytes(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    """``cdv programmation --format text``: with colours at the terminal's width, else plain at 120 columns."""
    return b"".join(chunks(prog, regles, sortie))


def chunks(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None = None) -> Iterator[bytes]:
    """:func:`render_bytes`'s bytes, written as they are made: the set-aside dossiers (a third of a big
    batch) a few hundred at a time, never the whole text in memory."""
    import io

    buffer = io.StringIO()
    if sortie is not None and sortie.terminal:
        console = Console(file=buffer, highlight=False, emoji=False, force_terminal=True, width=sortie.largeur)
    else:
        console = Console(file=buffer, highlight=False, emoji=False, width=WIDTH)
    for _ in _parties(console, prog, regles):
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
