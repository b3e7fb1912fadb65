"""Breakdowns of the retained amounts (quartier split, défi, objectif, porteur, CPO, renewal) and CPO commitments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cdv_prog.programmation.calcul import calculer
from cdv_prog.programmation.engagements import EngagementsCpo
from cdv_prog.programmation.repartitions import Repartitions, partager

D = Decimal
QPV3 = ["grazailles", "fleming-la-reille", "viguier-saint-jacques"]


@pytest.mark.parametrize(
    ("amount", "parts", "expected"),
    [
        ("100.00", 3, ["33.34", "33.33", "33.33"]),
        ("100.01", 3, ["33.34", "33.34", "33.33"]),
        ("0.01", 3, ["0.01", "0.00", "0.00"]),
        ("0.00", 2, ["0.00", "0.00"]),
        ("1234.56", 1, ["1234.56"]),
        ("10.00", 4, ["2.50", "2.50", "2.50", "2.50"]),
    ],
)
def test_split_sums_exactly_remainder_to_first(amount, parts, expected) -> None:
    shares = partager(D(amount), parts)
    assert shares == [D(x) for x in expected]
    assert sum(shares) == D(amount)


def rows(repartitions, code) -> dict:
    rep = next(r for r in repartitions if r.code == code)
    return {ligne.cle: ligne for ligne in rep.lignes}


def test_three_quartiers_get_thirds_financeur_by_financeur(prog_dossier, make_report, regles) -> None:
    report = make_report(
        prog_dossier(
            "A",
            [
                {"financeur": "etat", "montant": "1000.00"},
                {"financeur": "ville", "montant": "1000.00", "accorde": "500.00"},
            ],
            action={"quartiers": QPV3},
        )
    )
    rep = Repartitions(regles)
    rep.add(report.dossier, report.montants)
    q = rows(rep.resultat(), "quartiers")
    # 1000,00 / 3 = 333,33 + 1 cent left → first quartier; 500,00 / 3 = 166,66 + 2 cents left → first two
    assert q["grazailles"].financeurs == {"etat": D("333.34"), "ville": D("166.67")}
    assert q["fleming-la-reille"].financeurs == {"etat": D("333.33"), "ville": D("166.67")}
    assert q["viguier-saint-jacques"].financeurs == {"etat": D("333.33"), "ville": D("166.66")}
    assert [q[c].retenu for c in QPV3] == [D("500.01"), D("500.00"), D("499.99")]
    assert sum(q[c].retenu for c in QPV3) == D("1500.00")  # retenu, not demandé
    assert [q[c].dossiers for c in QPV3] == [1, 1, 1]
    assert q["bastide-pont-vieux"].dossiers == 0 and q["bastide-pont-vieux"].retenu == 0  # listed, empty


def test_repeated_quartier_counts_once(prog_dossier, make_report, regles) -> None:
    report = make_report(
        prog_dossier(
            "A",
            [{"financeur": "etat", "montant": "900"}, {"financeur": "ville", "montant": "600"}],
            action={"quartiers": ["grazailles", "grazailles", "hors-qpv"]},
        )
    )
    rep = Repartitions(regles)
    rep.add(report.dossier, report.montants)
    q = rows(rep.resultat(), "quartiers")
    assert q["grazailles"].retenu == D("750") and q["hors-qpv"].retenu == D("750")
    assert q["grazailles"].dossiers == 1


def test_other_breakdowns(prog_dossier, make_report, regles) -> None:
    a = make_report(
        prog_dossier(
            "A",
            [{"financeur": "etat", "montant": "1000"}, {"financeur": "ville", "montant": "2000"}],
            action={"defi": "habiter", "objectif": "habiter.tranquillite", "renouvellement": True},
            porteur={"type": "bailleur"},
        )
    )
    b = make_report(
        prog_dossier(
            "B",
            [{"financeur": "etat", "montant": "700"}, {"financeur": "agglo", "montant": "800"}],
            action={"objectif": None},
            porteur={"type": None},
        )
    )
    c = make_report(prog_dossier("C", [{"financeur": "etat", "montant": "9000"}]))  # inéligible: excluded
    assert (a.verdict, b.verdict, c.verdict) == ("eligible", "eligible", "ineligible")
    prog = calculer([a, b, c], regles, 2025)
    reps = prog.repartitions
    assert rows(reps, "defis")["habiter"].retenu == D(3000)
    assert rows(reps, "defis")["grandir"].retenu == D(1500)  # B only: C is inéligible
    assert rows(reps, "objectifs")["habiter.tranquillite"].retenu == D(3000)
    assert rows(reps, "objectifs")[None].retenu == D(1500)  # objectif not given
    assert rows(reps, "porteurs")["bailleur"].retenu == D(3000)
    assert rows(reps, "porteurs")[None].dossiers == 1
    assert rows(reps, "renouvellement")["renouvellement"].retenu == D(3000)
    assert rows(reps, "renouvellement")["nouvelle"].retenu == D(1500)
    assert rows(reps, "cpo")["annuelle"].retenu == D(4500) and rows(reps, "cpo")["cpo"].dossiers == 0
    for rep in reps:  # each breakdown covers the eligible retained total exactly
        if rep.code != "quartiers":
            assert sum((ligne.retenu for ligne in rep.lignes), D(0)) == D(4500), rep.code


def cpo(annees: list[int]) -> dict:
    return {"cpo": {"annees": annees}}


def test_cpo_commitments_for_later_years(prog_dossier, make_report, rules_with) -> None:
    rules = rules_with(enveloppes={"agglo": {2024: 10000, 2027: 20000}, "ville": 8000})
    pieces = ["attestation-prefecture", "liste-bureau", "rib", "evaluation-annuelle"]
    nouvelle = make_report(
        prog_dossier(
            "N",
            [
                {"financeur": "agglo", "montant": "3000"},
                {"financeur": "ville", "montant": "2000", "accorde": "1500"},
            ],
            action=cpo([2025, 2026, 2027]),
        ),
        rules,
    )
    en_cours = make_report(
        prog_dossier(
            "E",
            [
                {"financeur": "agglo", "montant": "1000"},
                {"financeur": "etat", "montant": "4000"},
            ],
            action=cpo([2024, 2025, 2026]),
            pieces=pieces,
        ),
        rules,
    )
    annuelle = make_report(
        prog_dossier("A", [{"financeur": "agglo", "montant": "5000"}, {"financeur": "ville", "montant": "5000"}]), rules
    )
    assert [r.verdict for r in (nouvelle, en_cours, annuelle)] == ["eligible"] * 3
    eng = calculer([nouvelle, en_cours, annuelle], rules, 2025).engagements
    assert eng.annees == (2026, 2027)
    assert eng.dossiers == ("N", "E")
    got = {(f.financeur, e.annee): e for f in eng.financeurs for e in f.annees}
    assert [f.financeur for f in eng.financeurs] == ["etat", "ville", "agglo"]
    assert got[("agglo", 2026)].engage == D(4000)  # 3000 (N) + 1000 (E, last year 2026)
    assert got[("agglo", 2027)].engage == D(3000)  # N only
    assert got[("agglo", 2026)].enveloppe == D(10000) and got[("agglo", 2027)].enveloppe == D(20000)
    assert got[("agglo", 2027)].taux == D("0.15") and got[("agglo", 2027)].solde == D(17000)
    assert got[("ville", 2026)].engage == D(1500)  # the accorde, same amount each year
    assert got[("etat", 2026)].engage == D(4000) and got[("etat", 2027)].engage == D(0)
    assert got[("etat", 2026)].enveloppe is None and got[("etat", 2026)].taux is None


def test_ineligible_cpo_commits_nothing(prog_dossier, make_report, regles) -> None:
    bad = make_report(prog_dossier("X", [{"financeur": "agglo", "montant": "3000"}], action=cpo([2025, 2026, 2027])))
    assert bad.verdict == "ineligible"
    eng = calculer([bad], regles, 2025).engagements
    assert eng.financeurs == () and eng.dossiers == ()
    assert eng.annees == (2026, 2027)  # N+1 and N+2 are shown all the same


def test_commitment_years_stop_at_the_contract_end(regles) -> None:
    assert EngagementsCpo(2029, regles).resultat().annees == (2030,)
    assert EngagementsCpo(2030, regles).resultat().annees == ()
