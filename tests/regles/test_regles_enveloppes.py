"""Enveloppes with a périmètre and sous-enveloppes (SPEC v2 §2, §3.3): loading and ``cdv regles verifier``.

Each test writes its own ``enveloppes.yaml`` in a copy of rules/, so nothing here depends on the
amounts of the shipped lettre de cadrage.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cdv_prog.core.ruleset import TOUT, Perimetre
from cdv_prog.files.rules import load_rules

LONG = """enveloppes:
  agglo:
    montant: {2024: 1000, 2026: 2000}
    perimetre: {nature: specifique}
    sous-enveloppes:
      aap:
        nom: Appel à projets
        montant: {2024: 600}
        perimetre: {nature: specifique, cpo: false}
  ville: {2024: 500}
  etat:
    montant: ~
    perimetre: {nature: specifique}
"""


def _write(rules_copy: Path, text: str) -> Path:
    path = rules_copy / "enveloppes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _verify(cdv, rules_copy: Path) -> tuple[int, list[dict]]:
    run = cdv("regles", "verifier", rules_copy, "--format", "json")
    return run.code, run.json()["problemes"]


def test_long_and_short_forms(rules_copy) -> None:
    _write(rules_copy, LONG)
    rs = load_rules(rules_copy)
    agglo, ville, etat = rs.enveloppes["agglo"], rs.enveloppes["ville"], rs.enveloppes["etat"]
    assert (rs.enveloppe("agglo", 2025), rs.enveloppe("agglo", 2026), rs.enveloppe("agglo", 2023)) == (
        Decimal(1000),
        Decimal(2000),
        None,
    )
    assert agglo.perimetre == Perimetre(nature="specifique")
    [aap] = agglo.sous_enveloppes.values()
    assert (aap.code, aap.nom, aap.at(2030), aap.perimetre) == (
        "aap",
        "Appel à projets",
        Decimal(600),
        Perimetre(nature="specifique", cpo=False),
    )
    assert ville.perimetre == TOUT and not ville.sous_enveloppes and rs.perimetre("ville") == TOUT
    assert etat.montant is None and rs.enveloppe("etat", 2025) is None and etat.perimetre.nature == "specifique"
    assert rs.perimetre("departement") == TOUT  # no enveloppe: every line


def test_perimetre_contains_and_narrower() -> None:
    spec, hors_cpo = Perimetre(nature="specifique"), Perimetre(nature="specifique", cpo=False)
    assert spec.contient("specifique", True) and not spec.contient("droit-commun", False)
    assert hors_cpo.contient("specifique", False) and not hors_cpo.contient("specifique", True)
    assert TOUT.contient("droit-commun", True)
    assert hors_cpo.plus_etroit(spec) and spec.plus_etroit(TOUT)
    assert not spec.plus_etroit(spec)  # the same périmètre is not narrower
    assert not Perimetre(nature="droit-commun", cpo=False).plus_etroit(spec)  # another nature: not a part
    assert not TOUT.plus_etroit(spec)


def test_shipped_rules_pass_verifier_with_long_forms(cdv, rules_copy) -> None:
    _write(rules_copy, LONG)
    code, problems = _verify(cdv, rules_copy)
    assert code == 0 and not [p for p in problems if p["niveau"] == "erreur"], problems


@pytest.mark.parametrize(
    ("old", "new", "champ", "words"),
    [
        (
            "perimetre: {nature: specifique}\n    sous",
            "perimetre: {natur: specifique}\n    sous",
            "enveloppes.agglo.perimetre.natur",
            "clé inconnue « natur »",
        ),
        (
            "{nature: specifique, cpo: false}",
            "{nature: specifique, cpo: non}",
            "enveloppes.agglo.sous-enveloppes.aap.perimetre.cpo",
            "true ou false",
        ),
        (
            "{nature: specifique, cpo: false}",
            "{nature: specifiques, cpo: false}",
            "enveloppes.agglo.sous-enveloppes.aap.perimetre.nature",
            "specifique",
        ),
        ("        nom: Appel à projets\n", "", "enveloppes.agglo.sous-enveloppes.aap.nom", "manquant"),
        ("    montant: {2024: 1000, 2026: 2000}\n", "", "enveloppes.agglo.montant", "manquant"),
        (
            "    montant: {2024: 1000, 2026: 2000}\n",
            "    montant: {2024: 1000, 2026: beaucoup}\n",
            "enveloppes.agglo.montant[2026]",
            "montant",
        ),
        (
            "        montant: {2024: 600}\n",
            "        montant: {3000: 600}\n",
            "enveloppes.agglo.sous-enveloppes.aap.montant[3000]",
            "2000-2100",
        ),
        ("    sous-enveloppes:\n", "    sous-enveloppe:\n", "enveloppes.agglo.sous-enveloppe", "sous-enveloppes"),
        ("  ville: {2024: 500}\n", "  ville: {}\n", "enveloppes.ville", "montant"),
    ],
    ids=[
        "cle-perimetre",
        "cpo-non-booleen",
        "nature-inconnue",
        "nom-manquant",
        "montant-manquant",
        "montant-date-invalide",
        "annee-hors-bornes",
        "cle-inconnue-suggere",
        "ensemble-vide",
    ],
)
def test_long_form_errors_name_file_line_and_key(cdv, rules_copy, line_of, old, new, champ, words) -> None:
    path = _write(rules_copy, LONG.replace(old, new, 1))
    assert old in LONG
    code, problems = _verify(cdv, rules_copy)
    assert code == 2
    [problem] = [p for p in problems if p["champ"] == champ] or [problems]
    assert words in problem["message"], problem
    assert problem["fichier"].endswith("enveloppes.yaml") and problem["ligne"], problem
    assert problem["ligne"] >= line_of(path, r"^  agglo:|^  ville:")


@pytest.mark.parametrize(
    ("sous", "trop"),
    [("{2024: 1000}", False), ("{2024: 1000.01}", True), ("{2024: 600, 2027: 2000.01}", True)],
    ids=["egale", "un-centime-de-trop", "trop-a-partir-de-2027"],
)
def test_verifier_refuses_a_sous_enveloppe_larger_than_its_enveloppe(cdv, rules_copy, line_of, sous, trop) -> None:
    path = _write(rules_copy, LONG.replace("montant: {2024: 600}", f"montant: {sous}"))
    code, problems = _verify(cdv, rules_copy)
    errors = [p for p in problems if p["niveau"] == "erreur"]
    assert code == (2 if trop else 0), problems
    if trop:
        [err] = errors
        assert err["champ"] == "enveloppes.agglo.sous-enveloppes.aap" and "dépasse son enveloppe" in err["message"]
        assert err["ligne"] == line_of(path, r"^      aap:")
        assert ("2024-2025" if "1000.01" in sous else "2027-2030") in err["message"]
    else:
        assert not errors


@pytest.mark.parametrize(
    ("perimetre", "ok"),
    [
        ("{nature: specifique, cpo: true}", True),
        ("{nature: specifique}", False),  # the same lines: not a part
        ("{cpo: false}", False),  # droit commun too: wider on nature
        ("{nature: droit-commun}", False),  # outside the enveloppe
    ],
    ids=["plus-etroit", "identique", "plus-large", "disjoint"],
)
def test_verifier_refuses_a_sous_enveloppe_not_narrower(cdv, rules_copy, perimetre, ok) -> None:
    _write(rules_copy, LONG.replace("perimetre: {nature: specifique, cpo: false}", f"perimetre: {perimetre}"))
    code, problems = _verify(cdv, rules_copy)
    errors = [p for p in problems if p["niveau"] == "erreur"]
    assert code == (0 if ok else 2), problems
    if not ok:
        [err] = errors
        assert err["champ"] == "enveloppes.agglo.sous-enveloppes.aap" and "pas plus étroit" in err["message"]


def test_schema_accepts_the_long_form_and_refuses_unknown_keys(rules_copy) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from cdv_prog.workflow.schema import regles_schema

    validator = jsonschema.Draft202012Validator(regles_schema())

    def errors(text: str) -> list[str]:
        data = yaml.safe_load(text)
        data = {"enveloppes": {c: _str_years(v) for c, v in data["enveloppes"].items()}}
        return [e.message for e in validator.iter_errors(data)]

    assert errors(LONG) == []
    assert errors(LONG.replace("perimetre: {nature: specifique}\n    sous", "perimetre: {natur: x}\n    sous"))


def _str_years(value):
    if isinstance(value, dict):
        return {str(k): _str_years(v) for k, v in value.items()}
    return value


def test_diff_names_perimetre_and_sous_enveloppe_changes(cdv, rules_copy, tmp_path) -> None:
    import shutil

    before = tmp_path / "avant"
    shutil.copytree(rules_copy, before)
    _write(before, LONG)
    _write(
        rules_copy,
        LONG.replace("perimetre: {nature: specifique}\n    sous", "perimetre: {}\n    sous").replace(
            "montant: {2024: 600}", "montant: {2024: 600, 2027: 700}"
        ),
    )
    doc = cdv("regles", "diff", before, rules_copy, "--format", "json").json()
    got = {(c["code"], c["cle"], tuple(c["annees"] or ())) for c in doc["changements"] if c["section"] == "enveloppes"}
    assert ("agglo", "perimetre", ()) in got
    assert ("agglo", "sous-enveloppes.aap", (2027, 2030)) in got
    text = cdv("regles", "diff", before, rules_copy).out
    assert "enveloppe agglo (perimetre) : crédits spécifiques → toutes les lignes du financeur" in text
