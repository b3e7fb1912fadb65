"""``cdv programmation --format csv``: one row per financeur, for a spreadsheet.

``droit-commun``: what eligible dossiers retain outside the enveloppe's
périmètre. Each sous-enveloppe is a row of its own after its financeur's, its
code in ``sous-enveloppe`` (empty on a financeur's row), its name in ``nom``.

``;`` as separator and UTF-8 with a BOM so that Excel (French settings) opens it
right; amounts with a decimal comma and no thousands separator (``185000,00``),
so they are read as numbers; an enveloppe not set is an empty cell. The share
of the enveloppe used is a **percentage** with two decimals under the header
``taux-pourcent`` (``92,50`` for 92,50 %: the JSON's fraction ``0.9250`` times
100, exact — the same four significant decimals).
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from cdv_prog.core.money import CENT, TAUX_PLACES
from cdv_prog.render.programmation_common import cellule

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.calcul import Programmation
    from cdv_prog.render.registry import Sortie

COLONNES = (
    "exercice",
    "financeur",
    "nom",
    "enveloppe",
    "demande",
    "retenu",
    "solde",
    "taux-pourcent",
    "depassement",
    "dossiers",
    "droit-commun",
    "sous-enveloppe",
)


def nombre(value: Decimal | None, places: Decimal = CENT) -> str:
    if value is None:
        return ""
    return f"{value.quantize(places, rounding=ROUND_HALF_UP):f}".replace(".", ",")


def pourcent(ratio: Decimal | None) -> str:
    """A share as a percentage with two decimals (``Decimal("0.925")`` → ``92,50``): the fraction rounded to
    4 decimals as in the JSON, times 100 — so both say the same."""
    if ratio is None:
        return ""
    return nombre(ratio.quantize(TAUX_PLACES, rounding=ROUND_HALF_UP) * 100)


def render(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None = None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLONNES)
    for f in prog.financeurs:
        writer.writerow(
            [
                prog.exercice,
                cellule(f.financeur),  # texts: written out, never a formula (amounts stay numbers)
                cellule(regles.financeurs[f.financeur].nom),
                nombre(f.enveloppe),
                nombre(f.demande),
                nombre(f.retenu),
                nombre(f.solde),
                pourcent(f.taux),
                "oui" if f.depassement else "non",
                f.dossiers,
                nombre(f.droit_commun),
                "",
            ]
        )
        for sous in f.sous_enveloppes:  # a row of its own, after its financeur's
            writer.writerow(
                [
                    prog.exercice,
                    cellule(f.financeur),
                    cellule(sous.nom),
                    nombre(sous.enveloppe),
                    nombre(sous.demande),
                    nombre(sous.retenu),
                    nombre(sous.solde),
                    pourcent(sous.taux),
                    "oui" if sous.depassement else "non",
                    "",
                    "",
                    cellule(sous.code),
                ]
            )
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")
