"""``cdv regles expliquer RÈGLE``: one rule explained, as plain text or JSON.

The content is :mod:`cdv_prog.workflow.explication` (the rule's section of ``cdv regles doc``);
this module writes its blocks as plain text for the terminal, or its data as JSON.
"""

from __future__ import annotations

import re
import textwrap

from cdv_prog.core.texte import visible
from cdv_prog.render.json_stream import dumps
from cdv_prog.workflow.document import Block, Bullets, Code, Heading, Inline, Para, Quote, Table
from cdv_prog.workflow.explication import Explication, blocs, donnees

LARGEUR = 88


def _inline(inline: Inline) -> str:
    return "".join(f"`{text}`" if style == "code" else text for style, text in inline)


_GLUE = "\ue000"  # a private-use character: where a line must not break, restored as a space
_UNBREAKABLE = re.compile(r"(?<=\d) (?=\d{3}\b|€)|(?<=«) | (?=[»:;?!])")


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    """``text`` wrapped, never inside an amount (``1 000,00 €``) nor before ``»``, ``:``, ``;``."""
    lines = textwrap.wrap(
        _UNBREAKABLE.sub(_GLUE, text.replace(_GLUE, " ")),
        LARGEUR,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]
    return [line.replace(_GLUE, " ") for line in lines]


def text_lines(blocks: list[Block]) -> list[str]:
    """The blocks as plain text: a heading underlined, paragraphs wrapped, a table row as one « nom : valeur » line."""
    out: list[list[str]] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append([b.text, ("=" if b.level == 1 else "-") * len(b.text)])
        elif isinstance(b, Para):
            out.append(_wrap(_inline(b.inline)))
        elif isinstance(b, Code):
            out.append(["    " + line if line else "" for line in b.text.split("\n")])
        elif isinstance(b, Quote):
            out.append(_wrap(_inline(b.inline), "    "))
        elif isinstance(b, Bullets):
            out.append([line for item in b.items for line in _wrap(_inline(item), "    ", "  • ")])
        elif isinstance(b, Table):
            # one line per row: a parameter's years are read along one line
            out.append(["  " + " : ".join(_inline(c).replace("\n", " ") for c in row) for row in b.rows])
    lines: list[str] = []
    for i, chunk in enumerate(out):
        if i:
            lines.append("")
        lines += chunk
    return lines


def text(e: Explication) -> bytes:
    """The rule explained for people; a control character of the rules is written out."""
    return "".join(visible(line) + "\n" for line in text_lines(blocs(e))).encode("utf-8")


def json(e: Explication) -> bytes:
    """The rule explained as data (``docs/regles.md``, « Expliquer une règle »)."""
    return (dumps(donnees(e)) + "\n").encode("utf-8")
