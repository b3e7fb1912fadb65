"""Per-financeur totals against the enveloppes, checked against hand-computed examples to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cdv_prog.core.montants import TotalFinanceur
from cdv_prog.core.report import DossierReport
from cdv_prog.programmation.calcul import calculer
from cdv_prog.programmation.totaux import Totaux, TotauxParExercice

D = Decimal


@pytest.fixture
def batch(prog_dossier, make_report):
    """Five dossiers of 2025 and an unreadable one; the expected totals are computed by hand in the tests."""
    a = prog_dossier(
        "A",
        [
            {"financeur": "etat", "montant": "3000", "accorde": "2500"},
            {"financeur": "ville", "montant": "3000"},
            {"financeur": "ville", "dispositif": "second volet", "montant": "1000.50"},  # same financeur, two lines
        ],
        autres="1000",
    )
    b = prog_dossier(
        "B",
        [
            {"financeur": "agglo", "montant": "1234.56", "accorde": "1200.01"},
            {"financeur": "etat", "montant": "999.99"},
        ],
    )
    c = prog_dossier("C", [{"financeur": "ville", "montant": "5000"}])  # one principal only: inéligible
    d = prog_dossier(
        "D",
        [  # plancher failed through accorde: inéligible
            {"financeur": "etat", "montant": "3000"},
            {"financeur": "agglo", "montant": "800", "accorde": "400"},
        ],
    )
    e = prog_dossier(
        "E",
        [  # accorde 0: the Agglo does not finance it
            {"financeur": "etat", "montant": "2000"},
            {"financeur": "ville", "montant": "2000"},
            {"financeur": "agglo", "montant": "600", "accorde": "0"},
        ],
    )
    reports = [make_report(x) for x in (a, b, c, d, e)]
    assert [r.verdict for r in reports] == ["eligible", "eligible", "ineligible", "ineligible", "eligible"]
    invalide = DossierReport("F.yaml", "invalide", id="F", exercice=2025)
    return reports + [invalide]


def by_code(financeurs) -> dict[str, TotalFinanceur]:
    return {f.financeur: f for f in financeurs}


def test_hand_computed_totals(batch, regles) -> None:
    totaux = Totaux(2025, regles)
    for report in batch:
        totaux.add(report)
    got = by_code(totaux.financeurs())
    # demandé: montant of every valid dossier (eligible or not); retenu: accorde else montant, eligible only
    assert got["etat"].demande == D("8999.99")  # 3000 + 999.99 + 3000 + 2000
    assert got["etat"].retenu == D("5499.99")  # 2500 (accorde) + 999.99 + 2000
    assert got["etat"].dossiers == 3
    assert got["ville"].demande == D("11000.50")  # 3000 + 1000.50 + 5000 + 2000
    assert got["ville"].retenu == D("6000.50")  # 4000.50 (two lines) + 2000
    assert got["ville"].dossiers == 2
    assert got["agglo"].demande == D("2634.56")  # 1234.56 + 800 + 600
    assert got["agglo"].retenu == D("1200.01")  # accorde 1200.01; the 0 of E; D is inéligible
    assert got["agglo"].dossiers == 1  # E's accorde 0 does not count as financing
    assert got["agglo"].enveloppe == regles.enveloppe("agglo", 2025)
    assert got["agglo"].solde == regles.enveloppe("agglo", 2025) - D("1200.01")
    assert got["ville"].solde == regles.enveloppe("ville", 2025) - D("6000.50")
    assert got["etat"].enveloppe is None and got["etat"].solde is None and got["etat"].taux is None
    assert totaux.resume.to_dict() == {"total": 6, "eligible": 3, "ineligible": 2, "invalide": 1}


def test_listed_financeurs_in_rule_set_order(batch, regles) -> None:
    totaux = Totaux(2025, regles)
    for report in batch:
        totaux.add(report)
    # in the dossiers (etat, ville, agglo) or declared in enveloppes (habitat-audois, marcou-habitat, etat…),
    # in the order of the rules' financeurs; the others are not listed
    in_dossiers = {"etat", "ville", "agglo"}
    expected = [code for code in regles.financeurs if code in in_dossiers or code in regles.enveloppes]
    assert {"habitat-audois", "marcou-habitat"} <= set(expected)  # enveloppes of financeurs no dossier asks
    assert [f.financeur for f in totaux.financeurs()] == expected
    unused = by_code(totaux.financeurs())["marcou-habitat"]
    assert (unused.demande, unused.retenu, unused.dossiers) == (0, 0, 0)
    assert unused.solde == regles.enveloppe("marcou-habitat", 2025)


def test_json_entry_rounding(batch, rules_with) -> None:
    totaux = Totaux(2025, rules_with(enveloppes={"agglo": 185000}))
    for report in batch:
        totaux.add(report)
    agglo = by_code(totaux.financeurs())["agglo"].to_dict()
    assert agglo == {
        "financeur": "agglo",
        "enveloppe": 185000.0,
        "demande": 2634.56,
        "retenu": 1200.01,
        "solde": 183799.99,
        "taux": 0.0065,  # 1200.01 / 185000 = 0.006486…
        "depassement": False,
        "dossiers": 1,
        "droit-commun": 0.0,
        "sous-enveloppes": [],
    }
    etat = by_code(totaux.financeurs())["etat"].to_dict()
    assert etat["enveloppe"] is None and etat["solde"] is None and etat["taux"] is None


@pytest.mark.parametrize(("retenu", "exceeded"), [("5000.00", False), ("5000.01", True), ("4999.99", False)])
def test_overrun_boundary_to_the_cent(retenu, exceeded, prog_dossier, make_report, rules_with) -> None:
    rules = rules_with(enveloppes={"agglo": 5000})
    report = make_report(
        prog_dossier(
            "A",
            [
                {"financeur": "agglo", "montant": "6000", "accorde": retenu},
                {"financeur": "ville", "montant": "1000"},
            ],
        ),
        rules,
    )
    assert report.verdict == "eligible"
    prog = calculer([report], rules, 2025)
    agglo = by_code(prog.financeurs)["agglo"]
    assert agglo.depassement is exceeded
    assert agglo.solde == D(5000) - D(retenu)
    constat = next(c for c in prog.constats if c.regle == "enveloppe-respectee")
    assert constat.statut == ("echec" if exceeded else "ok")
    assert prog.exit_code == (1 if exceeded else 0)


def test_dated_enveloppe_applies_from_its_year(rules_with) -> None:
    rules = rules_with(enveloppes={"agglo": {2024: 1000, 2026: 2000}, "ville": {2027: 50}})
    assert rules.enveloppe("agglo", 2025) == D(1000)
    assert rules.enveloppe("agglo", 2026) == D(2000)
    assert rules.enveloppe("ville", 2026) is None  # not yet: « non renseignée »
    t = Totaux(2026, rules)
    assert {f.financeur: f.enveloppe for f in t.financeurs()} == {"ville": None, "agglo": D(2000)}


def test_zero_enveloppe_has_no_rate_but_any_grant_exceeds_it(prog_dossier, make_report, rules_with) -> None:
    rules = rules_with(enveloppes={"ville": 0})
    report = make_report(
        prog_dossier(
            "A",
            [
                {"financeur": "etat", "montant": "1000"},
                {"financeur": "ville", "montant": "1000"},
            ],
        ),
        rules,
    )
    ville = by_code(calculer([report], rules, 2025).financeurs)["ville"]
    assert ville.taux is None and ville.depassement and ville.solde == D(-1000)


def test_par_exercice_groups_and_orders(prog_dossier, make_report, regles) -> None:
    r2025 = make_report(
        prog_dossier("A", [{"financeur": "etat", "montant": "1000"}, {"financeur": "ville", "montant": "700"}])
    )
    r2024 = make_report(
        prog_dossier(
            "B",
            [{"financeur": "etat", "montant": "600"}, {"financeur": "agglo", "montant": "900"}],
            exercice=2024,
            action={"debut": dt.date(2024, 1, 1), "fin": dt.date(2024, 12, 31)},
        )
    )
    unreadable = DossierReport("x.yaml", "invalide")  # exercice unknown: in no exercice
    par = TotauxParExercice(regles)
    assert list(par.follow([r2025, unreadable, r2024])) == [r2025, unreadable, r2024]
    assert [t.exercice for t in par.exercices()] == [2024, 2025]
    entries = par.to_dict()["financeurs"]
    assert [(e["exercice"], e["financeur"]) for e in entries][:3] == [(2024, "etat"), (2024, "ville"), (2024, "agglo")]
    assert {(e["exercice"], e["financeur"]): e["retenu"] for e in entries}[(2025, "ville")] == 700.0
    assert list(entries[0]) == [
        "exercice",
        "financeur",
        "enveloppe",
        "demande",
        "retenu",
        "solde",
        "taux",
        "depassement",
        "dossiers",
        "droit-commun",
        "sous-enveloppes",
    ]
    assert par.exit_code == 0


def test_programmation_lists_set_aside_dossiers_with_reasons(batch, regles) -> None:
    prog = calculer(batch, regles, 2025)
    ecartes = {d.id: d for d in prog.ecartes}
    assert set(ecartes) == {"C", "D", "F"}
    assert any(m.startswith("financeurs-principaux") for m in ecartes["C"].motifs)
    assert any(m.startswith("plancher-financeur") for m in ecartes["D"].motifs)
    assert ecartes["F"].verdict == "invalide"
    assert prog.exit_code == 1  # inéligible and invalide dossiers


def test_single_exercice_found_while_streaming(batch, prog_dossier, make_report, regles) -> None:
    from cdv_prog.programmation.calcul import AucunExercice, PlusieursExercices, calculer_exercice_unique

    unreadable = DossierReport("0.yaml", "invalide")  # before any known exercice: held, then kept in order
    prog = calculer_exercice_unique([unreadable, *batch], regles)
    assert prog.exercice == 2025
    assert [d.fichier for d in prog.dossiers] == ["0.yaml"] + [r.fichier for r in batch]
    assert prog.financeurs == calculer(batch + [unreadable], regles, 2025).financeurs
    other = make_report(
        prog_dossier(
            "Z",
            [{"financeur": "etat", "montant": "600"}, {"financeur": "ville", "montant": "600"}],
            exercice=2026,
            action={"debut": dt.date(2026, 1, 1), "fin": dt.date(2026, 12, 31)},
        )
    )
    with pytest.raises(PlusieursExercices) as info:
        calculer_exercice_unique([*batch, other], regles)
    assert info.value.exercices == [2025, 2026]
    with pytest.raises(AucunExercice):
        calculer_exercice_unique([unreadable], regles)
    with pytest.raises(AucunExercice):
        calculer_exercice_unique([], regles)
