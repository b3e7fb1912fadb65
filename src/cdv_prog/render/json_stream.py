"""JSON written as it goes: byte-identical to ``json.dumps(doc, indent=2)``.

The ``dossiers`` list is streamed one item at a time, so memory does not grow
with the batch; the keys after it (``resume``…) are written at the end.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, TextIO


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _indented(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def write_stream(out: TextIO, key: str, items: Iterable[dict[str, Any]], tail: Callable[[], dict[str, Any]]) -> None:
    """Write ``{key: [items…], **tail()}`` to ``out``; ``tail`` is called after the items."""
    out.write("{\n" + f'  {json.dumps(key)}: [')
    first = True
    for item in items:
        out.write(("\n" if first else ",\n") + _indented(dumps(item), 4))
        first = False
    out.write("]" if first else "\n  ]")
    for k, v in tail().items():
        out.write(",\n" + f"  {json.dumps(k)}: " + _indented(dumps(v), 2).lstrip())
    out.write("\n}\n")
