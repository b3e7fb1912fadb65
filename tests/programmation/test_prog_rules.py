"""Programmation-level rules: declared in YAML (section ``programmation:``), evaluated over a whole exercice."""

from __future__ import annotations

import pytest

from cdv_prog import kinds as programmation_kinds
from cdv_prog.core.ruleset import RulesError
from cdv_prog.files.rules import load_rules, packaged_rules_path
from cdv_prog.programmation.calcul import calculer

# the quartiers prioritaires of the shipped rules, whatever their number
QPV = [code for code, q in load_rules(packaged_rules_path()).quartiers.items() if q.statut == "qpv"]
PIECES = ["attestation-prefecture", "liste-bureau", "rib"]


@pytest.fixture
def cpo_dossier(prog_dossier):
    def make(ident: str, quartiers: list[str], renouvellement: bool = False, innovante: bool = True, **more):
        more.setdefault("intitule", f"CPO {ident}")  # one CPO per dossier (a CPO is its porteur, intitulé and years)
        return prog_dossier(
            ident,
            [
                {"financeur": "etat", "montant": "2000"},
                {"financeur": "agglo", "montant": "3000"},
            ],
            action={
                "quartiers": quartiers,
                "innovante": innovante,
                "renouvellement": renouvellement,
                "cpo": {"annees": [2025, 2026, 2027]},
            },
            pieces=PIECES,
            **more,
        )

    return make


def constat(prog, regle: str):
    return next(c for c in prog.constats if c.regle == regle)


def test_shipped_programmation_rules(regles) -> None:
    assert {"enveloppe-respectee", "cpo-innovante-par-quartier"} <= set(regles.programmation)
    assert regles.programmation["enveloppe-respectee"].gravite == "bloquant"
    cpo = regles.programmation["cpo-innovante-par-quartier"]
    assert cpo.gravite == "avertissement"
    assert "ch. 2" in cpo.source and "5 conventions pluriannuelles" in cpo.source


def test_one_cpo_per_qpv_holds(cpo_dossier, make_report, regles) -> None:
    assert len(QPV) >= 3
    # one dossier covering two QPV counts for both
    reports = [make_report(cpo_dossier("A", QPV[:2])), make_report(cpo_dossier("B", QPV[2:]))]
    # and as many more as the rule asks in all (« 5 CPO minimales »: a parameter)
    params, _ = regles.programmation["cpo-innovante-par-quartier"].parametres(2025, regles)
    total = getattr(params, "minimum_total", None) or 0
    reports += [make_report(cpo_dossier(f"X{i}", QPV[:1])) for i in range(total - 2)]
    assert all(r.verdict == "eligible" for r in reports)
    c = constat(calculer(reports, regles, 2025), "cpo-innovante-par-quartier")
    assert (c.statut, c.gravite) == ("ok", "avertissement")


def test_a_qpv_without_cpo_is_named(cpo_dossier, make_report, regles) -> None:
    reports = [make_report(cpo_dossier(f"D{i}", [q])) for i, q in enumerate(QPV[:-1])]
    reports.append(make_report(cpo_dossier("R", [QPV[-1]], renouvellement=True)))  # a renewal does not count
    reports.append(make_report(cpo_dossier("I", [QPV[-1]], innovante=False)))  # nor a non-innovative one
    prog = calculer(reports, regles, 2025)
    c = constat(prog, "cpo-innovante-par-quartier")
    assert c.statut == "echec"
    assert regles.quartiers[QPV[-1]].nom in c.message
    assert regles.quartiers[QPV[0]].nom not in c.message.split("(")[0]
    assert prog.exit_code == 0  # an avertissement does not fail the programmation


def test_ineligible_cpo_does_not_count(cpo_dossier, make_report, regles) -> None:
    bad = cpo_dossier("X", QPV)
    bad["pieces"] = []
    bad["financements"].append({"financeur": "caf", "montant": "1000"})  # CAF without its pieces: inéligible
    bad["budget"]["total"] = "6000"
    report = make_report(bad)
    assert report.verdict == "ineligible"
    assert constat(calculer([report], regles, 2025), "cpo-innovante-par-quartier").statut == "echec"


def test_cpo_rule_parameters_are_data(cpo_dossier, make_report, rules_with) -> None:
    rules = rules_with(
        programmation={
            "trois-partenaires": {
                "type": "cpo-par-quartier",
                "dossiers": {"cpo": True},
                "financeurs-minimum": 3,
                "statuts": ["qpv"],
                "gravite": "bloquant",
                "source": "essai",
            }
        }
    )
    reports = [make_report(cpo_dossier("A", QPV), rules)]
    prog = calculer(reports, rules, 2025)
    assert constat(prog, "trois-partenaires").statut == "echec"  # 2 financeurs only
    assert prog.exit_code == 1  # a bloquant programmation rule failed
    rules = rules_with(
        programmation={
            "deux-partenaires": {
                "type": "cpo-par-quartier",
                "dossiers": {"cpo": True},
                "financeurs-minimum": 2,
                "gravite": "bloquant",
                "source": "essai",
            }
        }
    )
    prog = calculer([make_report(cpo_dossier("A", QPV), rules)], rules, 2025)
    assert constat(prog, "deux-partenaires").statut == "ok" and prog.exit_code == 0


def test_enveloppe_rule_scope_and_sans_objet(prog_dossier, make_report, rules_with) -> None:
    rules = rules_with(
        enveloppes={"agglo": 1000, "ville": 5000},
        programmation={
            "ville-seule": {
                "type": "enveloppe-respectee",
                "financeurs": ["ville"],
                "gravite": "bloquant",
                "source": "essai",
            }
        },
    )
    report = make_report(
        prog_dossier("A", [{"financeur": "agglo", "montant": "2000"}, {"financeur": "ville", "montant": "900"}]), rules
    )
    prog = calculer([report], rules, 2025)
    assert constat(prog, "ville-seule").statut == "ok"
    assert prog.exit_code == 1  # the Agglo's enveloppe is exceeded all the same (docs/rapports.md)
    rules = rules_with(
        enveloppes={}, programmation={"env": {"type": "enveloppe-respectee", "gravite": "bloquant", "source": "essai"}}
    )
    prog = calculer(
        [
            make_report(
                prog_dossier(
                    "A", [{"financeur": "agglo", "montant": "2000"}, {"financeur": "ville", "montant": "900"}]
                ),
                rules,
            )
        ],
        rules,
        2025,
    )
    assert constat(prog, "env").statut == "sans-objet"


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"type": "financeurs-minimum", "minimum": 2}, "genre de règle inconnu"),  # a dossier kind
        ({"type": "enveloppe-respectee", "si": {"cpo": True}}, "si"),
        ({"type": "cpo-par-quartier", "dossiers": {"cpox": True}}, "cpox"),
        ({"type": "cpo-par-quartier", "minimum": 0}, "minimum"),
        ({"type": "enveloppe-respectee", "financeurs": ["agglomeration"]}, "agglomeration"),
    ],
)
def test_invalid_programmation_rules_are_usage_errors(rule, fragment, rules_dir_with) -> None:
    folder = rules_dir_with(programmation={"r": {**rule, "gravite": "bloquant", "source": "essai"}})
    with pytest.raises(RulesError) as info:
        load_rules(folder)
    problems = info.value.problems
    assert any(fragment in str(p) for p in problems), problems
    assert all(p.fichier.endswith("programmation.yaml") and p.ligne for p in problems)


def test_programmation_kind_not_accepted_for_dossiers(tmp_path) -> None:
    import shutil
    from pathlib import Path

    dest = tmp_path / "r"
    shutil.copytree(Path(__file__).resolve().parents[2] / "rules", dest)
    text = (dest / "regles.yaml").read_text(encoding="utf-8")
    text += "\n  env:\n    type: enveloppe-respectee\n    gravite: bloquant\n    source: essai\n"
    (dest / "regles.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match="genre de règle inconnu"):
        load_rules(dest)


@pytest.mark.parametrize("name", sorted(programmation_kinds.KINDS))
def test_kind_modules_follow_the_pattern(name) -> None:
    from cdv_prog.kinds.parametres.base import Parametres

    module = programmation_kinds.KINDS[name]
    assert name == module.TYPE
    assert issubclass(module.Parametres, Parametres)
    doc = module.__doc__ or ""
    for part in ("Ce que la règle vérifie", "Pourquoi", "Exemple"):
        assert part in doc, f"{name}: « {part} » manque dans la docstring"
