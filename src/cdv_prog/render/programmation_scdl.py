"""``cdv programmation --format scdl --attribuant CODE``: the SCDL « subventions » (1.1) of one financeur.

The « données essentielles des conventions de subvention » a collectivité
publishes: one row per eligible dossier of the exercice to which the
financeur (``--attribuant``) retains more than 0 €, its 14 columns in the
schema's order (:data:`COLONNES`). Where each value comes from: ``docs/scdl.md``.

* the grant (``montant``) is the financeur's retained total on the dossier,
  every line counted (inside its enveloppe's périmètre or not: it is all the
  financeur's money), exact, a dot as decimal mark, no thousands separator;
* CSV as the SCDL asks: UTF-8 without BOM, ``,`` as separator, RFC 4180
  quoting (a text with a comma, a quote or a line break is quoted), lines
  ending in CRLF, ISO dates, ``pourcentageSubvention`` a fraction (``1``);
* the SCDL is data, not a spreadsheet: a text starting like a formula
  (``=``, ``+``, ``-``, ``@``) is written as it is (a ``'`` before it would
  change the published intitulé); only control and bidi characters are
  written out (:func:`~cdv_prog.core.texte.visible`), as in every output;
* a mandatory value still missing (the SIRET of the attribuant or of the
  porteur, the date of the convention, the conditions or dates of payment)
  leaves its cell empty; the row is written and the dossier is listed in
  :attr:`Publication.manques` (standard error, exit code 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cdv_prog.core.money import CENT
from cdv_prog.core.texte import visible

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.files.decisions import Decision
    from cdv_prog.programmation.calcul import LigneDossier, Programmation
    from cdv_prog.render.registry import Sortie

COLONNES = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
)
# the columns the schema marks mandatory that a dossier or the rules may leave empty
OBLIGATOIRES = ("idAttribuant", "dateConvention", "idBeneficiaire", "conditionsVersement", "datesPeriodeVersement")
NATURE = "aide en numéraire"
NOTIFICATION_UE = "non"
POURCENTAGE = "1"  # the porteur receives the whole grant (no co-beneficiary in a dossier)


@dataclass(frozen=True)
class Manque:
    """A row written with mandatory cells empty: its dossier and the columns."""

    dossier: str
    colonnes: tuple[str, ...]


@dataclass
class Publication:
    """What the SCDL needs besides the programmation: the attribuant and the COPIL's decisions."""

    attribuant: str
    date_convention: dt.date | None = None  # --date-convention: every row, unless a decision says otherwise
    reference_decision: str | None = None  # --reference-decision: likewise
    decisions: dict[str, Decision] = field(default_factory=dict)  # --decisions: by dossier id
    manques: list[Manque] = field(default_factory=list)  # filled in by :func:`render`


def montant(value: Decimal) -> str:
    """``1500.00``: exact (cents shown, more places kept when an amount has them), dot, no separator."""
    cents = value.quantize(CENT)
    return f"{cents if cents == value else value:f}"


def lignes(prog: Programmation, attribuant: str) -> list[tuple[LigneDossier, Decimal]]:
    """The eligible dossiers the attribuant finances (retained > 0), in path order, with its grant."""
    out = []
    for d in prog.dossiers:
        retenu = (d.retenu or {}).get(attribuant, Decimal(0))
        if d.verdict == "eligible" and retenu > 0:
            out.append((d, retenu))
    return out


def render(prog: Programmation, regles: JeuDeRegles, sortie: Sortie | None, publication: Publication) -> bytes:
    financeur = regles.financeurs[publication.attribuant]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=",", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLONNES)
    publication.manques.clear()
    for d, retenu in lignes(prog, publication.attribuant):
        decision = publication.decisions.get(d.id or "")
        date = (decision.date_convention if decision else None) or publication.date_convention
        reference = (decision.reference_decision if decision else None) or publication.reference_decision
        row = {
            "nomAttribuant": visible(financeur.nom),
            "idAttribuant": financeur.siret or "",
            "dateConvention": date.isoformat() if date else "",
            "referenceDecision": visible(reference or ""),
            "nomBeneficiaire": visible(d.porteur or ""),
            "idBeneficiaire": d.siret or "",
            "objet": visible(d.intitule or ""),
            "montant": montant(retenu),
            "nature": NATURE,
            "conditionsVersement": (decision.conditions_versement if decision else None) or "",
            "datesPeriodeVersement": (decision.periode if decision else None) or "",
            "idRAE": "",
            "notificationUE": NOTIFICATION_UE,
            "pourcentageSubvention": POURCENTAGE,
        }
        writer.writerow([row[c] for c in COLONNES])
        vides = tuple(c for c in OBLIGATOIRES if not row[c])
        if vides:
            publication.manques.append(Manque(visible(d.id or d.fichier), vides))
    return buf.getvalue().encode("utf-8")
