"""Small text helpers shared by the importer: label simplification, column letters, control characters."""

from __future__ import annotations

import re
import unicodedata

from cdv_prog.core.texte import visible

_SEPARATORS = re.compile(r"[\s\-_'’‘`´.,;:/\\–—*]+")
# What a dossier value never keeps: control characters (C0, DEL, C1), the line and paragraph
# separators, the byte-order mark, the bidi controls (which can make a text read in another order).
_CONTROLES = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def neutralise(text: str) -> str:
    """A text safe to show in a message or write in a comment: control characters written out.

    ``prog<ESC>[31m.csv`` → ``prog\\x1b[31m.csv`` (:func:`cdv_prog.core.texte.visible`, the one rule).
    """
    return visible(text)


def sans_controle(text: str) -> str:
    """A cell's text as a dossier value: control characters become spaces, spaces are collapsed."""
    return " ".join(_CONTROLES.sub(" ", text).split())


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
    text = neutralise(" ".join(str(value).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plages(numbers: list[int], limit: int = 12) -> str:
    """Row numbers as runs: ``[2, 3, 4, 7]`` → ``2 à 4, 7`` (at most ``limit`` runs, then « … »)."""
    runs: list[list[int]] = []  # [first, last] of each run of consecutive numbers
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    shown = ", ".join(str(first) if first == last else f"{first} à {last}" for first, last in runs[:limit])
    return shown + (", …" if len(runs) > limit else "")
