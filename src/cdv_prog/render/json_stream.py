"""JSON written as it goes: byte-identical to ``json.dumps(doc, ensure_ascii=False, indent=2)``.

The ``dossiers`` list is streamed one item at a time, so memory does not grow
with the batch; the keys after it (``resume``…) are written at the end.

One difference: a lone surrogate (a byte of a file name that is not UTF-8)
cannot be written in UTF-8, so it is written out as ``\\xNN``
(:func:`cdv_prog.core.texte.representable_json`): the document stays valid JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from json.encoder import encode_basestring
from typing import Any, TextIO

from cdv_prog.core.texte import representable_json


def dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``, byte for byte, faster.

    The standard library falls back to its pure-Python encoder whenever
    ``indent`` is set; this one builds the same text with the C string
    escaper, for the plain types reports are made of (dict, list, str, int,
    bool, None, float); anything else goes through :mod:`json` itself.
    """
    return representable_json(_encode(value, ""))


def _encode(value: Any, pad: str) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = pad + "  "
        parts = [
            (encode_basestring(k) if type(k) is str else _key(k))
            + ": "
            + (encode_basestring(v) if type(v) is str else _encode(v, inner))
            for k, v in value.items()
        ]
        return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + pad + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = pad + "  "
        parts = [encode_basestring(v) if type(v) is str else _encode(v, inner) for v in value]
        return "[\n" + inner + (",\n" + inner).join(parts) + "\n" + pad + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    return _indented(json.dumps(value, ensure_ascii=False, indent=2), len(pad)).lstrip()


def _key(key: Any) -> str:
    if type(key) is str:
        return encode_basestring(key)
    return json.dumps({key: 0}, ensure_ascii=False)[1:-4]  # json's own conversion of int/float/bool/None keys


def _indented(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def stream(
    key: str,
    items: Iterable[dict[str, Any] | str | bytes],
    tail: Callable[[], dict[str, Any]],
    head: dict[str, Any] | None = None,
) -> Iterator[str | bytes]:
    """The text of ``{**head, key: [items…], **tail()}`` in chunks; ``tail`` is called after the items.

    An item already encoded (text, indented for its place) is written as is; one already in UTF-8
    (bytes, made representable) goes out as bytes, after its separator: not joined to it, which
    would copy the item (~16 KB for a dossier's report) once more.
    """
    start = "{\n  "
    for k, v in (head or {}).items():
        start += _key(k) + ": " + _encode(v, "  ") + ",\n  "
    yield representable_json(start + _key(key) + ": [")
    first = True
    for item in items:
        if type(item) is bytes:
            yield b"\n    " if first else b",\n    "
            yield item
        else:
            text = item if type(item) is str else _encode(item, "    ")
            yield ("\n    " if first else ",\n    ") + representable_json(text)
        first = False
    end = "]" if first else "\n  ]"
    for k, v in tail().items():
        end += ",\n  " + _key(k) + ": " + _encode(v, "  ")
    yield representable_json(end + "\n}\n")


def write_stream(
    out: TextIO, key: str, items: Iterable[dict[str, Any] | str], tail: Callable[[], dict[str, Any]]
) -> None:
    """Write ``{key: [items…], **tail()}`` to ``out`` as it goes (see :func:`stream`)."""
    for chunk in stream(key, items, tail):
        out.write(chunk if isinstance(chunk, str) else chunk.decode("utf-8"))
