"""``cdv programmation`` and the totals of ``cdv check``, through the real command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

ELIGIBLE = {
    "financements": [{"financeur": "agglo", "montant": "3000"}, {"financeur": "ville", "montant": "3000"}],
    "budget": {"total": "7000", "autres-produits": "1000"},
}


@pytest.fixture
def dossiers(tmp_path, write_yaml, make_dossier):
    """Two eligible dossiers of 2025 retaining 6 000 € of Agglo, one of 2024."""
    folder = tmp_path / "dossiers"
    write_yaml(make_dossier(ELIGIBLE, id="A"), "2025/A.yaml", folder)
    write_yaml(make_dossier(ELIGIBLE, id="B"), "2025/B.yaml", folder)
    old = make_dossier(
        ELIGIBLE, id="V", exercice=2024, action={"debut": dt.date(2024, 1, 1), "fin": dt.date(2024, 12, 31)}
    )
    write_yaml(old, "2024/V.yaml", folder)
    return folder


@pytest.fixture
def tight_rules(rules_dir_with) -> Path:
    return rules_dir_with(enveloppes={"agglo": 5999, "ville": 6000})


def test_example_data_programmation(cdv, regles) -> None:
    res = cdv("programmation", "data/dossiers", "--exercice", "2025", "--format", "json")
    assert res.code == 1, res.err  # the examples hold inéligible dossiers on purpose
    doc = res.json()
    assert list(doc)[:3] == ["exercice", "financeurs", "dossiers"]
    counts = doc["dossiers"]
    assert counts["total"] == counts["eligible"] + counts["ineligible"] + counts["invalide"] > 30
    agglo = next(f for f in doc["financeurs"] if f["financeur"] == "agglo")
    enveloppe = float(regles.enveloppe("agglo", 2025) or 0)
    assert agglo["enveloppe"] == enveloppe and not agglo["depassement"]
    assert 0.5 < agglo["taux"] <= 1  # a realistic picture for the COPIL
    assert agglo["solde"] == pytest.approx(enveloppe - agglo["retenu"])
    for sous in agglo["sous-enveloppes"]:  # a part of the enveloppe, within it
        assert sous["retenu"] <= agglo["retenu"] and not sous["depassement"]
    assert next(f for f in doc["financeurs"] if f["financeur"] == "etat")["enveloppe"] is None
    assert "Lecture des dossiers" not in res.err  # no progress bar when stderr is not a terminal


def test_overrun_exit_code_and_check_totals(cdv, dossiers, tight_rules) -> None:
    res = cdv("programmation", dossiers / "2025", "--rules", tight_rules, "-f", "json")
    assert res.code == 1, res.err
    doc = res.json()
    assert doc["dossiers"] == {"total": 2, "eligible": 2, "ineligible": 0, "invalide": 0}
    by = {f["financeur"]: f for f in doc["financeurs"]}
    assert by["agglo"]["depassement"] and by["agglo"]["solde"] == -1.0
    assert not by["ville"]["depassement"] and by["ville"]["solde"] == 0.0  # exactly at the enveloppe
    assert {c["regle"]: c["statut"] for c in doc["constats"]}["enveloppe-respectee"] == "echec"

    check = cdv("check", dossiers, "--rules", tight_rules, "--format", "json")
    assert check.code == 1  # all eligible, but an enveloppe is exceeded
    data = check.json()
    assert list(data) == ["format", "version", "empreinte", "dossiers", "resume", "totaux"]
    entries = data["totaux"]["financeurs"]
    assert [e["exercice"] for e in entries] == sorted(e["exercice"] for e in entries)
    agglo_2025 = next(e for e in entries if (e["exercice"], e["financeur"]) == (2025, "agglo"))
    assert agglo_2025 == {"exercice": 2025, **by["agglo"]}  # the same entry as cdv programmation's
    text = cdv("check", dossiers, "--rules", tight_rules)
    assert text.code == 1
    tail = text.out[text.out.index("Résumé") :]
    assert "Totaux de l'exercice 2024" in tail and "Totaux de l'exercice 2025" in tail
    assert "DÉPASSÉE" in tail and "5 999,00 €" in tail


def test_fine_programmation_exits_0(cdv, dossiers) -> None:
    res = cdv("programmation", dossiers / "2025")
    assert res.code == 0, res.out + res.err
    assert "Programmation de l'exercice 2025" in res.out and "6 000,00 €" in res.out


def test_single_dossier_check_has_no_table(cdv, dossiers) -> None:
    res = cdv("check", dossiers / "2025" / "A.yaml")
    assert res.code == 0 and "Totaux de l'exercice" not in res.out


def test_several_exercices_need_exercice(cdv, dossiers) -> None:
    res = cdv("programmation", dossiers)
    assert res.code == 2
    assert "--exercice" in res.err and "2024, 2025" in res.err and "Traceback" not in res.err
    res = cdv("programmation", dossiers, "--exercice", "2024", "-f", "json")
    assert res.code == 0 and res.json()["dossiers"]["total"] == 1
    res = cdv("programmation", dossiers, "--exercice", "1999")
    assert res.code == 2 and "période" in res.err


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "html", "text"])
def test_output_written_atomically_and_deterministic(fmt, cdv, dossiers, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764670000")  # the HTML states its date of generation
    out = tmp_path / "rapports" / f"programmation.{fmt}"
    out.parent.mkdir()
    first = cdv("programmation", dossiers / "2025", "-f", fmt, "-o", out)
    assert first.code == 0, first.err
    data = out.read_bytes()
    assert data and first.out == ""
    second = cdv("programmation", dossiers / "2025", "-f", fmt, "-o", out)  # over the previous report
    assert second.code == 0 and out.read_bytes() == data  # byte-identical
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no temporary file left
    if fmt == "json":
        stdout = cdv("programmation", dossiers / "2025", "-f", "json")
        assert stdout.out.encode() == data
        assert json.loads(data)["exercice"] == 2025


def test_output_refuses_inputs(cdv, dossiers, tight_rules, tmp_path) -> None:
    dossier = dossiers / "2025" / "A.yaml"
    before = dossier.read_bytes()
    res = cdv("programmation", dossiers / "2025", "-f", "json", "-o", dossier)
    assert res.code == 2 and "Traceback" not in res.err
    assert dossier.read_bytes() == before
    rules_file = tight_rules / "enveloppes.yaml"
    before = rules_file.read_bytes()
    res = cdv("programmation", dossiers / "2025", "--rules", tight_rules, "-o", rules_file)
    assert res.code == 2 and rules_file.read_bytes() == before
    res = cdv("programmation", dossiers / "2025", "-o", dossiers / "2025" / "nouveau.yaml")
    assert res.code == 2 and not (dossiers / "2025" / "nouveau.yaml").exists()
    work = tmp_path / "travail"
    work.mkdir()
    tight_rules.rename(work / "rules")  # the default rules: ./rules
    res = cdv("programmation", dossiers / "2025", "-o", "rules/x.yml", cwd=work)
    assert res.code == 2 and "rules/x.yml" in res.err
    assert not (work / "rules" / "x.yml").exists()  # it would join the rules read next time
    link = tmp_path / "lien.json"
    link.symlink_to(dossier)
    res = cdv("programmation", dossiers / "2025", "-f", "json", "-o", link)
    assert res.code == 2 and dossier.read_bytes().startswith(b"id:")
    res = cdv("programmation", dossiers / "2025", "-o", tmp_path / "absent" / "r.html")  # -o creates its folder
    assert res.code == 0 and (tmp_path / "absent" / "r.html").read_bytes().startswith(b"<!")
    res = cdv("programmation", dossiers / "2025", "-o", tmp_path)
    assert res.code == 2 and "répertoire" in res.err


def test_example_data_perimetres_and_droit_commun(cdv, rules_dir_with) -> None:
    """SPEC v2 on the example dossiers, enveloppes of crédits spécifiques (amounts chosen here, not shipped ones).

    By hand over the eligible dossiers of data/dossiers/2025: État FIPD 10 000 € (CDV-2025-004) + 8 000 €
    (CDV-2025-027) → droit commun; Habitat Audois « Abattement TFPB » 6 000 + 2 000 + 2 500 + 4 000 + 4 500 €
    → 19 000 € of droit commun; Agglo « Développement économique » 4 000 € (CDV-2025-008) → droit commun;
    the Agglo's annual AAP counts its crédits spécifiques outside the CPO: its total minus its CPO lines.
    """

    def spec() -> dict[str, str]:  # a new mapping each time: the YAML written has no anchor
        return {"nature": "specifique"}

    rules = rules_dir_with(
        enveloppes={
            "etat": {"montant": None, "perimetre": spec()},
            "agglo": {
                "montant": 500000,
                "perimetre": spec(),
                "sous-enveloppes": {
                    "aap": {"nom": "AAP", "montant": 400000, "perimetre": {"nature": "specifique", "cpo": False}},
                    "cpo": {"nom": "CPO", "montant": 100000, "perimetre": {"nature": "specifique", "cpo": True}},
                },
            },
            "habitat-audois": {"montant": 40000, "perimetre": spec()},
            "ville": 100000,  # short form: every line counts, no droit commun
        }
    )
    both = cdv("programmation", "data/dossiers", "--exercice", "2025", "--format", "json").json()
    doc = cdv("programmation", "data/dossiers", "--exercice", "2025", "--format", "json", "--rules", rules).json()
    before = {f["financeur"]: f for f in both["financeurs"]}
    got = {f["financeur"]: f for f in doc["financeurs"]}
    assert got["etat"]["droit-commun"] == 18000.0 and got["etat"]["enveloppe"] is None
    assert got["habitat-audois"]["droit-commun"] == 19000.0
    assert got["agglo"]["droit-commun"] == 4000.0
    assert got["ville"]["droit-commun"] == 0.0 and got["ville"]["sous-enveloppes"] == []
    for code in ("etat", "habitat-audois", "agglo"):  # nothing dropped: inside + droit commun = every line
        assert got[code]["retenu"] + got[code]["droit-commun"] == pytest.approx(
            before[code]["retenu"] + before[code]["droit-commun"]
        )
    aap, cpo = got["agglo"]["sous-enveloppes"]
    assert (aap["code"], aap["nom"], cpo["code"]) == ("aap", "AAP", "cpo")
    assert aap["retenu"] + cpo["retenu"] == pytest.approx(got["agglo"]["retenu"])  # the two parts of the périmètre
    assert 0 < cpo["retenu"] < aap["retenu"]
    assert set(aap) == {"code", "nom", "enveloppe", "demande", "retenu", "solde", "taux", "depassement"}
    text = cdv("programmation", "data/dossiers", "--exercice", "2025", "--rules", rules).out
    assert "Droit commun mobilisé" in text and "dont AAP" in text and "18 000,00 €" in text
