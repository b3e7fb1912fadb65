"""The COPIL report on the shipped 2025 examples, as a COPIL member reads it: HTML, xlsx, text at 80 and 120 columns.

The expected figures are not pinned: they are computed again here from the
dossier reports (each dossier's own amounts), the way a chargé de mission would
cross-check them, so that another example or rule does not break a test.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from cdv_prog.core.money import euros
from cdv_prog.core.report import DossierReport
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.parallel import check_reports
from cdv_prog.programmation.calcul import Programmation, calculer
from cdv_prog.render import html_base, programmation_html, programmation_text, programmation_xlsx
from cdv_prog.render.programmation_common import TotauxGeneraux

EXEMPLES = Path(__file__).resolve().parents[2] / "data" / "dossiers" / "2025"
GENERE_LE = dt.datetime(2026, 3, 1, 9, 5, tzinfo=dt.UTC)  # 10 h 05 in Paris (winter)


@pytest.fixture(scope="module")
def exemples(regles: JeuDeRegles) -> tuple[list[DossierReport], Programmation]:
    """The reports of the 2025 examples (only those: other years may be added) and their programmation."""
    files = sorted(EXEMPLES.glob("*.yaml"))
    reports = list(check_reports(files, regles, 2025, jobs=1))
    return reports, calculer(reports, regles, 2025)


def _eligibles(reports: list[DossierReport]) -> list[DossierReport]:
    return [r for r in reports if r.verdict == "eligible"]


class _Page(HTMLParser):
    """The page's text, and its tables as rows of cell texts, by table class."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self.svgs: list[list[tuple[str, dict[str, str | None]]]] = []
        self._svg: list[tuple[str, dict[str, str | None]]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append((dict(attrs).get("class") or "", []))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "svg":
            self._svg = []
        if self._svg is not None:
            self._svg.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "svg" and self._svg is not None:
            self.svgs.append(self._svg)
            self._svg = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def table(self, first_header: str) -> list[list[str]]:
        return next(rows for _, rows in self.tables if rows and rows[0] and rows[0][0] == first_header)


def _page(prog: Programmation, regles: JeuDeRegles) -> tuple[str, _Page]:
    page = programmation_html.render_text(prog, regles, genere_le=GENERE_LE)
    parser = _Page()
    parser.feed(page)
    parser.close()
    return page, parser


# --------------------------------------------------------------------------- the figures


def test_grand_totals_cross_checked(exemples) -> None:
    reports, prog = exemples
    tot = TotauxGeneraux.of(prog)
    demandes = [r.montants.total_demande for r in reports if r.verdict != "invalide" and r.montants is not None]
    retenus = [r.montants.total_retenu for r in _eligibles(reports) if r.montants is not None]
    assert len(retenus) == len(_eligibles(reports))
    assert tot.demande == sum(demandes, Decimal(0))
    assert tot.retenu == sum(retenus, Decimal(0))
    # the same figure from the financeurs' totals: inside the enveloppes' périmètres, plus the droit commun
    assert tot.retenu == sum((f.retenu + f.droit_commun for f in prog.financeurs), Decimal(0))
    assert tot.droit_commun == sum((f.droit_commun for f in prog.financeurs), Decimal(0))
    assert tot.retenu < tot.demande


# --------------------------------------------------------------------------- HTML


def test_html_header_states_date_rules_and_version(exemples, regles) -> None:
    _, prog = exemples
    _, parsed = _page(prog, regles)
    text = " ".join(parsed.text)
    assert "Généré le" in text and "1er mars 2026 à 10 h 05 (heure de Paris)" in text
    assert regles.empreinte in text and "Exercice" in text


def test_html_key_figures_first(exemples, regles) -> None:
    reports, prog = exemples
    page, _ = _page(prog, regles)
    cles = page.index("Chiffres clés")
    assert cles < page.index("Financements par financeur") < page.index("Actions retenues")
    tot = TotauxGeneraux.of(prog)
    figures = page[cles : page.index("Financements par financeur")]
    for amount in (tot.demande, tot.retenu, tot.droit_commun):
        assert html_base.escape(euros(amount)) in figures
    eligibles = len(_eligibles(reports))
    assert f"{eligibles} éligible(s)" in figures and f"{len(reports) - eligibles} inéligible(s)" in figures
    par_derogation = sum(r.par_derogation for r in reports)  # the shipped rules record one, on CDV-2025-032
    assert par_derogation >= 1 and f"dont {par_derogation} par dérogation" in figures
    for f in prog.financeurs:  # each enveloppe set: used, and left or exceeded
        if f.enveloppe is not None:
            assert f"{regles.nom_court(f.financeur)} : " in figures
            assert euros(f.retenu) in figures and euros(f.enveloppe) in figures
            assert euros(f.enveloppe - f.retenu) in figures
        for s in f.sous_enveloppes:
            assert s.nom in figures


def test_key_figures_count_derogations_when_given(exemples, regles) -> None:
    _, prog = exemples
    assert "dont 3 par dérogation" in programmation_html.chiffres_cles(prog, regles, par_derogation=3)
    assert "dérogation" not in programmation_html.chiffres_cles(prog, regles, par_derogation=0)


def test_key_figures_say_an_enveloppe_exceeded(exemples, regles, rules_with) -> None:
    rules = rules_with(enveloppes={"agglo": 1000})
    tight = calculer(exemples[0], rules, 2025)
    agglo = next(f for f in tight.financeurs if f.financeur == "agglo")
    assert agglo.retenu > 1000
    figures = programmation_html.chiffres_cles(tight, rules)
    assert f'DÉPASSÉE de <span class="nw">{euros(agglo.retenu - 1000)}</span>' in figures
    assert "reste" not in figures.split("Agglo")[1].split("</li>")[0]


def test_html_lists_every_retained_action_with_its_amounts(exemples, regles) -> None:
    reports, prog = exemples
    _, parsed = _page(prog, regles)
    rows = parsed.table("Id")  # the first table headed « Id »: the retained actions
    assert rows[0] == ["Id", "Intitulé et porteur", "Quartiers et défi", "Retenu par financeur", "Total"]
    body = {row[0]: row for row in rows[1:]}
    eligibles = _eligibles(reports)
    assert list(body)[:-1] == [r.id for r in eligibles]  # reading order, then the total row
    for r in eligibles:
        assert r.dossier is not None and r.montants is not None
        _, qui, ou, detail, total = body[str(r.id)]
        assert r.dossier.intitule in qui and r.dossier.porteur.nom in qui
        assert regles.defis[r.dossier.action.defi].nom in ou
        for code in r.dossier.action.quartiers:
            assert (regles.quartiers[code].nom if code in regles.quartiers else "hors géographie") in ou
        for code, amount in r.montants.retenus.items():
            if amount:
                assert f"{regles.nom_court(code)} : {euros(amount)}" in detail.replace("\xa0", " ")
        assert total == euros(r.montants.total_retenu)
    assert body["Total"][-1] == euros(TotauxGeneraux.of(prog).retenu)


def test_html_rejected_dossiers_with_intitule_porteur_and_reasons(exemples, regles) -> None:
    reports, prog = exemples
    _, parsed = _page(prog, regles)
    rows = next(
        rows
        for _, rows in parsed.tables
        if rows and rows[0][:2] == ["Id", "Intitulé et porteur"] and "Motifs" in rows[0]
    )
    body = {row[0]: row for row in rows[1:]}
    rejected = [r for r in reports if r.verdict != "eligible"]
    assert rejected and set(body) == {r.id for r in rejected}
    for r in rejected:
        assert r.dossier is not None
        _, qui, verdict, _, raisons = body[str(r.id)]
        assert r.dossier.intitule in qui and r.dossier.porteur.nom in qui and verdict == "inéligible"
        assert "data/" not in qui  # not a file name in place of a title
        for constat in r.echecs:
            assert regles.regles[constat.regle].titre in raisons and constat.message in raisons


def test_html_charts_share_one_scale_and_labels_stay_clear(exemples, regles) -> None:
    _, prog = exemples
    page, parsed = _page(prog, regles)
    assert len(parsed.svgs) == len(prog.financeurs)
    scale = programmation_html.echelle(prog.financeurs)
    assert f"la barre pleine vaut {html_base.escape(euros(scale))}" in page  # the scale is printed
    for f, svg in zip(prog.financeurs, parsed.svgs, strict=True):
        root = svg[0][1]
        assert root.get("viewbox") and "width" not in root  # scales with its box: no fixed width
        rects = [a for tag, a in svg if tag == "rect"]
        values = [v for v in (f.enveloppe, f.demande, f.retenu) if v is not None]
        assert len(rects) == len(values)
        for rect, value in zip(rects, values, strict=True):
            x, width = float(rect["x"] or 0), float(rect["width"] or 0)
            expected = float(value / scale) * html_base.BAR_AREA  # one scale for every financeur
            assert width == pytest.approx(expected, abs=0.06)
            assert x + width <= html_base.BAR_X + html_base.BAR_AREA + 0.06  # never into the labels' band
        for tag, a in svg:
            if tag == "line":
                assert float(a["x1"] or 0) <= html_base.BAR_X + html_base.BAR_AREA + 0.06 < html_base.VALUE_X
            if tag == "text" and float(a["x"] or 0) > 0:
                assert float(a["x"] or 0) >= html_base.VALUE_X


def test_a_bar_beyond_the_scale_stays_in_its_band() -> None:
    svg = html_base.barres("t", [html_base.Barre("Retenu", Decimal(200), "", "200 €")], Decimal(100), Decimal(150))
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    xs = [float(x) for x in re.findall(r'<line x1="([\d.]+)"', svg)]
    assert widths == [html_base.BAR_AREA] and xs == [html_base.BAR_X + html_base.BAR_AREA]


def test_html_groups_retained_actions_by_defi_and_quartier(exemples, regles) -> None:
    reports, prog = exemples
    _, parsed = _page(prog, regles)
    par_defi = parsed.table("Défi")
    assert par_defi[0][-1] == "Actions retenues"
    for r in _eligibles(reports):
        assert r.dossier is not None
        row = next(row for row in par_defi if row[0] == regles.defis[r.dossier.action.defi].nom)
        assert r.id in row[-1]
    par_quartier = parsed.table("Quartier")
    for r in _eligibles(reports):
        assert r.dossier is not None
        for code in r.dossier.action.quartiers:
            if code in regles.quartiers:
                row = next(row for row in par_quartier if row[0].startswith(regles.quartiers[code].nom))
                assert r.id in row[-1]


def test_html_shows_sous_enveloppes_and_droit_commun(exemples, regles) -> None:
    _, prog = exemples
    page, _ = _page(prog, regles)
    for f in prog.financeurs:
        for s in f.sous_enveloppes:
            assert f"dont {s.nom}" in page
    assert "Droit commun mobilisé" in page


def test_html_date_from_source_date_epoch_byte_identical(exemples, regles, monkeypatch) -> None:
    _, prog = exemples
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1751371200")  # 2025-07-01 12:00 UTC: 14 h 00 in Paris (summer)
    first = programmation_html.render(prog, regles)
    assert first == programmation_html.render(prog, regles)
    assert "1er juillet 2025 à 14 h 00 (heure de Paris)" in first.decode()


def test_generation_date_without_or_with_a_bad_source_date_epoch() -> None:
    before = dt.datetime.now(dt.UTC)
    for env in ({}, {"SOURCE_DATE_EPOCH": "demain"}, {"SOURCE_DATE_EPOCH": "-5"}):
        assert before - dt.timedelta(seconds=1) <= html_base.date_generation(env) <= dt.datetime.now(dt.UTC)
    assert html_base.date_generation({"SOURCE_DATE_EPOCH": "0"}) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert html_base.date_fr(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)) == (
        "1er janvier 2027 à 0 h 30 (heure de Paris)"
    )


def test_print_style_sheet_for_a4() -> None:
    css = html_base.CSS
    assert "@page{size:A4" in css
    printed = css[css.index("@media print") :]
    for rule in ("break-inside:avoid", "break-after:avoid", "thead{display:table-header-group}"):
        assert rule in printed


# --------------------------------------------------------------------------- xlsx


def test_xlsx_dossiers_columns_add_up_to_the_report(exemples, regles) -> None:
    from openpyxl import load_workbook

    reports, prog = exemples
    wb = load_workbook(io.BytesIO(programmation_xlsx.render(prog, regles)))
    ws = wb["Dossiers"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    *dossiers, total = rows
    assert total["Id"] == "Total" and len(dossiers) == len(reports)
    tot = TotauxGeneraux.of(prog)
    for f in prog.financeurs:
        column = regles.nom_court(f.financeur)
        summed = sum((Decimal(str(r[column])) for r in dossiers if r[column] is not None), Decimal(0))
        assert summed == f.retenu + f.droit_commun == Decimal(str(total[column]))
        # filled for eligible dossiers only
        assert all(r[column] is None for r in dossiers if r["Verdict"] != "éligible")
    retenu = sum((Decimal(str(r["Total retenu"])) for r in dossiers if r["Total retenu"] is not None), Decimal(0))
    assert retenu == tot.retenu == Decimal(str(total["Total retenu"]))
    demande = sum((Decimal(str(r["Total demandé"])) for r in dossiers if r["Total demandé"] is not None), Decimal(0))
    assert demande == tot.demande == Decimal(str(total["Total demandé"]))
    assert ws.auto_filter.ref.endswith(str(len(dossiers) + 1))  # sorting leaves the total row last


def test_xlsx_retained_actions_sheet(exemples, regles) -> None:
    from openpyxl import load_workbook

    reports, prog = exemples
    wb = load_workbook(io.BytesIO(programmation_xlsx.render(prog, regles)))
    ws = wb["Actions retenues"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Id", "Intitulé", "Porteur", "Quartiers", "Défi"] and header[-1] == "Total retenu"
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r["Id"] for r in rows] == [r.id for r in _eligibles(reports)] + ["Total"]
    assert Decimal(str(rows[-1]["Total retenu"])) == TotauxGeneraux.of(prog).retenu
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"


# --------------------------------------------------------------------------- text


def _text(prog: Programmation, regles: JeuDeRegles, width: int) -> str:
    buffer = io.StringIO()
    programmation_text.render(Console(file=buffer, width=width, highlight=False), prog, regles)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [80, 100, 120])
def test_text_tables_readable(exemples, regles, width) -> None:
    """At 80 columns (and 100, 120) no table cuts a value (« Financ… », « 77 000,00… ») or empties a column."""
    _, prog = exemples
    out = _text(prog, regles, width)
    rows = [line for line in out.splitlines() if line[:1] in "│┃┏┡└"]
    assert rows
    for line in rows:
        assert len(line) <= width
        assert "…" not in line, line
        assert not line.startswith(("││", "┃┃", "┏┳", "└┴")), line  # an empty first column
    for f in prog.financeurs:
        assert any(line.startswith(f"│ {regles.nom_court(f.financeur)} ") for line in rows)
    for year in prog.engagements.annees:
        assert str(year) in out
    if width >= 120:
        assert "Solde" in out and "Dossiers" in out  # wide enough for the whole table


def test_check_totals_readable_at_80_columns(regles) -> None:
    from cdv_prog.programmation.totaux import TotauxParExercice

    par_exercice = TotauxParExercice(regles)
    for report in check_reports(sorted(EXEMPLES.glob("*.yaml")), regles, 2025, jobs=1):
        par_exercice.add(report)
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, highlight=False, force_terminal=True, color_system=None)
    programmation_text.totaux(console, par_exercice)
    rows = [line for line in buffer.getvalue().splitlines() if line[:1] in "│┃"]
    assert rows and all(len(line) <= 80 and "…" not in line for line in rows)
    assert any(line.startswith("┃ Financeur ") for line in rows)


def test_html_tables_for_a_phone() -> None:
    """A wide table scrolls in its own box with its note outside it; a « cartes » table labels every cell."""
    rows = [([("a", False), ("1,00 €", True)], "")]
    plain = html_base.table(("Nom", ("Montant", True)), rows, "Une note.")
    assert plain.startswith('<div class="scroll"><table>') and plain.endswith('</div><p class="note">Une note.</p>')
    assert "data-label" not in plain
    cards = html_base.table(("Nom", ("Montant", True)), rows, classe="actions cartes")
    assert '<table class="actions cartes">' in cards
    assert '<td data-label="Nom">a</td><td class="n" data-label="Montant">1,00 €</td>' in cards
    assert "table.cartes thead{display:none}" in html_base.CSS[: html_base.CSS.index("@page")]


def test_the_copil_report_says_what_each_rejected_dossier_would_need_and_counts_derogations(cdv, monkeypatch) -> None:
    """« Ce qu'il faudrait » (issue 13) in the COPIL report's list of rejected dossiers, verified by the tool;
    the dossiers éligibles par dérogation counted apart and named as such."""
    from cdv_prog.core.remedier import ajouter_remedes
    from cdv_prog.files.rules import load_rules

    regles = load_rules(Path("rules"))
    files = sorted(EXEMPLES.glob("*.yaml"))
    reports = list(ajouter_remedes(check_reports(files, regles, 2025, jobs=1), regles))
    ineligibles = [r for r in reports if r.verdict == "ineligible"]
    assert ineligibles
    derogees = [r for r in reports if r.par_derogation]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764660000")
    html = cdv("programmation", str(EXEMPLES), "--format", "html").out
    text = cdv("programmation", str(EXEMPLES), "--format", "text").out
    for r in ineligibles:
        phrase = r.pour_etre_eligible.phrase if r.pour_etre_eligible else r.pour_etre_eligible_impossible
        assert phrase
        assert phrase in " ".join(text.split())
        assert html_base.escape(phrase) in html
    assert html.count("Ce qu'il faudrait :") == len(ineligibles)
    if derogees:
        assert f"dont {len(derogees)} par dérogation" in html
        assert html.count("éligible par dérogation (") == len(derogees)
    json_out = cdv("programmation", str(EXEMPLES), "--format", "json").out
    assert "pour-etre-eligible" not in json_out  # computed only for the formats that show it
