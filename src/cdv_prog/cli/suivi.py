"""``cdv suivi ID [PATH …]``: one action across its exercices (SPEC §5)."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Annotated

import typer

from cdv_prog.cli.common import (
    announce_rules,
    check_report_target,
    fail_usage,
    find_files,
    load_ruleset,
    nothing_to_check,
    output_help,
    report_format,
    write_payload,
    write_report,
)
from cdv_prog.cli.options import HistoriqueOpt, JobsOpt, PathsArg, RulesOpt, format_option, output_option
from cdv_prog.render.registry import SUIVI, TEXT_FORMATS

FORMAT_HELP = "Format : text, json ou html (page autonome). Défaut : text, ou celui qu'indique l'extension de --output."
ID_HELP = "Identifiant d'un des dossiers de l'action (n'importe quelle année), ex. CDV-2025-008."


def suivi(
    ident: Annotated[str, typer.Argument(metavar="ID", help=ID_HELP, show_default=False)],
    paths: PathsArg = None,
    rules: RulesOpt = None,
    format: Annotated[str | None, format_option(SUIVI, FORMAT_HELP)] = None,
    output: Annotated[Path | None, output_option(output_help(SUIVI))] = None,
    historique: HistoriqueOpt = None,
    jobs: JobsOpt = None,
) -> None:
    """Suivi d'une action sur ses exercices : verdicts, montants retenus par financeur, CPO, bilans, ruptures."""
    from cdv_prog.core.texte import short
    from cdv_prog.files.dossiers import check_file
    from cdv_prog.files.historique import construire
    from cdv_prog.files.parallel import index_records
    from cdv_prog.render.registry import load
    from cdv_prog.workflow.suivi import suivre

    format = report_format(SUIVI, format, output)
    regles = load_ruleset(rules)
    announce_rules(rules, regles)
    roots = paths or [Path("data/dossiers")]
    files = find_files(roots)
    seuls = find_files(historique) if historique else []
    tous = list(dict.fromkeys([*files, *seuls]))
    if not tous:
        raise nothing_to_check(roots, None, 0)
    inputs = [*tous, *regles.fichiers]
    dirs = [*roots, *(historique or []), *sorted({p.parent for p in regles.fichiers})]
    if output is not None:
        check_report_target(output, inputs, dirs)
    # every file is history here: the invalid ones are warned about, none is reported
    lecture = construire(index_records(tous, regles, jobs), set(), None)
    index = lecture.historique
    if index.trouver(ident) is None:
        ids = sorted(d.id for d in index.dossiers)
        close = difflib.get_close_matches(ident, ids, n=3, cutoff=0.6)
        proches = f" ; identifiants proches : {', '.join(close)}" if close else ""
        raise fail_usage(f"dossier « {short(ident)} » introuvable parmi {len(ids)} dossier(s) valides{proches}")
    resultat = suivre(index, ident)
    assert resultat is not None  # the id is in the index
    verdicts, derogations = {}, {}
    for annee in resultat.annees:  # each year judged with its own history, as cdv check would
        report = check_file(Path(annee.dossier.fichier), regles, index)
        if report.verdict is not None:
            verdicts[annee.dossier.id] = report.verdict
        if report.par_derogation and report.derogation is not None:
            derogations[annee.dossier.id] = report.derogation.decision
    resultat = suivre(index, ident, verdicts, derogations)
    assert resultat is not None
    from cdv_prog.cli.common import err_console

    for message in lecture.avertissements:
        err_console().print(f"Avertissement : {message}", markup=False, highlight=False)
    payload = load(SUIVI, format)(resultat, regles)
    if output is not None:
        write_report(output, payload, inputs, dirs, announce="Suivi écrit")
    else:
        write_payload(payload, for_people=format in TEXT_FORMATS)
    sys.stdout.flush()
    raise typer.Exit(1 if resultat.ruptures or any(v != "eligible" for v in verdicts.values()) else 0)
