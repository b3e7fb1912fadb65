"""SARIF 2.1.0: the findings of ``cdv check`` and ``cdv regles verifier`` for code scanning (``docs/sarif.md``).

One run, its tool ``cdv`` and the rules it may report (``tool.driver.rules``),
then one result per finding:

* ``cdv check`` — each failed constat (``echec``; bloquant → ``error``,
  avertissement → ``warning``, information → ``note``) on the line of the
  field its rule is about (the line map of ``--format github``), and each
  reading error of an ``invalide`` dossier (rule ``dossier-invalide``). The
  document is streamed: the rules come from the rule set, the results as the
  reports come, then the closing brackets.
* ``cdv regles verifier`` — each finding of the rules files, its rule named by
  its level (``regles-erreur``, ``regles-avertissement``, ``regles-information``).

``partialFingerprints`` is a SHA-256 of the rule, the dossier, the file (and
for what has no rule of its own, the field or message), and the rank among
identical findings: it does not move when lines shift, so code scanning does
not open an alert twice. The text is what ``json.dumps(doc, ensure_ascii=False,
indent=2)`` gives, the same bytes for the same input whatever ``--jobs``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cdv_prog.core.report import Encodeur, Rapport, RapportEncode
from cdv_prog.core.texte import representable_json, visible
from cdv_prog.render.github import LABELS, annotation_path, champ_of
from cdv_prog.render.json_stream import _encode, dumps

if TYPE_CHECKING:
    from cdv_prog.core.report import DossierReport
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.render.registry import CheckRun
    from cdv_prog.workflow.lint import Verification

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# The reference ``cdv regles doc -o docs/regles.html`` writes: each rule's heading has the anchor ``regle-<id>``.
REFERENCE = "docs/regles.html"
FINGERPRINT = "cdvFinding/v1"

NIVEAUX = {"bloquant": "error", "avertissement": "warning", "information": "note"}
DOSSIER_INVALIDE = "dossier-invalide"
VERIFIER_RULES = {
    "erreur": ("regles-erreur", "error", "Erreur dans les règles", "Les règles ne peuvent être chargées : à corriger."),
    "avertissement": (
        "regles-avertissement",
        "warning",
        "Avertissement sur les règles",
        "Les règles se chargent, mais ce point mérite d'être revu.",
    ),
    "information": ("regles-information", "note", "Information sur les règles", "Remarque sur les règles."),
}

RESULT_PAD = "        "  # a result inside runs[0].results


def help_uri(rule_id: str) -> str:
    """The rule's section of the generated reference, relative to the repository: ``docs/regles.html#regle-<id>``."""
    return f"{REFERENCE}#regle-{quote(rule_id.encode('utf-8', 'surrogateescape'), safe='')}"


def artifact_uri(path: str) -> str:
    """``path`` as a URI reference: relative to the current folder when inside it, ``/`` separators, escaped."""
    shown = annotation_path(path)
    raw = shown.encode("utf-8", "surrogateescape")  # a byte of a name that is not UTF-8 becomes %XX
    if os.path.isabs(shown):
        return "file:///" + quote(raw.lstrip(b"/"), safe="/:")
    return quote(raw, safe="/")


def fingerprint(*parts: str) -> str:
    data = "\x00".join(parts).encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()


def _text(text: str) -> dict[str, str]:
    return {"text": text}


def _driver(rules: list[dict[str, Any]]) -> dict[str, Any]:
    from cdv_prog import __version__

    return {"driver": {"name": "cdv", "version": __version__, "rules": rules}}


def check_rules(regles: JeuDeRegles) -> list[dict[str, Any]]:
    """The dossier rules of the set, in its order, then ``dossier-invalide``."""
    rules: list[dict[str, Any]] = []
    for r in regles.regles.values():
        rules.append(
            {
                "id": r.id,
                "name": r.id,
                "shortDescription": _text(r.titre or r.id),
                "fullDescription": _text(r.source),
                "helpUri": help_uri(r.id),
                "defaultConfiguration": {"level": NIVEAUX[r.gravite]},
            }
        )
    rules.append(
        {
            "id": DOSSIER_INVALIDE,
            "name": DOSSIER_INVALIDE,
            "shortDescription": _text("Dossier invalide"),
            "fullDescription": _text("Le fichier ne peut être lu comme un dossier : il n'est pas jugé."),
            "defaultConfiguration": {"level": "error"},
        }
    )
    return rules


def _result(
    rule_id: str,
    index: int | None,
    level: str,
    message: str,
    fichier: str,
    line: int | None,
    key: tuple[str, ...],
    seen: dict[tuple[str, ...], int],
) -> dict[str, Any]:
    rank = seen.get(key, 0)
    seen[key] = rank + 1
    location: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(fichier)}}
    if line:
        location["region"] = {"startLine": int(line)}
    result: dict[str, Any] = {"ruleId": rule_id}
    if index is not None:
        result["ruleIndex"] = index
    result["level"] = level
    result["message"] = _text("\n".join(visible(part) for part in message.split("\n")))
    result["locations"] = [{"physicalLocation": location}]
    result["partialFingerprints"] = {FINGERPRINT: fingerprint(*key, str(rank))}
    return result


def dossier_results(report: DossierReport, regles: JeuDeRegles, index: dict[str, int]) -> Iterator[dict[str, Any]]:
    """The results of one dossier: its reading errors, then its failed constats."""
    seen: dict[tuple[str, ...], int] = {}
    uri = artifact_uri(report.fichier)
    dossier = report.id or ""
    for err in report.erreurs:
        champ = f"[{err.champ}] " if err.champ else ""
        key: tuple[str, ...] = (DOSSIER_INVALIDE, dossier, uri, err.champ, err.message)
        yield _result(
            DOSSIER_INVALIDE,
            index[DOSSIER_INVALIDE],
            "error",
            f"dossier invalide : {champ}{err.message}",
            report.fichier,
            err.ligne,
            key,
            seen,
        )
    for c in report.constats:
        if c.statut != "echec":
            continue
        line = report.ligne(champ_of(regles, c.regle, report.exercice))
        message = f"{dossier + ' — ' if dossier else ''}{LABELS[c.gravite]} : {c.message}"  # the source: the rule's
        if c.remede is not None:
            message += f" — ce qu'il faudrait : {c.remede.phrase}"
        key = (c.regle, dossier, uri)
        result = _result(c.regle, index.get(c.regle), NIVEAUX[c.gravite], message, report.fichier, line, key, seen)
        if c.derogation is not None:  # SARIF's own word for it: a result suppressed by a decision outside the code
            d = c.derogation
            justification = f"dérogation : {d.decision} ({d.auteur}, {d.date:%d/%m/%Y}, {d.lieu})"
            result["suppressions"] = [
                {"kind": "external", "status": "accepted", "justification": visible(justification)}
            ]
        yield result


def encodeur(run: CheckRun) -> Encodeur:
    """One dossier's results, joined (nothing when it has none): what a ``--jobs`` worker writes."""
    return _encodeur(run, {rule["id"]: i for i, rule in enumerate(check_rules(run.regles))})


def _encodeur(run: CheckRun, index: dict[str, int]) -> Encodeur:
    regles = run.regles

    def encode(report: DossierReport) -> str:
        items = [_encode(result, RESULT_PAD) for result in dossier_results(report, regles, index)]
        return representable_json((",\n" + RESULT_PAD).join(items))

    return Encodeur("sarif", encode, octets=True)


def check(reports: Iterable[Rapport], run: CheckRun) -> Iterator[str | bytes]:
    """``cdv check --format sarif``: one SARIF log, streamed one dossier at a time."""
    rules = check_rules(run.regles)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    head = (
        "{\n"
        + '  "$schema": '
        + _encode(SCHEMA, "  ")
        + ',\n  "version": "2.1.0",\n  "runs": [\n    {\n      "tool": '
        + _encode(_driver(rules), "      ")
        + ',\n      "results": ['
    )
    yield representable_json(head)
    encode = _encodeur(run, index).encode
    first = True
    for report in reports:
        if isinstance(report, RapportEncode):
            if report.texte:
                lead = ("\n" if first else ",\n") + RESULT_PAD
                texte = report.texte
                yield lead.encode("utf-8") + texte if isinstance(texte, bytes) else lead + texte
                first = False
            continue
        text = encode(report)
        if text:
            yield ("\n" if first else ",\n") + RESULT_PAD + text
            first = False
    yield ("]" if first else "\n      ]") + "\n    }\n  ]\n}\n"


def verifier(v: Verification) -> bytes:
    """``cdv regles verifier --format sarif``: one result per finding of the rules files."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for niveau, (rule_id, level, short, full) in VERIFIER_RULES.items():
        index[niveau] = len(rules)
        rules.append(
            {
                "id": rule_id,
                "name": rule_id,
                "shortDescription": _text(short),
                "fullDescription": _text(full),
                "defaultConfiguration": {"level": level},
            }
        )
    seen: dict[tuple[str, ...], int] = {}
    results = []
    for f in v.problemes:
        rule_id, level, _, _ = VERIFIER_RULES[f.niveau]
        champ = f"[{f.champ}] " if f.champ else ""
        key = (rule_id, artifact_uri(f.fichier), f.champ, f.message)
        results.append(_result(rule_id, index[f.niveau], level, f"{champ}{f.message}", f.fichier, f.ligne, key, seen))
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [{"tool": _driver(rules), "results": results}]}
    return (dumps(doc) + "\n").encode("utf-8")
