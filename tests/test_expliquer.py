"""``cdv regles expliquer RÈGLE``: one rule explained, in text and JSON (like ``ruff rule CODE``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.core.vocab import GRAVITES_FR
from cdv_prog.workflow.doc import GRAVITES_PROGRAMMATION_FR
from cdv_prog.workflow.document import parse_kind_doc
from cdv_prog.workflow.values import condition_text, to_json


def _all_rules(regles: JeuDeRegles) -> list[tuple[str, Any, dict[str, str]]]:
    return [(i, r, GRAVITES_FR) for i, r in regles.regles.items()] + [
        (i, r, GRAVITES_PROGRAMMATION_FR) for i, r in regles.programmation.items()
    ]


def test_every_shipped_rule_is_explained_in_text(cdv: Callable[..., Any], regles: JeuDeRegles) -> None:
    rules = _all_rules(regles)
    assert regles.programmation, "the shipped rules hold programmation rules: both scopes are explained"
    for rule_id, regle, gravites in rules:
        run = cdv("regles", "expliquer", rule_id)
        assert run.code == 0, (rule_id, run.err)
        flat = " ".join(run.out.split())  # paragraphs are wrapped: compare words, not lines
        assert run.out.startswith(rule_id), rule_id
        if regle.titre:
            assert regle.titre in run.out.splitlines()[0]
        assert gravites[regle.gravite] in flat, rule_id
        assert " ".join(condition_text(regle.condition, regles).split()) in flat, rule_id
        assert " ".join(regle.source.split()[:6]) in flat, rule_id
        doc = parse_kind_doc(regle.kind.__doc__)
        assert "Ce que la règle vérifie." in flat and "Pourquoi." in flat, rule_id
        assert doc.resume in flat, rule_id
        for name in regle.parametres_bruts:
            assert f"`{name}` :" in run.out, (rule_id, name)


def test_every_shipped_rule_is_explained_in_exact_json(cdv: Callable[..., Any], regles: JeuDeRegles) -> None:
    first, last = regles.contrat.periode
    for rule_id, regle, gravites in _all_rules(regles):
        run = cdv("regles", "expliquer", rule_id, "--format", "json")
        assert run.code == 0, (rule_id, run.err)
        data = json.loads(run.out)
        assert data["id"] == rule_id
        assert data["portee"] == ("dossier" if rule_id in regles.regles else "programmation")
        assert data["gravite"] == regle.gravite and data["gravite_libelle"] == gravites[regle.gravite]
        assert data["s_applique"] == condition_text(regle.condition, regles)
        assert data["source"] == regle.source and data["titre"] == regle.titre
        assert data["verifie"] == parse_kind_doc(regle.kind.__doc__).verifie
        shown = {p["nom"]: p for p in data["parametres"]}
        for name, dated in regle.parametres_bruts.items():
            assert shown[name]["valeur_par_defaut"] is False
            assert shown[name]["par_annee"] == {
                str(y): to_json(dated.at(y)) if dated.has(y) else None for y in range(first, last + 1)
            }


def _dated(write_rules: Callable[..., Any]) -> Any:
    return write_rules(
        {
            "plancher": {
                "titre": "Plancher qui monte",
                "type": "montant-minimum",
                "minimum": {2025: 499.99, 2026: 1000},
                "gravite": "bloquant",
                "source": "Lettre de cadrage de test",
            }
        }
    )


def test_a_dated_parameter_shows_each_year(cdv: Callable[..., Any], write_rules: Callable[..., Any]) -> None:
    rules = _dated(write_rules)
    run = cdv("regles", "expliquer", "plancher", "--rules", rules)
    assert run.code == 0, run.err
    line = next(line for line in run.out.splitlines() if "`minimum` :" in line)
    assert "2024 : pas de valeur (règle sans objet)" in line
    assert "2025 : 499,99 €" in line
    assert "2026-2030 : 1 000,00 €" in line

    data = json.loads(cdv("regles", "expliquer", "plancher", "--rules", rules, "-f", "json").out)
    minimum = next(p for p in data["parametres"] if p["nom"] == "minimum")
    assert minimum["nature"] == "montant"
    years = minimum["par_annee"]
    assert years["2024"] is None  # before the first year: no value, the rule does not apply
    assert Decimal(str(years["2025"])) == Decimal("499.99")  # exact, not 499.9899…
    assert years["2026"] == 1000 and isinstance(years["2026"], int)
    assert years["2030"] == 1000
    # a parameter left out is shown with its kind's default, and says so
    groupes = next(p for p in data["parametres"] if p["nom"] == "groupes")
    assert groupes["valeur_par_defaut"] is True


def test_an_unknown_rule_suggests_the_closest(cdv: Callable[..., Any], regles: JeuDeRegles) -> None:
    some_id = next(iter(regles.regles))
    run = cdv("regles", "expliquer", some_id[:-1])
    assert run.code == 2
    assert f"vouliez-vous dire « {some_id} »" in run.err
    assert run.out == ""

    far = cdv("regles", "expliquer", "zzzzzzzzzzzz")
    assert far.code == 2
    assert "vouliez-vous dire" not in far.err
    flat = " ".join(far.err.split())
    for rule_id in [*regles.regles, *regles.programmation]:
        assert rule_id in flat


def test_an_unknown_format_is_refused(cdv: Callable[..., Any], regles: JeuDeRegles) -> None:
    run = cdv("regles", "expliquer", next(iter(regles.regles)), "--format", "html")
    assert run.code == 2
    assert "format inconnu" in run.err
