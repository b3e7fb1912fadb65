"""Small text helpers shared by the importer: label simplification, column letters."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-_'’‘`´.,;:/\\–—*]+")


def simplifie(text: str) -> str:
    """The form labels are compared in: no accents, no case, hyphens and spaces alike.

    ``« Viguier - St-Jacques »`` → ``viguier st jacques`` ; ``L'Espérance`` →
    ``l esperance`` ; ``CARCASSONNE (11069)`` → ``carcassonne (11069)``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.casefold().replace("œ", "oe").replace("æ", "ae")
    return _SEPARATORS.sub(" ", bare).strip()


def lettre_colonne(index: int) -> str:
    """0 → ``A``, 25 → ``Z``, 26 → ``AA`` (spreadsheet column letters)."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def court(value: object, limit: int = 60) -> str:
    """A cell value as shown in a message: one line, at most ``limit`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
