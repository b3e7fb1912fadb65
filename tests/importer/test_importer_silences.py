"""Nothing is dropped without a word: every cell that carries a value lands in a dossier or is reported.

Lists of quartiers with the separators people use, columns no field reads
(« Bailleurs » holding 500 €), Excel's « nothing » marks (``-``, ``—``, « néant »),
the TOTAL row at the bottom of a programmation, and the ids made from bare
action numbers (``CDV-2025-001``), said once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from importer_tableaux import ENTETE_ACTION, ENTETE_DAUPHIN, action_row

from cdv_prog.core.dossier import Dossier
from cdv_prog.files.dossiers import read_dossier

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"


def _dossier(path: Path, regles) -> Dossier:
    result = read_dossier(path, regles)
    assert isinstance(result, Dossier), getattr(result, "erreurs", result)
    return result


# --------------------------------------------------------------------------- lists of quartiers

CONTE = "la-conte-ozanam-sainte-marie"
VIGUIER = "viguier-saint-jacques"


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ("Viguier St Jacques / La Conte", [VIGUIER, CONTE]),  # before: only the first quartier was kept
        ("Viguier St Jacques, La Conte", [VIGUIER, CONTE]),
        ("Viguier St Jacques; La Conte", [VIGUIER, CONTE]),
        ("Viguier St Jacques et La Conte", [VIGUIER, CONTE]),
        ("Viguier St Jacques ET La Conte", [VIGUIER, CONTE]),
        ("Viguier St Jacques\nLa Conte", [VIGUIER, CONTE]),
        ("Viguier St Jacques + La Conte", [VIGUIER, CONTE]),
        ("La Conte", [CONTE]),
        ("Bastide / Pont-Vieux", ["bastide-pont-vieux"]),  # one quartier, named whole
        ("Bastide - Pont Vieux", ["bastide-pont-vieux"]),
        ("La Conte / Ozanam / Sainte-Marie", [CONTE]),  # three names of one quartier
        ("L'Espérance (Berriac)", ["esperance-berriac"]),
    ],
)
def test_quartier_lists_keep_every_quartier(xlsx, run_import, regles, tmp_path, cell, codes):
    run_import(xlsx([ENTETE_ACTION, action_row(1, quartiers=cell)]))
    assert _dossier(tmp_path / "dossiers" / "CDV-2025-001.yaml", regles).action.quartiers == codes


def test_a_label_naming_two_quartiers_without_separator_is_reported(xlsx, run_import):
    run = run_import(xlsx([ENTETE_ACTION, action_row(1, quartiers="Viguier La Conte"), action_row(2)]))
    assert run.problemes() == [(2, "D", "action.quartiers", "libelle-ambigu")]
    (message,) = [str(p) for r in run.resultats for p in r.problemes]
    assert VIGUIER in message and CONTE in message and "« ; »" in message


def test_an_unknown_item_of_a_list_is_reported_not_dropped(xlsx, run_import):
    run = run_import(xlsx([ENTETE_ACTION, action_row(1, quartiers="La Conte / Centre historique")]))
    assert run.problemes() == [(2, "D", "action.quartiers", "libelle-inconnu")]


# --------------------------------------------------------------------------- columns no field reads


def _with_bailleurs(rows: list[list]) -> list[list]:
    return [rows[0] + ["Bailleurs"]] + [
        row + [value] for row, value in zip(rows[1:], (500, None, "1 200 €"), strict=False)
    ]


def test_an_unknown_amount_column_is_reported_with_its_rows(xlsx, run_import):
    """Before: « Bailleurs » holding 500 € was dropped without a word."""
    rows = _with_bailleurs([ENTETE_ACTION, action_row(1), action_row(2), action_row(3)])
    run = run_import(xlsx(rows))
    assert run.statuts() == {"CDV-2025-001": "ecrit", "CDV-2025-002": "ecrit", "CDV-2025-003": "ecrit"}
    (avis,) = [a for a in run.imp.lecture.avis if "Bailleurs" in a]
    assert avis.startswith("colonne N « Bailleurs » non lue : 2 valeur(s) laissée(s) de côté, ligne(s) 2, 4")
    assert "section financeurs" in avis


def test_unknown_columns_are_said_on_stderr_with_and_without_essai(cdv, xlsx, tmp_path):
    rows = _with_bailleurs([ENTETE_ACTION, action_row(1)])
    rows[0].append(None)
    rows[0].append("Commentaire")
    rows[1] += ["note perdue ?", "à revoir"]
    book = xlsx(rows)
    for extra in ([], ["--essai"]):
        result = cdv("importer", book, "--exercice", "2025", "--vers", tmp_path / "out", "--rules", RULES, *extra)
        assert result.code == 0, result.err
        err = " ".join(result.err.split())
        assert "colonne N « Bailleurs » non lue : 1 valeur(s) laissée(s) de côté, ligne(s) 2" in err
        assert "colonne O (sans en-tête) non lue : 1 valeur(s) laissée(s) de côté, ligne(s) 2" in err
        assert "colonne P « Commentaire » non lue" in err and "section colonnes" in err
    assert "P « Commentaire » → non lue" in " ".join(result.err.split())  # --essai lists it with the columns


def test_an_empty_unknown_column_is_not_reported(xlsx, run_import):
    rows = [ENTETE_ACTION + ["Bailleurs"], action_row(1) + [None]]
    assert not run_import(xlsx(rows)).imp.lecture.avis[1:]  # only the notice of the ids


def test_dauphin_columns_no_field_reads_are_reported(csv_file, run_import):
    line = ["25-001", "2025", "Atelier", "Asso", "La Conte", "Grandir", "01/09/2025", "31/12/2025", "1000"]
    rows = [ENTETE_DAUPHIN + ["Statut"], line + ["CARCASSONNE AGGLO", "1000", "", "", "Instruit"]]
    run = run_import(csv_file(rows))
    assert run.statuts() == {"25-001": "ecrit"}
    assert [a[:35] for a in run.imp.lecture.avis] == ["colonne N « Statut » non lue : 1 va"]


# --------------------------------------------------------------------------- Excel's « nothing »


@pytest.mark.parametrize("rien", ["-", " - ", "—", "–", "néant", "Néant", "NEANT"])
def test_nothing_marks_are_empty_amounts(xlsx, run_import, regles, tmp_path, rien):
    """Before: « - » was refused as a negative amount."""
    run = run_import(xlsx([ENTETE_ACTION, action_row(1, agglo=rien, ville=2000, autres=rien)]))
    assert run.statuts() == {"CDV-2025-001": "ecrit"}
    dossier = _dossier(tmp_path / "dossiers" / "CDV-2025-001.yaml", regles)
    assert [f.financeur for f in dossier.financements] == ["etat", "ville"]
    assert dossier.budget.autres_produits == 0  # no value: the dossier's default


@pytest.mark.parametrize("montant", ["-5", "- 500", "-0,01"])
def test_a_negative_amount_is_still_refused(xlsx, run_import, montant):
    run = run_import(xlsx([ENTETE_ACTION, action_row(1, agglo=montant)]))
    assert run.problemes() == [(2, "L", "financement.montant", "valeur-invalide")]


def test_nothing_marks_in_a_dauphin_export(csv_file, run_import, regles, tmp_path):
    line = ["25-001", "2025", "Atelier", "Asso", "La Conte", "Grandir", "01/09/2025", "31/12/2025", "2000"]
    rows = [ENTETE_DAUPHIN, line + ["CARCASSONNE AGGLO", "1000", "—", "-"], line + ["11-CAF", "1000", "néant", "800"]]
    run = run_import(csv_file(rows))
    assert run.statuts() == {"25-001": "ecrit"}
    dossier = _dossier(tmp_path / "dossiers" / "25-001.yaml", regles)
    assert [(f.financeur, f.accorde) for f in dossier.financements] == [("agglo", None), ("caf", Decimal("800"))]


# --------------------------------------------------------------------------- the TOTAL row


@pytest.mark.parametrize(
    ("total", "shown"),
    [
        ([None, "TOTAL", None, None, None, None, None, 6000, None, 2000, 2000, 2000], " (« TOTAL »)"),
        (["TOTAL GÉNÉRAL", None, None, None, None, None, None, 6000, None, 2000, 2000, 2000], " (« TOTAL GÉNÉRAL »)"),
        ([None, None, "Sous-total", None, None, None, None, 1, None, 1, 1, 1], " (« Sous-total »)"),
        ([None, None, None, None, None, None, None, 6000, None, 2000, 2000, 2000], ""),  # the sums, no label
        ([None, None, None, None, None, None, None, 6000.0, None, 2000.0, 2000.0, 2000.0], ""),
    ],
)
def test_a_total_row_is_left_aside_with_one_notice(xlsx, run_import, total, shown):
    """Before: the TOTAL row gave errors and exit 1 on every import."""
    run = run_import(xlsx([ENTETE_ACTION, action_row(1), action_row(2), total]))
    assert run.statuts() == {"CDV-2025-001": "ecrit", "CDV-2025-002": "ecrit"}
    assert run.problemes() == []
    assert f"ligne 4 : ligne de total{shown} laissée de côté" in run.imp.lecture.avis


@pytest.mark.parametrize(
    "row",
    [
        [None, "Atelier sans numéro", None, None, None, None, None, 6000, None, 2000, 2000, 2000],  # an intitulé
        [None, None, None, None, None, None, None, 6001, None, 2000, 2000, 2000],  # not the sums
        [None, None, None, None, None, None, None, None, None, 1000, None, None],
    ],
)
def test_a_row_without_number_that_is_no_total_is_reported(xlsx, run_import, row):
    run = run_import(xlsx([ENTETE_ACTION, action_row(1), action_row(2), row]))
    assert run.problemes() == [(4, "A", "id", "numero-manquant")]


def test_subtotals_then_a_grand_total(xlsx, run_import):
    rows = [
        ENTETE_ACTION,
        action_row(1),
        [None] * 7 + [3000, None, 1000, 1000, 1000],
        action_row(2, etat=500, total=2500),
        [None] * 7 + [2500, None, 500, 1000, 1000],
        ["Total général", None, None, None, None, None, None, 5500, None, 1500, 2000, 2000],
    ]
    run = run_import(xlsx(rows))
    assert run.problemes() == []
    assert [a for a in run.imp.lecture.avis if "total" in a] == [
        "ligne 3 : ligne de total laissée de côté",
        "ligne 5 : ligne de total laissée de côté",
        "ligne 6 : ligne de total (« Total général ») laissée de côté",
    ]


def test_a_total_row_gives_exit_0_through_the_cli(cdv, xlsx, tmp_path):
    book = xlsx(
        [ENTETE_ACTION, action_row(1), action_row(2), [None, "TOTAL"] + [None] * 5 + [6000, None, 2000, 2000, 2000]]
    )
    result = cdv("importer", book, "--exercice", "2025", "--vers", tmp_path / "out", "--rules", RULES)
    assert result.code == 0, result.err
    assert result.err.count("ligne de total") == 1


def test_a_dauphin_total_row(csv_file, run_import):
    line = ["25-001", "2025", "Atelier", "Asso", "La Conte", "Grandir", "01/09/2025", "31/12/2025", "2000"]
    rows = [ENTETE_DAUPHIN, line + ["CARCASSONNE AGGLO", "1000", "", ""], line + ["11-CAF", "1000", "", ""]]
    rows.append(["", "", "", "", "", "", "", "", "4000", "", "2000", "", ""])
    run = run_import(csv_file(rows))
    assert run.statuts() == {"25-001": "ecrit"} and run.problemes() == []
    assert "ligne 4 : ligne de total laissée de côté" in run.imp.lecture.avis


# --------------------------------------------------------------------------- ids of bare numbers


def test_bare_numbers_give_cdv_ids_and_it_is_said(xlsx, run_import, regles, tmp_path):
    """Before: files 1.yaml, 2.yaml."""
    run = run_import(xlsx([ENTETE_ACTION, action_row(1), action_row(14.0), action_row("007")]))
    assert run.statuts() == {"CDV-2025-001": "ecrit", "CDV-2025-014": "ecrit", "CDV-2025-007": "ecrit"}
    assert sorted(p.name for p in (tmp_path / "dossiers").iterdir()) == [
        "CDV-2025-001.yaml",
        "CDV-2025-007.yaml",
        "CDV-2025-014.yaml",
    ]
    assert _dossier(tmp_path / "dossiers" / "CDV-2025-014.yaml", regles).id == "CDV-2025-014"
    (avis,) = [a for a in run.imp.lecture.avis if "sans préfixe" in a]
    assert "« 1 » → CDV-2025-001, « 14 » → CDV-2025-014" in avis and "modele-id" in avis


def test_ids_that_are_not_bare_numbers_are_kept(xlsx, run_import):
    run = run_import(xlsx([ENTETE_ACTION, action_row("25-001"), action_row("CDV-2025-002"), action_row(1234)]))
    assert run.statuts() == {"25-001": "ecrit", "CDV-2025-002": "ecrit", "CDV-2025-1234": "ecrit"}


def test_modele_id_numero_keeps_bare_numbers(xlsx, run_import, tmp_path):
    mapping = tmp_path / "c.yaml"
    from cdv_prog.importer.correspondance import texte_defaut

    mapping.write_text(texte_defaut() + '\nmodele-id: "{numero}"\n', encoding="utf-8")
    run = run_import(xlsx([ENTETE_ACTION, action_row(1)]), correspondance=mapping)
    assert run.statuts() == {"1": "ecrit"}
    assert not any("sans préfixe" in a for a in run.imp.lecture.avis)


def test_two_numbers_giving_one_id_are_reported(csv_file, run_import):
    line = ["7", "2025", "Atelier", "Asso", "La Conte", "Grandir", "01/09/2025", "31/12/2025", "2000"]
    rows = [ENTETE_DAUPHIN, line + ["CARCASSONNE AGGLO", "1000", "", ""], ["007", *line[1:], "11-CAF", "1000", "", ""]]
    run = run_import(csv_file(rows))
    assert run.statuts() == {"CDV-2025-007": "ignore"}
    assert run.problemes() == [(3, "A", "id", "doublon")]


# --------------------------------------------------------------------------- every value lands or is reported


def test_every_value_lands_in_a_dossier_or_is_reported(xlsx, run_import, tmp_path):
    rows = _with_bailleurs([ENTETE_ACTION, action_row(1, quartiers="Bastide / La Conte", caf="-")])
    rows.append(["TOTAL"] + [None] * 6 + [3000, None, 1000, 1000, 1000, None, 500])
    run = run_import(xlsx(rows))
    text = (tmp_path / "dossiers" / "CDV-2025-001.yaml").read_text(encoding="utf-8")
    avis = "\n".join(run.imp.lecture.avis)
    header, action, _total = rows
    for col, value in enumerate(action):
        if value is None or value == "-":
            continue
        shown = {
            "Bastide / La Conte": "[bastide-pont-vieux, la-conte-ozanam-sainte-marie]",
            "Grandir": "grandir",
            500: "colonne N « Bailleurs »",
        }.get(value, value)
        if isinstance(shown, dt.datetime):
            shown = shown.date().isoformat()
        assert str(shown) in text or str(shown) in avis, (header[col], value)
    assert "ligne 3 : ligne de total (« TOTAL ») laissée de côté" in avis
