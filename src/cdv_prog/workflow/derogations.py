"""The dérogations of a rule set checked against the rules and a real batch (``cdv regles verifier --dossiers``).

Loading already refuses a dérogation without decision, author or date (an
error, exit 2). Here, what is only suspicious (exit 0, each named in the
output with file and line):

* ``avertissement`` — a rule the rule set does not know (always); a dossier
  that none of the given folders holds for that exercice (with ``--dossiers``);
* ``information`` — a dérogation that matches no failure of its dossier any
  more (the dossier was fixed): sans objet.
"""

from __future__ import annotations

from collections.abc import Iterable

from cdv_prog.core.derogations import Derogation
from cdv_prog.core.report import DossierReport
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.workflow.lint import Finding


def constats(regles: JeuDeRegles, reports: Iterable[DossierReport] | None = None) -> list[Finding]:
    """Findings about the dérogations of ``regles``; with ``reports``, about them against the batch."""
    out: list[Finding] = []
    recorded = [d for ds in regles.derogations.values() for d in ds]
    for d in recorded:
        for regle in d.regles:
            if regle not in regles.regles:
                out.append(
                    Finding(
                        d.fichier,
                        d.ligne,
                        "derogations",
                        f"dérogation pour {d.dossier} : règle « {regle} » inconnue (aucune règle de dossier de ce nom)",
                        "avertissement",
                    )
                )
    if reports is None:
        return out
    seen: dict[tuple[str, int], DossierReport] = {}
    for lu in reports:
        if lu.id is not None and lu.exercice is not None:
            seen.setdefault((lu.id, lu.exercice), lu)
    for d in recorded:
        report = seen.get((d.dossier, d.exercice))
        if report is None:
            message = f"dérogation pour un dossier inconnu : {d.dossier} (exercice {d.exercice}) dans les dossiers lus"
            out.append(Finding(d.fichier, d.ligne, "derogations", message, "avertissement"))
        elif d in report.derogations_sans_objet:
            message = f"dérogation sans objet : {d.dossier} ne manque plus à {', '.join(d.regles)} ({d.decision})"
            out.append(Finding(d.fichier, d.ligne, "derogations", message, "information"))
    return out


def comparer(avant: JeuDeRegles, apres: JeuDeRegles) -> tuple[list[Derogation], list[Derogation]]:
    """The dérogations added and removed from ``avant`` to ``apres`` (``cdv regles diff``), in file order.

    Two dérogations are the same when they name the same dossier, exercice, rules and decision.
    """

    def cle(d: Derogation) -> tuple[str, int, tuple[str, ...], str]:
        return (d.dossier, d.exercice, d.regles, d.decision)

    old = [d for ds in avant.derogations.values() for d in ds]
    new = [d for ds in apres.derogations.values() for d in ds]
    old_keys, new_keys = {cle(d) for d in old}, {cle(d) for d in new}
    return [d for d in new if cle(d) not in old_keys], [d for d in old if cle(d) not in new_keys]


def ligne(d: Derogation) -> str:
    """« CDV-2025-032 (2025) : caf-bilan-renouvellement — COPIL du 12/03/2025, relevé n°4 »."""
    return f"{d.dossier} ({d.exercice}) : {', '.join(d.regles)} — {d.decision}"
