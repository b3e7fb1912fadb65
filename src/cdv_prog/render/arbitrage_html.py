"""``cdv arbitrage --format html``: one self-contained page, the proposal beside the demand,
per enveloppe, per financeur and per dossier, with every reason. Every text is escaped."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from cdv_prog.core.money import euros, percent
from cdv_prog.core.texte import visible
from cdv_prog.programmation.arbitrage.explication import STATUTS_FR
from cdv_prog.render.arbitrage_common import NOTE, financeurs, modifications, resume
from cdv_prog.render.html_base import CSS

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.arbitrage.explication import Arbitrage
    from cdv_prog.render.registry import Sortie


def _e(text: str) -> str:
    return html.escape(visible(text), quote=True)


def _row(cells: list[str], classe: str = "") -> str:
    attr = f' class="{classe}"' if classe else ""
    return f"<tr{attr}>" + "".join(cells) + "</tr>"


def _n(text: str) -> str:
    return f'<td class="n">{_e(text)}</td>'


def _t(text: str) -> str:
    return f"<td>{_e(text)}</td>"


def render_text(a: Arbitrage, regles: JeuDeRegles) -> str:
    out = [
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">',
        f"<title>Arbitrage {a.exercice}</title><style>{CSS}</style></head><body>",
        f"<header><h1>Arbitrage de l'exercice {a.exercice}</h1>",
        f'<p class="resume">{_e(resume(a))}</p>',
    ]
    if a.modifications:
        out.append(f"<p>Enveloppes modifiées pour ce scénario : {_e(modifications(a))}</p>")
    if a.priorites:
        out.append(f"<p>Priorités : {_e(a.priorites)}</p>")
    out.append("</header>")
    if a.conflits:
        out.append("<h2>Conflits</h2><ul>" + "".join(f'<li class="echec">{_e(c)}</li>' for c in a.conflits) + "</ul>")
    out.append("<h2>Enveloppes</h2><table><tr><th>Enveloppe</th><th>Montant</th><th>Demandé</th><th>Proposé</th>")
    out.append("<th>Reste</th><th>Taux</th><th>Saturée</th><th>1 000 € de plus</th></tr>")
    for e in a.enveloppes:
        taux = "—" if e.taux is None else percent(e.taux, 1)
        cells = [_t(e.nom), _n(euros(e.montant)), _n(euros(e.demande)), _n(euros(e.utilise)), _n(euros(e.reste))]
        cells += [_n(taux), _t("oui" if e.saturee else "non"), _t(e.valeur_marginale or "")]
        out.append(_row(cells, "depasse" if e.saturee else ""))
    out.append(f"<caption>{_e(NOTE)}</caption></table>")
    out.append("<h2>Par financeur</h2><table><tr><th>Financeur</th><th>Demandé</th><th>Proposé</th><th>Coupe</th></tr>")
    for _, nom, dem, prop in financeurs(a, regles):
        out.append(_row([_t(nom), _n(euros(dem)), _n(euros(prop)), _n(euros(dem - prop))]))
    out.append("</table>")
    out.append("<h2>Par dossier</h2><table><tr><th>Dossier</th><th>Statut</th><th>Lignes : demandé → proposé</th>")
    out.append("<th>Motifs</th></tr>")
    for d in a.dossiers:
        lignes = "<br>".join(
            f'{_e(ligne.nom)} : <span class="nw">{_e(euros(ligne.demande))}</span> → '
            f'<span class="nw">{_e(euros(ligne.propose))}</span>'
            for ligne in d.lignes
        )
        motifs = "<br>".join(_e(m) for m in d.motifs)
        titre = _e(d.id or d.fichier) + (f"<br><small>{_e(d.intitule)}</small>" if d.intitule else "")
        out.append(_row([f"<td>{titre}</td>", _t(STATUTS_FR[d.statut]), f"<td>{lignes}</td>", f"<td>{motifs}</td>"]))
    out.append("</table></body></html>")
    page = "\n".join(out) + "\n"
    # on a phone, a wide table scrolls inside its own box, never the page
    return page.replace("<table>", '<div class="scroll"><table>').replace("</table>", "</table></div>")


def render(a: Arbitrage, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    return render_text(a, regles).encode("utf-8")
