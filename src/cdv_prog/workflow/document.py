"""The document model of the generated references, and the reading of rule kinds' docstrings.

A document is a list of blocks (:class:`Heading`, :class:`Para`, :class:`Code`,
:class:`Quote`, :class:`Bullets`, :class:`Table`) that :mod:`cdv_prog.render.doc`
writes as Markdown or HTML. A rule kind's docstring (three parts: « Ce que la
règle vérifie », « Pourquoi », « Exemple », in a small subset of
reStructuredText) is read into blocks by :func:`parse_kind_doc` and :func:`rst_blocks`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

SECTION_TITLES = {
    "Ce que la règle vérifie": "verifie",
    "Pourquoi": "pourquoi",
    "Exemple": "exemple",
}
_HEADER_RE = re.compile(r"^(Ce que la règle vérifie|Pourquoi|Exemple)\s*:\s*$")


@dataclass(frozen=True)
class KindDoc:
    """A kind's docstring, parsed: summary line and its three parts (dedented text)."""

    resume: str
    verifie: str
    pourquoi: str
    exemple: str

    @property
    def complete(self) -> bool:
        return all(part.strip() for part in (self.resume, self.verifie, self.pourquoi, self.exemple))


def parse_kind_doc(doc: str | None) -> KindDoc:
    lines = (doc or "").strip("\n").splitlines()
    resume = lines[0].strip() if lines else ""
    parts: dict[str, list[str]] = {}
    current = None
    for line in lines[1:]:
        m = _HEADER_RE.match(line)
        if m and not line[:1].isspace():
            current = SECTION_TITLES[m.group(1)]
            parts[current] = []
        elif current is not None:
            parts[current].append(line)
    text = {k: textwrap.dedent("\n".join(v)).strip("\n") for k, v in parts.items()}
    return KindDoc(resume, text.get("verifie", ""), text.get("pourquoi", ""), text.get("exemple", ""))


# --------------------------------------------------------------------------- document blocks

Inline = list[tuple[str, str]]  # (style, text); style: "" | "code" | "strong"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    inline: Inline


@dataclass(frozen=True)
class Code:
    lang: str
    text: str


@dataclass(frozen=True)
class Quote:
    inline: Inline


@dataclass(frozen=True)
class Bullets:
    items: list[Inline]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Inline]]


Block = Heading | Para | Code | Quote | Bullets | Table


def rst_inline(text: str) -> Inline:
    """``code`` and **strong** spans of a docstring; the rest stays text (lines joined)."""
    text = " ".join(text.split())
    out: Inline = []
    for i, part in enumerate(re.split(r"``(.+?)``", text)):
        if i % 2:
            out.append(("code", part))
            continue
        for j, sub in enumerate(re.split(r"\*\*(.+?)\*\*", part)):
            if sub:
                out.append(("strong" if j % 2 else "", sub))
    return out


def rst_blocks(text: str) -> list[Block]:
    """Paragraphs and ``.. code-block:: lang`` blocks of a docstring part."""
    blocks: list[Block] = []
    lines = text.splitlines()
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Para(rst_inline(" ".join(para))))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(\s*)\.\. code-block::\s*(\S*)\s*$", line)
        if m:
            flush()
            indent = len(m.group(1))
            i += 1
            code: list[str] = []
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                code.append(lines[i])
                i += 1
            blocks.append(Code(m.group(2) or "text", textwrap.dedent("\n".join(code)).strip("\n")))
            continue
        if line.strip():
            para.append(line.strip())
        else:
            flush()
        i += 1
    flush()
    return blocks
