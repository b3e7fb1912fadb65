"""One row per action (programmation workbook): header detection, merged headers, bad rows, formulas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from importer_tableaux import ENTETE_ACTION, action_row

from cdv_prog.core.dossier import Dossier
from cdv_prog.files.dossiers import read_dossier
from cdv_prog.importer.execution import ImportImpossible


def _dossier(path, regles) -> Dossier:
    result = read_dossier(path, regles)
    assert isinstance(result, Dossier), getattr(result, "erreurs", result)
    return result


def test_one_row_per_action(xlsx, run_import, regles, tmp_path):
    book = xlsx(
        [
            ENTETE_ACTION,
            action_row(1, quartiers="La Conte; Viguier St Jacques", total=3500.5, autres=500.5),
            action_row(
                2,
                intitule="Chantier",
                quartiers="Bastide",
                defi="habiter",
                caf=750.25,
                etat=None,
                ville=2000,
                agglo="1 000,00",
                total=3750.25,
            ),
        ]
    )
    run = run_import(book)
    assert run.imp.plan.disposition == "par-action"
    assert run.statuts() == {"CDV-2025-001": "ecrit", "CDV-2025-002": "ecrit"}
    first = _dossier(tmp_path / "dossiers" / "CDV-2025-001.yaml", regles)
    assert first.action.quartiers == ["la-conte-ozanam-sainte-marie", "viguier-saint-jacques"]
    assert first.action.debut == dt.date(2025, 9, 1) and first.action.fin == dt.date(2025, 12, 31)
    assert first.budget.total == Decimal("3500.50") and first.budget.autres_produits == Decimal("500.50")
    assert [(f.financeur, f.montant) for f in first.financements] == [
        ("etat", Decimal("1000")),
        ("ville", Decimal("1000")),
        ("agglo", Decimal("1000")),
    ]
    second = _dossier(tmp_path / "dossiers" / "CDV-2025-002.yaml", regles)
    assert second.action.defi == "habiter"
    assert [(f.financeur, f.montant) for f in second.financements] == [
        ("ville", Decimal("2000")),
        ("agglo", Decimal("1000")),
        ("caf", Decimal("750.25")),
    ]


def test_written_file_layout(xlsx, run_import, tmp_path):
    book = xlsx([ENTETE_ACTION, action_row("25-001", total=3000.5, etat=1000.5)])
    run_import(book)
    text = (tmp_path / "dossiers" / "25-001.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=schemas/dossier.schema.json"
    assert lines[1].startswith(
        "# Importé par cdv importer depuis « programmation.xlsx », feuille « Programmation », ligne 2"
    )
    keys = [line.split(":")[0] for line in lines[2:] if line and not line.startswith((" ", "#"))]
    assert keys == ["id", "exercice", "intitule", "porteur", "action", "budget", "financements"]
    assert 'id: "25-001"' in lines  # a number-like id is quoted
    assert "  total: 3000.50" in lines  # exact, two decimals
    assert "    montant: 1000" in lines  # whole euros without decimals
    assert "  debut: 2025-09-01" in lines


def test_merged_header_rows_title_and_trailing_empty_rows(xlsx, run_import):
    group = ["Identification"] + [None] * 8 + ["Financements", None, None, None]
    book = xlsx(
        [
            ["Programmation 2025 du contrat de ville"],
            [],
            group,
            ENTETE_ACTION,
            action_row(1),
            action_row(2),
            [],
            [],
            [None] * 13,
            [],
            [],
        ],
        merges=["A1:M1", "A3:I3", "J3:M3"],
    )
    run = run_import(book)
    assert run.imp.feuille.numero(run.imp.plan.ligne_entete) == 4
    assert run.statuts() == {"CDV-2025-001": "ecrit", "CDV-2025-002": "ecrit"}


def test_two_row_header_with_vertical_merges(xlsx, run_import, tmp_path, regles):
    """Identification headers merged over two rows; financeur names on the second row only."""
    top = ENTETE_ACTION[:9] + ["Financements demandés", None, None, None]
    bottom = [None] * 9 + ENTETE_ACTION[9:]
    merges = [f"{c}1:{c}2" for c in "ABCDEFGHI"] + ["J1:M1"]
    book = xlsx([top, bottom, action_row(7, caf=500, total=3500)], merges=merges)
    run = run_import(book)
    assert run.statuts() == {"CDV-2025-007": "ecrit"}
    dossier = _dossier(tmp_path / "dossiers" / "CDV-2025-007.yaml", regles)
    assert {f.financeur for f in dossier.financements} == {"etat", "ville", "agglo", "caf"}


def test_formula_cell_without_cached_value_is_reported(xlsx, run_import, tmp_path):
    book = xlsx([ENTETE_ACTION, action_row(1, total="=SUM(J2:M2)"), action_row(2)])
    run = run_import(book)
    assert run.statuts() == {"CDV-2025-001": "ignore", "CDV-2025-002": "ecrit"}
    assert run.problemes() == [(2, "H", "budget.total", "formule-sans-valeur")]
    assert not (tmp_path / "dossiers" / "CDV-2025-001.yaml").exists()


def test_blank_template_rows_with_formulas_are_skipped(xlsx, run_import):
    """Rows holding only formulas (a prepared template) are not actions."""
    book = xlsx([ENTETE_ACTION, action_row(1), [None] * 7 + ["=SUM(J3:M3)"], [None] * 7 + ["=SUM(J4:M4)"]])
    run = run_import(book)
    assert run.statuts() == {"CDV-2025-001": "ecrit"}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (action_row(None, intitule="Atelier sans numéro"), [(2, "A", "id", "numero-manquant")]),
        (action_row(1, etat="beaucoup"), [(2, "J", "financement.montant", "valeur-invalide")]),
        (action_row(1, etat=1000.005), [(2, "J", "financement.montant", "valeur-invalide")]),
        (action_row(1, debut="31/12/2025", fin="01/09/2025"), [(2, "G", "action.fin", "dossier-invalide")]),
        (action_row(1, debut="32/01/2025"), [(2, "F", "action.debut", "valeur-invalide")]),
        (action_row(1, quartiers="Centre historique"), [(2, "D", "action.quartiers", "libelle-inconnu")]),
        (action_row(1, intitule=None), [(2, "B", "intitule", "valeur-manquante")]),
        (action_row(1, etat=None, ville=None, agglo=None), [(2, None, "financements", "sans-financement")]),
        (action_row(1, total=0), [(2, "H", "budget.total", "dossier-invalide")]),
        (action_row("CDV 01"), [(2, "A", "id", "dossier-invalide")]),
        (action_row(".cache"), [(2, "A", "id", "valeur-invalide")]),  # would be a hidden file, unseen by cdv check
    ],
)
def test_bad_rows_name_row_column_and_field(xlsx, run_import, row, expected, tmp_path):
    book = xlsx([ENTETE_ACTION, row, action_row(99)])
    run = run_import(book)
    assert run.problemes() == expected
    assert [r.statut for r in run.resultats] == ["ignore", "ecrit"]
    assert sorted(p.name for p in (tmp_path / "dossiers").iterdir()) == ["CDV-2025-099.yaml"]


def test_duplicate_action_number(xlsx, run_import, tmp_path):
    book = xlsx([ENTETE_ACTION, action_row(5), action_row(6), action_row(5, intitule="Autre")])
    run = run_import(book)
    assert run.statuts() == {"CDV-2025-005": "ignore", "CDV-2025-006": "ecrit"}
    assert run.problemes() == [(4, "A", "id", "doublon")]
    assert not (tmp_path / "dossiers" / "CDV-2025-005.yaml").exists()


def test_zero_and_empty_amounts_make_no_line(xlsx, run_import, tmp_path, regles):
    book = xlsx([ENTETE_ACTION, action_row(1, etat=0, ville=1500, agglo=1500, caf=None)])
    run_import(book)
    dossier = _dossier(tmp_path / "dossiers" / "CDV-2025-001.yaml", regles)
    assert [f.financeur for f in dossier.financements] == ["ville", "agglo"]


def test_id_model_and_sheet_choice(xlsx, run_import, tmp_path):
    notice = [["Notice"], ["Ce classeur contient la programmation."]]
    book = xlsx([ENTETE_ACTION, action_row(14)], before=[("Notice", notice)])
    mapping = tmp_path / "c.yaml"
    from cdv_prog.importer.correspondance import texte_defaut

    mapping.write_text(texte_defaut() + '\nmodele-id: "PV-{exercice}-{numero:04}"\n', encoding="utf-8")
    run = run_import(book, correspondance=mapping)
    assert run.imp.feuille.nom == "Programmation"  # the sheet with the header, not the first one
    assert run.statuts() == {"PV-2025-0014": "ecrit"}
    assert (tmp_path / "dossiers" / "PV-2025-0014.yaml").exists()
    assert not any("sans préfixe" in avis for avis in run.imp.lecture.avis)  # a chosen model: nothing to say


def test_named_sheet_must_exist(xlsx, run_import):
    book = xlsx([ENTETE_ACTION, action_row(1)])
    with pytest.raises(ImportImpossible) as info:
        run_import(book, feuille="Prog 2026")
    assert "Programmation" in info.value.lignes[0]


def test_missing_required_column_is_a_usage_error(xlsx, run_import):
    header = [h for h in ENTETE_ACTION if h != "Défi"]
    book = xlsx([header, [1, "x", "y", "La Conte", "01/01/2025", "31/12/2025", 100, None, 100, None, None, None]])
    with pytest.raises(ImportImpossible) as info:
        run_import(book)
    assert "action.defi" in info.value.lignes[0]


def test_no_header_row_is_a_usage_error(xlsx, run_import):
    book = xlsx([["Quelque chose", "Autre chose"], [1, 2]])
    with pytest.raises(ImportImpossible):
        run_import(book)


def test_per_action_csv(csv_file, run_import, tmp_path, regles):
    rows = [
        ENTETE_ACTION,
        [
            "3",
            "Atelier",
            "Asso",
            "Grazailles",
            "grandir",
            "01/09/2025",
            "31/12/2025",
            "3 000,00",
            "",
            "1 000",
            "1 000",
            "1 000,00",
            "",
        ],
    ]
    run = run_import(csv_file(rows, delimiter=","))
    assert run.statuts() == {"CDV-2025-003": "ecrit"}
    assert _dossier(tmp_path / "dossiers" / "CDV-2025-003.yaml", regles).budget.total == Decimal("3000")


def _with_cached_values(path, values: dict[str, str]) -> None:
    """Give formula cells the value a spreadsheet application would have stored (openpyxl stores none)."""
    import re
    import zipfile

    inner = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        items = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    xml = items[inner].decode("utf-8")
    for ref, value in values.items():
        kind = "" if re.fullmatch(r"[0-9.]+", value) else ' t="str"'  # a text result is typed as such
        pattern = rf'(<c r="{ref}")([^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>'
        xml, count = re.subn(pattern, rf"\g<1>{kind}\g<2><v>{value}</v>", xml)
        assert count == 1, ref
    items[inner] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in items.items():
            archive.writestr(name, data)


def test_formula_cells_with_stored_values_are_read(xlsx, run_import, regles, tmp_path):
    book = xlsx(
        [
            ENTETE_ACTION,
            action_row(1, total="=SUM(J2:M2)"),
            action_row(2, total="=SUM(J3:M3)", etat=1000.5),
            [None] * 7 + ["=SUM(J4:M4)"],
        ]
    )  # template row: only a formula (stored 0)
    _with_cached_values(book, {"H2": "3000", "H3": "3000.5000000001", "H4": "0"})
    run = run_import(book)
    assert run.statuts() == {"CDV-2025-001": "ecrit", "CDV-2025-002": "ignore"}
    assert run.problemes() == [(3, "H", "budget.total", "valeur-invalide")]  # more than two decimals
    assert _dossier(tmp_path / "dossiers" / "CDV-2025-001.yaml", regles).budget.total == Decimal("3000")


def test_a_row_of_calculated_values_is_an_action(xlsx, run_import, regles, tmp_path):
    """A programmation sheet filled by formulas (« =Saisie!A2 »…): before, its rows were skipped as blank."""
    cached = {"A2": "5", "B2": "Atelier", "C2": "Asso", "D2": "La Conte", "E2": "Grandir", "F2": "01/09/2025"}
    cached |= {"G2": "31/12/2025", "H2": "3000", "J2": "1000", "K2": "1000", "L2": "1000"}
    formulas = [f"=Saisie!{ref}" for ref in ("A2", "B2", "C2", "D2", "E2", "F2", "G2", "H2")]
    row = [*formulas, None, "=Saisie!J2", "=Saisie!K2", "=Saisie!L2"]
    book = xlsx([ENTETE_ACTION, row, [None] * 7 + ["=SUM(J3:M3)"]])
    _with_cached_values(book, cached | {"H3": "0"})  # row 3: a prepared template row, calculated 0
    run = run_import(book)
    assert run.statuts() == {"CDV-2025-005": "ecrit"}
    assert _dossier(tmp_path / "dossiers" / "CDV-2025-005.yaml", regles).intitule == "Atelier"
