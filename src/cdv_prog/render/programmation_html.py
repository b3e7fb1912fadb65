"""``cdv programmation --format html``: one self-contained page for the COPIL.

No network: inline CSS, charts drawn as inline SVG (no script, no font, no
image, no link to fetch). Header: exercice, rules file names and SHA-256, cdv
version. Then a bar chart per financeur (enveloppe, demandé, retenu), the
tables (each sous-enveloppe under its financeur, the droit commun mobilisé apart), the programmation rules, the CPO commitments, the breakdowns and the
dossiers set aside with their reasons. Every text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from cdv_prog.core.money import euros
from cdv_prog.core.texte import short, visible
from cdv_prog.core.vocab import STATUTS_FR, VERDICTS_FR
from cdv_prog.programmation.repartitions import Repartition
from cdv_prog.render.programmation_common import (
    DEMANDE_NOTE,
    DROIT_COMMUN_AUCUN,
    DROIT_COMMUN_NOTE,
    DROIT_COMMUN_TITRE,
    NON_RENSEIGNEE,
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

if TYPE_CHECKING:
    from cdv_prog.core.montants import TotalFinanceur
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import Programmation
    from cdv_prog.render.registry import Sortie

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:72rem;color:#1d2733;
padding:0 1rem;line-height:1.4}
header{border-bottom:3px solid #1f4e79;margin-bottom:1rem}h1{color:#1f4e79;margin-bottom:.2rem}
h2{color:#1f4e79;border-bottom:1px solid #c9d3de;padding-bottom:.2rem;margin-top:2rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;font-size:.9rem}dl.meta dt{font-weight:600}
code{font-size:.85rem;word-break:break-all}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #c9d3de;padding:.25rem .5rem;vertical-align:top}th{background:#eef3f8;text-align:left}
td.n{text-align:right;white-space:nowrap}tr.depasse td{background:#fde8e8;color:#9b1c1c;font-weight:600}
tr.vide td{color:#7a8794}tr.sous td{font-style:italic}caption{caption-side:bottom;text-align:left;font-size:.8rem;color:#52606d;padding-top:.2rem}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{border:1px solid #c9d3de;border-radius:4px;padding:.5rem}
.chart h3{margin:0 0 .3rem;font-size:1rem}.ok{color:#1c6b33}.echec{color:#9b1c1c}.reserve{color:#8a5a00}
.sans-objet{color:#7a8794}.source{font-size:.8rem;color:#52606d}.resume{font-weight:600}
li{margin-bottom:.4rem}small.id{font-family:monospace;font-size:.75rem;color:#52606d}
"""

BAR_AREA = 300
LABEL_W = 80
VALUE_W = 120
BAR_H = 18
GAP = 8


def escape(text: str) -> str:
    """Text or attribute value of the page: HTML-escaped (quotes too), control characters and
    undecodable bytes written out (:func:`~cdv_prog.core.texte.visible`)."""
    return html.escape(visible(text), quote=True)


def _regle(regle_id: str, regles: JeuDeRegles) -> str:
    """A rule named for a person: its title in bold, its id after it in small; the id alone without a title."""
    titre = titre_regle(regles, regle_id)
    if titre == regle_id:
        return f"<strong>{escape(regle_id)}</strong>"
    return f'<strong>{escape(titre)}</strong> <small class="id">{escape(regle_id)}</small>'


def _n(x: float) -> str:
    return f"{x:.1f}"


def chart(f: TotalFinanceur, nom: str) -> str:
    """An inline SVG: the financeur's enveloppe, demandé and retenu as horizontal bars on one scale."""
    bars = [
        ("Enveloppe", f.enveloppe, "#9fb3c8"),
        ("Demandé", f.demande, "#d9a441"),
        ("Retenu", f.retenu, "#b42318" if f.depassement else "#2f855a"),
    ]
    scale = max((v for _, v, _ in bars if v is not None), default=Decimal(0))
    width = LABEL_W + BAR_AREA + VALUE_W
    height = len(bars) * (BAR_H + GAP) + GAP
    label = f"{nom} : retenu {euros(f.retenu)}, enveloppe {montant(f.enveloppe)}"
    out = [
        f'<svg role="img" aria-label="{escape(label)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="12" font-family="sans-serif">',
        f"<title>{escape(label)}</title>",
    ]
    for i, (name, value, color) in enumerate(bars):
        y = GAP + i * (BAR_H + GAP)
        length = float(value / scale) * BAR_AREA if value is not None and scale > 0 else 0.0
        out.append(f'<text x="0" y="{_n(y + BAR_H - 5)}">{name}</text>')
        if value is None:
            out.append(f'<text x="{LABEL_W}" y="{_n(y + BAR_H - 5)}" fill="#7a8794">{NON_RENSEIGNEE}</text>')
            continue
        out.append(f'<rect x="{LABEL_W}" y="{y}" width="{_n(length)}" height="{BAR_H}" fill="{color}"/>')
        out.append(f'<text x="{_n(LABEL_W + length + 4)}" y="{_n(y + BAR_H - 5)}">{escape(euros(value))}</text>')
    if f.enveloppe is not None and scale > 0:
        x = LABEL_W + float(f.enveloppe / scale) * BAR_AREA
        out.append(
            f'<line x1="{_n(x)}" y1="2" x2="{_n(x)}" y2="{height - 2}" stroke="#1f4e79" '
            f'stroke-dasharray="4 3" stroke-width="1.5"/>'
        )
    out.append("</svg>")
    return "".join(out)


def _table(
    headers: Sequence[str], rows: Iterable[tuple[Sequence[tuple[str, bool]], str]], caption: str | None = None
) -> str:
    """rows: ((cell text, is_number) …, row class)."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead><tbody>")
    for cells, cls in rows:
        attr = f' class="{cls}"' if cls else ""
        out.append(
            f"<tr{attr}>"
            + "".join(
                f'<td class="n">{escape(text)}</td>' if num else f"<td>{escape(text)}</td>" for text, num in cells
            )
            + "</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def _financeurs(prog: Programmation, regles: JeuDeRegles) -> str:
    charts = "".join(
        f'<div class="chart"><h3>{escape(regles.nom_court(f.financeur))}</h3>{chart(f, regles.nom_court(f.financeur))}</div>'
        for f in prog.financeurs
    )
    rows: list[tuple[Sequence[tuple[str, bool]], str]] = []
    for f in prog.financeurs:
        rows.append(
            (
                [
                    (regles.nom_court(f.financeur), False),
                    (montant(f.enveloppe), True),
                    (euros(f.demande), True),
                    (euros(f.retenu), True),
                    ("—" if f.solde is None else euros(f.solde), True),
                    (taux(f.taux), True),
                    (str(f.dossiers), True),
                    (etat_financeur(f), False),
                ],
                "depasse" if f.depassement else "",
            )
        )
        rows += [
            (
                [
                    ("\u2003" + libelle_sous_enveloppe(s), False),
                    (montant(s.enveloppe), True),
                    (euros(s.demande), True),
                    (euros(s.retenu), True),
                    ("—" if s.solde is None else euros(s.solde), True),
                    (taux(s.taux), True),
                    ("", True),
                    (etat(s.depassement, s.enveloppe), False),
                ],
                "depasse" if s.depassement else "sous",
            )
            for s in f.sous_enveloppes
        ]
    table = _table(
        ("Financeur", "Enveloppe", "Demandé", "Retenu", "Solde", "Taux", "Dossiers", "État"), rows, DEMANDE_NOTE
    )
    return (
        f'<section><h2>Financements par financeur</h2>{table}<div class="charts">{charts}</div>'
        f"{_droit_commun(prog, regles)}</section>"
    )


def _droit_commun(prog: Programmation, regles: JeuDeRegles) -> str:
    mobilise = droit_commun(prog.financeurs)
    if not mobilise:
        return f"<p>{escape(DROIT_COMMUN_AUCUN)}</p>"
    rows = (
        (
            [
                (regles.nom_court(f.financeur), False),
                (regles.perimetre(f.financeur).texte(), False),
                (euros(f.droit_commun), True),
            ],
            "",
        )
        for f in mobilise
    )
    return f"<h3>{escape(DROIT_COMMUN_TITRE)}</h3>" + _table(
        ("Financeur", "Périmètre de l'enveloppe", "Droit commun"), rows, DROIT_COMMUN_NOTE
    )


def _constats(prog: Programmation, regles: JeuDeRegles) -> str:
    if not prog.constats:
        return ""
    items = []
    for c in prog.constats:
        cls = c.statut if c.statut != "echec" else ("echec" if c.gravite == "bloquant" else "reserve")
        items.append(
            f'<li class="{cls}">{_regle(c.regle, regles)} ({escape(c.gravite)}, {STATUTS_FR[c.statut]}) : '
            f'{escape(c.message)}<div class="source">Source : {escape(c.source)}</div></li>'
        )
    return f"<section><h2>Règles de programmation</h2><ul>{''.join(items)}</ul></section>"


def _engagements(prog: Programmation, regles: JeuDeRegles) -> str:
    eng = prog.engagements
    head = f"<section><h2>Engagements des CPO de {eng.exercice} pour les exercices suivants</h2>"
    if not eng.financeurs:
        return head + f"<p>Aucune CPO éligible n'engage d'exercice au-delà de {eng.exercice}.</p></section>"
    headers = ["Financeur"]
    for year in eng.annees:
        headers += [f"Engagé {year}", f"Enveloppe {year}", f"Part {year}"]
    rows = []
    for f in eng.financeurs:
        cells = [(regles.nom_court(f.financeur), False)]
        for e in f.annees:
            cells += [(euros(e.engage), True), (montant(e.enveloppe), True), (taux(e.taux), True)]
        rows.append((cells, ""))
    return (
        head
        + _table(headers, rows, "Hypothèse : " + eng.hypothese)
        + f"<p>CPO concernées : {escape(', '.join(eng.dossiers))}</p></section>"
    )


def _repartition(rep: Repartition) -> str:
    rows = (
        (
            [(ligne.libelle, False), (str(ligne.dossiers), True), (euros(ligne.retenu), True)],
            "vide" if ligne.dossiers == 0 else "",
        )
        for ligne in rep.lignes
    )
    return f"<h3>{escape(rep.titre)}</h3>" + _table((rep.colonne, "Dossiers", "Retenu"), rows, rep.note)


def _ecartes(prog: Programmation, regles: JeuDeRegles) -> str:
    ecartes = prog.ecartes
    if not ecartes:
        return "<section><h2>Dossiers écartés</h2><p>Aucun.</p></section>"
    items = []
    for d in ecartes:
        reasons = "".join(
            f"<li>{escape(m.message)}</li>"
            if m.regle is None
            else f"<li>{_regle(m.regle, regles)} : {escape(m.message)}</li>"
            for m in motifs(d, regles)
        )
        items.append(
            f"<li><strong>{escape(short(d.id)) if d.id else '(sans id)'}</strong> — {VERDICTS_FR[d.verdict]} — "
            f"<code>{escape(d.fichier)}</code><ul>{reasons}</ul></li>"
        )
    return (
        f"<section><h2>Dossiers écartés ({len(ecartes)})</h2>"
        f"<p>Comptés à part, jamais dans les montants retenus.</p><ul>{''.join(items)}</ul></section>"
    )


def render_text(prog: Programmation, regles: JeuDeRegles) -> str:
    e = EnteteRapport.of(prog, regles)
    header = (
        f"<header><h1>Programmation de l'exercice {prog.exercice}</h1><p>{escape(e.contrat)}</p>"
        f'<dl class="meta"><dt>Exercice</dt><dd>{prog.exercice}</dd>'
        f"<dt>Règles</dt><dd>{escape(e.regles)}</dd>"
        f"<dt>SHA-256 des règles</dt><dd><code>{escape(e.empreinte)}</code></dd>"
        f"<dt>Version de cdv</dt><dd>{escape(e.version)}</dd></dl></header>"
    )
    body = "\n".join(
        [
            f'<p class="resume">{escape(resume_text(prog))}</p>',
            _financeurs(prog, regles),
            _constats(prog, regles),
            _engagements(prog, regles),
            "<section><h2>Répartitions des montants retenus (dossiers éligibles)</h2>"
            + "".join(_repartition(r) for r in prog.repartitions)
            + "</section>",
            _ecartes(prog, regles),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Programmation {prog.exercice} — contrat de ville</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{header}\n{body}\n</body>\n</html>\n"
    )


def render(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    return render_text(prog, regles).encode("utf-8")
