"""Property: whatever the texts and amounts of a row, the written dossier holds exactly them."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from importer_tableaux import ENTETE_ACTION

from cdv_prog.core.dossier import Dossier
from cdv_prog.files.dossiers import read_dossier
from cdv_prog.files.rules import load_rules
from cdv_prog.importer import cellules
from cdv_prog.importer.cellules import CelluleInvalide
from cdv_prog.importer.execution import Import, Options

RULES = load_rules(Path(__file__).resolve().parents[2] / "rules")


def _texte(cell: str) -> str | None:
    """What the importer keeps of a text cell (control characters out), or None for no text:
    empty, a « nothing » mark such as « - », or a spreadsheet error such as « #NAME? »."""
    if cellules.vide(cell):
        return None
    try:
        return cellules.texte(cell) or None
    except CelluleInvalide:
        return None


texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff"),
    min_size=1,
    max_size=30,
).filter(lambda t: _texte(t) is not None)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)


def _french(amount: Decimal) -> str:
    units, cents = f"{amount:.2f}".split(".")
    groups = []
    while len(units) > 3:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return " ".join([units] + groups) + "," + cents + " €"


@given(intitule=texts, porteur=texts, etat=amounts, ville=amounts, french=st.booleans())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_row_values_survive_the_import(intitule, porteur, etat, ville, french):
    import csv

    total = etat + ville
    show = _french if french else (lambda d: f"{d:.2f}")
    row = [
        "A-1",
        intitule,
        porteur,
        "Grazailles",
        "grandir",
        "01/01/2025",
        "31/12/2025",
        show(total),
        "",
        show(etat),
        show(ville),
        "",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "prog.csv"
        with source.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, delimiter=";").writerows([ENTETE_ACTION, row])
        run = Import(Options(fichier=source, exercice=2025, vers=Path(tmp) / "out"), RULES)
        run.preparer()
        results = list(run.resultats())
        assert [r.statut for r in results] == ["ecrit"], [str(p) for r in results for p in r.problemes]
        dossier = read_dossier(Path(tmp) / "out" / "A-1.yaml", RULES)
    assert isinstance(dossier, Dossier)
    assert dossier.intitule == _texte(intitule)
    assert dossier.porteur.nom == _texte(porteur)
    assert [(f.financeur, f.montant) for f in dossier.financements] == [("etat", etat), ("ville", ville)]
    assert dossier.budget.total == total
