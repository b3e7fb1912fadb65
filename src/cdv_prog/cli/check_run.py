"""What ``cdv check`` does with its parameters, without typer or click.

:mod:`cdv_prog.cli.check` declares the command for typer and calls :func:`run_check`; the fast
path of the console script (:mod:`cdv_prog.cli.fast`) calls it directly, with the same
parameters, when it can read the command line without typer.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from cdv_prog.cli.common import (
    PROGRESS_MIN_FILES,
    announce_rules,
    check_report_target,
    err_console,
    fail_usage,
    find_files,
    load_ruleset,
    nothing_to_check,
    progress,
    report_format,
    stderr_is_own_terminal,
    write_payloads,
    write_report,
)
from cdv_prog.cli.historique import lire_historique
from cdv_prog.render.registry import CHECK, TEXT_FORMATS, Sortie

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from cdv_prog.core.historique import Historique, HistoriqueDossiers
    from cdv_prog.core.report import DossierReport, WalkError
    from cdv_prog.core.ruleset import JeuDeRegles


def run_check(
    paths: list[Path] | None,
    rules: Path | None,
    format: str | None,
    output: Path | None,
    exercice: int | None,
    jobs: int | None,
    problemes_seulement: bool,
    quiet: bool,
    remedes: bool,
    ecrire_remedes: Path | None,
    sans_cache: bool,
    historique: list[Path] | None,
) -> int:
    """``cdv check`` on its parameters (as :func:`cdv_prog.cli.check.check` receives them): the exit code.

    A usage error is shown on standard error and raised (:class:`~cdv_prog.cli.common.CommandExit`, code 2).
    """
    from cdv_prog.core.report import Resume
    from cdv_prog.files.parallel import check_reports, check_reports_par_exercice
    from cdv_prog.programmation.totaux import TotauxParExercice
    from cdv_prog.render.registry import CheckRun, check_encodeur, check_renderer

    format = report_format(CHECK, format, output)
    if (quiet or problemes_seulement) and format != "text":
        option = "--quiet" if quiet else "--problemes-seulement"
        raise fail_usage(f"{option} ne vaut que pour le format text (demandé : {format})")
    regles = load_ruleset(rules)
    announce_rules(rules, regles)
    roots = paths or [Path("data/dossiers")]
    non_lus: list[WalkError] = []
    files = find_files(roots, non_lus)
    if not files and not non_lus:
        raise nothing_to_check(roots, exercice, 0)
    remedes = remedes or ecrire_remedes is not None
    # a batch: its unchanged dossiers are read back from the cache (not with --remedes: they need the dossiers)
    avec_cache = not sans_cache and not remedes and len(files) > 1
    # read exercice after exercice (each file once) only when nothing needs the whole history's index first:
    # a cached report is checked against its view's digest; remedies are verified against each dossier's
    # history view, which is the same whether the index is read first or exercice after exercice
    cache = None
    if avec_cache:  # each entry also records the digest of the history view its dossier was judged with
        from cdv_prog.files.cache import spec_for

        cache = spec_for(regles)
    # the history's records of unchanged files are read back from the cache too
    lecture, seuls = lire_historique(
        files, historique, regles, exercice, jobs, en_un_passage=not avec_cache, cache=cache, garder_lus=True
    )
    inputs = files + [*seuls, *regles.fichiers]
    dirs = [*roots, *(historique or []), *sorted({p.parent for p in regles.fichiers})]
    if output is not None:  # refused before the run, not after
        check_report_target(output, inputs, dirs)
    if ecrire_remedes is not None:  # refused before the run, not after
        _check_remedes_target(ecrire_remedes, dirs)  # neither a folder of dossiers nor of rules
    index = lecture.historique if lecture.historique.dossiers else None
    a_verifier = lecture.rapportables(files, exercice)  # known of another exercice: not re-read
    detail = "resume" if quiet else "problemes" if problemes_seulement else "tout"
    run = CheckRun(regles, Resume(), TotauxParExercice(regles), sortie(output is not None), [], non_lus, detail)
    # the parent only adds up and writes: a worker, or the cache, gives each report back already written in
    # the format (with its amounts for the totals); the remedies are computed in the workers and written
    # with the reports. Not when corrected dossiers are written: that needs the reports themselves.
    encodeur = check_encodeur(format, run) if ecrire_remedes is None else None
    if lecture.groupes is not None:  # exercice after exercice, in path order: each file read once
        reports = check_reports_par_exercice(
            lecture.groupes,
            regles,
            jobs=jobs,
            dossiers=False,
            base=lecture.historique.dossiers,
            remedes=remedes,
            encodeur=encodeur,
            deja_lus=lecture.deja_lus,
        )
    else:
        reports = check_reports(
            a_verifier,
            regles,
            exercice,
            jobs=jobs,
            dossiers=False,
            historique=index,
            cache=cache,
            remedes=remedes,
            encodeur=encodeur,
            empreintes=lecture.empreintes,
            deja_lus=lecture.deja_lus,
        )
    ecrits: list[Path] = []
    if ecrire_remedes is not None:  # without an encodeur, the batch gives the reports themselves
        reports = _remedes(
            cast("Iterator[DossierReport]", reports), regles, ecrire_remedes, inputs, dirs, ecrits, index, calcules=True
        )
    # a bar on stderr would tear a payload streamed to the same terminal (not with --quiet: it comes at the end)
    own_terminal = quiet or output is not None or stderr_is_own_terminal()
    bar = len(files) >= PROGRESS_MIN_FILES and sys.stderr.isatty() and own_terminal
    reports = progress(reports, len(a_verifier), bar, "Vérification des dossiers")
    if exercice is not None and not non_lus:
        first = next(reports, None)  # none of that exercice: nothing was checked (no payload, exit 2)
        if first is None:
            raise nothing_to_check(roots, exercice, len(files))
        reports = itertools.chain([first], reports)
    chunks = check_renderer(format)(run.totaux.follow(run.resume.follow(reports)), run)
    if output is not None:  # streamed into the temporary file, renamed at the end: memory stays bounded
        write_report(output, chunks, inputs, dirs, announce="Rapport écrit")
    else:
        # JSON goes out as UTF-8 bytes, whatever the terminal's encoding
        write_payloads(chunks, for_people=format in TEXT_FORMATS)
    sys.stdout.flush()
    if ecrire_remedes is not None:
        run.messages.append(f"{len(ecrits)} dossier(s) corrigé(s) écrit(s) dans {ecrire_remedes}")
    if run.messages:
        console = err_console()
        for line in run.messages:
            console.print(line, markup=False, highlight=False)
    return run.exit_code


def _check_remedes_target(target: Path, roots: list[Path]) -> None:
    from cdv_prog.files.output import OutputRefused
    from cdv_prog.files.remedied import refuser_dossier

    try:
        if target.exists() and not target.is_dir():
            raise OutputRefused(f"{target} n'est pas un répertoire")
        refuser_dossier(target, roots)
    except OutputRefused as exc:
        raise fail_usage(str(exc)) from None


def _remedes(
    reports: Iterator[DossierReport],
    regles: JeuDeRegles,
    target: Path | None,
    inputs: Iterable[Path],
    dirs: list[Path],
    ecrits: list[Path],
    index: HistoriqueDossiers | None = None,
    *,
    calcules: bool = False,
) -> Iterator[DossierReport]:
    """« Ce qu'il faudrait » on each report, verified with its exercice's view of the history ``index``
    (``calcules``: already on the reports, computed by the batch); with ``target``, the corrected
    dossiers written there."""
    from cdv_prog.core.remedier import ajouter_remedes
    from cdv_prog.files.output import OutputRefused
    from cdv_prog.files.remedied import ecrire

    def vue(report: DossierReport) -> Historique | None:
        return index.vue(report.exercice) if index is not None and report.exercice is not None else None

    out = reports if calcules else (r for report in reports for r in ajouter_remedes([report], regles, vue(report)))
    if target is None:
        return out

    def guarded() -> Iterator[DossierReport]:
        try:
            yield from ecrire(out, target, inputs, dirs, ecrits)
        except OutputRefused as exc:
            raise fail_usage(str(exc)) from None
        except OSError as exc:
            raise fail_usage(f"impossible d'écrire dans {target} : {exc.strerror or exc}") from None

    return guarded()


def sortie(to_file: bool = False) -> Sortie:
    """Where the payload goes: the terminal (colours, its width) or a pipe or file."""
    if not to_file and sys.stdout.isatty():
        import shutil  # only here: it imports the compression modules

        return Sortie(terminal=True, largeur=shutil.get_terminal_size().columns)
    return Sortie()
