"""Enveloppes with a périmètre and sous-enveloppes in the totals, the rule, the commitments and every format.

SPEC v2 §2 « périmètre », §3.4 and §4: where a financeur's enveloppe has a périmètre, demandé and
retenu count the lines inside it; every entry carries the droit commun mobilisé (retained outside it)
and its sous-enveloppes; dépassement is the enveloppe's or a sous-enveloppe's. The enveloppes are
chosen here (amounts are not the shipped ones); a line's nature comes from the référentiel of
dispositifs (« droit commun » is a dispositif of nature droit-commun for any financeur).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from cdv_prog.programmation.calcul import calculer
from cdv_prog.programmation.engagements import EngagementsCpo
from cdv_prog.programmation.totaux import Totaux
from cdv_prog.render import programmation_csv, programmation_html, programmation_json, programmation_text

D = Decimal
CPO = {"cpo": {"annees": [2025, 2026, 2027]}}
DC = "droit commun"  # a dispositif of nature droit-commun, any financeur


def _spec(**more: object) -> dict[str, object]:
    return {"nature": "specifique", **more}


def _enveloppes(agglo: int = 2000, aap: int = 1200, ville: int = 5000) -> dict[str, object]:
    return {
        "agglo": {
            "montant": agglo,
            "perimetre": _spec(),
            "sous-enveloppes": {
                "aap": {"nom": "Appel à projets annuel", "montant": aap, "perimetre": _spec(cpo=False)}
            },
        },
        "ville": ville,  # short form: every line counts
        "etat": {"montant": None, "perimetre": _spec()},
    }


@pytest.fixture
def rules(rules_with):
    return rules_with(enveloppes=_enveloppes())


@pytest.fixture
def line(prog_dossier, make_report, rules):
    """``line(id, agglo=[(montant, dispositif)], cpo=False, ville="600")``: a report of one dossier."""

    def make(ident, agglo, cpo=False, ville="600", etat=None, eligible=True):
        fin = [{"financeur": "ville", "montant": ville}]
        fin += [{"financeur": "agglo", "montant": m, **({"dispositif": d} if d else {})} for m, d in agglo]
        fin += [{"financeur": "etat", "montant": m, **({"dispositif": d} if d else {})} for m, d in etat or []]
        data = prog_dossier(ident, fin, **({"action": CPO} if cpo else {}))
        if not eligible:
            data["budget"]["total"] = str(D(data["budget"]["total"]) + 1)  # unbalanced: inéligible
        report = make_report(data, rules)
        assert report.verdict == ("eligible" if eligible else "ineligible"), [
            (c.regle, c.message) for c in report.echecs
        ]
        return report

    return make


def _agglo(prog):
    return next(f for f in prog.financeurs if f.financeur == "agglo")


def test_lines_inside_and_outside_the_perimetre(line, rules) -> None:
    reports = [
        line("A", [("500", None), ("300", DC)]),  # 500 inside (and in the AAP), 300 droit commun
        line("B", [("500", None)], cpo=True),  # inside the enveloppe, outside the AAP (CPO)
        line("C", [("100", None), ("50", DC)], eligible=False),  # requested only
    ]
    t = Totaux(2025, rules)
    for r in reports:
        t.add(r)
    agglo = next(f for f in t.financeurs() if f.financeur == "agglo")
    assert (agglo.demande, agglo.retenu, agglo.droit_commun, agglo.dossiers) == (D(1100), D(1000), D(300), 2)
    [aap] = agglo.sous_enveloppes
    assert (aap.code, aap.nom, aap.enveloppe, aap.demande, aap.retenu) == (
        "aap",
        "Appel à projets annuel",
        D(1200),
        D(600),  # A's 500 and the inéligible C's 100: requested
        D(500),
    )
    assert (aap.solde, aap.taux, aap.depassement) == (D(700), D(500) / D(1200), False)
    ville = next(f for f in t.financeurs() if f.financeur == "ville")
    assert ville.droit_commun == 0 and ville.sous_enveloppes == ()  # no périmètre


def test_a_dossier_only_in_droit_commun_is_not_counted_in_the_enveloppe(line, rules) -> None:
    t = Totaux(2025, rules)
    t.add(line("A", [("900", DC)]))
    agglo = next(f for f in t.financeurs() if f.financeur == "agglo")
    assert (agglo.demande, agglo.retenu, agglo.dossiers, agglo.droit_commun) == (0, 0, 0, D(900))


@pytest.mark.parametrize(
    ("aap", "cpo", "exceeded", "which"),
    [
        ("1200", "800", False, None),  # both at their amounts exactly
        ("1200.01", "0", True, "aap"),  # the sous-enveloppe by one cent
        ("1200", "800.01", True, "enveloppe"),  # the enveloppe by one cent, the AAP fine
    ],
    ids=["tout-juste", "sous-enveloppe-depassee", "enveloppe-depassee"],
)
def test_depassement_of_the_enveloppe_or_a_sous_enveloppe(line, rules, aap, cpo, exceeded, which) -> None:
    reports = [line("A", [(aap, None), ("5000", DC)])]
    if cpo != "0":
        reports.append(line("B", [(cpo, None)], cpo=True))
    prog = calculer(reports, rules, 2025)
    agglo = _agglo(prog)
    assert agglo.depassement is exceeded and prog.exit_code == (1 if exceeded else 0)
    assert agglo.depassement_enveloppe is (which == "enveloppe")
    assert agglo.sous_enveloppes[0].depassement is (which == "aap")
    constat = next(c for c in prog.constats if c.regle == "enveloppe-respectee")
    assert constat.statut == ("echec" if exceeded else "ok")
    if which == "aap":
        assert "sous-enveloppe « Appel à projets annuel »" in constat.message and "0,01 €" in constat.message
    if not exceeded:
        assert "sous-enveloppe « Appel à projets annuel » 1 200,00 € sur 1 200,00 €" in constat.message


def test_json_entry_has_exactly_the_spec_keys(line, rules) -> None:
    prog = calculer([line("A", [("500", None), ("300", DC)])], rules, 2025)
    doc = json.loads(programmation_json.render(prog, rules))
    agglo = next(f for f in doc["financeurs"] if f["financeur"] == "agglo")
    assert list(agglo) == [
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
    assert agglo["droit-commun"] == 300.0 and agglo["retenu"] == 500.0
    assert agglo["sous-enveloppes"] == [
        {
            "code": "aap",
            "nom": "Appel à projets annuel",
            "enveloppe": 1200.0,
            "demande": 500.0,
            "retenu": 500.0,
            "solde": 700.0,
            "taux": 0.4167,
            "depassement": False,
        }
    ]
    for entry in doc["financeurs"]:  # every entry, with or without périmètre
        assert entry["sous-enveloppes"] == [] or entry["financeur"] == "agglo"
        assert isinstance(entry["droit-commun"], float)


def test_every_format_shows_the_sous_enveloppe_and_the_droit_commun(line, rules) -> None:
    prog = calculer([line("A", [("500", None), ("300", DC)], etat=[("700", "FIPD")])], rules, 2025)
    text = programmation_text.render_bytes(prog, rules).decode()
    assert "dont Appel à" in text and "projets annuel" in text and "Droit commun mobilisé" in text
    dc = text[text.index("Droit commun mobilisé") :]
    assert (
        "Agglo" in dc and "300,00 €" in dc and "État" in dc and "700,00 €" in dc and "Ville" not in dc.split("\n\n")[0]
    )
    html = programmation_html.render(prog, rules).decode()
    assert "dont Appel à projets annuel" in html and "Droit commun mobilisé" in html and "700,00 €" in html
    rows = list(csv.DictReader(io.StringIO(programmation_csv.render(prog, rules).decode("utf-8-sig")), delimiter=";"))
    agglo = [r for r in rows if r["financeur"] == "agglo"]
    assert [(r["sous-enveloppe"], r["droit-commun"]) for r in agglo] == [("", "300,00"), ("aap", "")]
    assert agglo[1]["nom"] == "Appel à projets annuel" and agglo[1]["enveloppe"] == "1200,00"
    assert next(r for r in rows if r["financeur"] == "etat")["droit-commun"] == "700,00"


def test_xlsx_financeurs_sheet(line, rules) -> None:
    from openpyxl import load_workbook

    from cdv_prog.render import programmation_xlsx

    prog = calculer([line("A", [("500", None), ("300", DC)])], rules, 2025)
    ws = load_workbook(io.BytesIO(programmation_xlsx.render(prog, rules)))["Financeurs"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    agglo, aap = [r for r in rows if r["Financeur"] == "agglo"]
    assert D(str(agglo["Droit commun mobilisé"])) == D(300) and agglo["Sous-enveloppe"] is None
    assert aap["Sous-enveloppe"] == "aap" and D(str(aap["Enveloppe"])) == D(1200) and aap["Nom"].startswith("dont ")


def test_text_without_droit_commun_says_so(line, rules) -> None:
    prog = calculer([line("A", [("500", None)])], rules, 2025)
    text = programmation_text.render_bytes(prog, rules).decode()
    assert "Droit commun mobilisé : aucun" in text
    assert "None" not in text  # a breakdown without note has no caption


def test_text_stays_usable_at_80_columns(line, rules) -> None:
    from rich.console import Console

    prog = calculer([line("A", [("500", None), ("300", DC)])], rules, 2025)
    buffer = io.StringIO()
    programmation_text.render(Console(file=buffer, width=80, highlight=False), prog, rules)
    out = buffer.getvalue()
    assert all(len(x) <= 80 for x in out.splitlines() if x.startswith(("│", "┃", "┏", "└"))), out
    assert "Droit commun" in out and "300,00 €" in out
    table = out[out.index("Financements par financeur") : out.index("Affichage étroit")]
    assert "│ Agglo " in table and "│ Ville " in table and "dont Appel à" in table  # names are not squeezed out
    header = table.splitlines()[2]
    assert "Demandé" not in header and "Retenu" in header and "dans l'enveloppe" in table


def test_check_exits_1_and_says_which_sous_enveloppe_is_exceeded(
    cdv, tmp_path, write_yaml, make_dossier, rules_dir_with
):
    rules = rules_dir_with(enveloppes=_enveloppes(agglo=10000, aap=2999, ville=100000))
    ok = {"financements": [{"financeur": "agglo", "montant": "3000"}, {"financeur": "ville", "montant": "3000"}]}
    folder = tmp_path / "d"
    write_yaml(make_dossier(ok, id="A"), "A.yaml", folder)
    write_yaml(make_dossier(ok, id="B", action=CPO), "B.yaml", folder)  # under a CPO: not in the AAP
    run = cdv("check", folder, "--rules", rules)
    assert run.code == 1, run.out
    assert "Sous-enveloppe dépassée : Agglo, « Appel à projets annuel », exercice 2025" in run.out
    assert "Enveloppe dépassée : Agglo" not in run.out  # 6 000 € of its 10 000 €
    doc = cdv("check", folder, "--rules", rules, "--format", "json").json()
    agglo = next(e for e in doc["totaux"]["financeurs"] if e["financeur"] == "agglo")
    assert agglo["depassement"] and agglo["sous-enveloppes"][0]["retenu"] == 3000.0
    fine = cdv("check", folder, "--rules", rules_dir_with(enveloppes=_enveloppes(agglo=10000, aap=3000, ville=100000)))
    assert fine.code == 0, fine.out


def test_cpo_commitments_leave_out_annual_financeurs_and_droit_commun(prog_dossier, make_report, rules) -> None:
    assert rules.financeurs["caf"].annuel  # the CAF votes each year (rules/contrat.yaml)
    data = prog_dossier(
        "CPO",
        [
            {"financeur": "agglo", "montant": "700"},
            {"financeur": "agglo", "dispositif": DC, "montant": "300"},
            {"financeur": "ville", "montant": "2000"},
            {"financeur": "ville", "dispositif": DC, "montant": "100"},
            {"financeur": "caf", "dispositif": "REAAP", "montant": "900"},
        ],
        action=CPO,
        pieces=["attestation-prefecture", "liste-bureau", "rib"],
    )
    report = make_report(data, rules)
    assert report.dossier is not None and report.montants is not None
    eng = EngagementsCpo(2025, rules)
    eng.add(report.dossier, report.montants)
    got = {f.financeur: f.annees[0].engage for f in eng.resultat().financeurs}
    assert got == {"ville": D(2100), "agglo": D(700)}  # no CAF; the Agglo's droit commun left out, not the Ville's
    assert "CAF" in eng.resultat().hypothese and "périmètre" in eng.resultat().hypothese
