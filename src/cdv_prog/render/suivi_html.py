"""``cdv suivi --format html``: a small self-contained page (no script, no outside resource)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from cdv_prog.core.money import euros
from cdv_prog.core.texte import visible

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.workflow.suivi import Suivi

STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}"
    "td,th{border:1px solid #999;padding:.3em .6em}td.m{text-align:right}.r{color:#a00}"
)


def _e(text: str) -> str:
    return escape(visible(text))


def render(suivi: Suivi, regles: JeuDeRegles) -> bytes:
    annees = suivi.annees
    codes = list(dict.fromkeys(code for a in annees for code, _ in a.dossier.retenus))
    head = "".join(f"<th>{a.dossier.exercice}</th>" for a in annees)
    rows = [
        "<tr><th>Dossier</th>" + "".join(f"<td>{_e(a.dossier.id)}</td>" for a in annees) + "</tr>",
        "<tr><th>Verdict</th>" + "".join(f"<td>{_e(a.verdict_fr)}</td>" for a in annees) + "</tr>",
        "<tr><th>CPO</th>"
        + "".join(
            f"<td>{a.dossier.annees_cpo[0]}-{a.dossier.annees_cpo[-1]}</td>" if a.dossier.annees_cpo else "<td>—</td>"
            for a in annees
        )
        + "</tr>",
    ]
    for code in codes:
        cells = "".join(f'<td class="m">{euros(a.dossier.retenu(code))}</td>' for a in annees)
        rows.append(f"<tr><th>{_e(regles.nom_court(code))}</th>{cells}</tr>")
    rows.append(
        "<tr><th>Bilan envoyé le</th>"
        + "".join(
            f"<td>{a.dossier.bilan_envoye_le.strftime('%d/%m/%Y') if a.dossier.bilan_envoye_le else '—'}</td>"
            for a in annees
        )
        + "</tr>"
    )
    rows.append(
        "<tr><th>Évaluation annuelle</th>"
        + "".join(f"<td>{'fournie' if a.dossier.evaluation_annuelle else '—'}</td>" for a in annees)
        + "</tr>"
    )
    ruptures = (
        "<ul>" + "".join(f'<li class="r">{_e(r)}</li>' for r in suivi.ruptures) + "</ul>"
        if suivi.ruptures
        else "<p>Chaîne continue : chaque dossier nomme celui de l'année précédente.</p>"
    )
    titre = f"Suivi de l'action de {_e(suivi.ident)}"
    page = (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{titre}</title><style>{STYLE}</style></head><body>"
        f"<h1>{titre}</h1><p>{_e(annees[0].dossier.intitule)} — {_e(annees[0].dossier.porteur.nom)}</p>"
        f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"
        f"<h2>Ruptures de la chaîne</h2>{ruptures}</body></html>\n"
    )
    return page.encode("utf-8")
