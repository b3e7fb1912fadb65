"""A reader for the plain block YAML that dossiers are written in, without libyaml's node tree.

:func:`cdv_prog.files.loader.load_yaml_text` tries it first. It returns
exactly what the full loader returns — the same data, the same line for each
path — or ``None`` (it *declines*) as soon as the text steps outside the
subset it knows, and the full loader then reads the text as before. It never
reports an error: anything that could be one is declined, so every message
still comes from the full loader.

The subset, line by line (``key`` is a word of at most 256 characters: letters, digits, ``_``, ``.``, ``-``):

* ``key: value`` and ``key:`` followed by a more indented block or by nothing (null);
* ``- value`` and ``- key: value`` (a mapping item) in a block list, more indented than its key;
* values: plain scalars (resolved as the full loader does, :mod:`cdv_prog.files.scalaires`),
  quoted ones on one line with no escape (``"04828148932528"``, ``'x'``: text), and one-line
  flow lists of plain scalars ``[a, b]``;
* blank lines and whole-line comments.

Declined: tabs, carriage returns, control or non-characters, a byte-order mark,
comments after a value, escapes, multi-line or block scalars, anchors, tags,
flow mappings, a list at its key's indentation, duplicate keys, any key that
is not a word or resolves to another type than text, any scalar whose text
does not make a value of its tag (``2025-02-30``), any indentation the rules
above do not expect. A property test holds it to the full loader on generated
and mangled documents (``tests/test_yaml_simple.py``).

A mapping's line once read (its key and plain value, immutable) is kept for the next documents
(``_LIGNES``, bounded): most lines of a batch's dossiers repeat an earlier one's. What depends on the
document — the line number, the path, a duplicate key — is still checked in each.
"""

from __future__ import annotations

import re
from typing import Any

from cdv_prog.core.findings import PathParts
from cdv_prog.files.scalaires import _RESOLVED, TAG_STR, ScalaireInvalide, _resolve_plain, convertir

_CLE = re.compile(r"[^\W\d][\w.\-]*\Z").match
# a plain scalar's first character that makes it something else (an indicator); "-" only before a digit
_INDICATEURS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_CHIFFRES = frozenset("0123456789")
# what a flow list's item may not hold (besides what splits it): kept narrow, declining costs nothing
_HORS_FLUX = re.compile("[\\[\\]{}:?#&*!|>'\"%@`]")
MAX_NIVEAUX = 20  # deeper documents are left to the full loader (its limits and messages)


def _hors(line: str) -> bool:
    """The line holds a character the subset never reads: anything but the printable ones libyaml accepts
    (tabs, carriage returns, NEL and the Unicode line separators included), or a byte-order mark.

    Only for a line ``isprintable()`` refused (stricter: a no-break space, for one, is looked at here).
    """
    for ch in line:
        if not (" " <= ch <= "~" or "\xa0" <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd" or ch >= "\U00010000"):
            return True
        if ch in "\u2028\u2029\ufeff":
            return True
    return False


# what a Latin-1 text (French without typographic quotes: the usual case) may hold: the line feed, and the
# characters :func:`_hors` accepts below U+0100
_LATIN1_LUS = bytes([0x0A, *range(0x20, 0x7F), *range(0xA0, 0x100)])


def _hors_texte(text: str) -> bool:
    """A line of ``text`` holds a character the subset never reads (:func:`_hors`).

    A Latin-1 text is looked at as bytes, each one once; another (a ’, an œ, a €) is looked at by
    ``isprintable`` (stricter: the lines it refuses are looked at again, one by one).
    """
    try:
        return bool(text.encode("latin-1").translate(None, _LATIN1_LUS))
    except UnicodeEncodeError:
        return not text.replace("\n", "").isprintable() and any(_hors(line) for line in text.split("\n"))


class _Refus(Exception):
    """The text steps outside the subset: the full loader reads it."""


Ligne = tuple[int, int, str]  # (line number, indentation, content without its indentation and trailing spaces)


def lire_simple(text: str, profondeur: int | None = None) -> tuple[Any, dict[PathParts, int], int | None] | None:
    """(data, lines, profondeur) as :func:`~cdv_prog.files.loader.load_yaml_text` gives them, or None: declined.

    ``profondeur``: lines kept only for paths of at most so many parts; a text holding ``&`` keeps
    every line, as the full loader does.
    """
    if "&" in text:
        profondeur = None
    if _hors_texte(text):
        return None
    lignes: list[Ligne] = []
    for numero, line in enumerate(text.split("\n"), 1):
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        if " #" in content:
            return None  # a comment after a value (or a value holding " #"): the full loader decides
        lignes.append((numero, len(line) - len(content), content.rstrip(" ")))
    if not lignes or lignes[0][1] != 0:
        return None
    lines: dict[PathParts, int] = {(): lignes[0][0]}
    lecteur = _Lecteur(lignes, lines, (1 << 30) if profondeur is None else profondeur)
    try:
        data, fin = lecteur.mapping(0, 0, (), 0)
    except _Refus:
        return None
    if fin != len(lignes):
        return None
    return data, lines, profondeur


class _Lecteur:
    __slots__ = ("lignes", "lines", "profondeur")

    def __init__(self, lignes: list[Ligne], lines: dict[PathParts, int], profondeur: int) -> None:
        self.lignes = lignes
        self.lines = lines
        self.profondeur = profondeur

    def mapping(self, i: int, indent: int, path: PathParts, niveau: int) -> tuple[dict[str, Any], int]:
        """The block mapping whose keys are at column ``indent``, from line ``i``; (mapping, next line)."""
        if niveau > MAX_NIVEAUX:
            raise _Refus
        lignes = self.lignes
        lines = self.lines
        n = len(lignes)
        record = len(path) < self.profondeur
        out: dict[str, Any] = {}
        while i < n:
            numero, ind, content = lignes[i]
            if ind != indent:
                if ind < indent:
                    break
                raise _Refus  # deeper than a key: a multi-line scalar, or an error
            lue = _LIGNES.get(content)  # the same line in an earlier dossier: read once (issue 17)
            if lue is None:
                lue = _ligne(content)
            key, genre, v = lue
            if key in out:
                raise _Refus
            i += 1
            if record:
                lines[path + (key,)] = numero
            if genre is _SCALAIRE:  # nothing under it: no path to make
                out[key] = v
                continue
            kpath = path + (key,)
            if genre is _AUTRE:
                out[key] = self.valeur(v, numero, kpath)
                continue
            if i < n and lignes[i][1] >= indent:
                suivante = lignes[i][2]
                liste = suivante[0] == "-" and suivante[1:2] in ("", " ")
                if lignes[i][1] > indent:
                    if liste:
                        out[key], i = self.sequence(i, lignes[i][1], kpath, niveau + 1)
                    else:
                        out[key], i = self.mapping(i, lignes[i][1], kpath, niveau + 1)
                    continue
                if liste:
                    raise _Refus  # a list at its key's indentation
            out[key] = None
        return out, i

    def sequence(self, i: int, indent: int, path: PathParts, niveau: int) -> tuple[list[Any], int]:
        """The block list whose dashes are at column ``indent``, from line ``i``; (list, next line)."""
        if niveau > MAX_NIVEAUX:
            raise _Refus
        lignes = self.lignes
        n = len(lignes)
        record = len(path) < self.profondeur
        out: list[Any] = []
        while i < n:
            numero, ind, content = lignes[i]
            if ind != indent:
                if ind < indent:
                    break
                raise _Refus
            if content[:2] != "- ":
                raise _Refus  # a key after the list, or an item on the next line
            rest = content[2:]
            item = rest.lstrip(" ")
            ipath = path + (len(out),)
            if record:
                self.lines[ipath] = numero
            key, sep, after = item.partition(":")
            if sep and (not after or after[0] == " ") and (_CLES.get(key) or _cle(key)):
                # a mapping item: its first key on the dash's line, the others under it
                lignes[i] = (numero, indent + len(content) - len(item), item)
                value, i = self.mapping(i, lignes[i][1], ipath, niveau + 1)
                out.append(value)
                continue
            out.append(self.valeur(item, numero, ipath))
            i += 1
        return out, i

    def valeur(self, s: str, numero: int, path: PathParts) -> Any:
        """The value written after ``key:`` or ``-`` on one line."""
        c0 = s[0]
        if c0 == "[":
            if s[-1] != "]":
                raise _Refus  # a flow list over several lines, or something after it
            inner = s[1:-1]
            if not inner.strip(" "):
                return []
            if _HORS_FLUX.search(inner) is not None:
                raise _Refus
            record = len(path) < self.profondeur
            items = []
            for j, part in enumerate(inner.split(",")):
                part = part.strip(" ")
                if not part or (part[0] in _INDICATEURS and not (part[0] == "-" and part[1:2] in _CHIFFRES)):
                    raise _Refus
                if record:
                    self.lines[path + (j,)] = numero
                items.append(_scalaire(part, _RESOLVED.get(part) or _resolve_plain(part)))
            return items
        if c0 in _INDICATEURS and not (c0 == "-" and s[1:2] in _CHIFFRES):
            if (c0 == '"' or c0 == "'") and len(s) >= 2 and s[-1] == c0:
                inner = s[1:-1]
                if c0 not in inner and "\\" not in inner:
                    return inner  # quoted on one line, with no escape: text as it is
            raise _Refus
        if ": " in s or s[-1] == ":":
            raise _Refus
        return _scalaire(s, _RESOLVED.get(s) or _resolve_plain(s))


def _scalaire(s: str, tag: str) -> Any:
    """The value of the plain scalar ``s`` of ``tag`` (resolved from it)."""
    if tag is TAG_STR:
        return s
    value = _VALEURS.get(s, _RIEN)
    if value is _RIEN:
        try:
            value = convertir(s, tag, resolu=True)
        except ScalaireInvalide:
            raise _Refus from None
        if len(_VALEURS) >= 4096:
            _VALEURS.clear()
        _VALEURS[s] = value  # immutable (int, Decimal, date, bool, None): shared from file to file
    return value


_SCALAIRE, _AUTRE, _BLOC = "scalaire", "autre", "bloc"  # what follows a key on its line (_ligne)
# a mapping's line (its content) → (key, what follows it, its value or text): lines repeat from dossier to
# dossier (8 in 10 of the peer's), their values are immutable; the table is bounded like _VALEURS
_LIGNES: dict[str, tuple[str, str, Any]] = {}


def _ligne(content: str) -> tuple[str, str, Any]:
    """A mapping's line ``key: …`` read: (key, _SCALAIRE and the plain scalar's value, _AUTRE and the text
    :meth:`_Lecteur.valeur` reads, or _BLOC: nothing after the key). Kept in _LIGNES unless it is _AUTRE
    (its value is made anew: a list, and its items' lines)."""
    key, sep, rest = content.partition(":")
    if not sep or (rest and rest[0] != " ") or not (_CLES.get(key) or _cle(key)):
        raise _Refus
    if not rest:
        lue: tuple[str, str, Any] = (key, _BLOC, None)
    else:
        v = rest.lstrip(" ")
        if v[0] in _INDICATEURS or ": " in v or v[-1] == ":":
            return (key, _AUTRE, v)
        tag = _RESOLVED.get(v) or _resolve_plain(v)  # a plain scalar, the usual case
        lue = (key, _SCALAIRE, v if tag is TAG_STR else _scalaire(v, tag))
    if len(content) <= 256:
        if len(_LIGNES) >= 4096:
            _LIGNES.clear()
        _LIGNES[content] = lue
    return lue


_RIEN = object()
_VALEURS: dict[str, Any] = {}  # plain scalar → its value, for the texts that are not text (2025, true, 2025-03-30)
_CLES: dict[str, bool] = {}  # key → a word that resolves to text (keys repeat from file to file)


def _cle(key: str) -> bool:
    # libyaml refuses a key longer than 1024 characters: a long one is left to it
    ok = len(key) <= 256 and _CLE(key) is not None and (_RESOLVED.get(key) or _resolve_plain(key)) is TAG_STR
    if len(_CLES) >= 4096:
        _CLES.clear()
    _CLES[key] = ok
    return ok
