"""``cdv regles doc``: the French reference of a rule set as Markdown or a self-contained HTML page.

The content (blocks: headings, paragraphs, tables…) is built by
:mod:`cdv_prog.workflow.doc`; this module only writes it out.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from cdv_prog.core.texte import visible
from cdv_prog.workflow.doc import build
from cdv_prog.workflow.document import Block, Bullets, Code, Heading, Inline, Para, Quote, Table

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<|])", r"\\\1", text)


def _md_inline(inline: Inline) -> str:
    out = []
    for style, text in inline:
        if style == "code":
            fence = "``" if "`" in text else "`"
            pad = " " if "`" in text else ""
            out.append(f"{fence}{pad}{text}{pad}{fence}")
        elif style == "strong":
            out.append(f"**{_md_escape(text.strip())}**" + (" " if text.endswith(" ") else ""))
        else:
            out.append(_md_escape(text))
    return "".join(out)


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + _md_escape(b.text))
        elif isinstance(b, Para):
            out.append(_md_inline(b.inline))
        elif isinstance(b, Code):
            fence = "````" if "```" in b.text else "```"
            out.append(f"{fence}{b.lang}\n{b.text}\n{fence}")
        elif isinstance(b, Quote):
            out.append("> " + _md_inline(b.inline))
        elif isinstance(b, Bullets):
            out.append("\n".join("- " + _md_inline(item) for item in b.items))
        elif isinstance(b, Table):
            lines = [
                "| " + " | ".join(_md_escape(h) for h in b.header) + " |",
                "|" + "|".join("---" for _ in b.header) + "|",
            ]
            for row in b.rows:
                lines.append("| " + " | ".join(_md_inline(c).replace("\n", " ") for c in row) + " |")
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _html_inline(inline: Inline) -> str:
    out = []
    for style, text in inline:
        t = html.escape(text)
        out.append(f"<code>{t}</code>" if style == "code" else f"<strong>{t}</strong>" if style == "strong" else t)
    return "".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
h1{font-size:1.7rem;border-bottom:2px solid #334;padding-bottom:.3rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccd}
h3{margin-top:1.8rem}code{background:#f2f3f5;padding:0 .25rem;border-radius:3px;font-size:.92em}
pre{background:#f2f3f5;padding:.7rem 1rem;overflow-x:auto;border-radius:4px}pre code{background:none;padding:0}
table{border-collapse:collapse;margin:.6rem 0}th,td{border:1px solid #ccd;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#eef0f4}blockquote{margin:.5rem 0;padding:.3rem 1rem;border-left:4px solid #99a;background:#fafafc;font-style:italic}
""".strip()


def to_html(blocks: list[Block], title: str) -> str:
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
            body.append(f"<h{b.level}{anchor}>{html.escape(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            body.append(f"<p>{_html_inline(b.inline)}</p>")
        elif isinstance(b, Code):
            body.append(f'<pre><code class="language-{html.escape(b.lang)}">{html.escape(b.text)}</code></pre>')
        elif isinstance(b, Quote):
            body.append(f"<blockquote>{_html_inline(b.inline)}</blockquote>")
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{_html_inline(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in b.header)
            rows = "".join("<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>" for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def render(rs: JeuDeRegles, shown_path: str, fmt: str = "markdown") -> str:
    """The reference as Markdown (``fmt="markdown"``) or a self-contained HTML page (``"html"``)."""
    from cdv_prog import __version__

    blocks = build(rs, shown_path, __version__)
    text = to_html(blocks, f"Règles — {rs.contrat.nom}") if fmt == "html" else to_markdown(blocks)
    # a control character or an undecodable byte of the rules (or of their path) is shown written out
    return "\n".join(visible(line) for line in text.split("\n"))
