"""The scalars of the YAML we read: the YAML 1.2 core schema's tags, resolved from a plain scalar's text,
and the value of a scalar of each tag (shared by :mod:`cdv_prog.files.loader` and :mod:`cdv_prog.files.yaml_simple`).

Only ``true``/``false`` are booleans (``no``, ``on``, ``yes`` stay text); ``12:30`` and ``3_000`` stay
text; numbers with a fraction or an exponent are ``Decimal`` read from the text, never binary floats;
dates ``AAAA-MM-JJ`` are checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from cdv_prog.core.texte import short

TAG_STR = "tag:yaml.org,2002:str"
TAG_INT = "tag:yaml.org,2002:int"
TAG_FLOAT = "tag:yaml.org,2002:float"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_NULL = "tag:yaml.org,2002:null"
TAG_DATE = "tag:yaml.org,2002:timestamp"
TAG_MAP = "tag:yaml.org,2002:map"
TAG_SEQ = "tag:yaml.org,2002:seq"
ALLOWED_TAGS = {TAG_STR, TAG_INT, TAG_FLOAT, TAG_BOOL, TAG_NULL, TAG_DATE, TAG_MAP, TAG_SEQ}

_INT_RE = re.compile(r"^[-+]?[0-9]+$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT_RE = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$")


_IMPLICIT: dict[str, tuple[tuple[str, Callable[[str], re.Match[str] | None]], ...]] = {}
for _tag, _regexp, _first in [
    (TAG_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    (TAG_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
    (TAG_INT, _INT_RE, "-+0123456789"),
    (TAG_FLOAT, _FLOAT_RE, "-+0123456789."),
    (TAG_FLOAT, _SPECIAL_FLOAT_RE, "-+."),
    (TAG_DATE, _DATE_RE, "0123456789"),
]:
    for _ch in _first:
        _IMPLICIT[_ch] = _IMPLICIT.get(_ch, ()) + ((_tag, _regexp.match),)


def _resolve_plain(value: str) -> str:
    """The tag of a plain (unquoted) scalar under the YAML 1.2 core schema."""
    tag = _RESOLVED.get(value)
    if tag is None:
        tag = TAG_STR
        for candidate, match in _IMPLICIT.get(value[:1], ()):
            if match(value):
                tag = candidate
                break
        if len(value) <= 40:  # keys and common values repeat from file to file: remember them
            if len(_RESOLVED) >= 8192:
                _RESOLVED.clear()
            _RESOLVED[value] = tag
    return tag


_RESOLVED: dict[str, str] = {}


class ScalaireInvalide(ValueError):
    """A scalar whose text does not make a value of its tag; the message is French."""


def convertir(text: str, tag: str, resolu: bool = False) -> Any:
    """The value of a scalar of ``tag``; ``resolu``: the tag was resolved from the text (:func:`_resolve_plain`),
    which then already matches the tag's pattern (not matched again). Raises :class:`ScalaireInvalide`."""
    if tag == TAG_STR:
        return text
    if tag == TAG_NULL:
        return None
    if tag == TAG_BOOL:
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        raise ScalaireInvalide(f"booléen invalide « {short(text)} » : écrire true ou false")
    if tag == TAG_INT:
        if len(text) > 30 or not (resolu or _INT_RE.match(text)):
            raise ScalaireInvalide(f"entier invalide « {short(text)} »")
        return int(text)
    if tag == TAG_FLOAT:
        if _SPECIAL_FLOAT_RE.match(text):
            low = text.lower()
            return Decimal("NaN") if "nan" in low else Decimal("-Infinity" if low.startswith("-") else "Infinity")
        if not _FLOAT_RE.match(text) or len(text) > 40:
            raise ScalaireInvalide(f"nombre invalide « {short(text)} »")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ScalaireInvalide(f"nombre invalide « {short(text)} »") from None
    if tag == TAG_DATE:
        if not (resolu or _DATE_RE.match(text)):
            raise ScalaireInvalide(f"date invalide « {short(text)} » : format attendu AAAA-MM-JJ")
        y, m, d = (int(p) for p in text.split("-"))
        try:
            return dt.date(y, m, d)
        except ValueError:
            raise ScalaireInvalide(f"date inexistante « {text} » (format AAAA-MM-JJ)") from None
    return text
