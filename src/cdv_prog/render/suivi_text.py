"""``cdv suivi`` in the terminal: one block per exercice, then the breaks; 80 columns."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from cdv_prog.core.money import euros
from cdv_prog.core.texte import visible

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.workflow.suivi import AnneeSuivi, Suivi


def _annee(a: AnneeSuivi, regles: JeuDeRegles) -> list[str]:
    d = a.dossier
    verdict = a.verdict_fr
    lines = [f"{d.exercice}  {visible(d.id)}  {verdict}"]
    lines += textwrap.wrap(visible(d.intitule), 80, initial_indent="    ", subsequent_indent="    ")
    if d.annees_cpo is not None:
        annee = d.annees_cpo.index(d.exercice) + 1 if d.exercice in d.annees_cpo else None
        rang = f", année {annee}/{len(d.annees_cpo)}" if annee is not None else ", hors de ses années"
        lines.append(f"    CPO {d.annees_cpo[0]}-{d.annees_cpo[-1]}{rang}")
    for code, total in d.retenus:
        lines.append(f"    {regles.nom_court(code)[:40]:<40} {euros(total):>20}")
    bilan = d.bilan_envoye_le.strftime("%d/%m/%Y") if d.bilan_envoye_le is not None else "non envoyé"
    lines.append(f"    bilan de l'année précédente : {bilan}")
    if d.annees_cpo is not None and d.exercice > d.annees_cpo[0]:
        lines.append(f"    évaluation annuelle : {'fournie' if d.evaluation_annuelle else 'absente'}")
    return lines


def render(suivi: Suivi, regles: JeuDeRegles) -> str:
    premier = suivi.annees[0].dossier
    lines = [
        f"Suivi de l'action de {visible(suivi.ident)} : {len(suivi.annees)} exercice(s)",
        *textwrap.wrap(f"Porteur : {visible(premier.porteur.nom)}", 80, subsequent_indent="  "),
        "",
    ]
    for a in suivi.annees:
        lines += [*_annee(a, regles), ""]
    if suivi.ruptures:
        lines.append("Ruptures de la chaîne :")
        lines += [
            textwrap.fill(visible(r), 80, initial_indent="  - ", subsequent_indent="    ") for r in suivi.ruptures
        ]
    else:
        lines.append("Chaîne continue : chaque dossier nomme celui de l'année précédente.")
    return "\n".join(lines) + "\n"
