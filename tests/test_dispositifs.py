"""The dispositifs référentiel (SPEC v2 §2): matching a line's free text, each line's nature, the checks."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from cdv_prog.core.montants import Montants
from cdv_prog.core.ruleset import RulesError
from cdv_prog.files.rules import load_rules

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("texte", "code"),
    [
        ("BOP 147", "bop-147"),
        ("bop147", "bop-147"),
        ("  Bop   147 ", "bop-147"),
        ("bop-147", "bop-147"),  # the code itself
        ("P147", "bop-147"),
        ("Crédits politique de la ville", "bop-147"),
        ("credits politique de la ville", "bop-147"),  # accents ignored
        ("FIPD", "fipd"),
        ("Abattement TFPB", "abattement-tfpb"),
        ("droit commun", "droit-commun"),
        ("BOP 148", None),  # one digit off: not a known dispositif
        ("", None),
        (None, None),
    ],
)
def test_free_text_is_matched_on_code_or_alias_ignoring_case_accents_spaces(regles, texte, code) -> None:
    assert regles.dispositif_de(texte) == code


def test_each_line_carries_its_dispositif_and_nature(regles, build_dossier, make_dossier) -> None:
    dossier = build_dossier(
        make_dossier(
            budget={"total": 10000, "autres-produits": 0},
            financements=[
                {"financeur": "etat", "dispositif": "BOP 147", "montant": 4000},
                {"financeur": "etat", "dispositif": "FIPD", "montant": 3000},
                {"financeur": "ville", "montant": 2000},  # no dispositif: the financeur's nature
                {"financeur": "ville", "dispositif": "Fête de quartier", "montant": 1000},  # unknown text
            ],
        )
    )
    lignes = Montants.of(dossier, regles).lignes
    assert [(ligne.code_dispositif, ligne.nature) for ligne in lignes] == [
        ("bop-147", "specifique"),
        ("fipd", "droit-commun"),
        (None, regles.financeurs["ville"].nature),
        (None, regles.financeurs["ville"].nature),
    ]
    assert lignes[1].retenu == Decimal("3000")


def _rules_with(tmp_path: Path, dispositifs: str) -> Path:
    dest = tmp_path / "regles"
    shutil.copytree(REPO / "rules", dest, ignore=shutil.ignore_patterns("tests"))
    path = dest / "dispositifs.yaml"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + dispositifs, encoding="utf-8")
    return dest


def _line(rules: Path, text: str) -> int:
    lines = (rules / "dispositifs.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_a_name_designating_two_dispositifs_is_refused_with_its_line(tmp_path: Path) -> None:
    rules = _rules_with(
        tmp_path,
        "  a: {nom: A, financeur: etat, nature: specifique, alias: [Crédits État]}\n"
        "  b: {nom: B, financeur: etat, nature: droit-commun, alias: [credits  etat]}\n",
    )
    with pytest.raises(RulesError) as info:
        load_rules(rules)
    (problem,) = info.value.problems
    assert problem.ligne == _line(rules, "  b: {nom: B") and problem.champ == "dispositifs.b.alias[0]"
    assert "désigne déjà le dispositif « a »" in problem.message


def test_a_dispositif_of_an_unknown_financeur_is_refused(tmp_path: Path) -> None:
    rules = _rules_with(tmp_path, "  a: {nom: A, financeur: [etat, etta], nature: specifique}\n")
    with pytest.raises(RulesError) as info:
        load_rules(rules)
    (problem,) = info.value.problems
    assert problem.champ == "dispositifs.a.financeur" and "« etta »" in problem.message
    assert "etat" in problem.message  # the suggestion or the known codes


def test_distinct_names_of_distinct_dispositifs_load(tmp_path: Path) -> None:
    rules = _rules_with(
        tmp_path,
        "  a: {nom: A, financeur: etat, nature: specifique, alias: [Crédits État]}\n"
        "  b: {nom: B, nature: droit-commun, alias: [Crédits État bis]}\n",
    )
    rs = load_rules(rules)
    assert rs.dispositif_de("crédits état bis") == "b" and rs.dispositifs["b"].financeurs is None
