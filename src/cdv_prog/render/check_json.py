"""``cdv check --format json``: the reports streamed as one JSON document (``docs/rapports.md``).

Each dossier report is encoded fast: what ``dumps(report.to_dict())`` gives, byte for byte.

A report is mostly its constats, and a constat's ``regle``, ``gravite``,
``statut`` and ``source`` repeat from one dossier to the next: their encoded
text is kept per (rule, statut), so only the message is encoded each time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from cdv_prog.render.json_stream import _encode, stream
from cdv_prog.render.registry import CheckRun

if TYPE_CHECKING:
    from cdv_prog.core.findings import Constat
    from cdv_prog.core.report import DossierReport

ITEM_PAD = "    "  # a dossier inside the "dossiers" list of the streamed document
_CACHE_LIMIT = 4096
_constat_parts: dict[tuple[str, str, str, str, str], tuple[str, str]] = {}


def _constat(c: Constat, pad: str) -> str:
    key = (c.regle, c.gravite, c.statut, c.source, pad)
    parts = _constat_parts.get(key)
    if parts is None:
        inner = pad + "  "
        head = (
            "{\n"
            + inner
            + '"regle": '
            + encode_basestring(c.regle)
            + ",\n"
            + inner
            + '"gravite": '
            + encode_basestring(c.gravite)
            + ",\n"
            + inner
            + '"statut": '
            + encode_basestring(c.statut)
            + ",\n"
            + inner
            + '"message": '
        )
        tail = ",\n" + inner + '"source": ' + encode_basestring(c.source) + "\n" + pad + "}"
        parts = (head, tail)
        if len(_constat_parts) < _CACHE_LIMIT:
            _constat_parts[key] = parts
    return parts[0] + encode_basestring(c.message) + parts[1]


def encode_report(report: DossierReport, pad: str = ITEM_PAD) -> str:
    """The JSON text of ``report.to_dict()`` indented as an item at ``pad``."""
    inner = pad + "  "
    if report.constats:
        sub = inner + "  "
        constats = "[\n" + sub + (",\n" + sub).join(_constat(c, sub) for c in report.constats) + "\n" + inner + "]"
    else:
        constats = "[]"
    fields = [
        '"id": ' + _encode(report.id, inner),
        '"fichier": ' + _encode(report.fichier, inner),
        '"exercice": ' + _encode(report.exercice, inner),
        '"verdict": ' + _encode(report.verdict, inner),
        '"constats": ' + constats,
        '"erreurs": ' + _encode([e.to_dict() for e in report.erreurs], inner),
    ]
    return "{\n" + inner + (",\n" + inner).join(fields) + "\n" + pad + "}"


def render(reports: Iterable[DossierReport], run: CheckRun) -> Iterator[str]:
    """``{"dossiers": [...], "resume": {...}, "totaux": {...}}``, one dossier at a time.

    When a folder could not be searched, ``"erreurs-lecture": [{"chemin", "message"}, …]``
    comes after ``resume`` (the key is absent otherwise).
    """
    items = (encode_report(report) for report in reports)
    return stream("dossiers", items, lambda: _tail(run))


def _tail(run: CheckRun) -> dict[str, Any]:
    tail: dict[str, Any] = {"resume": run.resume.to_dict()}
    if run.non_lus:
        tail["erreurs-lecture"] = [error.to_dict() for error in run.non_lus]
    tail["totaux"] = run.totaux.to_dict()
    return tail
