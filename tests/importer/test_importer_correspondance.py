"""The mapping file: the shipped default, label tables (names before patterns, order), errors with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdv_prog.files.loader import load_yaml_text
from cdv_prog.importer.conversion import Conversion
from cdv_prog.importer.correspondance import CorrespondanceInvalide, charger, texte_defaut


@pytest.fixture(scope="module")
def defaut(regles) -> Conversion:
    return Conversion(charger(None), regles)


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("11-ETAT-POLITIQUE-VILLE", "etat"),
        ("CARCASSONNE (11069)", "ville"),
        ("CARCASSONNE AGGLO", "agglo"),
        ("AUDE (DEPT)", "departement"),
        ("11-CAF", "caf"),
        ("OCCITANIE (CONSEIL REGIO)", "region"),
        ("État", "etat"),
        ("etat", "etat"),
        ("Ville de Carcassonne", "ville"),
        ("Carcassonne Agglo", "agglo"),
        ("Département de l'Aude", "departement"),
        ("ARS Occitanie", "ars"),
    ],
)
def test_default_financeur_labels(defaut, label, code):
    assert defaut.resolveurs["financeurs"].code(label) == code


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("La Conte", "la-conte-ozanam-sainte-marie"),
        ("LA CONTE", "la-conte-ozanam-sainte-marie"),
        ("Viguier St Jacques", "viguier-saint-jacques"),
        ("Viguier - St-Jacques", "viguier-saint-jacques"),
        ("Le Viguier", "viguier-saint-jacques"),
        ("Bastide", "bastide-pont-vieux"),
        ("Bastide / Pont-Vieux", "bastide-pont-vieux"),
        ("Ozanam", "la-conte-ozanam-sainte-marie"),
        ("L'Espérance", "esperance-berriac"),
        ("l esperance", "esperance-berriac"),
        ("Grazailles", "grazailles"),
        ("Fleming - La Reille", "fleming-la-reille"),
        ("Hors QPV", "hors-qpv"),
    ],
)
def test_default_quartier_labels(defaut, label, code):
    assert defaut.resolveurs["quartiers"].code(label) == code


@pytest.mark.parametrize("label", ["Centre historique", "Budget total", "Montant demandé", "Intitulé"])
def test_unknown_labels_stay_unknown(defaut, label):
    assert defaut.resolveurs["financeurs"].code(label) is None
    assert defaut.resolveurs["quartiers"].code(label) is None


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "correspondance.yaml"
    path.write_text("colonnes:\n  id: [N°]\n" + text, encoding="utf-8")
    return path


def test_exact_names_before_patterns_and_first_pattern_wins(tmp_path, regles):
    path = _mapping(
        tmp_path,
        """
financeurs:
  noms:
    CARCASSONNE AGGLO: agglo
  motifs:
    - {motif: 'CARCASSONNE', code: ville}
    - {motif: 'AGGLO', code: agglo}
    - {motif: 'CARCASSONNE', code: departement}
""",
    )
    conv = Conversion(charger(path), regles)
    r = conv.resolveurs["financeurs"]
    assert r.code("CARCASSONNE AGGLO") == "agglo"  # exact name, although the first pattern matches
    assert r.code("carcassonne  agglo") == "agglo"  # names compared simplified
    assert r.code("CARCASSONNE (11069)") == "ville"  # first matching pattern in declared order
    assert r.code("Grand Carcassonne Agglo") == "ville"  # not the exact name: both patterns match, the first wins
    assert r.code("Agglomération") == "agglo"
    assert r.code("MAIRIE") is None


def test_patterns_see_raw_and_simplified_labels(tmp_path, regles):
    path = _mapping(
        tmp_path,
        """
quartiers:
  motifs:
    - {motif: '^11-', code: grazailles}
    - {motif: 'saint jacques', code: viguier-saint-jacques}
""",
    )
    r = Conversion(charger(path), regles).resolveurs["quartiers"]
    assert r.code("11-QUARTIER") == "grazailles"  # raw label (hyphen kept)
    assert r.code("SAINT-JACQUES") == "viguier-saint-jacques"  # simplified label (hyphen → space)


def test_shipped_default_is_what_modele_prints(cdv):
    result = cdv("importer", "--modele-correspondance")
    assert result.code == 0
    assert result.out == texte_defaut()
    assert "colonnes" in load_yaml_text(result.out).data


def test_printed_default_can_be_copied_and_used(cdv, tmp_path, regles):
    copy = tmp_path / "ma-correspondance.yaml"
    copy.write_text(cdv("importer", "--modele-correspondance").out, encoding="utf-8")
    conv = Conversion(charger(copy), regles)
    assert conv.resolveurs["financeurs"].code("11-CAF") == "caf"


@pytest.mark.parametrize(
    ("text", "line", "champ"),
    [
        ("colonne:\n  id: x\n", 3, "colonne"),  # unknown key (typo)
        ("colonnes:\n  id: [N°]\n", 3, "colonnes"),  # duplicate key
        ("financeurs:\n  motifs:\n    - {motif: '(', code: etat}\n", 5, "financeurs.motifs[0].motif"),
        ("financeurs:\n  motifs:\n    - {motif: '" + "a" * 201 + "', code: etat}\n", 5, "financeurs.motifs[0].motif"),
        ("financeurs:\n  noms:\n    X: mairie\n", 5, "financeurs.noms.X"),  # unknown financeur code
        ("quartiers:\n  motifs:\n    - {motif: 'x', code: centre}\n", 5, "quartiers.motifs[0].code"),
        ("modele-id: 'CDV-{annee}'\n", 3, "modele-id"),
        ("valeurs:\n  action.defi: vivre\n", 4, "valeurs.action.defi"),
        ("valeurs:\n  budget.total: douze\n", 4, "valeurs.budget.total"),
        ("disposition: en-ligne\n", 3, "disposition"),
    ],
)
def test_bad_mapping_names_line_and_field(tmp_path, regles, text, line, champ):
    path = _mapping(tmp_path, text)
    with pytest.raises(CorrespondanceInvalide) as info:
        Conversion(charger(path), regles)
    first = info.value.problemes[0]
    assert first.startswith(f"{path}:{line} [{champ}]"), first


def test_unknown_key_suggests_the_right_one(tmp_path, regles):
    path = _mapping(tmp_path, "colonnes2: {}\nfinanceur: {}\n")
    with pytest.raises(CorrespondanceInvalide) as info:
        charger(path)
    assert any("financeurs" in p for p in info.value.problemes)


def test_mapping_without_id_column(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("colonnes:\n  intitule: [Intitulé]\n", encoding="utf-8")
    with pytest.raises(CorrespondanceInvalide) as info:
        charger(path)
    assert "[colonnes.id]" in info.value.problemes[0]


def test_mapping_defaults_are_typed(tmp_path, regles):
    path = _mapping(
        tmp_path,
        "valeurs:\n  action.defi: Grandir\n  porteur.type: Association\n"
        "  action.quartiers: [Grazailles, Bastide - Pont Vieux]\n  budget.autres-produits: 100\n",
    )
    conv = Conversion(charger(path), regles)
    assert conv.defauts["action.defi"] == "grandir"
    assert conv.defauts["porteur.type"] == "association"
    assert conv.defauts["action.quartiers"] == ["grazailles", "bastide-pont-vieux"]
    assert str(conv.defauts["budget.autres-produits"]) == "100.00"


def test_bad_mapping_is_a_usage_error(cdv, tmp_path, xlsx):
    path = _mapping(tmp_path, "financeurs:\n  noms:\n    X: mairie\n")
    book = xlsx([["N°"]])
    result = cdv("importer", book, "--exercice", "2025", "--vers", tmp_path / "out", "--correspondance", path)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


def test_default_patterns_alone_keep_agglo_apart_from_ville(tmp_path, regles):
    """Without the exact names, the shipped patterns still tell the Agglo from the Ville."""
    text = texte_defaut()
    start = text.index("financeurs:\n  noms:\n")
    end = text.index("  motifs:\n", start)
    path = tmp_path / "sans-noms.yaml"
    path.write_text(text[:start] + "financeurs:\n" + text[end:], encoding="utf-8")
    r = Conversion(charger(path), regles).resolveurs["financeurs"]
    assert r.code("CARCASSONNE AGGLO") == "agglo"
    assert r.code("CARCASSONNE (11069)") == "ville"
    assert r.code("11-ETAT-POLITIQUE-VILLE") == "etat"
    assert r.code("AUDE (DEPT)") == "departement"
    assert r.code("11-CAF") == "caf"
    assert r.code("OCCITANIE (CONSEIL REGIO)") == "region"
