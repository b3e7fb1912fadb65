"""CPO commitments from the real later dossiers (SPEC v2 §3.4, §5; issue 12).

The commitment of a CPO of exercice N for year N+k uses the retained amounts
of its real dossier of N+k when the history holds it (the ``action.precedent``
chain followed forward), the year-N amounts otherwise (« reconduit »); every
output says which. The CAF (``annuel``) commits nothing either way.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cdv_prog.core.historique import DossierAnterieur, HistoriqueDossiers
from cdv_prog.programmation.engagements import EngagementsCpo

D = Decimal
CPO = [2025, 2026, 2027]


@pytest.fixture
def dossier(prog_dossier):
    """``dossier(id, exercice, {financeur: montant}, precedent=None, cpo=CPO)``: a dossier dict of that year."""

    def make(ident: str, exercice: int, montants: dict[str, str], precedent: str | None = None, cpo=CPO):
        fin: list[dict[str, Any]] = [{"financeur": f, "montant": m} for f, m in montants.items()]
        action: dict[str, Any] = {"debut": dt.date(exercice, 1, 1), "fin": dt.date(exercice, 12, 31)}
        if cpo is not None:
            action["cpo"] = {"annees": cpo}
        if precedent is not None:
            action["precedent"] = precedent
        data = prog_dossier(ident, fin, action=action)
        data["exercice"] = exercice
        return data

    return make


@pytest.fixture
def record(make_report, regles):
    def make(data: dict[str, Any]) -> DossierAnterieur:
        report = make_report(data)
        assert report.dossier is not None and report.montants is not None
        return DossierAnterieur.of(report.dossier, report.montants, report.verdict, f"{data['id']}.yaml", regles)

    return make


def _engagements(make_report, regles, first: dict[str, Any], later: list[DossierAnterieur] | None):
    eng = EngagementsCpo(2025, regles, suivants=HistoriqueDossiers.ordonne(later) if later is not None else None)
    report = make_report(first)
    assert report.dossier is not None and report.montants is not None
    eng.add(report.dossier, report.montants)
    return eng.resultat()


def _annee(res, financeur: str, annee: int):
    f = next(f for f in res.financeurs if f.financeur == financeur)
    return next(e for e in f.annees if e.annee == annee)


def test_later_dossier_present_and_absent(dossier, record, make_report, regles) -> None:
    a = dossier("A", 2025, {"etat": "3000", "ville": "3000"})
    b = record(dossier("B", 2026, {"etat": "4000", "ville": "2000"}, precedent="A"))
    res = _engagements(make_report, regles, a, [b])
    # 2026: the real dossier B; 2027: no dossier names B — the 2025 amounts, renewed
    assert (_annee(res, "etat", 2026).engage, _annee(res, "etat", 2026).source) == (D(4000), "dossier")
    assert (_annee(res, "ville", 2026).engage, _annee(res, "ville", 2026).d_apres_dossier) == (D(2000), 1)
    assert (_annee(res, "etat", 2027).engage, _annee(res, "etat", 2027).source) == (D(3000), "reconduit")
    assert res.suivants == ("B",) and (res.d_apres_dossier, res.reconduits) == (1, 1)
    doc = res.to_dict()
    assert doc["dossiers-suivants"] == ["B"] and (doc["d-apres-dossier"], doc["reconduits"]) == (1, 1)
    assert doc["financeurs"][0]["annees"][0]["source"] in {"dossier", "reconduit"}
    assert res.phrase() == "Années engagées : 1 d'après le dossier de l'année, 1 reconduit (montant de 2025)."

    seul = _engagements(make_report, regles, a, None)  # no history: every year renewed, as before
    assert _annee(seul, "etat", 2026).engage == D(3000) and _annee(seul, "etat", 2026).source == "reconduit"
    assert seul.suivants == () and (seul.d_apres_dossier, seul.reconduits) == (0, 2)


def test_the_chain_is_followed_to_the_third_year(dossier, record, make_report, regles) -> None:
    a = dossier("A", 2025, {"etat": "3000"})
    b = record(dossier("B", 2026, {"etat": "4000"}, precedent="A"))
    c = record(dossier("C", 2027, {"etat": "5000"}, precedent="B"))
    res = _engagements(make_report, regles, a, [c, b])
    assert [_annee(res, "etat", y).engage for y in (2026, 2027)] == [D(4000), D(5000)]
    assert res.suivants == ("B", "C") and res.reconduits == 0
    broken = _engagements(make_report, regles, a, [c])  # no 2026 dossier: C is not reached
    assert [_annee(broken, "etat", y).source for y in (2026, 2027)] == ["reconduit", "reconduit"]


def test_only_a_dossier_of_that_year_under_a_cpo_covering_it(dossier, record, make_report, regles) -> None:
    a = dossier("A", 2025, {"etat": "3000"})
    autres = [
        record(dossier("X", 2026, {"etat": "9000"}, precedent="A", cpo=None)),  # not under a CPO
        record(
            dossier("Y", 2026, {"etat": "9000"}, precedent="A", cpo=[2026, 2027, 2028])
        ),  # another CPO covering 2026
        record(dossier("Z", 2026, {"etat": "9000"}, precedent="AUTRE")),  # names another dossier
    ]
    res = _engagements(make_report, regles, a, autres[:1] + autres[2:])
    assert _annee(res, "etat", 2026).source == "reconduit" and res.suivants == ()
    couvre = _engagements(make_report, regles, a, autres[1:2])  # a CPO whose years include 2026: its dossier
    assert _annee(couvre, "etat", 2026).engage == D(9000)


def test_the_caf_is_left_out_of_the_later_dossier(dossier, record, make_report, regles) -> None:
    a = dossier("A", 2025, {"etat": "3000", "caf": "1000"})
    b = record(dossier("B", 2026, {"etat": "4000", "caf": "2500"}, precedent="A"))
    assert b.retenu("caf") == D(2500) and dict(b.engages or ()) == {"etat": D(4000)}
    res = _engagements(make_report, regles, a, [b])
    assert [f.financeur for f in res.financeurs] == ["etat"]


def test_an_ineligible_later_dossier_counts(dossier, record, make_report, regles) -> None:
    """Decided (docs/rapports.md): the CPO is signed for its years; the later dossier says what it plans."""
    data = dossier("B", 2026, {"etat": "4000"}, precedent="A")
    data["budget"]["total"] = "99999"  # unbalanced: inéligible in its own exercice
    b = record(data)
    assert b.verdict == "ineligible"
    res = _engagements(make_report, regles, dossier("A", 2025, {"etat": "3000"}), [b])
    assert _annee(res, "etat", 2026).engage == D(4000) and res.suivants == ("B",)


def test_a_record_with_its_commitments_survives_pickling(dossier, record) -> None:
    b = record(dossier("B", 2026, {"etat": "4000"}, precedent="A"))
    copie = pickle.loads(pickle.dumps(b))
    assert copie == b and copie.cle() == b.cle() and copie.engages == ((("etat", D(4000)),))
    sans_cpo = record(dossier("N", 2026, {"etat": "4000"}, cpo=None))
    assert sans_cpo.engages is None


def _etat(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    eng = doc["engagements-cpo"]
    f = next(f for f in eng["financeurs"] if f["financeur"] == "etat")
    return {e["annee"]: e for e in f["annees"]}


def test_examples_use_the_real_2026_dossier(cdv) -> None:
    avec = cdv("programmation", "data/dossiers", "--exercice", "2025", "--format", "json").json()
    sans = cdv("programmation", "data/dossiers/2025", "--exercice", "2025", "--format", "json").json()
    assert avec["engagements-cpo"]["dossiers-suivants"] == ["CDV-2026-008"]
    assert sans["engagements-cpo"]["dossiers-suivants"] == []
    # CDV-2025-008 commits État 17 000 renewed without the 2026 dossier, 18 000 with it (CDV-2026-008)
    assert D(str(_etat(avec)[2026]["engage"])) - D(str(_etat(sans)[2026]["engage"])) == D(1000)
    assert _etat(avec)[2026]["source"] == "mixte" and _etat(sans)[2026]["source"] == "reconduit"
    assert _etat(avec)[2027] == _etat(sans)[2027]  # no 2027 dossier: renewed either way
    assert avec["dossiers"] == sans["dossiers"]  # the later dossiers are never reported


def test_examples_2024_use_the_real_2025_and_2026_dossiers(cdv) -> None:
    doc = cdv("programmation", "data/dossiers", "--exercice", "2024", "--format", "json").json()
    eng = doc["engagements-cpo"]
    assert eng["dossiers"] == ["CDV-2024-008"]
    assert eng["dossiers-suivants"] == ["CDV-2025-008", "CDV-2026-008"] and eng["reconduits"] == 0
    assert {y: (e["engage"], e["source"]) for y, e in _etat(doc).items()} == {
        2025: (17000.0, "dossier"),
        2026: (18000.0, "dossier"),
    }
    text = cdv("programmation", "data/dossiers", "--exercice", "2024").out
    assert "2 d'après le dossier de l'année, 0 reconduit" in text
    assert "Dossiers des années suivantes lus : CDV-2025-008, CDV-2026-008" in text


def test_later_dossiers_given_with_historique(cdv) -> None:
    doc = cdv(
        "programmation", "data/dossiers/2024", "--exercice", "2024", "--historique", "data/dossiers", "--format", "json"
    ).json()
    assert doc["engagements-cpo"]["dossiers-suivants"] == ["CDV-2025-008", "CDV-2026-008"]


@pytest.mark.parametrize("fmt", ["json", "text", "html"])
def test_byte_identical_with_any_jobs(cdv, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764633600")  # the HTML shows the minute it was made: the same for both
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"{jobs}.{fmt}"
        cdv("programmation", "data/dossiers", "--exercice", "2025", "--jobs", jobs, "--format", fmt, "-o", out)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    if fmt == "json":
        assert json.loads(outs[0])["engagements-cpo"]["dossiers-suivants"] == ["CDV-2026-008"]
    elif fmt == "html":
        assert "d&#x27;après le dossier de l&#x27;année".encode() in outs[0] or b"apr\xc3\xa8s le dossier" in outs[0]
