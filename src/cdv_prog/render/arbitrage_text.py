"""``cdv arbitrage`` as text: tables that fit an 80-column terminal, then every reason, wrapped."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from cdv_prog.core.money import euros, percent
from cdv_prog.core.texte import visible
from cdv_prog.programmation.arbitrage.explication import STATUTS_FR
from cdv_prog.render.arbitrage_common import NOTE, financeurs, modifications, resume

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.arbitrage.explication import Arbitrage
    from cdv_prog.render.registry import Sortie

LARGEUR = 80
SOUS = ", sous-enveloppe "


def _wrap(text: str, indent: str = "  ", suite: str = "    ") -> list[str]:
    return textwrap.wrap(visible(text), LARGEUR, initial_indent=indent, subsequent_indent=suite) or [indent]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(a: Arbitrage, regles: JeuDeRegles) -> str:
    out = [f"Arbitrage de l'exercice {a.exercice} : proposition de programmation", resume(a)]
    if a.modifications:
        out.append(f"Enveloppes modifiées pour ce scénario : {modifications(a)}")
    if a.priorites:
        out.append(f"Priorités : {visible(a.priorites)}")
    if a.conflits:
        out += ["", "Conflits : aucune programmation ne tient"]
        for c in a.conflits:
            out += _wrap(c, "  - ", "    ")
    out += ["", "Enveloppes", f"{'Enveloppe':<29} {'Montant':>12} {'Proposé':>12} {'Reste':>12} {'Taux':>6} Sat"]
    for e in a.enveloppes:
        taux = "—" if e.taux is None else percent(e.taux, 1)
        nom = f"  dont {e.nom.partition(SOUS)[2].strip('« »')}" if SOUS in e.nom else e.nom
        out.append(
            f"{_cut(nom, 29):<29} {euros(e.montant):>12} {euros(e.utilise):>12} {euros(e.reste):>12} {taux:>6} "
            f"{'oui' if e.saturee else 'non'}"
        )
    marginales = [e.valeur_marginale for e in a.enveloppes if e.valeur_marginale]
    for m in marginales:
        out += _wrap(m, "  → ", "    ")
    out += ["", "Par financeur", f"{'Financeur':<24} {'Demandé':>16} {'Proposé':>16} {'Coupe':>16}"]
    for _, nom, dem, prop in financeurs(a, regles):
        out.append(f"{_cut(nom, 24):<24} {euros(dem):>16} {euros(prop):>16} {euros(dem - prop):>16}")
    out += ["", "Dossiers", f"{'Dossier':<18} {'Statut':<17} {'Demandé':>14} {'Proposé':>14} {'Coupe':>12}"]
    for d in a.dossiers:
        ident = visible(d.id or d.fichier)
        out.append(
            f"{_cut(ident, 18):<18} {STATUTS_FR[d.statut]:<17} {euros(d.demande):>14} {euros(d.propose):>14} "
            f"{euros(d.coupe):>12}"
        )
    out += ["", "Motifs"]
    for d in a.dossiers:
        if d.statut == "retenu" and d.motifs == ("retenu au montant demandé",):
            continue
        out.append(f"{visible(d.id or d.fichier)} — {STATUTS_FR[d.statut]}")
        for m in d.motifs:
            out += _wrap(m, "  - ", "    ")
    out += [""] + textwrap.wrap(NOTE, LARGEUR)
    return "\n".join(out) + "\n"


def render(a: Arbitrage, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    return render_text(a, regles).encode("utf-8")
