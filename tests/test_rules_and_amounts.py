"""Amounts written ambiguously, years out of range, the undated marker (field test of version 1).

* an amount whose only separator is a dot or a comma followed by exactly three
  digits is ambiguous (``4.000``: four thousand or four euros?) and refused
  with a message saying how to write it; more than two decimals is always
  refused, whatever the zeros; a dot is never a thousands separator;
* every year (contract period, dated parameters and enveloppes, CPO years,
  exercice, dates of a dossier) lies in a sane range, checked at load with a
  French message: the engine's date arithmetic can no longer overflow;
* a dated parameter with a year such as ``-1`` is refused, never taken for an
  undated value.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdv_prog.core.dated import ANNEE_MAX, ANNEE_MIN, Dated
from cdv_prog.core.money import MAX_AMOUNT, AmountError, euros, parse_amount
from cdv_prog.files.loader import load_yaml_text
from cdv_prog.importer.ecriture import montant as montant_ecrit

FAST = settings(max_examples=200, deadline=None)


@pytest.fixture
def edit():
    """``edit(path, old, new)``: replace ``old`` (which must occur) by ``new`` in a text file."""

    def replace(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} absent de {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return replace


# --------------------------------------------------------------------------- item 15: the amount ambiguity rule


def yaml_value(text: str) -> object:
    """A scalar as the dossier loader reads it (``1.500`` unquoted → ``Decimal("1.500")``)."""
    return load_yaml_text(f"m: {text}\n").data["m"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"4 000 €"', Decimal("4000")),
        ('"4 000,50"', Decimal("4000.50")),
        ("4000", Decimal("4000")),
        ("4000.5", Decimal("4000.50")),
        ('"12 000,50 €"', Decimal("12000.50")),
        ("4.50", Decimal("4.50")),  # two decimals: not ambiguous
        ("4000.10", Decimal("4000.10")),
        ('"4,5"', Decimal("4.50")),
        ('"1 500"', Decimal("1500")),
        ('"4 000.50"', Decimal("4000.50")),  # spaces group the thousands: the dot is the decimal separator
        ("0.01", Decimal("0.01")),
        ("0", Decimal("0")),
    ],
)
def test_unambiguous_amounts_are_read_exactly(written: str, expected: Decimal) -> None:
    got = parse_amount(yaml_value(written))
    assert got == expected and got.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("written", "thousands", "plain"),
    [
        ("4.000", "4 000 €", "4000"),
        ('"4.000 €"', "4 000 €", "4000"),
        ('"1,500"', "1 500 €", "1500"),
        ("1.500", "1 500 €", "1500"),
        ("600.000", "600 000 €", "600000"),  # accorde: "600.000" was read 600 €
        ("4.500", "4 500 €", "4500"),  # was read 4,50 €
        ('"4.500"', "4 500 €", "4500"),
        ("4000.100", "4 000 100 €", "4000100"),
        ('"12,345"', "12 345 €", "12345"),
    ],
)
def test_dot_or_comma_followed_by_three_digits_is_ambiguous(written: str, thousands: str, plain: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(yaml_value(written))
    message = str(info.value)
    assert "ambigu" in message
    assert f'écrire {plain} ou "{thousands}"' in message  # how to write it


def test_ambiguous_message_offers_the_decimal_reading_when_there_is_one() -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(Decimal("4.500"))
    assert 'pour 4,50 € : écrire 4.50 ou "4,50 €"' in str(info.value)
    with pytest.raises(AmountError) as info:
        parse_amount("4,123")  # 4,123 € is not an amount: only the thousands reading is offered
    assert "pour 4,12 €" not in str(info.value) and '4123 ou "4 123 €"' in str(info.value)


@pytest.mark.parametrize(
    "written",
    ["4.5000", "4.5001", '"4,5000"', '"4 000,500"', '"4 000.500 €"', "0.001", "0.000", '"1,0000"'],
)
def test_more_than_two_decimals_is_refused_whatever_the_zeros(written: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(yaml_value(written))
    assert "deux décimales" in str(info.value) or "ambigu" in str(info.value)


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ('"1.000.000"', '1000000 ou "1 000 000 €"'),
        ('"1.000,50"', '1000.50 ou "1 000,50 €"'),
        ('"12,000.50"', '12000.50 ou "12 000,50 €"'),
    ],
)
def test_a_dot_is_never_a_thousands_separator(written: str, hint: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(yaml_value(written))
    assert "milliers" in str(info.value) and hint in str(info.value)


_CENTIMES = st.integers(min_value=0, max_value=int(MAX_AMOUNT * 100))


@FAST
@given(_CENTIMES)
def test_every_amount_the_tool_writes_is_read_back_to_the_same_value(centimes: int) -> None:
    amount = Decimal(centimes).scaleb(-2)
    assert parse_amount(euros(amount)) == amount  # "12 000,50 €", as reports show it
    assert parse_amount(yaml_value(montant_ecrit(amount))) == amount  # 12000.50 / 12000, as the importer writes it
    assert parse_amount(montant_ecrit(amount)) == amount


_GROUPS = st.from_regex(r"[0-9]{1,7}", fullmatch=True)


@FAST
@given(_GROUPS, st.from_regex(r"[0-9]{3}", fullmatch=True), st.sampled_from([".", ","]), st.booleans())
def test_no_separator_followed_by_exactly_three_digits_is_ever_accepted(
    whole: str, three: str, sep: str, euro: bool
) -> None:
    text = f"{whole}{sep}{three}" + (" €" if euro else "")
    with pytest.raises(AmountError):
        parse_amount(text)
    if sep == "." and not euro:
        with pytest.raises(AmountError):
            parse_amount(yaml_value(text))  # unquoted in YAML: a Decimal with three decimals


def test_amount_rule_applies_to_dossiers_rules_and_enveloppes(cdv, rules_copy, edit, write_yaml, make_dossier) -> None:
    dossier = make_dossier()
    text = (
        write_yaml(dossier)
        .read_text(encoding="utf-8")
        .replace("montant: 3000\n", "montant: 3000\n  accorde: 600.000\n", 1)
    )
    path = write_yaml(text, "accorde.yaml")
    run = cdv("check", path, "--format", "json")
    [report] = run.json()["dossiers"]
    assert report["verdict"] == "invalide"
    [err] = report["erreurs"]
    assert err["champ"] == "financements[0].accorde" and "ambigu" in err["message"] and err["ligne"]
    # rules parameters and enveloppes
    edit(rules_copy / "regles.yaml", "minimum: {2024: 500}", "minimum: {2024: 1.500}")
    edit(rules_copy / "enveloppes.yaml", "montant: {2024: 100000}", 'montant: {2024: "100.000"}')
    run = cdv("regles", "verifier", rules_copy)
    assert run.code == 2
    assert "[regles.plancher-financeur.minimum.2024]" in run.out or "minimum[2024]" in run.out
    assert "ambigu" in run.out and "enveloppes.ville" in run.out


# --------------------------------------------------------------------------- items 9 and 18: years in range


def test_year_bounds_are_sane() -> None:
    assert ANNEE_MIN == 2000 and ANNEE_MAX == 2100


def _date_rule(decalage: int) -> str:
    return (
        "\n  echeance-lointaine:\n    type: date-limite\n    champ: action.fin\n    mois: 12\n    jour: 31\n"
        f"    decalage-annees: {decalage}\n    gravite: bloquant\n    source: test\n"
    )


@pytest.mark.parametrize(
    ("periode", "ok"),
    [
        ("[2024, 2030]", True),
        ("[2000, 2100]", True),
        ("[2024, 9999]", False),
        ("[1999, 2030]", False),
        ("[2024, 2101]", False),
    ],
)
def test_contract_period_is_bounded(periode: str, ok: bool, cdv, rules_copy, edit) -> None:
    edit(rules_copy / "contrat.yaml", "periode: [2024, 2030]", f"periode: {periode}")
    run = cdv("regles", "verifier", rules_copy)
    assert run.code == (0 if ok else 2), run.out
    if not ok:
        assert "contrat.periode" in run.out and "2000" in run.out and "2100" in run.out


def test_period_up_to_the_bound_and_a_shifted_date_rule_never_crash_check(
    cdv, rules_copy, edit, write_yaml, make_dossier
) -> None:
    # version 1 accepted periode [2024, 9999]: a dossier of 9995 and a rule shifted 10 years crashed check
    edit(rules_copy / "contrat.yaml", "periode: [2024, 2030]", "periode: [2024, 2100]")
    with (rules_copy / "regles.yaml").open("a", encoding="utf-8") as f:
        f.write(_date_rule(10))
    assert cdv("regles", "verifier", rules_copy).code == 0
    dossier = make_dossier(exercice=2100, action={"debut": dt.date(2100, 1, 1), "fin": dt.date(2100, 12, 31)})
    run = cdv("check", "--rules", rules_copy, write_yaml(dossier), "--format", "json")
    assert run.code in (0, 1), run.err
    constats = {c["regle"]: c for c in run.json()["dossiers"][0]["constats"]}
    assert constats["echeance-lointaine"]["statut"] == "ok"
    assert "31/12/2110" in constats["echeance-lointaine"]["message"]


def test_date_limite_deadline_cannot_overflow() -> None:
    from cdv_prog.kinds.date_limite import Parametres, echeance

    p = Parametres.model_validate({"champ": "action.fin", "mois": 12, "jour": 31, "decalage-annees": 10})
    assert echeance(p, 9995) == dt.date(9999, 12, 31)  # bounded to the calendar, no ValueError
    low = Parametres.model_validate({"champ": "action.fin", "mois": 1, "jour": 1, "decalage-annees": -10})
    assert echeance(low, 5) == dt.date(1, 1, 1)


@pytest.mark.parametrize(
    ("annees", "ok"),
    [
        ("{2024: 500}", True),
        ("{2100: 500}", True),
        ("{-1: 500}", False),
        ("{1999: 500}", False),
        ("{2101: 500}", False),
        ("{2024: 500, 99999: 1}", False),
    ],
)
def test_dated_parameter_years_are_bounded(annees: str, ok: bool, cdv, rules_copy, edit) -> None:
    edit(rules_copy / "regles.yaml", "minimum: {2024: 500}", f"minimum: {annees}")
    run = cdv("regles", "verifier", rules_copy, "--format", "json")
    assert run.code == (0 if ok else 2), run.out
    if not ok:
        [err] = [p for p in run.json()["problemes"] if p["niveau"] == "erreur"]
        assert err["champ"].startswith("regles.plancher-financeur.minimum")
        assert "2000" in err["message"] and "2100" in err["message"] and err["ligne"]


@pytest.mark.parametrize(("annees", "ok"), [("{2024: 1000}", True), ("{-1: 1000}", False), ("{3000: 1000}", False)])
def test_enveloppe_years_are_bounded(annees: str, ok: bool, cdv, rules_copy, edit) -> None:
    edit(rules_copy / "enveloppes.yaml", "montant: {2024: 100000}", f"montant: {annees}")
    run = cdv("regles", "verifier", rules_copy)
    assert run.code == (0 if ok else 2), run.out
    if not ok:
        assert "enveloppes.ville" in run.out and "2000-2100" in run.out


def test_year_minus_one_is_not_the_undated_marker() -> None:
    dated = Dated.of({-1: 500})
    assert dated.is_dated and dated.years() == [-1]
    assert not dated.has(-2) and dated.at(2025) == 500
    undated = Dated.of(500)
    assert not undated.is_dated and undated.years() == [] and undated.has(-5) and undated.at(-5) == 500


@pytest.mark.parametrize(
    ("fragment", "champ"),
    [
        ({"exercice": 1999}, "exercice"),
        ({"exercice": 2101}, "exercice"),
        ({"action": {"cpo": {"annees": [2025, 2026, 99999]}}}, "action.cpo.annees[2]"),
        ({"action": {"cpo": {"annees": [-1, 2025, 2026]}}}, "action.cpo.annees[0]"),
        ({"action": {"debut": dt.date(1, 1, 1)}}, "action.debut"),
        ({"action": {"fin": dt.date(9999, 12, 31)}}, "action.fin"),
        ({"bilan-precedent": {"envoye-le": dt.date(1850, 4, 30)}}, "bilan-precedent.envoye-le"),
    ],
)
def test_dossier_years_are_bounded(fragment, champ, cdv, write_yaml, make_dossier, tmp_path) -> None:
    # a rules folder whose period covers the whole range, so only the bounds speak
    run = cdv("check", write_yaml(make_dossier(fragment)), "--format", "json")
    [report] = run.json()["dossiers"]
    assert report["verdict"] == "invalide"
    messages = {e["champ"]: e["message"] for e in report["erreurs"]}
    assert champ in messages, messages
    assert "2000" in messages[champ] and "2100" in messages[champ]


def test_dossier_dates_at_the_bounds_are_read(build_dossier, make_dossier) -> None:
    d = build_dossier(make_dossier({"bilan-precedent": {"envoye-le": dt.date(2000, 1, 1)}}))
    assert d.bilan_precedent is not None and d.bilan_precedent.envoye_le == dt.date(2000, 1, 1)


# --------------------------------------------------------------------------- item 18: an unreadable file, as argument or in a folder


def _refuse_reading(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    """Simulate a file the user may not read (the tests may run as root, who reads everything)."""
    real_access, real_open = os.access, os.open

    def access(path, mode, *args, **kwargs):
        if Path(path).resolve() == target.resolve():
            return False
        return real_access(path, mode, *args, **kwargs)

    def open_(path, flags, *args, **kwargs):
        if Path(path).resolve() == target.resolve():
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "open", open_)


def test_unreadable_file_as_argument_or_in_a_folder_gives_the_same_french_report(
    cdv, write_yaml, make_dossier, tmp_path, monkeypatch
) -> None:
    path = write_yaml(make_dossier(), "lot/illisible.yaml")
    _refuse_reading(monkeypatch, path)
    as_argument = cdv("check", path, "--format", "json")
    in_folder = cdv("check", path.parent, "--format", "json")
    for run in (as_argument, in_folder):
        assert run.code == 1, run.err
        [report] = run.json()["dossiers"]
        assert report["verdict"] == "invalide"
        assert report["erreurs"][0]["message"] == "fichier illisible : permission refusée"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_for_real(cdv, write_yaml, make_dossier) -> None:  # pragma: no cover - not run as root
    path = write_yaml(make_dossier(), "lot/illisible.yaml")
    path.chmod(0)
    try:
        for target in (path, path.parent):
            [report] = cdv("check", target, "--format", "json").json()["dossiers"]
            assert report["erreurs"][0]["message"] == "fichier illisible : permission refusée"
    finally:
        path.chmod(0o644)


def test_a_path_too_long_is_a_french_error(cdv, tmp_path) -> None:
    run = cdv("check", tmp_path / ("a" * 300 + ".yaml"))
    assert "nom de fichier trop long" in run.out + run.err
    assert "Erreur interne" not in run.err


# --------------------------------------------------------------------------- the same class elsewhere: reserved words, overrides


def test_hors_qpv_is_reserved_to_dossiers(cdv, rules_copy, edit) -> None:
    # hors-qpv is the dossier's word for « outside the géographie prioritaire »: a quartier of that code
    # in the référentiel would silently turn every hors-qpv action into an action in that quartier
    edit(
        rules_copy / "contrat.yaml",
        "  esperance-berriac: {nom: L'Espérance (Berriac), statut: veille}\n",
        "  esperance-berriac: {nom: L'Espérance (Berriac), statut: veille}\n  hors-qpv: {nom: Hors QPV, statut: veille}\n",
    )
    run = cdv("regles", "verifier", rules_copy)
    assert run.code == 2
    assert "[quartiers.hors-qpv]" in run.out and "réservé" in run.out


@pytest.mark.parametrize(("annees", "ok"), [("{2026: 1000}", True), ("{-1: 1000}", False), ("{9999: 1000}", False)])
def test_dated_overrides_of_test_cases_are_bounded_too(annees: str, ok: bool, cdv, tmp_path) -> None:
    case = tmp_path / "cas.yaml"
    case.write_text(
        (Path(__file__).resolve().parent.parent / "rules" / "tests" / "plancher-financeur.yaml")
        .read_text(encoding="utf-8")
        .split("\ncas:\n")[0]
        + "\ncas:\n  - nom: plancher relevé\n"
        + f"    parametres: {{plancher-financeur: {{minimum: {annees}}}}}\n"
        + "    attendu: {verdict: eligible}\n",
        encoding="utf-8",
    )
    run = cdv("regles", "tester", case, "--rules", "rules")
    out = run.out + run.err
    if ok:
        assert run.code == 0, out
    else:
        assert run.code != 0 and "hors des années acceptées (2000-2100)" in out, out


@pytest.mark.parametrize("command", [("check", "--rules"), ("regles", "verifier"), ("regles", "diff", "rules")])
def test_unreadable_rules_file_is_the_loaders_french_error(command, cdv, rules_copy, monkeypatch) -> None:
    target = rules_copy / "regles.yaml"
    _refuse_reading(monkeypatch, target)
    run = cdv(*command, target, *(["data/dossiers/2025"] if command[0] == "check" else []))
    assert run.code == 2
    assert "fichier illisible" in run.out + run.err and "regles.yaml" in run.out + run.err
    assert "not readable" not in run.out + run.err
