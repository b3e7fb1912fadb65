"""The per-dossier shortcuts of issue 17: shared constats, remembered amounts, dates and conditions.

Each shortcut must give exactly what the long way gives, whatever came before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from cdv_prog.core import champs, engine, money
from cdv_prog.core.conditions import Condition
from cdv_prog.core.engine import constat
from cdv_prog.core.findings import Constat
from cdv_prog.core.modeles import regles as modeles
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.kinds.base import date_fr


def test_constat_is_shared_for_equal_values_and_never_across_rules(regles: JeuDeRegles) -> None:
    regle = next(iter(regles.regles.values()))
    first = constat(regle, "ok", "message")
    assert first == Constat(regle.id, regle.gravite, "ok", "message", regle.source)
    assert constat(regle, "ok", "message") is first
    autre = replace(regle, source="autre.yaml")  # same id, another source: another constat
    assert constat(autre, "ok", "message").source == "autre.yaml"
    assert constat(replace(regle, gravite="information"), "ok", "message").gravite == "information"
    assert constat(regle, "echec", "message").statut == "echec"


def test_a_constat_made_fast_is_the_dataclasss(regles: JeuDeRegles) -> None:
    """``Constat.nouveau`` gives what the dataclass's constructor gives: every field (a field added to the
    dataclass and not to it fails here), equality, hash, repr, pickling, and it stays frozen."""
    import dataclasses
    import pickle

    made = Constat.nouveau("r", "bloquant", "echec", "message", "source")
    reference = Constat("r", "bloquant", "echec", "message", "source")
    assert made.__dict__ == reference.__dict__
    assert list(made.__dict__) == [f.name for f in dataclasses.fields(Constat)]
    assert made == reference and hash(made) == hash(reference) and repr(made) == repr(reference)
    assert pickle.loads(pickle.dumps(made)) == reference
    assert made != Constat.nouveau("r", "bloquant", "echec", "message", "autre")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.message = "autre"  # type: ignore[misc]
    assert dataclasses.replace(made, statut="ok").statut == "ok"


def test_constat_table_is_bounded(regles: JeuDeRegles, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_CONSTATS_MAX", 3)
    regle = next(iter(regles.regles.values()))
    made = [constat(regle, "ok", f"m{i}") for i in range(10)]
    assert len(engine._CONSTATS) <= 3
    assert [c.message for c in made] == [f"m{i}" for i in range(10)]


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("500"), "500,00 €"),
        (Decimal("500.00"), "500,00 €"),
        (Decimal("-0"), "0,00 €"),
        (Decimal("0"), "0,00 €"),
        (Decimal("-0.00"), "0,00 €"),
        (Decimal("12000.5"), "12 000,50 €"),
        (Decimal("-1234.56"), "-1 234,56 €"),
        (Decimal("1E+3"), "1 000,00 €"),
        (Decimal("1000"), "1 000,00 €"),
        (Decimal("999.999"), "1 000,00 €"),
    ],
)
def test_euros_remembered_gives_the_same_text(amount: Decimal, shown: str) -> None:
    assert money.euros(amount) == shown
    assert money.euros(amount) == shown  # the second time from the table (keyed by the amount's text)
    assert money.euros(Decimal(str(amount))) == shown  # an equal Decimal, another object


def test_integer_amounts_remembered_are_the_parsed_ones() -> None:
    for value in (0, 1150, 12150, 10**12):
        assert champs.valider_montant(value) == money.parse_amount(value)
        assert str(champs.valider_montant(value)) == str(money.parse_amount(value))  # same exponent
    for bad in (-5, 10**12 + 1, True):
        for _ in range(2):  # refused again, never remembered
            with pytest.raises(Exception, match="montant"):
                champs.valider_montant(bad)


@pytest.mark.parametrize("day", [dt.date(2025, 1, 5), dt.date(2024, 12, 31), dt.date(1999, 2, 28)])
def test_date_fr_is_strftime(day: dt.date) -> None:
    assert date_fr(day) == day.strftime("%d/%m/%Y")
    assert date_fr(day) == day.strftime("%d/%m/%Y")


def test_a_condition_set_to_false_is_not_empty() -> None:
    assert Condition().vide
    assert modeles.Condition.model_validate({}).en_clair().vide
    for key in ("cpo", "elan", "innovante", "historique", "precedent", "objectif"):
        assert not modeles.Condition.model_validate({key: False}).en_clair().vide
    assert not modeles.Condition.model_validate({"finance": "caf"}).en_clair().vide
    assert not modeles.Condition.model_validate({"type-porteur": [None]}).en_clair().vide
    assert not modeles.Condition.model_validate({"finance-n-1": ["caf"]}).en_clair().vide


def _one_by_one(dossier, regles: JeuDeRegles, historique=None) -> list[Constat]:
    """Each rule on its own, the long way (:func:`cdv_prog.core.engine.evaluer_regle`)."""
    from cdv_prog.core.context import Contexte

    sans = Contexte.of(dossier, regles)
    avec = Contexte.of(dossier, regles, historique)
    return [
        engine.evaluer_regle(regle, avec if engine.lit_historique(regle) else sans) for regle in regles.regles.values()
    ]


def test_the_rules_steps_give_what_each_rule_gives(regles: JeuDeRegles) -> None:
    from pathlib import Path

    from cdv_prog.core.dossier import Dossier
    from cdv_prog.files.dossiers import discover, read_dossier

    root = Path(__file__).resolve().parent.parent
    files = discover([root / "data" / "dossiers", root / "tests" / "fixtures" / "dossiers"])
    dossiers = [d for d in (read_dossier(f, regles) for f in files) if isinstance(d, Dossier)]
    assert len(dossiers) >= 5
    verdicts = set()
    for dossier in dossiers:
        for _ in range(2):  # the second time from the steps and their constats already made
            constats = engine.evaluer(dossier, regles)
            assert constats == _one_by_one(dossier, regles)
            report = engine.juger(dossier, regles, "f.yaml")
            assert report.constats == constats or report.derogation is not None
            verdicts.add(engine.verdict(constats))
            if report.derogation is None:
                assert report.verdict == engine.verdict(constats)
    assert verdicts == {"eligible", "ineligible"}


def test_a_rule_set_given_other_rules_gets_new_steps(regles: JeuDeRegles, build_dossier, base_dossier) -> None:
    dossier = build_dossier(base_dossier)
    first = engine.evaluer(dossier, regles)
    changed = replace(regles, regles={k: replace(r, gravite="information") for k, r in regles.regles.items()})
    assert [c.gravite for c in engine.evaluer(dossier, changed)] == ["information"] * len(first)
    regles_copie = replace(regles)  # another set, the same rules
    assert engine.evaluer(dossier, regles_copie) == first
    same_object = regles  # the same set whose rules were swapped afterwards (mutable): never its old steps
    saved = same_object.regles
    try:
        same_object.regles = changed.regles
        assert [c.gravite for c in engine.evaluer(dossier, same_object)] == ["information"] * len(first)
    finally:
        same_object.regles = saved
    assert engine.evaluer(dossier, regles) == first


def test_a_steps_constats_are_bounded(regles: JeuDeRegles, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_ETAPE_MAX", 3)
    etape = engine._Etape(next(iter(regles.regles.values())), 2025, regles)
    made = [etape.constat("ok", f"m{i}") for i in range(10)]
    assert all(len(table) <= 3 for table in etape.constats.values())
    assert [c.message for c in made] == [f"m{i}" for i in range(10)]
    assert etape.constat("ok", "m9") is made[-1]


@pytest.mark.parametrize(
    "si",
    [
        {"finance": ["caf", "departement"]},
        {"finance": "etat"},
        {"type-porteur": ["association", None]},
        {"type-porteur": "bailleur"},
        {"cpo": False, "innovante": True},
        {"parentalite": False, "renouvellement": True, "elan": False},
        {"cpo-apres-premiere-annee": True, "objectif": False, "precedent": True},
        {"hors-geographie-prioritaire": True},
        {"historique": True},
        {"finance": "caf", "finance-n-1": ["caf", "ville"]},
    ],
)
def test_a_conditions_test_for_a_rule_set_gives_its_reasons(regles: JeuDeRegles, si: dict) -> None:
    from pathlib import Path

    from cdv_prog.core.context import Contexte
    from cdv_prog.core.dossier import Dossier
    from cdv_prog.files.dossiers import discover, read_dossier

    condition = modeles.Condition.model_validate(si).en_clair()
    epreuve = condition.epreuve(regles)
    root = Path(__file__).resolve().parent.parent
    files = discover([root / "data" / "dossiers", root / "tests" / "fixtures" / "dossiers"])
    reasons = set()
    for dossier in (d for d in (read_dossier(f, regles) for f in files) if isinstance(d, Dossier)):
        ctx = Contexte.of(dossier, regles)
        reasons.add(condition.non_applicable(ctx))
        assert epreuve(ctx) == condition.non_applicable(ctx)
    assert len(reasons) >= 1


@pytest.mark.parametrize(
    "liste", [[], ["etat"], ["etat", "ville", "agglo"], ["agglo", "etat"], ["inconnu", "caf"], ["etat", "etat"]]
)
def test_short_names_remembered_give_the_long_way(regles: JeuDeRegles, liste: list[str]) -> None:
    long = ", ".join(regles.nom_court(c) for c in liste) or "aucun"
    assert regles.noms_courts(liste) == long
    assert regles.noms_courts(tuple(liste)) == long  # from the table, whatever the sequence's type
    assert regles.noms_courts(iter(liste)) == long


def test_short_names_table_is_bounded(regles: JeuDeRegles, monkeypatch: pytest.MonkeyPatch) -> None:
    from cdv_prog.core import ruleset

    monkeypatch.setattr(ruleset, "NOMS_MAX", 3)
    regles._noms.clear()
    for i in range(10):
        assert regles.noms_courts([f"f{i}"]) == f"f{i}"
        assert len(regles._noms) <= 3
    assert regles.noms_courts(["etat"]) == regles.nom_court("etat")
