"""What every HTML report of cdv shares: the style sheet (screen, phone, A4 print), escaping, tables, bar charts.

A page is self-contained: inline CSS, charts as inline SVG with a ``viewBox``
(they scale with their box), no script, no font, no image, no link to fetch.

* **Phone:** the page never scrolls sideways at 400 px; a wide table scrolls
  inside its own box (:func:`table` wraps it in ``div.scroll``).
* **Print:** ``@page { size: A4 }``, small type, no card, chart or table row
  split across pages, headings kept with what follows, a table's header row
  repeated on each page, and charts whose marks differ by lightness and outline
  as well as by colour (they survive black-and-white printing).
* **Date of generation:** ``SOURCE_DATE_EPOCH`` when set (reproducible builds,
  byte-identical tests), else the current time; shown in Paris time.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from cdv_prog.core.texte import visible
from cdv_prog.core.vocab import MOIS

CSS = """
:root{--bleu:#1f4e79;--trait:#c9d3de;--fond:#eef3f8;--gris:#52606d;--rouge:#9b1c1c}
*{box-sizing:border-box}html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:72rem;color:#1d2733;
padding:1rem;line-height:1.4;overflow-wrap:break-word}
header{border-bottom:3px solid var(--bleu);margin-bottom:1rem}h1{color:var(--bleu);margin:.2rem 0;font-size:1.6rem}
h2{color:var(--bleu);border-bottom:1px solid var(--trait);padding-bottom:.2rem;margin:1.8rem 0 .6rem;font-size:1.3rem}
h3{font-size:1.05rem;margin:1rem 0 .3rem}
dl.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.1rem 1rem;font-size:.9rem;margin:.5rem 0}
dl.meta dt{font-weight:600}dl.meta dd{margin:0}
code{font-size:.85rem;word-break:break-all}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.4rem 0 .8rem;font-size:.9rem}
th,td{border:1px solid var(--trait);padding:.2rem .45rem;vertical-align:top;text-align:left}th{background:var(--fond)}
td.n,th.n{text-align:right;white-space:nowrap}tr.total td{font-weight:700;border-top:2px solid var(--bleu)}
tr.depasse td{background:#fde8e8;color:var(--rouge);font-weight:600}tr.vide td{color:#7a8794}tr.sous td{font-style:italic}
p.note{font-size:.8rem;color:var(--gris);margin:-.6rem 0 .8rem}
caption{caption-side:bottom;text-align:left;font-size:.8rem;color:var(--gris);padding-top:.2rem}.resume{font-weight:600}
.cles{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.6rem}
.cle{border:1px solid var(--trait);border-left:5px solid var(--bleu);padding:.4rem .7rem;break-inside:avoid}
.cle h3{margin:0;font-size:.85rem;color:var(--gris);font-weight:600}.cle .v{font-size:1.45rem;font-weight:700}
.cle ul{margin:.2rem 0 0;padding-left:1.1rem;font-size:.85rem}.cle li{margin:0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:.6rem}
.chart{border:1px solid var(--trait);border-radius:4px;padding:.3rem .5rem;break-inside:avoid;margin:0}
.chart h3{margin:0 0 .2rem;font-size:.95rem}.chart svg{display:block;width:100%;height:auto}
.paires{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:0 1rem}.paires>div{break-inside:avoid}
.legende{font-size:.8rem;color:var(--gris)}.echec,.depasse-txt{color:var(--rouge);font-weight:600}
.ok{color:#1c6b33}.reserve{color:#8a5a00}.sans-objet{color:#7a8794}.source{font-size:.8rem;color:var(--gris)}
ul.motifs{margin:0;padding-left:1.1rem}ul.motifs li{margin:0 0 .2rem}
li{margin-bottom:.3rem}small.id{font-family:monospace;font-size:.75rem;color:var(--gris)}
td small{color:var(--gris)}table.actions{min-width:36rem}table.actions td:nth-child(2){width:32%}table.actions td:nth-child(3){width:25%}
table.actions td:nth-child(4){width:30%}.ids{font-family:monospace;font-size:.8rem;white-space:nowrap}.nw{white-space:nowrap}
@media (max-width:40rem){body{padding:.5rem}h1{font-size:1.3rem}h2{font-size:1.15rem}table{font-size:.8rem}
dl.meta{grid-template-columns:minmax(0,1fr)}dl.meta dd{margin-bottom:.3rem}
table.cartes{min-width:0;width:100%}table.cartes thead{display:none}
table.cartes tr{display:block;border:1px solid var(--trait);margin-bottom:.5rem}
table.cartes td{display:block;border:0;width:auto!important;text-align:left!important;white-space:normal}
table.cartes td[data-label]:not(:first-child)::before{content:attr(data-label) " : ";font-weight:600}
table.cartes td:first-child{background:var(--fond)}}
@page{size:A4;margin:9mm 8mm}
@media print{html{font-size:8pt}body{max-width:none;padding:0;line-height:1.25}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{font-size:14pt}h2{font-size:11pt;margin:.7rem 0 .3rem}h3{font-size:9pt;margin:.4rem 0 .15rem}
h2,h3{break-after:avoid}header,.cle,.chart,tr,li{break-inside:avoid}
.scroll{overflow:visible}table{font-size:7pt;margin:.2rem 0 .4rem;width:100%}th,td{padding:.05rem .25rem}
thead{display:table-header-group}p.note{font-size:6.5pt;margin:-.3rem 0 .4rem}.source{font-size:6.5pt}
.cles{grid-template-columns:repeat(5,1fr);gap:.3rem}.cle.large{grid-column:span 2}.cle .v{font-size:12pt}.cle ul{font-size:7pt}
.charts{grid-template-columns:repeat(4,1fr);gap:.25rem}.paires{grid-template-columns:repeat(2,minmax(0,1fr))}.chart h3{font-size:7.5pt}
code,.ids{font-size:6.5pt}table.actions{font-size:6.5pt}tr.depasse td{background:none;text-decoration:underline}}
"""


def escape(text: str) -> str:
    """Text or attribute value of the page: HTML-escaped (quotes too), control characters and
    undecodable bytes written out (:func:`~cdv_prog.core.texte.visible`)."""
    return html.escape(visible(text), quote=True)


def page(titre: str, corps: str) -> str:
    """A whole page: doctype, French, UTF-8, phone viewport, the style sheet, ``corps`` (HTML) as its body."""
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(titre)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{corps}\n</body>\n</html>\n"
    )


# ----------------------------------------------------------------------------------------------- dates

PARIS = "Europe/Paris"


def date_generation(environ: Mapping[str, str] | None = None) -> dt.datetime:
    """When the report is made: ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) if set and valid, else now."""
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC)


def date_fr(moment: dt.datetime) -> str:
    """« 2 décembre 2026 à 10 h 35 (heure de Paris) »; in UTC where the time zone data is missing."""
    try:
        from zoneinfo import ZoneInfo

        local, zone = moment.astimezone(ZoneInfo(PARIS)), "heure de Paris"
    except (ImportError, KeyError, OSError):  # no time zone data on this system (ZoneInfoNotFoundError): UTC
        local, zone = moment.astimezone(dt.UTC), "UTC"
    jour = "1er" if local.day == 1 else str(local.day)
    return f"{jour} {MOIS[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d} ({zone})"


# ----------------------------------------------------------------------------------------------- tables

Cell = tuple[str, bool]  # (HTML already escaped, is a number)


def table(
    headers: Sequence[str | tuple[str, bool]],
    rows: Iterable[tuple[Sequence[Cell], str]],
    caption: str | None = None,
    classe: str | None = None,
) -> str:
    """A table in its own scrolling box, its note under it (``classe``: the table's classes; with ``cartes``,
    each row becomes a card on a phone, every cell labelled by its header). ``headers``: texts (a ``(text, True)`` header is a number column's);
    ``rows``: ((cell HTML, is_number) …, row class). Cells are HTML: escape texts with :func:`escape`."""
    return "".join(table_morceaux(headers, rows, caption, classe))


def table_morceaux(
    headers: Sequence[str | tuple[str, bool]],
    rows: Iterable[tuple[Sequence[Cell], str]],
    caption: str | None = None,
    classe: str | None = None,
) -> Iterator[str]:
    """:func:`table`'s text in pieces (one per row), each made when the one before has been taken: a table
    of 100 000 rows is written without being held."""
    out = [f'<div class="scroll"><table class="{classe}">' if classe else '<div class="scroll"><table>']
    cards = classe is not None and "cartes" in classe.split()
    heads, labels = [], []
    for h in headers:
        text, num = (h, False) if isinstance(h, str) else h
        heads.append(f'<th class="n">{escape(text)}</th>' if num else f"<th>{escape(text)}</th>")
        labels.append(f' data-label="{escape(text)}"' if cards else "")
    out.append("<thead><tr>" + "".join(heads) + "</tr></thead><tbody>")
    yield "".join(out)
    for cells, cls in rows:
        attr = f' class="{cls}"' if cls else ""
        tds = (
            f'<td class="n"{label}>{c}</td>' if num else f"<td{label}>{c}</td>"
            for (c, num), label in zip(cells, labels, strict=False)
        )
        yield f"<tr{attr}>" + "".join(tds) + "</tr>"
    yield "</tbody></table></div>"
    if caption:  # under the box, not in it: a wide table scrolls, its note stays on the page
        yield f'<p class="note">{escape(caption)}</p>'


# ----------------------------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Barre:
    """One bar of a chart: its name, its value (None: « non renseignée »), its look, the label written after it."""

    nom: str
    valeur: Decimal | None
    style: str  # fill and stroke attributes: lightness and outline differ, not colour alone
    etiquette: str


# bars: enveloppe outlined, demandé light, retenu dark (red when exceeded): readable in black and white
STYLE_ENVELOPPE = 'fill="#ffffff" stroke="#1f4e79" stroke-width="1.5"'
STYLE_DEMANDE = 'fill="#b8c9dc" stroke="#52606d" stroke-width="0.8"'
STYLE_RETENU = 'fill="#1f4e79"'
STYLE_DEPASSE = 'fill="#b42318" stroke="#000000" stroke-width="1"'

CHART_W = 300
LABEL_W = 66  # names, left of the bars
BAR_X = LABEL_W
BAR_AREA = 138  # the bars; the enveloppe mark never leaves this band
VALUE_X = BAR_X + BAR_AREA + 6  # values, right of the longest bar: no mark ever crosses them
BAR_H = 14
GAP = 6


def _n(x: float) -> str:
    return f"{x:.1f}"


def barres(titre: str, bars: Sequence[Barre], echelle: Decimal, repere: Decimal | None = None) -> str:
    """An inline SVG of horizontal bars, all drawn against ``echelle`` (the same for every chart of a page:
    a common scale), with ``repere`` (an enveloppe) as a dashed mark. Names on the left, values on the right,
    each in its own band: a mark never crosses a label. ``titre`` is read by screen readers."""
    height = len(bars) * (BAR_H + GAP) + GAP
    out = [
        f'<svg role="img" aria-label="{escape(titre)}" viewBox="0 0 {CHART_W} {height}" '
        f'preserveAspectRatio="xMinYMin meet" font-size="11" font-family="sans-serif">',
        f"<title>{escape(titre)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = GAP + i * (BAR_H + GAP)
        base = _n(y + BAR_H - 3)
        out.append(f'<text x="0" y="{base}">{escape(bar.nom)}</text>')
        if bar.valeur is not None and echelle > 0:
            length = min(max(float(bar.valeur / echelle) * BAR_AREA, 0.0), BAR_AREA)  # never into the labels
            out.append(f'<rect x="{BAR_X}" y="{y}" width="{_n(length)}" height="{BAR_H}" {bar.style}/>')
        fill = ' fill="#52606d"' if bar.valeur is None else ""
        out.append(f'<text x="{VALUE_X}" y="{base}"{fill}>{escape(bar.etiquette)}</text>')
    if repere is not None and echelle > 0:
        x = BAR_X + min(max(float(repere / echelle), 0.0), 1.0) * BAR_AREA
        out.append(
            f'<line x1="{_n(x)}" y1="2" x2="{_n(x)}" y2="{height - 2}" stroke="#000000" '
            f'stroke-dasharray="3 2" stroke-width="1.2"/>'
        )
    out.append("</svg>")
    return "".join(out)
