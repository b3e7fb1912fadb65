"""One row per financement line (DAUPHIN export): grouping, accorde, encodings, bad rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from importer_tableaux import ENTETE_DAUPHIN

from cdv_prog.core.dossier import Dossier
from cdv_prog.files.dossiers import read_dossier

ACTION_1 = [
    "25-001",
    "2025",
    "Café des parents à l'Espérance",
    "Association Les Écureuils",
    "L'Espérance; La Conte",
    "Grandir",
    "01/09/2025",
    "31/12/2025",
    "6 000,00",
]
ACTION_2 = [
    "25-002",
    "2025",
    "Théâtre forum",
    "Compagnie « No »",
    "Viguier St Jacques",
    "grandir",
    "2025-01-01",
    "2025-12-31",
    "2000",
]


def lines_1() -> list[list[str]]:
    return [
        ACTION_1 + ["11-ETAT-POLITIQUE-VILLE", "2 000,00", "1 500,00", ""],
        ACTION_1 + ["CARCASSONNE (11069)", "2 000,00", "1 500,00", "1 800,00"],
        ACTION_1 + ["CARCASSONNE AGGLO", "2 000,00", "", ""],
    ]


def _dossier(path, regles) -> Dossier:
    result = read_dossier(path, regles)
    assert isinstance(result, Dossier), getattr(result, "erreurs", result)
    return result


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter"),
    [
        ("cp1252", False, ";"),
        ("utf-8", True, ";"),
        ("utf-8", False, ","),
        ("utf-16", False, "\t"),
    ],
)
def test_dauphin_export_grouped_by_action(csv_file, run_import, regles, tmp_path, encoding, bom, delimiter):
    rows = [
        ENTETE_DAUPHIN,
        *lines_1(),
        ACTION_2 + ["CARCASSONNE (11069)", "1000", "", ""],
        ACTION_2 + ["CARCASSONNE AGGLO", "1000", "", ""],
    ]
    run = run_import(csv_file(rows, encoding=encoding, bom=bom, delimiter=delimiter))
    assert run.imp.plan.disposition == "par-financement"
    assert run.statuts() == {"25-001": "ecrit", "25-002": "ecrit"}
    first = _dossier(tmp_path / "dossiers" / "25-001.yaml", regles)
    assert first.intitule == "Café des parents à l'Espérance"  # accents read right in every encoding
    assert first.porteur.nom == "Association Les Écureuils"
    assert first.action.quartiers == ["esperance-berriac", "la-conte-ozanam-sainte-marie"]
    # voted amount first, else the proposed one, else no accorde
    assert [(f.financeur, f.montant, f.accorde) for f in first.financements] == [
        ("etat", Decimal("2000"), Decimal("1500")),
        ("ville", Decimal("2000"), Decimal("1800")),
        ("agglo", Decimal("2000"), None),
    ]
    second = _dossier(tmp_path / "dossiers" / "25-002.yaml", regles)
    assert second.porteur.nom == "Compagnie « No »"
    assert second.action.quartiers == ["viguier-saint-jacques"]


def test_windows_1252_is_reported(csv_file, run_import):
    run = run_import(csv_file([ENTETE_DAUPHIN, *lines_1()], encoding="cp1252"))
    assert any("Windows-1252" in note for note in run.imp.notes)


def test_lines_need_not_be_contiguous(csv_file, run_import, regles, tmp_path):
    a, b, c = lines_1()
    rows = [ENTETE_DAUPHIN, a, ACTION_2 + ["CARCASSONNE AGGLO", "1000", "", ""], b, c]
    run = run_import(csv_file(rows))
    assert [r.id for r in run.resultats] == ["25-001", "25-002"]  # order of first appearance
    assert len(_dossier(tmp_path / "dossiers" / "25-001.yaml", regles).financements) == 3


def test_other_exercices_are_left_aside(csv_file, run_import):
    old = [
        "24-009",
        "2024",
        "Ancienne",
        "X",
        "La Conte",
        "grandir",
        "2024-01-01",
        "2024-12-31",
        "1000",
        "11-CAF",
        "1000",
        "",
        "",
    ]
    run = run_import(csv_file([ENTETE_DAUPHIN, *lines_1(), old]))
    assert run.statuts() == {"25-001": "ecrit"}
    assert run.imp.lecture.autres_exercices == 1


def test_unknown_financeur_label_skips_the_whole_action(csv_file, run_import, tmp_path):
    a, b, c = lines_1()
    b = b[:9] + ["FONDATION DES AMIS"] + b[10:]
    mapping = tmp_path / "c.yaml"
    from cdv_prog.importer.correspondance import texte_defaut

    mapping.write_text(
        texte_defaut().replace("    - {motif: 'FONDATION|MECENAT|\\bPRIVE', code: prive}\n", ""), encoding="utf-8"
    )
    run = run_import(
        csv_file([ENTETE_DAUPHIN, a, b, c, ACTION_2 + ["CARCASSONNE AGGLO", "1000", "", ""]]), correspondance=mapping
    )
    assert run.statuts() == {"25-001": "ignore", "25-002": "ecrit"}
    assert run.problemes() == [(3, "J", "financement.financeur", "libelle-inconnu")]
    assert not (tmp_path / "dossiers" / "25-001.yaml").exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({10: "deux mille"}, [(3, "K", "financement.montant", "valeur-invalide")]),
        ({10: "-200"}, [(3, "K", "financement.montant", "valeur-invalide")]),
        ({10: ""}, [(3, "K", "financement.montant", "valeur-manquante")]),
        ({9: ""}, [(3, "J", "financement.financeur", "valeur-manquante")]),
        ({0: ""}, [(3, "A", "id", "numero-manquant")]),
        ({2: "Un autre intitulé"}, [(3, "C", "intitule", "valeurs-differentes")]),
        ({8: "6000"}, []),  # same amount written differently: no conflict
        ({6: "01/01/2026"}, [(3, "G", "action.debut", "valeurs-differentes")]),
    ],
)
def test_bad_line_is_reported_at_its_cell(csv_file, run_import, change, expected):
    a, b, c = lines_1()
    b = list(b)
    for col, value in change.items():
        b[col] = value
    run = run_import(csv_file([ENTETE_DAUPHIN, a, b, c]))
    assert run.problemes() == expected


def test_dates_in_wrong_order(csv_file, run_import):
    rows = [ENTETE_DAUPHIN] + [r[:6] + ["31/12/2025", "01/09/2025"] + r[8:] for r in lines_1()]
    run = run_import(csv_file(rows))
    assert run.problemes() == [(2, "H", "action.fin", "dossier-invalide")]


def test_csv_row_numbers_count_physical_lines(csv_file, run_import):
    """A quoted cell spanning two lines shifts the following row numbers, as a text editor shows them."""
    a, b, c = lines_1()
    a = list(a)
    a[2] = "Café des parents\nà l'Espérance"
    b = b[:10] + ["abc"] + b[11:]
    run = run_import(csv_file([ENTETE_DAUPHIN, a, b, c]))
    assert run.problemes()[0][:2] == (4, "K")


def test_xlsx_export_with_merged_action_cells(xlsx, run_import, regles, tmp_path):
    """Action columns merged vertically over the action's lines carry their value to every line."""
    rows = [ENTETE_DAUPHIN]
    for i, line in enumerate(lines_1()):
        rows.append([v if (i == 0 or col >= 9) else None for col, v in enumerate(line)])
    merges = [f"{c}2:{c}4" for c in "ABCDEFGHI"]
    run = run_import(xlsx(rows, merges=merges))
    assert run.statuts() == {"25-001": "ecrit"}
    assert len(_dossier(tmp_path / "dossiers" / "25-001.yaml", regles).financements) == 3


def test_disposition_can_be_forced(csv_file, run_import):
    from cdv_prog.importer.execution import ImportImpossible

    with pytest.raises(ImportImpossible):  # no financeur columns in a DAUPHIN export read par-action
        run_import(csv_file([ENTETE_DAUPHIN, *lines_1()]), disposition="par-action")
