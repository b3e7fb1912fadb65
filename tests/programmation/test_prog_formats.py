"""Each output format of ``cdv programmation`` parsed back: csv, xlsx, html, json, text."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from cdv_prog import __version__
from cdv_prog.core.findings import LoadError
from cdv_prog.core.report import DossierReport
from cdv_prog.programmation.calcul import calculer
from cdv_prog.render import (
    programmation_csv,
    programmation_html,
    programmation_json,
    programmation_text,
    programmation_xlsx,
)


@pytest.fixture
def prog_and_rules(prog_dossier, make_report, rules_with):
    """Agglo 5 000 € of enveloppe, 5 000,01 € retained: exceeded by one cent."""
    rules = rules_with(enveloppes={"agglo": 5000, "ville": {2024: 10000}})
    a = make_report(
        prog_dossier(
            "A",
            [
                {"financeur": "agglo", "montant": "4000", "accorde": "3800.01"},
                {"financeur": "ville", "montant": "1000.50"},
            ],
            action={"quartiers": ["grazailles", "fleming-la-reille"], "cpo": {"annees": [2025, 2026, 2027]}},
        ),
        rules,
    )
    b = make_report(
        prog_dossier(
            "B",
            [
                {"financeur": "agglo", "montant": "1200"},
                {"financeur": "etat", "montant": "800"},
            ],
        ),
        rules,
    )
    c = make_report(prog_dossier("C", [{"financeur": "agglo", "montant": "7000"}]), rules)  # inéligible
    bad = DossierReport(
        "mauvais.yaml",
        "invalide",
        id="M",
        exercice=2025,
        erreurs=[LoadError("budget.total", 7, "champ obligatoire manquant")],
    )
    assert [r.verdict for r in (a, b, c)] == ["eligible", "eligible", "ineligible"]
    return calculer([a, b, c, bad], rules, 2025), rules


def test_json_spec_keys_first_and_values(prog_and_rules) -> None:
    prog, rules = prog_and_rules
    doc = json.loads(programmation_json.render(prog, rules))
    assert list(doc)[:3] == ["exercice", "financeurs", "dossiers"]
    assert doc["exercice"] == 2025
    assert doc["dossiers"] == {"total": 4, "eligible": 2, "ineligible": 1, "invalide": 1}
    agglo = next(f for f in doc["financeurs"] if f["financeur"] == "agglo")
    assert agglo == {
        "financeur": "agglo",
        "enveloppe": 5000.0,
        "demande": 12200.0,
        "retenu": 5000.01,
        "solde": -0.01,
        "taux": 1.0,
        "depassement": True,
        "dossiers": 2,
        "droit-commun": 0.0,
        "sous-enveloppes": [],
    }
    etat = next(f for f in doc["financeurs"] if f["financeur"] == "etat")
    assert (etat["enveloppe"], etat["solde"], etat["taux"]) == (None, None, None)
    assert {c["regle"]: c["statut"] for c in doc["constats"]}["enveloppe-respectee"] == "echec"
    assert {e["id"]: e["verdict"] for e in doc["ecartes"]} == {"C": "ineligible", "M": "invalide"}
    assert set(doc["repartitions"]) == {"quartiers", "defis", "objectifs", "porteurs", "cpo", "renouvellement"}
    graz = next(ligne for ligne in doc["repartitions"]["quartiers"]["lignes"] if ligne["cle"] == "grazailles")
    # A's halves (the odd cent to its first quartier) + all of B
    assert graz["financeurs"] == {"etat": 800.0, "ville": 500.25, "agglo": 3100.01}
    assert list(graz["financeurs"]) == ["etat", "ville", "agglo"]  # rule-set order
    assert doc["engagements-cpo"]["annees"] == [2026, 2027]
    assert doc["regles"]["empreinte"] == rules.empreinte and doc["regles"]["version-cdv"] == __version__
    assert programmation_json.render(prog, rules) == programmation_json.render(prog, rules)


def test_csv_semicolons_bom_one_row_per_financeur(prog_and_rules) -> None:
    prog, rules = prog_and_rules
    data = programmation_csv.render(prog, rules)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [r["financeur"] for r in rows] == [f.financeur for f in prog.financeurs]
    agglo = next(r for r in rows if r["financeur"] == "agglo")
    assert agglo == {
        "exercice": "2025",
        "financeur": "agglo",
        "nom": rules.financeurs["agglo"].nom,
        "enveloppe": "5000,00",
        "demande": "12200,00",
        "retenu": "5000,01",
        "solde": "-0,01",
        "taux-pourcent": "100,00",
        "depassement": "oui",
        "dossiers": "2",
        "droit-commun": "0,00",
        "sous-enveloppe": "",
    }
    etat = next(r for r in rows if r["financeur"] == "etat")
    assert (etat["enveloppe"], etat["solde"], etat["taux-pourcent"], etat["depassement"]) == ("", "", "", "non")


def test_xlsx_sheets_cells_and_formats(prog_and_rules) -> None:
    from openpyxl import load_workbook

    prog, rules = prog_and_rules
    data = programmation_xlsx.render(prog, rules)
    assert data == programmation_xlsx.render(prog, rules)  # byte-identical
    wb = load_workbook(io.BytesIO(data))
    # openpyxl stamps the save time: fixed, so that the same input gives the same bytes
    assert wb.properties.modified == wb.properties.created == programmation_xlsx.FIXED_DATE
    assert wb.sheetnames == [
        "Financeurs",
        "Dossiers",
        "Actions retenues",
        "Répartitions",
        "Engagements CPO",
        "Constats",
        "Informations",
    ]
    for ws in wb:
        assert ws.freeze_panes == "A2"
        last = ws.max_row - (1 if ws.title in ("Dossiers", "Actions retenues") else 0)  # the total row: outside
        assert ws.auto_filter.ref == f"A1:{ws.dimensions.split(':')[1].rstrip('0123456789')}{last}"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$1:$1"
    fin = wb["Financeurs"]
    header = [c.value for c in fin[1]]
    agglo = next(dict(zip(header, row, strict=True)) for row in fin.iter_rows(min_row=2) if row[0].value == "agglo")
    assert Decimal(str(agglo["Retenu"].value)) == Decimal("5000.01")
    assert Decimal(str(agglo["Enveloppe"].value)) == Decimal("5000")
    assert agglo["Dépassement"].value == "oui"
    assert "€" in agglo["Retenu"].number_format and "%" in agglo["Taux"].number_format
    dos = wb["Dossiers"]
    header = [c.value for c in dos[1]]
    assert {"Id", "Verdict", "Agglo", "Ville", "Motifs"} <= set(header)
    lines = {row[0]: dict(zip(header, row, strict=True)) for row in dos.iter_rows(min_row=2, values_only=True)}
    assert lines["A"]["Verdict"] == "éligible" and Decimal(str(lines["A"]["Agglo"])) == Decimal("3800.01")
    assert lines["C"]["Verdict"] == "inéligible" and "financeurs-principaux" in lines["C"]["Motifs"]
    assert lines["M"]["Verdict"] == "invalide" and "budget.total" in lines["M"]["Motifs"]
    rep = [row for row in wb["Répartitions"].iter_rows(min_row=2, values_only=True) if row[1] == "grazailles"]
    assert len(rep) == 1 and Decimal(str(rep[0][4])) == Decimal("4400.26")  # A: 500.25 + 1900.01; B: 2000
    info = {row[0]: row[1] for row in wb["Informations"].iter_rows(min_row=2, values_only=True)}
    assert info["SHA-256 des règles"] == rules.empreinte and info["Exercice"] == 2025


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data) -> None:
        self.text.append(data)


def test_html_self_contained_with_svg_charts(prog_and_rules) -> None:
    prog, rules = prog_and_rules
    page = programmation_html.render_text(prog, rules)
    parser = _Collect()
    parser.feed(page)
    parser.close()
    assert parser.tags.count("svg") == len(prog.financeurs)  # a chart per financeur
    assert "rect" in parser.tags
    assert not {"script", "link", "img", "iframe", "object"} & set(parser.tags)
    assert "http://" not in page and "https://" not in page
    assert not any(name in ("src", "href") for name, _ in parser.attrs)
    text = " ".join(parser.text)
    assert "2025" in text and rules.empreinte in text and __version__ in text
    assert "programmation.yaml" in text  # the rules files are named
    assert "5 000,01 €" in text and "DÉPASSÉE" in text
    assert "financeurs-principaux" in text  # the reason C is set aside
    assert "champ obligatoire manquant" in text


def test_html_escapes_text(regles) -> None:
    report = DossierReport(
        "<script>.yaml", "invalide", id="<b>", exercice=2025, erreurs=[LoadError("id", 1, "<script>alert(1)</script>")]
    )
    page = programmation_html.render_text(calculer([report], regles, 2025), regles)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_text_tables(prog_and_rules) -> None:
    prog, rules = prog_and_rules
    out = programmation_text.render_bytes(prog, rules).decode("utf-8")
    assert "Programmation de l'exercice 2025" in out
    assert "5 000,01 €" in out and "DÉPASSÉE" in out and "non renseignée" in out
    assert "Hypothèse" in out and "Dossiers écartés (2)" in out
    assert "\x1b[" not in out  # no colour codes in a file


def test_text_is_written_in_chunks_the_same_bytes(prog_and_rules, monkeypatch) -> None:
    """The text report streams (issue 17, memory): set-aside dossiers a few at a time, the same bytes as one piece."""
    from rich.console import Console

    from cdv_prog.render.registry import programmation_renderer

    prog, rules = prog_and_rules
    whole = io.StringIO()
    programmation_text.render(Console(file=whole, highlight=False, emoji=False, width=120), prog, rules)
    monkeypatch.setattr(programmation_text, "ECARTES_PAR_MORCEAU", 1)
    parts = list(programmation_text.chunks(prog, rules))
    assert len(parts) == 3  # up to the list of set-aside dossiers, then one of them per chunk
    assert "Dossiers écartés (2)".encode() in parts[0] and parts[1].startswith(b"  C") and parts[2].startswith(b"  M")
    assert b"".join(parts) == whole.getvalue().encode("utf-8") == programmation_text.render_bytes(prog, rules)
    assert programmation_renderer("text") is programmation_text.chunks  # what the command writes


def test_html_is_written_a_section_at_a_time_the_same_bytes(prog_and_rules, monkeypatch) -> None:
    """The HTML page streams (issue 17, memory): its sections one by one, the same bytes as the whole page."""
    from cdv_prog.render.registry import programmation_renderer

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    prog, rules = prog_and_rules
    parts = list(programmation_html.chunks(prog, rules))
    assert len(parts) == 10  # the page's head, its eight sections, its end
    assert parts[0].endswith(b"<body>\n") and parts[-1] == b"\n</body>\n</html>\n"
    assert b"".join(parts) == programmation_html.render_text(prog, rules).encode("utf-8")
    assert programmation_html.render(prog, rules) == b"".join(parts)
    assert programmation_renderer("html") is programmation_html.chunks  # what the command writes
    monkeypatch.setattr(programmation_html, "MORCEAU", 1)  # the long tables: a row per chunk
    rows = list(programmation_html.chunks(prog, rules))
    assert len(rows) > len(parts) and b"".join(rows) == b"".join(parts)
    assert any(r.startswith(b"<tr") and b"CPO" not in r and r.endswith(b"</tr>") for r in rows)
    # the breakdowns too: their rows by quartier and by défi list the ids of the actions (MB at 100 000)
    assert any(r.startswith(b"<tr") and b'<span class="ids">' in r for r in rows)
    assert not any("Répartitions des montants".encode() in r and b'<span class="ids">' in r for r in rows)
