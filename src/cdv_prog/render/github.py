"""GitHub Actions annotations: one ``::error``/``::warning`` workflow command per finding.

A CI run that prints these lines gets the finding shown on the exact line of
the offending file. Syntax (GitHub « workflow commands »)::

    ::error file=data/d.yaml,line=12,title=plancher-financeur::Ville : 450,00 € < plancher…

Properties escape ``%``, CR, LF, ``:`` and ``,``; the message escapes ``%``,
CR and LF. Paths are shown relative to the current folder when they are inside
it (that is how GitHub matches them against the repository).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from ..batch import DossierReport
    from ..regles import RuleProblem, RuleSet

LEVELS = ("error", "warning", "notice")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_path(path: str) -> str:
    """``path`` relative to the current folder when inside it, with ``/`` separators."""
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive (Windows)
            rel = path
        if not rel.startswith(".."):
            path = rel
    return path.replace(os.sep, "/")


def command(level: str, message: str, file: str | None = None, line: int | None = None, title: str | None = None) -> str:
    """One workflow command line (without the newline)."""
    if level not in LEVELS:
        raise ValueError(level)
    props = []
    if file:
        props.append(f"file={escape_property(annotation_path(file))}")
        if line:
            props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{level}" + (" " + ",".join(props) if props else "")
    return f"{head}::{escape_data(message)}"


def champ_of(regles: "RuleSet", rule_id: str, exercice: int | None) -> str | None:
    """The dossier field a rule is about: its ``champ`` parameter, else its kind's ``CHAMP``."""
    regle = regles.regles.get(rule_id)
    if regle is None:
        return None
    if "champ" in regle.parametres_bruts and exercice is not None:
        params, _ = regle.parametres(exercice, regles)
        champ = getattr(params, "champ", None)
        if isinstance(champ, str):
            return champ
    champ = getattr(regle.kind, "CHAMP", None)
    return champ if isinstance(champ, str) else None


def dossier_commands(report: "DossierReport", regles: "RuleSet") -> Iterator[str]:
    """Errors of an ``invalide`` dossier, failed bloquant (error) and avertissement (warning) rules."""
    for err in report.erreurs:
        champ = f"[{err.champ}] " if err.champ else ""
        yield command("error", f"dossier invalide : {champ}{err.message}", report.fichier, err.ligne, "dossier invalide")
    for c in report.constats:
        if c.statut != "echec":
            continue
        level = {"bloquant": "error", "avertissement": "warning"}.get(c.gravite, "notice")
        line = report.ligne(champ_of(regles, c.regle, report.exercice))
        label = "inéligible" if c.gravite == "bloquant" else "réserve" if c.gravite == "avertissement" else "information"
        yield command(level, f"{label} : {c.message} (source : {c.source})", report.fichier, line, c.regle)
    for alerte in report.alertes:
        line = report.ligne("porteur.siret" if "SIRET" in alerte else None)
        yield command("warning", alerte, report.fichier, line, "alerte")


def rule_problem_commands(problems: "list[RuleProblem]", level: str = "error") -> Iterator[str]:
    for p in problems:
        champ = f"[{p.champ}] " if p.champ else ""
        yield command(level, f"{champ}{p.message}", p.fichier, p.ligne, "règles")
