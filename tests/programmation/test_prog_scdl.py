"""``cdv programmation --format scdl``: the SCDL « subventions » 1.1 of one financeur (docs/scdl.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdv_prog.render.programmation_scdl import COLONNES, montant

HEADER = (
    "nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,objet,montant,"
    "nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,pourcentageSubvention"
)
SIRET_PORTEUR = "30775520700023"
SIRET_AGGLO = "20000000000000"  # a test value in a copy of the rules, not the real one


@pytest.fixture
def rules_siret(rules_copy: Path) -> Path:
    """The shipped rules with a SIRET for agglo."""
    contrat = rules_copy / "contrat.yaml"
    text = contrat.read_text(encoding="utf-8")
    old = "agglo: {nom: Carcassonne Agglo (communauté d'agglomération), sigle: Agglo, groupe: principal}"
    assert old in text
    new = old.replace("groupe: principal}", f'groupe: principal, siret: "{SIRET_AGGLO}"}}')
    contrat.write_text(text.replace(old, new), encoding="utf-8")
    return rules_copy


@pytest.fixture
def dossiers(
    tmp_path: Path, prog_dossier: Callable[..., dict[str, Any]], write_yaml: Callable[..., Path]
) -> Callable[..., Path]:
    """``dossiers([data, …])``: a folder of dossier files."""

    def make(items: list[dict[str, Any]]) -> Path:
        folder = tmp_path / "dossiers"
        for data in items:
            write_yaml(data, f"{data['id']}.yaml", folder)
        return folder

    return make


def _dossier(prog_dossier: Callable[..., dict[str, Any]], ident: str, agglo: str, **fragment: Any) -> dict[str, Any]:
    data = prog_dossier(
        ident,
        [
            {"financeur": "etat", "montant": "3000"},
            {"financeur": "ville", "montant": "3000"},
            {"financeur": "agglo", "montant": agglo},
        ],
        **fragment,
    )
    data["porteur"] = {"nom": "Association de test", "type": "association", "siret": SIRET_PORTEUR}
    return data


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_header_encoding_separators_and_values(
    cdv: Any, tmp_path: Path, rules_siret: Path, dossiers: Any, prog_dossier: Any
) -> None:
    folder = dossiers(
        [
            _dossier(prog_dossier, "CDV-T-1", "1500.50", intitule='Ateliers « lire, écrire », dits "ALE"'),
            _dossier(prog_dossier, "CDV-T-2", "0"),  # nothing from agglo: no row
            _dossier(prog_dossier, "CDV-T-3", "2000", intitule='=HYPERLINK("http://x")'),
        ]
    )
    target = tmp_path / "scdl.csv"
    run = cdv(
        "programmation", folder, "-r", rules_siret, "--format", "scdl", "--attribuant", "agglo",
        "--date-convention", "2025-03-14", "--reference-decision", "Délibération n° 12, COPIL", "-o", target,
    )  # fmt: skip
    data = target.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")  # UTF-8 without BOM
    text = data.decode("utf-8")
    assert text.split("\r\n")[0] == HEADER
    assert tuple(HEADER.split(",")) == COLONNES
    rows = _rows(text)
    assert [r["objet"] for r in rows] == ['Ateliers « lire, écrire », dits "ALE"', '=HYPERLINK("http://x")']
    assert '"Ateliers « lire, écrire », dits ""ALE"""' in text  # RFC 4180 quoting
    assert '"Délibération n° 12, COPIL"' in text
    first = rows[0]
    assert first["nomAttribuant"] == "Carcassonne Agglo (communauté d'agglomération)"
    assert first["idAttribuant"] == SIRET_AGGLO
    assert first["dateConvention"] == "2025-03-14"
    assert first["nomBeneficiaire"] == "Association de test"
    assert first["idBeneficiaire"] == SIRET_PORTEUR
    assert first["montant"] == "1500.50"
    assert rows[1]["montant"] == "2000.00"
    assert first["nature"] == "aide en numéraire"
    assert first["notificationUE"] == "non"
    assert first["pourcentageSubvention"] == "1"
    assert first["idRAE"] == ""
    # no conditions nor dates of payment without --decisions: mandatory, so reported, exit 1
    assert run.code == 1, run.err
    assert "dossier CDV-T-1 : valeur obligatoire manquante : conditionsVersement, datesPeriodeVersement" in run.err
    assert "CDV-T-2" not in run.err


def test_decisions_complete_the_rows_and_exit_0(
    cdv: Any, tmp_path: Path, rules_siret: Path, dossiers: Any, prog_dossier: Any
) -> None:
    folder = dossiers([_dossier(prog_dossier, "CDV-T-1", "1500")])
    decisions = _write(
        tmp_path,
        "decisions.yaml",
        "CDV-T-1:\n"
        "  date-convention: 2025-04-02\n"
        "  reference-decision: DCC 2025-45\n"
        "  conditions-versement: échelonné\n"
        "  dates-periode-versement: 2025-05-01_2025-12-31\n",
    )
    run = cdv(
        "programmation", folder, "-r", rules_siret, "-f", "scdl", "--attribuant", "agglo",
        "--date-convention", "2025-03-14", "--decisions", decisions,
    )  # fmt: skip
    assert run.code == 0, run.err
    (row,) = _rows(run.out)
    assert row["dateConvention"] == "2025-04-02"  # the dossier's decision before the option
    assert row["referenceDecision"] == "DCC 2025-45"
    assert row["conditionsVersement"] == "échelonné"
    assert row["datesPeriodeVersement"] == "2025-05-01_2025-12-31"
    assert "SCDL incomplet" not in run.err


def test_one_date_of_payment_is_written_in_iso(
    cdv: Any, tmp_path: Path, rules_siret: Path, dossiers: Any, prog_dossier: Any
) -> None:
    folder = dossiers([_dossier(prog_dossier, "CDV-T-1", "1500")])
    decisions = _write(
        tmp_path,
        "d.yaml",
        "CDV-T-1: {date-convention: 2025-04-02, conditions-versement: unique, dates-periode-versement: 2025-06-30}\n",
    )
    run = cdv(
        "programmation", folder, "-r", rules_siret, "-f", "scdl", "--attribuant", "agglo", "--decisions", decisions
    )
    assert run.code == 0, run.err
    assert _rows(run.out)[0]["datesPeriodeVersement"] == "2025-06-30"


def test_missing_sirets_and_date_are_reported(cdv: Any, dossiers: Any, prog_dossier: Any) -> None:
    data = _dossier(prog_dossier, "CDV-T-1", "1500")
    del data["porteur"]["siret"]
    folder = dossiers([data])
    run = cdv("programmation", folder, "-f", "scdl", "--attribuant", "agglo")  # shipped rules: no SIRET for agglo
    assert run.code == 1
    (row,) = _rows(run.out)
    assert row["idAttribuant"] == row["idBeneficiaire"] == row["dateConvention"] == ""
    assert (
        "dossier CDV-T-1 : valeur obligatoire manquante : idAttribuant, dateConvention, idBeneficiaire, "
        "conditionsVersement, datesPeriodeVersement"
    ) in run.err


def test_shipped_examples_for_agglo(cdv: Any) -> None:
    run = cdv("programmation", "data/dossiers/2025", "--format", "scdl", "--attribuant", "agglo")
    assert run.code == 1  # no SIRET for agglo in the shipped rules
    rows = _rows(run.out)
    assert rows and all(r["nomAttribuant"] == "Carcassonne Agglo (communauté d'agglomération)" for r in rows)
    for r in rows:
        assert float(r["montant"]) > 0 and "," not in r["montant"]
    assert "idAttribuant" in run.err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--format", "scdl"], "--format scdl demande --attribuant"),
        (["--format", "scdl", "--attribuant", "aglo"], "« agglo »"),
        (["--attribuant", "agglo"], "--attribuant ne sert qu'avec --format scdl"),
        (["-f", "scdl", "--attribuant", "agglo", "--date-convention", "14/03/2025"], "AAAA-MM-JJ"),
        (["-f", "scdl", "--attribuant", "agglo", "--date-convention", "2025-02-30"], "AAAA-MM-JJ"),
        (["-f", "scdl", "--attribuant", "agglo", "--reference-decision", " "], "ne doit pas être vide"),
    ],
)
def test_usage_errors(cdv: Any, options: list[str], message: str) -> None:
    run = cdv("programmation", "data/dossiers/2025", *options)
    assert run.code == 2
    assert message in run.err
    assert run.out == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CDV-T-1:\n  date-convention: 2025-04-02\n  date: 2025-04-02\n", "ligne 3 [CDV-T-1.date] : clé inconnue"),
        ("CDV-T-1:\n  conditions-versement: echelonne\n", "« échelonné »"),
        ("CDV-T-1:\n  dates-periode-versement: 2025-05-01/2025-12-31\n", "ligne 2"),
        ("CDV-T-1:\n  date-convention: 2025-02-30\n", "ligne 2"),
        ("- CDV-T-1\n", "id du dossier"),
    ],
)
def test_decisions_file_refused_with_line(cdv: Any, tmp_path: Path, text: str, message: str) -> None:
    decisions = _write(tmp_path, "d.yaml", text)
    run = cdv("programmation", "data/dossiers/2025", "-f", "scdl", "--attribuant", "agglo", "--decisions", decisions)
    assert run.code == 2
    assert message in run.err, run.err


def test_csv_extension_keeps_the_financeurs_csv_and_accepts_scdl(cdv: Any, tmp_path: Path) -> None:
    plain = tmp_path / "copil.csv"
    cdv("programmation", "data/dossiers/2025", "-o", plain)
    assert plain.read_bytes().startswith(b"\xef\xbb\xbfexercice;")
    scdl = tmp_path / "subventions.csv"
    run = cdv("programmation", "data/dossiers/2025", "-o", scdl, "--format", "scdl", "--attribuant", "agglo")
    assert run.code == 1, run.err
    assert scdl.read_bytes().decode("utf-8").startswith(HEADER + "\r\n")
    refused = cdv(
        "programmation", "data/dossiers/2025", "-o", tmp_path / "a.json", "-f", "scdl", "--attribuant", "agglo"
    )
    assert refused.code == 2


def test_the_decisions_file_is_never_overwritten(cdv: Any, tmp_path: Path) -> None:
    decisions = _write(tmp_path, "d.csv", "")
    run = cdv("programmation", "data/dossiers/2025", "-o", decisions, "-f", "scdl", "--attribuant", "agglo",
              "--decisions", decisions)  # fmt: skip
    assert run.code == 2
    assert decisions.read_text(encoding="utf-8") == ""


@pytest.mark.parametrize(("value", "shown"), [("1500", "1500.00"), ("1500.5", "1500.50"), ("0.125", "0.125")])
def test_amounts_are_exact_with_a_dot(value: str, shown: str) -> None:
    from decimal import Decimal

    assert montant(Decimal(value)) == shown


def test_financeur_siret_must_have_14_digits(rules_copy: Path, cdv: Any) -> None:
    contrat = rules_copy / "contrat.yaml"
    text = contrat.read_text(encoding="utf-8")
    old = "sigle: Agglo, groupe: principal}"
    contrat.write_text(text.replace(old, 'sigle: Agglo, groupe: principal, siret: "2000000000000"}'), encoding="utf-8")
    run = cdv("regles", "verifier", rules_copy)
    assert run.code != 0
    assert "siret" in run.err + run.out


def test_only_eligible_dossiers_with_a_grant_above_zero() -> None:
    from decimal import Decimal

    from cdv_prog.programmation.calcul import LigneDossier
    from cdv_prog.render.programmation_scdl import lignes

    def ligne(ident: str, verdict: str, agglo: str) -> LigneDossier:
        return LigneDossier(ident, f"{ident}.yaml", verdict, "x", "p", retenu={"agglo": Decimal(agglo)})

    prog: Any = type("P", (), {})()
    prog.dossiers = (
        ligne("a", "eligible", "0.01"),
        ligne("b", "eligible", "0"),
        ligne("c", "ineligible", "500"),
        ligne("d", "invalide", "500"),
        LigneDossier("e", "e.yaml", "eligible"),  # no amounts
    )
    assert [(d.id, m) for d, m in lignes(prog, "agglo")] == [("a", Decimal("0.01"))]
