"""French dates and unambiguous amounts, from workbook and CSV cells to the dossier (or to a problem at its cell)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from importer_tableaux import ENTETE_ACTION, action_row

from cdv_prog.core.dossier import Dossier
from cdv_prog.files.dossiers import read_dossier

FICHIER = "CDV-2025-001.yaml"


def _dossier(path: Path, regles) -> Dossier:
    result = read_dossier(path, regles)
    assert isinstance(result, Dossier), getattr(result, "erreurs", result)
    return result


def _book(kind: str, xlsx, csv_file, **values):
    row = action_row(1, **values)
    if kind == "csv":
        return csv_file([ENTETE_ACTION, ["" if v is None else str(v) for v in row]])
    return xlsx([ENTETE_ACTION, row])


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_french_dates_are_read(kind, xlsx, csv_file, run_import, regles, tmp_path):
    run = run_import(_book(kind, xlsx, csv_file, debut="15/01/2025", fin="31/12/2025"))
    assert run.statuts() == {"CDV-2025-001": "ecrit"}
    dossier = _dossier(tmp_path / "dossiers" / FICHIER, regles)
    assert (dossier.action.debut, dossier.action.fin) == (dt.date(2025, 1, 15), dt.date(2025, 12, 31))


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize(
    ("fin", "reason"),
    [("29/02/2025", "février 2025 a 28 jours"), ("31/04/2025", "avril 2025 a 30 jours"), ("15/13/2025", "mois 13")],
)
def test_impossible_dates_are_reported_at_their_cell(kind, xlsx, csv_file, run_import, fin, reason):
    run = run_import(_book(kind, xlsx, csv_file, debut="15/01/2025", fin=fin))
    assert run.problemes() == [(2, "G", "action.fin", "valeur-invalide")]
    (message,) = [str(p) for r in run.resultats for p in r.problemes]
    assert "ligne 2, colonne G (« Date de fin »)" in message and reason in message


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_day_before_an_impossible_date_is_read(kind, xlsx, csv_file, run_import, regles, tmp_path):
    run_import(_book(kind, xlsx, csv_file, debut="15/01/2025", fin="28/02/2025"))
    assert _dossier(tmp_path / "dossiers" / FICHIER, regles).action.fin == dt.date(2025, 2, 28)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize(("cell", "written"), [("4.000", "4000"), ("4.000 €", "4000"), ("1,500", "1500")])
def test_ambiguous_amount_texts_are_reported_at_their_cell(kind, xlsx, csv_file, run_import, cell, written):
    run = run_import(_book(kind, xlsx, csv_file, ville=cell))
    assert run.problemes() == [(2, "K", "financement.montant", "valeur-invalide")]
    (message,) = [str(p) for r in run.resultats for p in r.problemes]
    assert "ambigu" in message and written in message


def test_number_cells_are_not_ambiguous(xlsx, run_import, regles, tmp_path):
    """A real number of the workbook: 4000.0 is 4000, whatever the cell's display."""
    run_import(xlsx([ENTETE_ACTION, action_row(1, etat=4000.0, ville=1000.5, agglo=None, total=5000.5)]))
    dossier = _dossier(tmp_path / "dossiers" / FICHIER, regles)
    assert [(f.financeur, f.montant) for f in dossier.financements] == [
        ("etat", Decimal("4000")),
        ("ville", Decimal("1000.50")),
    ]


@pytest.mark.parametrize("cell", [1234.567, "1234,567", "12,3456"])
def test_more_than_two_decimals_are_reported(xlsx, run_import, cell):
    run = run_import(xlsx([ENTETE_ACTION, action_row(1, ville=cell)]))
    assert run.problemes() == [(2, "K", "financement.montant", "valeur-invalide")]
