"""``cdv programmation --format xlsx``: a workbook with one sheet per view (openpyxl).

Sheets: Financeurs (with the droit commun mobilisé, and a row per
sous-enveloppe), Dossiers (one column per financeur, verdict, reasons),
Répartitions, Engagements CPO, Constats, Informations (exercice, rules file
names and SHA-256, cdv version, assumptions). Amounts are exact numbers with a
euro format, headers are frozen and filterable. The file is byte-identical for
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
from cdv_prog.programmation.repartitions import NOTE_QUARTIERS
from cdv_prog.render.programmation_common import (
    DEMANDE_NOTE,
    DROIT_COMMUN_NOTE,
    EnteteRapport,
    cellule,
    libelle_sous_enveloppe,
    motifs,
    titre_regle,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import LigneDossier, Programmation
    from cdv_prog.render.registry import Sortie

EURO = '#,##0.00 "€"'
POURCENT = "0.00%"
FIXED_DATE = dt.datetime(2024, 1, 1)
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
    return ws


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
        retenu = d.retenu or {}
        ident = short(d.id) if d.id is not None else None  # an invalide file's id may be of any length
        row: list[Any] = [ident, d.fichier, d.intitule, d.porteur, VERDICTS_FR[d.verdict], _oui(d.cpo)]
        row += [retenu.get(c) for c in codes]
        row += [
            sum(d.demande.values(), Decimal(0)) if d.demande is not None else None,
            sum(retenu.values(), Decimal(0)) if d.retenu is not None else None,
            tuple(m.texte() for m in motifs(d, regles)) or None,  # one line per reason, rules by title
        ]
        return row

    n = len(codes) + 2
    _sheet(
        wb,
        "Dossiers",
        headers,
        (dossier_row(d) for d in prog.dossiers),
        {first_amount + i: EURO for i in range(n)},
        {0: 16, 1: 36, 2: 50, 3: 36, first_amount + n: 80},
    )

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
        ("Financeur", "Année", "Engagé", "Enveloppe", "Solde", "Part de l'enveloppe", "Dossiers"),
        (
            [nom(f.financeur), e.annee, e.engage, e.enveloppe, e.solde, e.taux, e.dossiers]
            for f in eng.financeurs
            for e in f.annees
        ),
        {2: EURO, 3: EURO, 4: EURO, 5: POURCENT},
        {0: 20, 2: 16, 3: 16, 4: 16},
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
            ("Droit commun mobilisé", DROIT_COMMUN_NOTE),
            ("Quartiers", NOTE_QUARTIERS),
            ("Engagements CPO", eng.hypothese),
        ],
        {},
        {0: 24, 1: 100},
    )

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
