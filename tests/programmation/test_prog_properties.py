"""Properties of the totals: additive over any split of the batch, independent of file order, exact splits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import juger as check_dossier
from cdv_prog.programmation.calcul import calculer
from cdv_prog.programmation.totaux import Totaux

FINANCEURS = ["etat", "ville", "agglo", "caf", "habitat-audois", "prive"]
QUARTIERS = ["grazailles", "fleming-la-reille", "viguier-saint-jacques", "aiguille-trebes", "hors-qpv"]
CENTS = st.integers(min_value=0, max_value=20_000_000)


def amount(cents: int) -> str:
    return f"{Decimal(cents).scaleb(-2):f}"


PLANCHER = st.integers(min_value=50_000, max_value=20_000_000)  # at or above the 500 € plancher


def line(draw, financeur: str, cents) -> dict:
    out = {"financeur": financeur, "montant": amount(draw(cents))}
    if draw(st.booleans()):
        out["accorde"] = amount(draw(cents))
    return out


@st.composite
def dossier_data(draw, ident: str) -> dict:
    """Mostly eligible dossiers (two principal financeurs above the plancher), some not."""
    principaux = draw(st.lists(st.sampled_from(["etat", "ville", "agglo"]), min_size=1, max_size=3, unique=True))
    lines = [line(draw, code, PLANCHER) for code in principaux]
    for _ in range(draw(st.integers(0, 3))):
        lines.append(line(draw, draw(st.sampled_from(FINANCEURS)), draw(st.sampled_from([PLANCHER, CENTS]))))
    autres = draw(st.integers(0, 100_000))
    total = sum(Decimal(x["montant"]) for x in lines) + Decimal(autres).scaleb(-2)
    cpo = draw(st.sampled_from([None, [2025, 2026, 2027], [2024, 2025, 2026]]))
    action = {
        "defi": draw(st.sampled_from(["grandir", "habiter", "travailler"])),
        "quartiers": draw(st.lists(st.sampled_from(QUARTIERS), min_size=1, max_size=3)),
        "debut": dt.date(2025, 1, 1),
        "fin": dt.date(2025, 12, 31),
        "renouvellement": draw(st.booleans()),
        "innovante": draw(st.booleans()),
    }
    if cpo:
        action["cpo"] = {"annees": cpo}
    return {
        "id": ident,
        "exercice": 2025,
        "intitule": "Action",
        "porteur": {"nom": "Porteur", "type": "association"},
        "action": action,
        "budget": {"total": f"{total:f}", "autres-produits": amount(autres)},
        "financements": lines,
        "pieces": ["attestation-prefecture", "liste-bureau", "rib", "evaluation-annuelle"],
        "bilan-precedent": {"envoye-le": dt.date(2025, 3, 1)},
    }


@st.composite
def batches(draw):
    n = draw(st.integers(1, 8))
    return [draw(dossier_data(f"D{i}")) for i in range(n)]


def reports_of(datas, regles):
    return [check_dossier(Dossier.valider(d, regles), regles, f"{d['id']}.yaml") for d in datas]


def totals(reports, regles):
    t = Totaux(2025, regles)
    for r in reports:
        t.add(r)
    return t


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(datas=batches(), cut=st.integers(0, 8))
def test_totals_are_additive_over_a_split(regles, datas, cut) -> None:
    reports = reports_of(datas, regles)
    whole, left, right = totals(reports, regles), totals(reports[:cut], regles), totals(reports[cut:], regles)
    for name in ("demande", "retenu"):
        sums = {c: getattr(left, name).get(c, 0) + getattr(right, name).get(c, 0) for c in FINANCEURS}
        assert {c: getattr(whole, name).get(c, 0) for c in FINANCEURS} == sums
    assert {c: whole.finances.get(c, 0) for c in FINANCEURS} == {
        c: left.finances.get(c, 0) + right.finances.get(c, 0) for c in FINANCEURS
    }
    assert whole.resume.total == left.resume.total + right.resume.total
    assert whole.resume.eligible == left.resume.eligible + right.resume.eligible


@SETTINGS
@given(datas=batches(), seed=st.randoms(use_true_random=False))
def test_programmation_independent_of_file_order(regles, datas, seed) -> None:
    reports = reports_of(datas, regles)
    shuffled = list(reports)
    seed.shuffle(shuffled)
    a, b = calculer(reports, regles, 2025), calculer(shuffled, regles, 2025)
    assert a.financeurs == b.financeurs
    assert a.constats == b.constats
    assert [[(ligne.cle, ligne.dossiers, ligne.financeurs) for ligne in r.lignes] for r in a.repartitions] == [
        [(ligne.cle, ligne.dossiers, ligne.financeurs) for ligne in r.lignes] for r in b.repartitions
    ]
    assert a.engagements.financeurs == b.engagements.financeurs
    assert a.exit_code == b.exit_code


@SETTINGS
@given(datas=batches())
def test_every_breakdown_adds_up_to_the_retained_totals(regles, datas) -> None:
    prog = calculer(reports_of(datas, regles), regles, 2025)
    retenu = {f.financeur: f.retenu for f in prog.financeurs}
    for rep in prog.repartitions:
        sums: dict[str, Decimal] = {}
        for ligne in rep.lignes:
            for code, value in ligne.financeurs.items():
                sums[code] = sums.get(code, Decimal(0)) + value
        assert {c: v for c, v in sums.items() if v} == {c: v for c, v in retenu.items() if v}, rep.code
