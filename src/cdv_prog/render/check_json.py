"""``cdv check --format json``: the reports streamed as one JSON document (``docs/rapports.md``).

Each dossier report is encoded fast: what ``dumps(report.to_dict())`` gives, byte for byte.

A report is mostly its constats, and a constat's ``regle``, ``gravite``,
``statut``, ``source`` and ``parametres`` repeat from one dossier to the next:
their encoded text is kept per (rule, statut, parameters in force), so only the
message is encoded each time. The parameters in force are computed once per
(rule, exercice) (``docs/rapport.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from cdv_prog.core.money import montant_texte
from cdv_prog.core.report import RAPPORT_FORMAT, Encodeur, Rapport, RapportEncode
from cdv_prog.core.texte import representable_json
from cdv_prog.core.valeurs import Enregistrement, Valeurs
from cdv_prog.render.json_stream import _encode, stream
from cdv_prog.render.registry import CheckRun

if TYPE_CHECKING:
    from cdv_prog.core.findings import Constat
    from cdv_prog.core.report import DossierReport
    from cdv_prog.core.ruleset import JeuDeRegles, Regle

FORMAT = RAPPORT_FORMAT  # the versioned name of this document (docs/rapport.md)
ITEM_PAD = "    "  # a dossier inside the "dossiers" list of the streamed document
_CACHE_LIMIT = 4096
_constat_parts: dict[tuple[str, str, str, str, str, str], tuple[str, str]] = {}
# (id of the constat, exercice, pad) → (the constat and the rules, kept alive so their ids are not reused; its text)
_constat_text: dict[tuple[int, int | None, str], tuple[Constat, JeuDeRegles, str]] = {}
# (id of the rule, exercice, pad) → (the rule, kept alive so its id is not reused; encoded parameters)
_parametres_text: dict[tuple[int, int | None, str], tuple[Regle | None, str]] = {}
# the keys of the constats written once, each with its constat (kept alive): kept the second time (_garder)
_vus_text: dict[tuple[int, int | None, str], object] = {}


def _valeur(value: Any) -> Any:
    """A parameter value as JSON: Decimals as exact text (``core.money.montant_texte``), the rest as it is."""
    if isinstance(value, Decimal):
        return montant_texte(value)
    if isinstance(value, (Valeurs, Enregistrement)):  # parameters, or a record of the rules (a Condition)
        return _valeur(value.champs_json())
    if isinstance(value, dict):
        return {str(k): _valeur(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_valeur(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def parametres(regle: Regle | None, exercice: int | None, regles: JeuDeRegles) -> dict[str, Any]:
    """The parameters of ``regle`` in force for ``exercice``: ``{nom: {"valeur": …, "depuis": année | None}}``.

    Empty for a rule without parameters, an unknown rule or exercice, and when a parameter
    has no value yet for that year (the rule is then sans objet).
    """
    if regle is None or exercice is None or not regle.parametres_bruts:
        return {}
    valeurs, _missing = regle.parametres(exercice, regles)
    if valeurs is None:
        return {}
    dump = valeurs.champs_json()
    out: dict[str, Any] = {}
    for name, dated in regle.parametres_bruts.items():
        depuis = None
        for since, _value in dated.values:
            if since is not None and since > exercice:
                break
            depuis = since
        out[name] = {"valeur": _valeur(dump[name] if name in dump else dated.at(exercice)), "depuis": depuis}
    return out


def _parametres(regle_id: str, exercice: int | None, regles: JeuDeRegles, pad: str) -> str:
    regle = regles.regles.get(regle_id)
    key = (id(regle), exercice, pad)
    cached = _parametres_text.get(key)
    if cached is not None and cached[0] is regle:
        return cached[1]
    text = _encode(parametres(regle, exercice, regles), pad)
    if len(_parametres_text) < _CACHE_LIMIT:
        _parametres_text[key] = (regle, text)
    return text


def _constat_texte(c: Constat, pad: str, exercice: int | None, regles: JeuDeRegles) -> str:
    """:func:`_constat`, kept for the very constat object: the engine shares equal constats
    (``core.engine.constat``), so a « sans objet » or a rule met is encoded once per exercice."""
    key = (id(c), exercice, pad)
    found = _constat_text.get(key)
    if found is not None and found[0] is c and found[1] is regles:
        return found[2]
    text = _constat(c, pad, exercice, regles)
    _garder(_constat_text, _vus_text, key, c, regles, text)
    return text


def _garder(
    table: dict[Any, tuple[Constat, JeuDeRegles, Any]],
    vus: dict[Any, object],
    key: Any,
    c: Constat,
    regles: JeuDeRegles,
    value: Any,
) -> None:
    """Keep a shared constat's written form by identity, from the second time it is written.

    The first time, only its key is noted in ``vus``, with the constat. A constat whose message holds
    the dossier's own amounts is written once: kept at once, the messages of ~750 dossiers filled the
    table with 6 MB of text never read again, and it started again, losing the shared ones with them
    (the peer's 4 000 dossiers in JSON: 45 µs a dossier that way, 22 µs now). A constat with its remedy
    or dérogation is its own: never kept. The constat and the rules are kept alive with the text or
    the note, so that their ids are not reused by another object meanwhile.
    """
    if c.remede is not None or c.derogation is not None:
        return
    if vus.get(key) is not c:  # written once so far
        if len(vus) >= _CACHE_LIMIT:
            vus.clear()
        vus[key] = c
        return
    if len(table) >= _CACHE_LIMIT:
        table.clear()
    table[key] = (c, regles, value)


def _constat(c: Constat, pad: str, exercice: int | None, regles: JeuDeRegles) -> str:
    params = _parametres(c.regle, exercice, regles, pad + "  ")
    if c.remede is not None or c.derogation is not None:  # rare: no cache (its remedy, its dérogation)
        return _constat_complet(c, pad, params)
    key = (c.regle, c.gravite, c.statut, c.source, pad, params)
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
        tail = (
            ",\n"
            + inner
            + '"source": '
            + encode_basestring(c.source)
            + ",\n"
            + inner
            + '"parametres": '
            + params
            + "\n"
            + pad
            + "}"
        )
        parts = (head, tail)
        if len(_constat_parts) < _CACHE_LIMIT:
            _constat_parts[key] = parts
    return parts[0] + encode_basestring(c.message) + parts[1]


def _constat_complet(c: Constat, pad: str, params: str) -> str:
    """A constat with the keys only a failed one may carry (``remede``, ``derogation``), before ``parametres``."""
    inner = pad + "  "
    fields = [f"{encode_basestring(k)}: {_encode(v, inner)}" for k, v in c.to_dict().items()]
    fields.append('"parametres": ' + params)
    return "{\n" + inner + (",\n" + inner).join(fields) + "\n" + pad + "}"


def encode_report(report: DossierReport, regles: JeuDeRegles, pad: str = ITEM_PAD) -> str:
    """The JSON text of ``report.to_dict()`` indented as an item at ``pad``, each constat
    with the ``parametres`` of its rule in force for the dossier's exercice.

    Its parts are joined once (a report is ~16 KB: each ``+`` on the whole would copy it again).
    """
    inner = pad + "  "
    parts = [_debut(report, inner)]
    if report.constats:
        sub = inner + "  "
        ex = report.exercice
        found = _constat_text.get
        between = ",\n" + sub
        parts.append("[\n" + sub)
        for i, c in enumerate(report.constats):
            if i:
                parts.append(between)
            kept = found((id(c), ex, sub))
            parts.append(
                kept[2]
                if kept is not None and kept[0] is c and kept[1] is regles
                else _constat_texte(c, sub, ex, regles)
            )
        parts.append("\n" + inner + "]")
    else:
        parts.append("[]")
    parts.append(_fin(report, inner, pad))
    return "".join(parts)


def _debut(report: DossierReport, inner: str) -> str:
    """A report's text up to its constats (:func:`encode_report`)."""
    sep = ",\n" + inner
    return (
        "{\n"
        + inner
        + '"id": '
        + _encode(report.id, inner)
        + sep
        + '"fichier": '
        + _encode(report.fichier, inner)
        + sep
        + '"exercice": '
        + _encode(report.exercice, inner)
        + sep
        + '"verdict": '
        + _encode(report.verdict, inner)
        + sep
        + '"constats": '
    )


def _fin(report: DossierReport, inner: str, pad: str) -> str:
    """A report's text after its constats (:func:`encode_report`)."""
    sep = ",\n" + inner
    out = sep + '"erreurs": ' + _encode([e.to_dict() for e in report.erreurs], inner)
    for k, v in report.extra_dict().items():
        out += f"{sep}{encode_basestring(k)}: {_encode(v, inner)}"
    return out + "\n" + pad + "}"


# (exercice, pad) → id of the constat → (the constat and the rules, kept alive; its text in UTF-8): one table
# per exercice and pad, so that a report's constats are looked up by their id alone (no key made for each)
_constat_octets: dict[tuple[int | None, str], dict[int, tuple[Constat, JeuDeRegles, bytes]]] = {}
_vus_octets: dict[tuple[int | None, str], dict[int, object]] = {}
# pad → the bytes around a report's constats: before the first, between two, after the last
_separateurs: dict[str, tuple[bytes, bytes, bytes]] = {}


def encode_report_octets(report: DossierReport, regles: JeuDeRegles, pad: str = ITEM_PAD) -> bytes:
    """:func:`encode_report` in UTF-8, made representable (:func:`octets`): the same bytes.

    A shared constat's UTF-8 is kept as its text is (a report is mostly constats): the report is
    joined from bytes, and only what is new in it is encoded. Text that UTF-8 cannot encode (a lone
    surrogate) takes the long way.
    """
    try:
        inner = pad + "  "
        parts = [_debut(report, inner).encode("utf-8")]
        if report.constats:
            sub = inner + "  "
            ex = report.exercice
            seps = _separateurs.get(pad)
            if seps is None:
                seps = _separateurs[pad] = (
                    ("[\n" + sub).encode("utf-8"),
                    (",\n" + sub).encode("utf-8"),
                    ("\n" + inner + "]").encode("utf-8"),
                )
            table = _constat_octets.get((ex, sub))
            if table is None:
                if len(_constat_octets) >= _CACHE_LIMIT:
                    _constat_octets.clear()
                    _vus_octets.clear()
                table = _constat_octets[ex, sub] = {}
                vus = _vus_octets[ex, sub] = {}
            else:
                vus = _vus_octets[ex, sub]
            found = table.get
            between = seps[1]
            parts.append(seps[0])
            for i, c in enumerate(report.constats):
                if i:
                    parts.append(between)
                kept = found(id(c))
                if kept is not None and kept[0] is c and kept[1] is regles:
                    parts.append(kept[2])
                    continue
                written = _constat(c, sub, ex, regles).encode("utf-8")
                _garder(table, vus, id(c), c, regles, written)
                parts.append(written)
            parts.append(seps[2])
        else:
            parts.append(b"[]")
        parts.append(_fin(report, inner, pad).encode("utf-8"))
    except UnicodeEncodeError:
        return octets(encode_report(report, regles, pad))
    return b"".join(parts)


def encodeur(run: CheckRun) -> Encodeur:
    """One dossier's item of the document (:func:`encode_report`): what a ``--jobs`` worker writes."""
    regles = run.regles
    return Encodeur(
        "json",
        lambda report: representable_json(encode_report(report, regles)),
        en_octets=lambda report: encode_report_octets(report, regles),
        profondeur=1,  # no line in the document: the top-level keys' only (the id's, for the batch)
    )


def octets(text: str) -> bytes:
    """The UTF-8 bytes of a report's JSON text, made representable (:func:`representable_json`) when needed.

    Encoded once: checking that the text is representable and encoding it are the same step.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return representable_json(text).encode("utf-8")


def render(reports: Iterable[Rapport], run: CheckRun) -> Iterator[str | bytes]:
    """``{"format", "version", "empreinte", "dossiers": [...], "resume": {...}, "totaux": {...}}``,
    one dossier at a time.

    When a folder could not be searched, ``"erreurs-lecture": [{"chemin", "message"}, …]``
    comes after ``resume`` (the key is absent otherwise).
    """
    from cdv_prog import __version__

    regles = run.regles
    items = (r.texte if isinstance(r, RapportEncode) else encode_report_octets(r, regles) for r in reports)
    head = {"format": FORMAT, "version": __version__, "empreinte": run.regles.empreinte}
    return stream("dossiers", items, lambda: _tail(run), head)


def _tail(run: CheckRun) -> dict[str, Any]:
    tail: dict[str, Any] = {"resume": run.resume.to_dict()}
    if run.non_lus:
        tail["erreurs-lecture"] = [error.to_dict() for error in run.non_lus]
    tail["totaux"] = run.totaux.to_dict()
    return tail
