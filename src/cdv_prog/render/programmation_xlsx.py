"""``cdv programmation --format xlsx``: a workbook with one sheet per view (openpyxl).

Sheets: Financeurs (with the droit commun mobilisé, and a row per
sous-enveloppe), Dossiers (one column per financeur, verdict, reasons; the
retained amounts filled for eligible dossiers only, so that a column adds up to
the report, and a total row under the table, outside its filter: the totals computed by cdv,
as numbers, never a formula), Actions retenues (the eligible dossiers,
quartiers, défi, retained per financeur, with its total row), Répartitions, Engagements CPO, Constats, Informations (exercice, rules file
names and SHA-256, cdv version, assumptions). Amounts are exact numbers with a
euro format, headers are frozen and filterable; printed, each sheet is A4
landscape, one page wide, its header row repeated on every page. The file is byte-identical for
the same input: fixed document dates and zip timestamps.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cdv_prog.core.texte import short
from cdv_prog.core.vocab import STATUTS_FR, VERDICTS_FR
from cdv_prog.programmation.engagements import SOURCES_FR
from cdv_prog.programmation.repartitions import NOTE_QUARTIERS
from cdv_prog.render.programmation_common import (
    DEMANDE_NOTE,
    DROIT_COMMUN_NOTE,
    EnteteRapport,
    TotauxGeneraux,
    cellule,
    libelle_sous_enveloppe,
    motifs,
    retenus,
    titre_regle,
)

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import LigneDossier, Programmation
    from cdv_prog.render.registry import Sortie

EURO = '#,##0.00 "€"'
POURCENT = "0.00%"
FIXED_DATE = dt.datetime(2024, 1, 1)
NOTE_DOSSIERS = (
    "Colonnes des financeurs et « Total retenu » : remplies pour les dossiers éligibles seulement ; la somme d'une "
    "colonne de financeur est son retenu plus son droit commun mobilisé (feuille Financeurs). « Total demandé » : "
    "dossiers valides, éligibles ou non. La ligne Total, sous le tableau, donne les totaux calculés par cdv "
    "(des nombres, hors du filtre)."
)
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def _sheet(
    wb: Any,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: dict[int, str],
    widths: dict[int, int] | None = None,
) -> Worksheet:
    """A sheet holding one table: bold frozen header, autofilter, number formats per column (0-based).

    Every text is a string cell (never a formula, whatever it starts with: :func:`cellule`, and the
    cell's type set to ``s``); a tuple of texts is one cell of several lines; numbers stay numbers.
    """
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.append([cellule(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([cellule(v) if isinstance(v, (str, tuple)) else v for v in row])
    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for col, fmt in formats.items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            cell.number_format = fmt
    for i, header in enumerate(headers):
        width = (widths or {}).get(i, max(12, min(40, len(header) + 4)))
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    _mise_en_page(ws)
    return ws


def _mise_en_page(ws: Worksheet) -> None:
    """Printed: A4 landscape, one page wide (as many high as needed), the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def _ligne_total(ws: Worksheet, libelle: str, valeurs: dict[int, Decimal]) -> None:
    """Under a sheet's table (outside its filter, so that sorting leaves it last): a bold total row holding
    the totals computed by cdv, as numbers (no formula: a formula's value is stored by no library, and a
    viewer that does not compute shows it empty or 0)."""
    from openpyxl.styles import Border, Font, Side

    total = ws.max_row + 1
    ws.cell(total, 1, libelle).font = Font(bold=True)
    for col, value in valeurs.items():
        cell = ws.cell(total, col + 1, value)
        cell.number_format = EURO
        cell.font = Font(bold=True)
    for cell in ws[total]:
        cell.border = Border(top=Side(style="medium"))


def _oui(flag: bool) -> str:
    return "oui" if flag else "non"


def _lignes_financeurs(prog: Programmation, regles: JeuDeRegles) -> Iterable[list[Any]]:
    """One row per financeur, then one per sous-enveloppe (its code in the last column, « dont … » as name)."""
    for f in prog.financeurs:
        yield [
            f.financeur,
            regles.financeurs[f.financeur].nom,
            f.enveloppe,
            f.demande,
            f.retenu,
            f.solde,
            f.taux,
            _oui(f.depassement),
            f.dossiers,
            f.droit_commun,
            None,
        ]
        for s in f.sous_enveloppes:
            yield [
                f.financeur,
                libelle_sous_enveloppe(s),
                s.enveloppe,
                s.demande,
                s.retenu,
                s.solde,
                s.taux,
                _oui(s.depassement),
                None,
                None,
                s.code,
            ]


def render(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    nom = regles.nom_court
    codes = [f.financeur for f in prog.financeurs]

    _sheet(
        wb,
        "Financeurs",
        (
            "Financeur",
            "Nom",
            "Enveloppe",
            "Demandé",
            "Retenu",
            "Solde",
            "Taux",
            "Dépassement",
            "Dossiers",
            "Droit commun mobilisé",
            "Sous-enveloppe",
        ),
        _lignes_financeurs(prog, regles),
        {2: EURO, 3: EURO, 4: EURO, 5: EURO, 6: POURCENT, 9: EURO},
        {1: 45, 2: 16, 3: 16, 4: 16, 5: 16, 9: 22, 10: 18},
    )

    headers = ["Id", "Fichier", "Intitulé", "Porteur", "Verdict", "CPO"] + [nom(c) for c in codes]
    headers += ["Total demandé", "Total retenu", "Motifs"]
    first_amount = 6

    def dossier_row(d: LigneDossier) -> list[Any]:
        retenu = retenus(d)  # an inéligible or invalide dossier retains nothing: its cells stay empty
        ident = short(d.id) if d.id is not None else None  # an invalide file's id may be of any length
        row: list[Any] = [ident, d.fichier, d.intitule, d.porteur, VERDICTS_FR[d.verdict], _oui(d.cpo)]
        row += [retenu.get(c) for c in codes]
        row += [
            sum(d.demande.values(), Decimal(0)) if d.demande is not None else None,
            sum(retenu.values(), Decimal(0)) if d.verdict == "eligible" else None,
            tuple(m.texte() for m in motifs(d, regles)) or None,  # one line per reason, rules by title
        ]
        return row

    n = len(codes) + 2
    ws = _sheet(
        wb,
        "Dossiers",
        headers,
        (dossier_row(d) for d in prog.dossiers),
        {first_amount + i: EURO for i in range(n)},
        {0: 16, 1: 36, 2: 50, 3: 36, first_amount + n: 80},
    )
    generaux = TotauxGeneraux.of(prog)
    par_financeur = {f.financeur: f.retenu + f.droit_commun for f in prog.financeurs}
    totaux_dossiers = {first_amount + i: par_financeur.get(c, Decimal(0)) for i, c in enumerate(codes)}
    totaux_dossiers[first_amount + len(codes)] = generaux.demande
    totaux_dossiers[first_amount + len(codes) + 1] = generaux.retenu
    _ligne_total(ws, "Total", totaux_dossiers)

    retenues = list(prog.retenues())
    ws = _sheet(
        wb,
        "Actions retenues",
        ["Id", "Intitulé", "Porteur", "Quartiers", "Défi"] + [nom(c) for c in codes] + ["Total retenu"],
        (
            [
                short(d.id) if d.id is not None else None,
                d.intitule,
                d.porteur,
                ", ".join(regles.quartiers[q].nom if q in regles.quartiers else q for q in d.quartiers),
                regles.defis[d.defi].nom if d.defi in regles.defis else d.defi,
                *[retenus(d).get(c) for c in codes],
                sum(retenus(d).values(), Decimal(0)),
            ]
            for d in retenues
        ),
        {5 + i: EURO for i in range(len(codes) + 1)},
        {0: 16, 1: 50, 2: 36, 3: 30, 4: 14},
    )
    totaux_actions = {5 + i: par_financeur.get(c, Decimal(0)) for i, c in enumerate(codes)}
    totaux_actions[5 + len(codes)] = generaux.retenu
    _ligne_total(ws, "Total", totaux_actions)

    _sheet(
        wb,
        "Répartitions",
        ["Répartition", "Clé", "Libellé", "Dossiers", "Retenu"] + [nom(c) for c in codes],
        (
            [rep.colonne, ligne.cle, ligne.libelle, ligne.dossiers, ligne.retenu]
            + [ligne.financeurs.get(c) for c in codes]
            for rep in prog.repartitions
            for ligne in rep.lignes
        ),
        {4 + i: EURO for i in range(len(codes) + 1)},
        {0: 28, 1: 30, 2: 60},
    )

    eng = prog.engagements
    _sheet(
        wb,
        "Engagements CPO",
        ("Financeur", "Année", "Engagé", "Enveloppe", "Solde", "Part de l'enveloppe", "Dossiers", "D'après"),
        (
            [nom(f.financeur), e.annee, e.engage, e.enveloppe, e.solde, e.taux, e.dossiers, SOURCES_FR[e.source]]
            for f in eng.financeurs
            for e in f.annees
        ),
        {2: EURO, 3: EURO, 4: EURO, 5: POURCENT},
        {0: 20, 2: 16, 3: 16, 4: 16, 7: 32},
    )

    _sheet(
        wb,
        "Constats",
        ("Règle", "Identifiant", "Gravité", "Statut", "Message", "Source"),
        (
            [titre_regle(regles, c.regle), c.regle, c.gravite, STATUTS_FR[c.statut], c.message, c.source]
            for c in prog.constats
        ),
        {},
        {0: 50, 1: 28, 4: 90, 5: 90},
    )

    entete = EnteteRapport.of(prog, regles)
    _sheet(
        wb,
        "Informations",
        ("Rubrique", "Valeur"),
        [
            ("Exercice", prog.exercice),
            ("Contrat", entete.contrat),
            ("Fichiers de règles", entete.regles),
            ("SHA-256 des règles", entete.empreinte),
            ("Version de cdv", entete.version),
            ("Dossiers", prog.resume.total),
            ("Éligibles", prog.resume.eligible),
            *([("dont par dérogation", prog.resume.par_derogation)] if prog.resume.par_derogation else []),
            ("Inéligibles", prog.resume.ineligible),
            ("Invalides", prog.resume.invalide),
            ("Montants", DEMANDE_NOTE),
            ("Feuille Dossiers", NOTE_DOSSIERS),
            ("Droit commun mobilisé", DROIT_COMMUN_NOTE),
            ("Quartiers", NOTE_QUARTIERS),
            ("Engagements CPO", eng.hypothese),
        ],
        {},
        {0: 24, 1: 100},
    )

    return classeur_bytes(wb)


def classeur_bytes(wb: Workbook) -> bytes:
    """A workbook saved as bytes, the same for the same content (no date of the day inside)."""
    wb.properties.creator = "cdv"
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic_zip(buf.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """The same archive with fixed timestamps: the zip entries' and the document's « modified » date.

    openpyxl stamps both with the current time when saving.
    """
    import re

    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", content
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
    return out.getvalue()
