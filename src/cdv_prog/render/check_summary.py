"""Why ``cdv check`` exits 1 when the dossier counts do not say it: the lines every format adds to its summary.

The summary line counts the dossiers (« 2 inéligible(s) »), which explains an
exit code of 1 due to a dossier. Two other causes are not dossiers: an
enveloppe exceeded by the total retained for an exercice, and a folder that
could not be searched. Each gets its own line, whatever the number of
dossiers (the totals table is shown only from two dossiers on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdv_prog.core.money import euros

if TYPE_CHECKING:
    from cdv_prog.render.registry import CheckRun


def exceeded_lines(run: CheckRun) -> list[str]:
    """One line per enveloppe or sous-enveloppe exceeded: financeur, exercice, retained total, enveloppe, the excess."""
    lines = []
    for totaux in run.totaux.exercices():
        for f in totaux.financeurs():
            nom = run.regles.nom_court(f.financeur)
            if f.depassement_enveloppe and f.enveloppe is not None:
                lines.append(
                    f"Enveloppe dépassée : {nom}, exercice {totaux.exercice} : "
                    f"{euros(f.retenu)} retenus pour une enveloppe de {euros(f.enveloppe)} "
                    f"(dépassement de {euros(f.retenu - f.enveloppe)})"
                )
            for s in f.sous_enveloppes:
                if s.depassement and s.enveloppe is not None:
                    lines.append(
                        f"Sous-enveloppe dépassée : {nom}, « {s.nom} », exercice {totaux.exercice} : "
                        f"{euros(s.retenu)} retenus pour une enveloppe de {euros(s.enveloppe)} "
                        f"(dépassement de {euros(s.retenu - s.enveloppe)})"
                    )
    return lines


def unread_line(run: CheckRun) -> list[str]:
    """One line counting the folders that could not be searched (each is listed by the format itself)."""
    n = len(run.non_lus)
    if not n:
        return []
    return [f"{n} chemin(s) non parcouru(s) : les dossiers qu'ils contiennent n'ont pas été vérifiés"]


def summary_reasons(run: CheckRun) -> list[str]:
    """The lines that explain an exit code of 1 beyond the dossier counts (none when there is nothing to say)."""
    return exceeded_lines(run) + unread_line(run)
