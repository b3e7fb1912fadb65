"""Properties of the engine and of amounts, checked on generated dossiers (hypothesis).

* the order of financement lines and the order of files change nothing;
* splitting a line in two for the same financeur changes no statut;
* scaling every amount by an integer k ≥ 1 changes no statut except the
  plancher's, which can only go from echec to ok (never ok → echec), and stays
  echec while the amounts below the plancher stay below it;
* amounts survive a round trip through their French display.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import evaluer, verdict
from cdv_prog.core.money import AmountError, euros, parse_amount
from cdv_prog.files.dossiers import check_files
from cdv_prog.files.rules import load_rules, packaged_rules_path

RULES = load_rules(packaged_rules_path())
PLANCHER = Decimal(500)  # the shipped plancher-financeur minimum (checked below)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FINANCEURS = ["etat", "ville", "agglo", "departement", "region", "caf", "ars", "alogea", "europe", "prive"]
PERIODES = [
    (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    (dt.date(2025, 9, 1), dt.date(2026, 6, 30)),
    (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    (dt.date(2025, 3, 15), dt.date(2025, 3, 15)),
]
CPOS = [None, [2025, 2026, 2027], [2024, 2025, 2026], [2025, 2027, 2028]]
QUARTIERS = ["grazailles", "bastide-pont-vieux", "aiguille-trebes", "esperance-berriac", "hors-qpv"]
PIECES = ["attestation-prefecture", "liste-bureau", "rib", "evaluation-annuelle"]


def cents(max_euros: int = 20000) -> st.SearchStrategy[Decimal]:
    return st.integers(0, max_euros * 100).map(lambda c: Decimal(c) / 100)


# amounts cluster around the thresholds so that the boundaries are visited
amounts = st.one_of(
    cents(),
    st.integers(49000, 51000).map(lambda c: Decimal(c) / 100),
    st.sampled_from([Decimal(0), Decimal("499.99"), Decimal(500), Decimal("500.01")]),
)


@st.composite
def lines(draw) -> dict[str, Any]:
    line: dict[str, Any] = {"financeur": draw(st.sampled_from(FINANCEURS)), "montant": draw(amounts)}
    if draw(st.booleans()) and draw(st.booleans()):
        line["accorde"] = draw(amounts)
    return line


@st.composite
def dossiers(draw, ident: str = "CDV-PROP-1") -> dict[str, Any]:
    fin = draw(st.lists(lines(), min_size=1, max_size=6))
    autres = draw(st.one_of(st.just(Decimal(0)), cents(5000)))
    total = sum((line["montant"] for line in fin), Decimal(0)) + autres
    ecart = draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("0.01"), Decimal("-0.01"), Decimal(100)]))
    total = total + ecart
    assume(total > 0)
    debut, fin_action = draw(st.sampled_from(PERIODES))
    action: dict[str, Any] = {
        "defi": "grandir",
        "quartiers": draw(st.lists(st.sampled_from(QUARTIERS), min_size=1, max_size=3, unique=True)),
        "debut": debut,
        "fin": fin_action,
        "innovante": draw(st.booleans()),
        "parentalite": draw(st.booleans()),
        "renouvellement": draw(st.booleans()),
    }
    cpo = draw(st.sampled_from(CPOS))
    if cpo is not None:
        action["cpo"] = {"annees": cpo}
    data: dict[str, Any] = {
        "id": ident,
        "exercice": 2025,
        "intitule": "Action générée",
        "porteur": {"nom": "Association générée"},
        "action": action,
        "budget": {"total": total, "autres-produits": autres},
        "financements": fin,
        "pieces": draw(st.lists(st.sampled_from(PIECES), unique=True)),
        "elan": draw(st.booleans()),
    }
    if draw(st.booleans()):
        data["bilan-precedent"] = {"envoye-le": draw(st.dates(dt.date(2025, 3, 1), dt.date(2025, 6, 30)))}
    return data


def run(data: dict[str, Any]) -> tuple[str, dict[str, str]]:
    dossier = Dossier.valider(data, RULES)
    constats = evaluer(dossier, RULES)
    return verdict(constats), {c.regle: c.statut for c in constats}


def scaled(data: dict[str, Any], k: int) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["budget"]["total"] *= k
    out["budget"]["autres-produits"] *= k
    for line in out["financements"]:
        line["montant"] *= k
        if "accorde" in line:
            line["accorde"] *= k
    return out


def totals(data: dict[str, Any]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for line in data["financements"]:
        out[line["financeur"]] = out.get(line["financeur"], Decimal(0)) + line.get("accorde", line["montant"])
    return out


def test_the_shipped_plancher_is_the_one_assumed_here() -> None:
    params, _ = RULES.regles["plancher-financeur"].parametres(2025, RULES)
    assert params.minimum == PLANCHER


# --------------------------------------------------------------------------- invariances


@FAST
@given(dossiers(), st.randoms(use_true_random=False))
def test_order_of_financement_lines_changes_nothing(data, rnd) -> None:
    shuffled = copy.deepcopy(data)
    rnd.shuffle(shuffled["financements"])
    assert run(shuffled) == run(data)


@FAST
@given(dossiers(), st.data())
def test_splitting_a_line_for_the_same_financeur_changes_nothing(data, draw) -> None:
    i = draw.draw(st.integers(0, len(data["financements"]) - 1))
    line = data["financements"][i]
    part = draw.draw(st.integers(0, int(line["montant"] * 100))) / Decimal(100)
    first = {"financeur": line["financeur"], "montant": part}
    second = {"financeur": line["financeur"], "montant": line["montant"] - part}
    if "accorde" in line:
        part_accorde = draw.draw(st.integers(0, int(line["accorde"] * 100))) / Decimal(100)
        first["accorde"] = part_accorde
        second["accorde"] = line["accorde"] - part_accorde
    split = copy.deepcopy(data)
    split["financements"][i : i + 1] = [first, second]
    assert totals(split) == totals(data)
    assert run(split) == run(data)


# rules comparing an amount with a fixed floor: the only ones scaling may change (the plancher among them)
AMOUNT_FLOORS = {rid for rid, regle in RULES.regles.items() if regle.type == "montant-minimum"}


@FAST
@given(dossiers(), st.integers(1, 1000))
def test_scaling_amounts_changes_no_statut_but_the_plancher(data, k) -> None:
    assert "plancher-financeur" in AMOUNT_FLOORS
    _, before = run(data)
    _, after = run(scaled(data, k))
    for regle, statut in before.items():
        if regle not in AMOUNT_FLOORS:
            assert after[regle] == statut, regle


@FAST
@given(dossiers(), st.integers(1, 1000))
def test_scaling_up_never_turns_a_plancher_ok_into_an_echec(data, k) -> None:
    _, before = run(data)
    _, after = run(scaled(data, k))
    if before["plancher-financeur"] == "ok":
        assert after["plancher-financeur"] == "ok"


@FAST
@given(dossiers(), st.integers(1, 100))
def test_a_plancher_echec_stays_while_the_small_totals_stay_small(data, k) -> None:
    _, before = run(data)
    assume(before["plancher-financeur"] == "echec")
    params = RULES.regles["plancher-financeur"].parametres(2025, RULES)[0]

    def concerned(code: str) -> bool:  # the groupes the plancher names (all when none), except its sauf-groupes
        groupe = RULES.financeurs[code].groupe
        return (params.groupes is None or groupe in params.groupes) and groupe not in params.sauf_groupes

    small = [t for code, t in totals(data).items() if 0 < t < PLANCHER and concerned(code)]
    assert small  # an echec has a concerned financeur below the plancher
    if any(t * k < PLANCHER for t in small):
        assert run(scaled(data, k))[1]["plancher-financeur"] == "echec"


@FAST
@given(dossiers())
def test_engine_is_deterministic_and_complete(data) -> None:
    first = run(data)
    assert run(copy.deepcopy(data)) == first
    v, statuts = first
    assert list(statuts) == list(RULES.regles)
    assert set(statuts.values()) <= {"ok", "echec", "sans-objet"}
    blocking = any(s == "echec" and RULES.regles[r].gravite == "bloquant" for r, s in statuts.items())
    assert v == ("ineligible" if blocking else "eligible")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dossiers(), min_size=2, max_size=5), st.randoms(use_true_random=False))
def test_order_of_files_changes_no_report(to_yaml, dossier_list, rnd) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, data in enumerate(dossier_list):
            data = {**data, "id": f"CDV-PROP-{i}"}
            path = Path(tmp) / f"d{i}.yaml"
            path.write_text(to_yaml(data), encoding="utf-8")
            files.append(path)
        broken = Path(tmp) / "casse.yaml"
        broken.write_text("id: CDV-PROP-X\nexercice: deux mille\n", encoding="utf-8")
        files.append(broken)
        shuffled = files[:]
        rnd.shuffle(shuffled)
        in_order = {r.fichier: json.dumps(r.to_dict(), sort_keys=True) for r in check_files(files, RULES)}
        other = {r.fichier: json.dumps(r.to_dict(), sort_keys=True) for r in check_files(shuffled, RULES)}
        assert other == in_order


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dossiers())
def test_a_dossier_written_to_yaml_and_read_back_gives_the_same_constats(to_yaml, data) -> None:
    from cdv_prog.files.dossiers import check_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.yaml"
        path.write_text(to_yaml(data), encoding="utf-8")
        report = check_file(path, RULES)
    assert report.verdict != "invalide", report.erreurs
    assert (report.verdict, {c.regle: c.statut for c in report.constats}) == run(data)


# --------------------------------------------------------------------------- amounts


two_places = st.integers(0, 10**11).map(lambda c: Decimal(c) / 100)


@settings(max_examples=100, deadline=None)
@given(two_places)
def test_french_display_round_trip(amount: Decimal) -> None:
    text = euros(amount)
    assert text.endswith(" €") and "." not in text
    back = parse_amount(text)
    assert back == amount
    assert isinstance(back, Decimal) and not isinstance(back, float)
    assert euros(back) == text


@settings(max_examples=100, deadline=None)
@given(two_places)
def test_parse_amount_of_plain_forms(amount: Decimal) -> None:
    plain = format(amount, "f")
    assert parse_amount(plain) == amount
    assert parse_amount(plain.replace(".", ",")) == amount
    assert parse_amount(amount) == amount
    assert isinstance(parse_amount(plain), Decimal)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**10), st.integers(1, 9))
def test_more_than_two_decimals_is_refused(units: int, last: int) -> None:
    amount = Decimal(units) / 100 + Decimal(last) / 1000  # a non-zero third decimal
    with pytest.raises(AmountError):
        parse_amount(amount)
    with pytest.raises(AmountError):
        parse_amount(format(amount, "f"))


@settings(max_examples=50, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_never_accepted(value: float) -> None:
    with pytest.raises(AmountError):
        parse_amount(value)
