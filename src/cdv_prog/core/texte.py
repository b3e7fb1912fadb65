"""Text made safe to show: the one rule every output applies to the values it did not write itself.

A dossier, a rules file, a file name or an option value may hold anything:
terminal escape sequences (``ESC [2J`` clears the screen), bidi overrides that
reorder what is read (U+202E), bytes that are not UTF-8 (a file name read by
the system as ``\\udcff``), or a whole megabyte in one field. Three functions,
pure and used by every room:

* :func:`visible` — for people (text, GitHub annotations, HTML, xlsx, CSV):
  every control character, bidi control and undecodable byte is written out
  visibly (``\\x1b``, ``\\u202e``, ``\\xff``), so it can neither act on the
  terminal nor hide; the rest of the text is left as it is;
* :func:`representable` — for data (JSON): only the undecodable bytes are
  written out (as ``\\xff``, like :func:`visible`), since JSON escapes control
  characters itself;
* :func:`short` — a user value quoted in a message: at most :data:`LIMIT`
  characters, then « … ».

:func:`ascii_fallback` gives what an output that cannot encode a character
(a ``cp1252`` or ASCII standard output) shows instead: ``✔`` → ``v``, ``é`` → ``e``,
anything else → ``?``.
"""

from __future__ import annotations

import re
import unicodedata

LIMIT = 100
"""The one bound of a user value quoted in a message (the longest valid dossier id is shown whole)."""

ELLIPSIS = "…"

# C0 controls, DEL, C1 controls; the bidi controls (ALM, LRM, RLM, LRE…RLO, LRI…PDI); the line and
# paragraph separators; lone surrogates (undecodable bytes of a file name, or broken text).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _written_out(char: str) -> str:
    """``\\x1b``, ``\\n``, ``\\u202e``; an undecodable byte (surrogate U+DC80–U+DCFF) as ``\\xNN``."""
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's « surrogateescape »: the byte that was not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character, bidi control and undecodable byte written out.

    ``"a\\x1b[2Jb"`` → ``"a\\\\x1b[2Jb"`` (shown ``a\\x1b[2Jb``). Idempotent, and ``text``
    itself (no copy) when there is nothing to write out.
    """
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: _written_out(m.group()), text)


def _encodable(text: str) -> bool:
    """No lone surrogate: exactly the texts UTF-8 can encode (checked by the C encoder, faster than a search)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def representable(text: str) -> str:
    """``text`` with only its undecodable bytes (lone surrogates) written out as in :func:`visible`.

    What a data output (JSON) needs to be encodable in UTF-8; it escapes control characters itself.
    """
    if _encodable(text):
        return text
    return _SURROGATES.sub(lambda m: _written_out(m.group()), text)


def representable_json(json_text: str) -> str:
    """JSON text made encodable in UTF-8: each lone surrogate becomes the JSON escape of its :func:`visible` form.

    A lone surrogate can only stand inside a JSON string, so the document stays valid and its
    value is the one :func:`representable` gives (``"\\udcff"`` → the text ``\\xff``).
    """
    if _encodable(json_text):
        return json_text
    return _SURROGATES.sub(lambda m: "\\" + _written_out(m.group()), json_text)


def short(value: object) -> str:
    """A user value as quoted in a message: its first :data:`LIMIT` characters, then « … » if there are more."""
    if isinstance(value, int) and value.bit_length() > 4 * LIMIT:  # str() refuses ints of over 4 300 digits
        return f"(nombre de plus de {LIMIT} chiffres)"
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= LIMIT else text[:LIMIT] + ELLIPSIS


# --------------------------------------------------------------------------- output encodings

_FALLBACKS = {
    "✔": "v",
    "✓": "v",
    "✘": "x",
    "✗": "x",
    "⚠": "!",
    "ℹ": "i",
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "…": "...",
    "—": "-",
    "–": "-",
    "−": "-",
    "→": "->",
    "←": "<-",
    "›": ">",
    "‹": "<",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "×": "x",
    "€": "EUR",
    "•": "*",
    "·": ".",
    "œ": "oe",
    "Œ": "OE",
    "æ": "ae",
    "Æ": "AE",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
}


def _ascii_char(char: str) -> str:
    fallback = _FALLBACKS.get(char)
    if fallback is not None:
        return fallback
    code = ord(char)
    if code < 0x80:
        return char
    if 0x2500 <= code <= 0x257F:  # box drawing (the tables' borders)
        name = unicodedata.name(char, "")
        if " AND " in name:  # corners, junctions
            return "+"
        return "-" if "HORIZONTAL" in name else "|" if "VERTICAL" in name else "+"
    if 0xD800 <= code <= 0xDFFF or code < 0xA0:
        return _written_out(char)
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return bare if bare and bare.isascii() and bare.isprintable() else "?"


def ascii_fallback(text: str) -> str:
    """What to show for characters an output cannot encode: ``✔`` → ``v``, ``é`` → ``e``, ``≥`` → ``>=``, else ``?``.

    Always ASCII, so any output encoding can show it.
    """
    return "".join(_ascii_char(c) for c in text)
