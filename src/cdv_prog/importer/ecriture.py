"""Writing dossier files: a small YAML emitter, the schema header, atomic writes.

The emitter writes the dossier in the order of ``docs/dossier.md``, in the style of the example
dossiers (block mappings, code lists in flow style, one financement per list
item). Text that a YAML reader could take for something else (a number, a
boolean such as ``no``/``on``, a date, a null…) is double-quoted. Amounts are
written exactly: whole euros without decimals, others with two.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from cdv_prog.core.money import CENT
from cdv_prog.importer.texte import neutralise

SCHEMA = Path("schemas") / "dossier.schema.json"

_CODE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_PLAIN_FIRST = re.compile(r"^[^\W\d_]", re.UNICODE)  # a letter
_PLAIN_REST = re.compile(r"^[\w .,'’()«»/+&°?!%=@–—-]*$", re.UNICODE)
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}


def texte(value: str) -> str:
    """A string as a YAML scalar: plain when unambiguous, double-quoted otherwise."""
    if (
        value
        and _PLAIN_FIRST.match(value)
        and _PLAIN_REST.match(value)
        and value == value.strip()
        and value.lower() not in _RESERVED
        and " #" not in value
        and not value.endswith(":")
    ):
        return value
    return _quoted(value)


def _quoted(value: str) -> str:
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) > 0xFFFF:
            out.append(f"\\U{ord(ch):08x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return '"' + "".join(out) + '"'


def _printable(ch: str) -> bool:
    """Characters written as they are (YAML's printable set, minus line and BOM oddities)."""
    o = ord(ch)
    if o in (0x2028, 0x2029, 0xFEFF):
        return False
    return 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF


def montant(value: Decimal) -> str:
    exact = value.quantize(CENT)
    if exact != value:  # pragma: no cover - amounts are checked to the cent before
        raise ValueError(f"montant non arrondi au centime : {value}")
    if exact == exact.to_integral_value():
        return f"{exact.to_integral_value():f}"
    return f"{exact:f}"


def scalaire(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return montant(value)
    if isinstance(value, dt.datetime):  # pragma: no cover - dates are plain dates by then
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return texte(value)
    raise TypeError(f"valeur non prévue dans un dossier : {type(value).__name__}")


def _flow(items: list[Any]) -> str:
    parts = []
    for item in items:
        if isinstance(item, str) and not _CODE.match(item):
            parts.append(_quoted(item))
        else:
            parts.append(scalaire(item))
    return "[" + ", ".join(parts) + "]"


def _block(data: dict[str, Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        if isinstance(value, dict):
            out.append(f"{pad}{key}:")
            _block(value, indent + 2, out)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append(f"{pad}{key}:")
            for item in value:
                lines: list[str] = []
                _block(item, indent + 4, lines)
                first = lines[0][indent + 4 :]
                out.append(f"{pad}  - {first}")
                out.extend(lines[1:])
        elif isinstance(value, list):
            out.append(f"{pad}{key}: {_flow(value)}")
        else:
            out.append(f"{pad}{key}: {scalaire(value)}")


def schema_ref(dossier: Path) -> str:
    """The schema reference for files written in ``dossier``.

    The nearest ``schemas/dossier.schema.json`` found going up from the output
    folder, as a path relative to it (``../../../schemas/dossier.schema.json``
    for ``data/dossiers/2025`` in the repository); when there is none, the
    plain ``schemas/dossier.schema.json``.
    """
    start = Path(os.path.abspath(dossier))
    for parent in (start, *start.parents):
        candidate = parent / SCHEMA
        if candidate.is_file():
            return Path(os.path.relpath(candidate, start)).as_posix()
    return SCHEMA.as_posix()


def commentaire(text: str) -> str:
    """A YAML comment's text: one line, every control character or non-printable one written out (``\\x1b``)."""
    shown = neutralise(" ".join(text.split()))
    return "".join(ch if _printable(ch) else f"\\u{ord(ch):04x}" for ch in shown)


def yaml_dossier(data: dict[str, Any], schema: str, provenance: str | None = None) -> str:
    """The dossier file's text; its comments hold no control character (:func:`commentaire`)."""
    lines = ["# yaml-language-server: $schema=" + commentaire(schema)]
    if provenance:
        lines.append("# " + commentaire(provenance))
    _block(data, 0, lines)
    return "\n".join(lines) + "\n"


class DejaPresent(Exception):
    """The target file exists and replacing was not asked for."""


def ecrit_atomique(
    target: Path,
    text: str,
    remplacer: bool,
    verifie: Callable[[Path], object] | None = None,
    entrees: Iterable[Path] = (),
    fsync: bool = True,
) -> None:
    """Write ``text`` to ``target`` through the one write path (:mod:`cdv_prog.files.output`).

    ``fsync=False``: the file is not flushed to disk on its own; the batch is, at its end
    (:func:`cdv_prog.files.output.sync_folders`).

    ``verifie(temp_path)`` may raise to stop before the file takes its place.
    Without ``remplacer`` an existing file is never touched (DejaPresent);
    ``entrees`` (the workbook, the correspondance) are never written over.
    """
    from cdv_prog.files.output import AlreadyExists, write_output

    try:
        write_output(target, text, entrees, yaml_ok=True, replace=remplacer, verify=verifie, fsync=fsync)
    except AlreadyExists:
        raise DejaPresent(str(target)) from None
