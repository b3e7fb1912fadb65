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
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from cdv_prog.core.texte import visible

if TYPE_CHECKING:
    from cdv_prog.core.findings import RuleProblem
    from cdv_prog.core.report import DossierReport, Encodeur, Rapport
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.render.registry import CheckRun
    from cdv_prog.workflow.cases import CaseResult
    from cdv_prog.workflow.lint import Verification

LEVELS = ("error", "warning", "notice")
NIVEAUX = {"bloquant": "error", "avertissement": "warning", "information": "notice"}
LABELS = {"bloquant": "inéligible", "avertissement": "réserve", "information": "information"}


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


def command(
    level: str, message: str, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
    """One workflow command line (without the newline).

    Control characters, bidi controls and undecodable bytes of the values are written out
    (:func:`~cdv_prog.core.texte.visible`); the newlines of a message of several lines are kept
    (escaped ``%0A``: GitHub shows them as line breaks of the one annotation).
    """
    if level not in LEVELS:
        raise ValueError(level)
    props = []
    if file:
        props.append(f"file={escape_property(visible(annotation_path(file)))}")
        if line:
            props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(visible(title))}")
    head = f"::{level}" + (" " + ",".join(props) if props else "")
    lines = "\n".join(visible(part) for part in message.split("\n"))
    return f"{head}::{escape_data(lines)}"


def champ_of(regles: JeuDeRegles, rule_id: str, exercice: int | None) -> str | None:
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


def dossier_commands(report: DossierReport, regles: JeuDeRegles) -> Iterator[str]:
    """Errors of an ``invalide`` dossier, failed bloquant (error) and avertissement (warning) rules."""
    for err in report.erreurs:
        champ = f"[{err.champ}] " if err.champ else ""
        yield command(
            "error", f"dossier invalide : {champ}{err.message}", report.fichier, err.ligne, "dossier invalide"
        )
    for c in report.constats:
        if c.statut != "echec":
            continue
        level = NIVEAUX[c.gravite]
        line = report.ligne(champ_of(regles, c.regle, report.exercice))
        label = LABELS[c.gravite]
        if c.derogation is not None:  # not a CI error: the COPIL decided to fund all the same
            level, label = "notice", f"{label} sans la dérogation « {c.derogation.decision} »"
        message = f"{label} : {c.message} (source : {c.source})"
        if c.remede is not None:
            message += f"\nCe qu'il faudrait : {c.remede.phrase}"
        yield command(level, message, report.fichier, line, c.regle)
    if report.remedes_calcules and report.verdict == "ineligible":
        phrase = report.pour_etre_eligible.phrase if report.pour_etre_eligible else report.pour_etre_eligible_impossible
        yield command("notice", f"pour être éligible : {phrase}", report.fichier, None, "ce qu'il faudrait")
    for d in report.derogations_sans_objet:
        message = f"dérogation sans objet : « {d.decision} » ({', '.join(d.regles)} : pas en échec)"
        yield command("notice", message, d.fichier, d.ligne, "dérogation")


def rule_problem_commands(problems: list[RuleProblem], level: str = "error") -> Iterator[str]:
    for p in problems:
        champ = f"[{p.champ}] " if p.champ else ""
        yield command(level, f"{champ}{p.message}", p.fichier, p.ligne, "règles")


def encodeur(run: CheckRun) -> Encodeur:
    """One dossier's annotations (nothing when it has none): what a ``--jobs`` worker writes."""
    from cdv_prog.core.report import Encodeur

    regles = run.regles

    def encode(report: DossierReport) -> str:
        lines = list(dossier_commands(report, regles))
        return "\n".join(lines) + "\n" if lines else ""

    return Encodeur("github", encode)


def check(reports: Iterable[Rapport], run: CheckRun) -> Iterator[str]:
    """``cdv check --format github``: the annotations on stdout; the summary goes to stderr."""
    from cdv_prog.core.report import RapportEncode
    from cdv_prog.render.check_summary import exceeded_lines, summary_reasons

    encode = encodeur(run).encode
    for report in reports:
        text = report.en_texte if isinstance(report, RapportEncode) else encode(report)
        if text:
            yield text
    # neither is about a line of a dossier file: annotations without file=
    tail = [command("error", str(e), title="erreur de lecture") for e in run.non_lus]
    tail += [command("error", line, title="enveloppe dépassée") for line in exceeded_lines(run)]
    if tail:
        yield "\n".join(tail) + "\n"
    r = run.resume
    run.messages.append(
        f"{r.total} dossier(s) : {r.eligible} éligible(s)"
        + (f" dont {r.par_derogation} par dérogation" if r.par_derogation else "")
        + f", {r.ineligible} inéligible(s), {r.invalide} invalide(s)"
    )
    run.messages.extend(summary_reasons(run))


def verifier(v: Verification) -> bytes:
    """``cdv regles verifier --format github``: one annotation per finding."""
    lines = []
    for f in v.problemes:
        level = {"erreur": "error", "avertissement": "warning"}.get(f.niveau, "notice")
        champ = f"[{f.champ}] " if f.champ else ""
        lines.append(command(level, f"{champ}{f.message}", f.fichier, f.ligne, "cdv regles verifier"))
    return "".join(line + "\n" for line in lines).encode("utf-8")


def tester(results: list[CaseResult]) -> bytes:
    """``cdv regles tester --format github``: the text lines, and an annotation under each failed case."""
    from cdv_prog.render.workflow import result_lines, summary_line

    lines = []
    for r in results:
        lines += [visible(line) for line in result_lines(r)]
        if not r.passed:
            details = "\n".join(visible(d) for d in r.details)  # one line each: their own newlines written out
            lines.append(command("error", details, r.chemin, r.ligne, f"cas de test : {r.nom}"))
    lines.append(summary_line(results))
    return "".join(line + "\n" for line in lines).encode("utf-8")
