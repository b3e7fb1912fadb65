"""``cdv programmation --format html``: one self-contained page for the COPIL, on screen, on a phone, on paper.

No network: inline CSS, charts drawn as inline SVG (no script, no font, no
image, no link to fetch); the style sheet, escaping, tables and charts are
shared with the other HTML reports (:mod:`cdv_prog.render.html_base`).

In order: a header (exercice, date and time of generation — ``SOURCE_DATE_EPOCH``
when set —, rules files and SHA-256, cdv version); the key figures
(:func:`chiffres_cles`: dossiers by verdict, requested and retained grand
totals, each enveloppe used, left or exceeded); per financeur a chart, every
chart on one common scale that is printed under them, and the table (each
sous-enveloppe under its financeur, the droit commun mobilisé apart); the
retained actions in reading order with each financeur's retained amount, then
grouped by défi and by quartier; the dossiers set aside with their intitulé,
porteur and reasons (:func:`motifs_html`); the programmation rules, the CPO
commitments and the other breakdowns. Every text is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from cdv_prog.core.money import euros
from cdv_prog.core.texte import short
from cdv_prog.core.vocab import HORS_QPV, STATUTS_FR, VERDICTS_FR
from cdv_prog.render.html_base import (
    STYLE_DEMANDE,
    STYLE_DEPASSE,
    STYLE_ENVELOPPE,
    STYLE_RETENU,
    Barre,
    Cell,
    barres,
    date_fr,
    date_generation,
    escape,
    page,
    table,
    table_morceaux,
)
from cdv_prog.render.programmation_common import (
    DEMANDE_NOTE,
    DROIT_COMMUN_AUCUN,
    DROIT_COMMUN_NOTE,
    DROIT_COMMUN_TITRE,
    NON_RENSEIGNEE,
    EnteteRapport,
    TotauxGeneraux,
    droit_commun,
    etat,
    etat_financeur,
    libelle_sous_enveloppe,
    montant,
    motifs,
    retenus,
    taux,
    titre_regle,
)

if TYPE_CHECKING:
    from cdv_prog.core.montants import TotalFinanceur
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import LigneDossier, Programmation
    from cdv_prog.programmation.repartitions import Repartition
    from cdv_prog.render.registry import Sortie

Row = tuple[Sequence[Cell], str]


def _t(text: str) -> Cell:
    return (escape(text), False)


def _m(text: str) -> Cell:
    return (escape(text), True)


def _e(amount: Decimal) -> str:
    """An amount in running text, never cut at the end of a line."""
    return f'<span class="nw">{escape(euros(amount))}</span>'


def _regle(regle_id: str, regles: JeuDeRegles) -> str:
    """A rule named for a person: its title in bold, its id after it in small; the id alone without a title."""
    titre = titre_regle(regles, regle_id)
    if titre == regle_id:
        return f"<strong>{escape(regle_id)}</strong>"
    return f'<strong>{escape(titre)}</strong> <small class="id">{escape(regle_id)}</small>'


def _ident(d: LigneDossier) -> str:
    return escape(short(d.id)) if d.id else "(sans id)"


# ------------------------------------------------------------------------------------------- key figures


def chiffres_cles(prog: Programmation, regles: JeuDeRegles, par_derogation: int | None = None) -> str:
    """The key figures, first on the page: dossiers by verdict (« dont N par dérogation » when given), the
    requested and retained grand totals, and each enveloppe (and sous-enveloppe) used, left or exceeded."""
    r, tot = prog.resume, TotauxGeneraux.of(prog)
    eligibles = f"{r.eligible} éligible(s)"
    if par_derogation:
        eligibles += f", dont {par_derogation} par dérogation"
    verdicts = [eligibles, f"{r.ineligible} inéligible(s)", f"{r.invalide} invalide(s)"]
    cartes = [
        ("Dossiers", str(r.total), verdicts),
        ("Total demandé", euros(tot.demande), ["dossiers valides, éligibles ou non, tous financeurs"]),
        (
            "Total retenu",
            euros(tot.retenu),
            [
                "dossiers éligibles, tous financeurs",
                f"dont {euros(tot.retenu - tot.droit_commun)} dans le périmètre des enveloppes",
                f"dont {euros(tot.droit_commun)} de droit commun mobilisé",
            ],
        ),
    ]
    enveloppes = []
    for f in prog.financeurs:
        nom = regles.nom_court(f.financeur)
        faces = [(nom, f.enveloppe, f.retenu, f.depassement_enveloppe)]
        faces += [(f"{nom}, {s.nom}", s.enveloppe, s.retenu, s.depassement) for s in f.sous_enveloppes]
        for label, env, ret, depasse in faces:
            if env is None:
                continue
            if depasse:
                etat_html = f'<span class="depasse-txt">DÉPASSÉE de {_e(ret - env)}</span>'
            else:
                etat_html = f"reste {_e(env - ret)}"
            part = f'<span class="nw">({escape(taux(ret / env if env else None))})</span>'
            enveloppes.append(f"{escape(label)} : {_e(ret)} sur {_e(env)} {part}, {etat_html}")
    html_cartes = [
        f'<div class="cle"><h3>{escape(titre)}</h3><div class="v">{escape(valeur)}</div>'
        f"<ul>{''.join(f'<li>{escape(x)}</li>' for x in details)}</ul></div>"
        for titre, valeur, details in cartes
    ]
    if enveloppes:
        html_cartes.append(
            f'<div class="cle large"><h3>Enveloppes</h3><ul>{"".join(f"<li>{e}</li>" for e in enveloppes)}</ul></div>'
        )
    return f'<section><h2>Chiffres clés</h2><div class="cles">{"".join(html_cartes)}</div></section>'


# ------------------------------------------------------------------------------------------- financeurs


def echelle(financeurs: Sequence[TotalFinanceur]) -> Decimal:
    """The one scale of every financeur's chart: the largest enveloppe, demandé or retenu of them all."""
    values = [v for f in financeurs for v in (f.enveloppe, f.demande, f.retenu) if v is not None]
    return max(values, default=Decimal(0))


def chart(f: TotalFinanceur, nom: str, scale: Decimal | None = None) -> str:
    """An inline SVG: the financeur's enveloppe, demandé and retenu as bars against ``scale`` (its own largest
    figure when not given), the enveloppe also as a dashed mark."""
    if scale is None:
        scale = echelle([f])
    bars = [
        Barre("Enveloppe", f.enveloppe, STYLE_ENVELOPPE, montant(f.enveloppe)),
        Barre("Demandé", f.demande, STYLE_DEMANDE, euros(f.demande)),
        Barre("Retenu", f.retenu, STYLE_DEPASSE if f.depassement else STYLE_RETENU, euros(f.retenu)),
    ]
    label = f"{nom} : retenu {euros(f.retenu)}, enveloppe {montant(f.enveloppe)}"
    return barres(label, bars, scale, f.enveloppe)


def _financeurs(prog: Programmation, regles: JeuDeRegles) -> str:
    scale = echelle(prog.financeurs)
    depassee = ' — <span class="depasse-txt">DÉPASSÉE</span>'
    charts = "".join(
        f'<figure class="chart"><h3>{escape(regles.nom_court(f.financeur))}{depassee if f.depassement else ""}</h3>'
        f"{chart(f, regles.nom_court(f.financeur), scale)}</figure>"
        for f in prog.financeurs
    )
    legende = (
        f'<p class="legende">Échelle commune à tous les graphiques : la barre pleine vaut {escape(euros(scale))}. '
        "Contour blanc : enveloppe (aussi en pointillé) ; gris clair : demandé ; foncé : retenu "
        "(rouge : enveloppe dépassée).</p>"
    )
    rows: list[Row] = []
    for f in prog.financeurs:
        rows.append(
            (
                [
                    _t(regles.nom_court(f.financeur)),
                    _m(montant(f.enveloppe)),
                    _m(euros(f.demande)),
                    _m(euros(f.retenu)),
                    _m("—" if f.solde is None else euros(f.solde)),
                    _m(taux(f.taux)),
                    _m(str(f.dossiers)),
                    _t(etat_financeur(f)),
                ],
                "depasse" if f.depassement else "",
            )
        )
        rows += [
            (
                [
                    _t("\u2003" + libelle_sous_enveloppe(s)),
                    _m(montant(s.enveloppe)),
                    _m(euros(s.demande)),
                    _m(euros(s.retenu)),
                    _m("—" if s.solde is None else euros(s.solde)),
                    _m(taux(s.taux)),
                    _m(""),
                    _t(etat(s.depassement, s.enveloppe)),
                ],
                "depasse" if s.depassement else "sous",
            )
            for s in f.sous_enveloppes
        ]
    headers = (
        "Financeur",
        ("Enveloppe", True),
        ("Demandé", True),
        ("Retenu", True),
        ("Solde", True),
        ("Taux", True),
        ("Dossiers", True),
        "État",
    )
    return (
        f'<section><h2>Financements par financeur</h2><div class="charts">{charts}</div>{legende}'
        f"{table(headers, rows, DEMANDE_NOTE)}{_droit_commun(prog, regles)}</section>"
    )


def _droit_commun(prog: Programmation, regles: JeuDeRegles) -> str:
    mobilise = droit_commun(prog.financeurs)
    if not mobilise:
        return f"<p>{escape(DROIT_COMMUN_AUCUN)}</p>"
    rows: list[Row] = [
        (
            [
                _t(regles.nom_court(f.financeur)),
                _t(regles.perimetre(f.financeur).texte()),
                _m(euros(f.droit_commun)),
            ],
            "",
        )
        for f in mobilise
    ]
    total = sum((f.droit_commun for f in mobilise), Decimal(0))
    rows.append(([_t("Total"), _t(""), _m(euros(total))], "total"))
    return f"<h3>{escape(DROIT_COMMUN_TITRE)}</h3>" + table(
        ("Financeur", "Périmètre de l'enveloppe", ("Droit commun", True)), rows, DROIT_COMMUN_NOTE
    )


# ------------------------------------------------------------------------------------------- actions


def _quartiers(d: LigneDossier, regles: JeuDeRegles) -> str:
    noms = [
        "hors géographie prioritaire" if q == HORS_QPV else (regles.quartiers[q].nom if q in regles.quartiers else q)
        for q in d.quartiers
    ]
    return ", ".join(noms)


def _defi(d: LigneDossier, regles: JeuDeRegles) -> str:
    if d.defi is None:
        return ""
    defi = regles.defis.get(d.defi)
    return defi.nom if defi is not None else d.defi


def _actions(prog: Programmation, regles: JeuDeRegles) -> Iterator[str]:
    """The retained actions in reading order: each financeur's retained amount and the total, then the totals
    (the section's text in pieces, a row each)."""
    # written a line at a time: the lines of a big programmation are read back from disk at each pass
    # (files.spill), never all held (100 000 dossiers: some 300 MB as a list, issue 17)
    n = prog.n_retenues
    head = f"<section><h2>Actions retenues ({n})</h2>"
    if not n:
        yield head + "<p>Aucune.</p></section>"
        return
    ordre = [f.financeur for f in prog.financeurs]
    headers = ("Id", "Intitulé et porteur", "Quartiers et défi", "Retenu par financeur", ("Total", True))
    caption = (
        "Dans l'ordre de lecture des dossiers. Retenu : accordé, sinon demandé ; droit commun compris. "
        "Regroupées par défi et par quartier dans les répartitions plus bas."
    )
    yield head
    yield from table_morceaux(
        headers, _lignes_actions(prog.retenues(), ordre, regles), caption, classe="actions cartes"
    )
    yield "</section>"


def _lignes_actions(retenues: Iterable[LigneDossier], ordre: list[str], regles: JeuDeRegles) -> Iterator[Row]:
    """The rows of :func:`_actions`, made as the table is written (never all of them at once), then the total."""
    par_financeur: dict[str, Decimal] = {}
    for d in retenues:
        amounts = retenus(d)
        for code, amount in amounts.items():
            par_financeur[code] = par_financeur.get(code, Decimal(0)) + amount
        detail = ", ".join(
            f'<span class="nw">{escape(regles.nom_court(c))}&nbsp;: {escape(euros(amounts[c]))}</span>'
            for c in sorted(amounts, key=lambda c: ordre.index(c) if c in ordre else len(ordre))
            if amounts[c]
        )
        yield (
            [
                (f'<span class="ids">{_ident(d)}</span>', False),
                (f"{escape(d.intitule or '')}<br><small>{escape(d.porteur or '')}</small>" + _derogation(d), False),
                (f"{escape(_quartiers(d, regles))}<br><small>{escape(_defi(d, regles))}</small>", False),
                (detail, False),
                _m(euros(sum(amounts.values(), Decimal(0)))),
            ],
            "",
        )
    total = sum(par_financeur.values(), Decimal(0))
    detail = ", ".join(
        f'<span class="nw">{escape(regles.nom_court(c))}&nbsp;: {escape(euros(par_financeur[c]))}</span>'
        for c in ordre
        if c in par_financeur
    )
    yield ([_t("Total"), _t(""), _t(""), (detail, False), _m(euros(total))], "total")


def _derogation(d: LigneDossier) -> str:
    """« Éligible par dérogation (COPIL du …) » under a retained action that a dérogation made eligible."""
    if d.derogation is None:
        return ""
    return f'<br><small class="reserve">éligible par dérogation ({escape(d.derogation.decision)})</small>'


def motifs_html(d: LigneDossier, regles: JeuDeRegles) -> list[str]:
    """Why a dossier is set aside, in plain French, one HTML list item each: the failed rules by their title
    (id in small), or the reading errors. The one place to add what the dossier would need."""
    items = [
        f"<li>{escape(m.message)}</li>"
        if m.regle is None
        else f"<li>{_regle(m.regle, regles)} : {escape(m.message)}</li>"
        for m in motifs(d, regles)
    ]
    if d.ce_qu_il_faudrait:  # verified by the tool before it is shown (core.remedier)
        items.append(f'<li class="remede"><strong>Ce qu\'il faudrait :</strong> {escape(d.ce_qu_il_faudrait)}</li>')
    return items


def _ecartes(prog: Programmation, regles: JeuDeRegles) -> Iterator[str]:
    """The set-aside dossiers (the section's text in pieces, a row each)."""
    n = prog.n_ecartes
    if not n:
        yield "<section><h2>Dossiers écartés</h2><p>Aucun.</p></section>"
        return
    yield f"<section><h2>Dossiers écartés ({n})</h2>"
    yield from table_morceaux(
        ("Id", "Intitulé et porteur", "Verdict", ("Demandé", True), "Motifs"),
        _lignes_ecartes(prog.ecartees(), regles),
        "Comptés à part, jamais dans les montants retenus.",
        classe="cartes",
    )
    yield "</section>"


def _lignes_ecartes(ecartes: Iterable[LigneDossier], regles: JeuDeRegles) -> Iterator[Row]:
    """The rows of :func:`_ecartes`, made as the table is written."""
    for d in ecartes:
        qui = escape(d.intitule) if d.intitule else f"<code>{escape(d.fichier)}</code>"
        if d.porteur:
            qui += f"<br><small>{escape(d.porteur)}</small>"
        demande = "" if d.demande is None else euros(sum(d.demande.values(), Decimal(0)))
        yield (
            [
                (f'<span class="ids">{_ident(d)}</span>', False),
                (qui, False),
                _t(VERDICTS_FR[d.verdict]),
                _m(demande),
                (f'<ul class="motifs">{"".join(motifs_html(d, regles))}</ul>', False),
            ],
            "",
        )


# ------------------------------------------------------------------------------------------- the rest


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
    headers: list[str | tuple[str, bool]] = ["Financeur"]
    for year in eng.annees:
        headers += [(f"Engagé {year}", True), (f"Enveloppe {year}", True), (f"Part {year}", True)]
    rows: list[Row] = []
    for f in eng.financeurs:
        cells = [_t(regles.nom_court(f.financeur))]
        for e in f.annees:
            cells += [_m(euros(e.engage)), _m(montant(e.enveloppe)), _m(taux(e.taux))]
        rows.append((cells, ""))
    return (
        head
        + table(headers, rows, "Hypothèse : " + eng.hypothese)
        + f"<p>CPO concernées : {escape(', '.join(eng.dossiers))}. {escape(eng.phrase())}"
        + (f" Dossiers des années suivantes lus : {escape(', '.join(eng.suivants))}." if eng.suivants else "")
        + "</p></section>"
    )


def _groupes(prog: Programmation, rep: Repartition) -> dict[str | None, list[str]]:
    """The ids of the retained actions in each row of the breakdown by quartier or by défi (none for others)."""
    out: dict[str | None, list[str]] = {}
    for d in prog.retenues():
        keys: Sequence[str | None] = d.quartiers if rep.code == "quartiers" else [d.defi]
        for key in keys:
            out.setdefault(key, []).append(short(d.id) if d.id else "(sans id)")
    return out


_AVEC_IDS = ("quartiers", "defis")  # the breakdowns whose rows list the ids of their actions


def _repartition(prog: Programmation, rep: Repartition) -> Iterator[str]:
    """One breakdown's title and table, a row at a time: the rows by quartier and by défi list the ids of
    their actions (at 100 000 dossiers, MB of text: never held as one string, issue 17)."""
    groupes = _groupes(prog, rep) if rep.code in _AVEC_IDS else None
    headers: list[str | tuple[str, bool]] = [rep.colonne, ("Dossiers", True), ("Retenu", True)]
    if groupes is not None:
        headers.append("Actions retenues")

    def rows() -> Iterator[Row]:
        for ligne in rep.lignes:
            cells = [_t(ligne.libelle), _m(str(ligne.dossiers)), _m(euros(ligne.retenu))]
            if groupes is not None:
                ids = groupes.get(ligne.cle, [])
                cells.append((", ".join(f'<span class="ids">{escape(i)}</span>' for i in ids), False))
            yield cells, "vide" if ligne.dossiers == 0 else ""

    yield f"<h3>{escape(rep.titre)}</h3>"
    yield from table_morceaux(headers, rows(), rep.note)


def _repartitions(prog: Programmation) -> Iterator[str]:
    """The breakdowns: by quartier and by défi with the ids of their actions, the others side by side;
    in pieces (:func:`_repartition`)."""
    yield "<section><h2>Répartitions des montants retenus (dossiers éligibles)</h2>"
    for r in prog.repartitions:
        if r.code in _AVEC_IDS:
            yield from _repartition(prog, r)
    yield '<div class="paires">'
    for r in prog.repartitions:
        if r.code not in _AVEC_IDS:
            yield "<div>"
            yield from _repartition(prog, r)
            yield "</div>"
    yield "</div></section>"


def render_text(
    prog: Programmation,
    regles: JeuDeRegles,
    genere_le: dt.datetime | None = None,
    par_derogation: int | None = None,
) -> str:
    """The page. ``genere_le``: the date of generation shown (default: ``SOURCE_DATE_EPOCH``, else now)."""
    parties = _parties(prog, regles, genere_le, par_derogation)
    return page(_titre(prog), "\n".join("".join(partie) for partie in parties))


def _titre(prog: Programmation) -> str:
    return f"Programmation {prog.exercice} — contrat de ville"


def _parties(
    prog: Programmation, regles: JeuDeRegles, genere_le: dt.datetime | None, par_derogation: int | None
) -> Iterator[Iterable[str]]:
    """The page's sections in order, each made when the one before has been written, each as its pieces
    (the long lists a row at a time)."""
    e = EnteteRapport.of(prog, regles)
    moment = genere_le if genere_le is not None else date_generation()
    header = (
        f"<header><h1>Programmation de l'exercice {prog.exercice}</h1><p>{escape(e.contrat)}</p>"
        f'<dl class="meta"><dt>Exercice</dt><dd>{prog.exercice}</dd>'
        f"<dt>Généré le</dt><dd>{escape(date_fr(moment))}</dd>"
        f"<dt>Règles</dt><dd>{escape(e.regles)}</dd>"
        f"<dt>SHA-256 des règles</dt><dd><code>{escape(e.empreinte)}</code></dd>"
        f"<dt>Version de cdv</dt><dd>{escape(e.version)}</dd></dl></header>"
    )
    yield (header,)
    yield (chiffres_cles(prog, regles, prog.resume.par_derogation if par_derogation is None else par_derogation),)
    yield (_financeurs(prog, regles),)
    yield _actions(prog, regles)
    yield _ecartes(prog, regles)
    yield (_constats(prog, regles),)
    yield (_engagements(prog, regles),)
    yield _repartitions(prog)


_CORPS = "\x00corps\x00"  # where the body goes in the page (no page has a NUL character)


def render(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    """The page's bytes (:func:`chunks`, joined)."""
    return b"".join(chunks(prog, regles, sortie))


def chunks(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None = None) -> Iterator[bytes]:
    """:func:`render`'s bytes, written a section at a time: at 100 000 dossiers the list of the retained
    actions alone is tens of MB, never held with the rest of the page nor twice (text, then bytes)."""
    debut, fin = page(_titre(prog), _CORPS).split(_CORPS)
    yield debut.encode("utf-8")
    for i, partie in enumerate(_parties(prog, regles, None, None)):
        pieces, taille = ([] if i == 0 else ["\n"]), 0
        for piece in partie:
            pieces.append(piece)
            taille += len(piece)
            if taille >= MORCEAU:
                yield "".join(pieces).encode("utf-8")
                pieces, taille = [], 0
        yield "".join(pieces).encode("utf-8")
    yield fin.encode("utf-8")


MORCEAU = 1 << 16
"""Characters of the page written at a time, at least (a section's end: at once)."""


__all__ = [
    "NON_RENSEIGNEE",
    "chart",
    "chiffres_cles",
    "chunks",
    "echelle",
    "escape",
    "motifs_html",
    "render",
    "render_text",
]
