"""The parallel batch (``cdv check --jobs N``): dossiers checked in worker processes.

The files are cut into chunks in path order; each worker process reads and
checks a chunk with the rule set (inherited from the parent when the process
is forked: loaded once, never re-read) and sends the reports back. The parent
takes the chunks back **in order**, a bounded number in flight at a time, and
applies the batch rules that need the whole sequence (repeated ids, the
``--exercice`` filter) exactly as the sequential batch does: the output is
byte for byte that of ``--jobs 1``, and memory does not grow with the batch.

Sending a validated dossier from one process to another costs about as much
as a third of checking it. A caller that needs only its amounts (the totals
of ``cdv check``, ``cdv regles diff``) asks for ``dossiers=False``: reports
checked in a worker then come back with their ``montants`` and without the
dossier itself (``report.dossier`` is None).

« Ce qu'il faudrait » (``remedes=True``, ``cdv check --remedes``) is computed
where the report is made — in the worker, with the history view of the
report's exercice — and travels with it (each failed constat's ``remede``,
``pour_etre_eligible``): the parent does nothing more, and needs no dossier.

Worker processes are started with ``fork``, on Linux; elsewhere the batch
runs sequentially. No worker outlives the batch: when it ends early (an
error, Ctrl-C, SIGTERM or SIGHUP to the parent) the workers are stopped at
once, and a worker whose parent dies anyway (SIGKILL) is killed by the kernel
(``PR_SET_PDEATHSIG``) or, failing that, notices it and exits.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, cast, overload

from cdv_prog.core.findings import Constat
from cdv_prog.core.historique import DossierAnterieur, HistoriqueDossiers
from cdv_prog.core.report import DossierReport, Encodeur, Rapport, RapportEncode, profondeur_lignes
from cdv_prog.files.dossiers import GROUPE, Chemins, check_files, check_group, en_groupes, filter_reports
from cdv_prog.files.interrupt import interruptible
from cdv_prog.files.loader import LoadError, deja_lus_de

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.files.cache import CacheSpec, ReportCache
    from cdv_prog.files.loader import DejaLus
    from cdv_prog.files.workers import Tache, Workers

MIN_FILES_PER_JOB = 100  # below this many files per process, starting processes costs more than it saves
# the history's index: fewer files to read than this (a warm run's misses, its invalid files), read here — a
# pool's start and end cost more than reading them (a warm run of the mixed lot, 200 misses: 2.48 -> 2.30 s)
INDEX_POOL_MIN = 1000
MAX_CHUNK = 64  # files per task: big enough to amortise the exchange, small enough to balance the load
IN_FLIGHT_PER_JOB = 4  # chunks submitted ahead per process: bounds the memory held by finished reports


class _WorkerState(TypedDict, total=False):
    regles: JeuDeRegles
    dossiers: bool  # send back the dossiers too (else only their amounts)
    remedes: bool  # compute « ce qu'il faudrait » on each report before sending it back
    historique: HistoriqueDossiers | None  # the history's index (SPEC §5), inherited by the fork: sent once
    cache: CacheSpec  # the incremental cache, opened by each worker on its first chunk
    encodeur: Encodeur  # send back each report written in the output's format (RapportEncode), not the report
    resumer: Callable[[DossierReport], object]  # the caller's summary of each report, made in the worker
    deja_lus: DejaLus  # files' bytes the quick look read: the worker's copy, made by the fork (files.loader)


# Set in the parent just before the workers are forked, read by them.
_WORKER_STATE: _WorkerState = {}


class _Tache(Protocol):
    """A batch's task: a chunk of files, and the batch's state — a worker's is the one it inherited (the
    default); the parent, checking a chunk itself, gives its batch's (two batches may run side by side, as
    ``cdv regles diff``'s, while the module's state is the last one forked)."""

    def __call__(self, paths: Sequence[str | Path], etat: _WorkerState = ..., /) -> list[Any]: ...


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Worker processes are forked, on Linux only (fork is unsafe on macOS, absent on Windows)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def default_jobs(n_files: int) -> int:
    """The number of processes worth starting for ``n_files`` files (1: no parallelism)."""
    return max(1, min(cpu_count(), n_files // MIN_FILES_PER_JOB))


@overload
def check_reports(
    files: Sequence[Path],
    regles: JeuDeRegles,
    exercice: int | None = None,
    jobs: int | None = None,
    dossiers: bool = True,
    cache: CacheSpec | None = None,
    historique: HistoriqueDossiers | None = None,
    remedes: bool = False,
    encodeur: None = None,
    resumer: Callable[[DossierReport], object] | None = None,
    empreintes: Mapping[str, bytes] | None = None,
    deja_lus: DejaLus | None = None,
) -> Iterator[DossierReport]: ...


@overload
def check_reports(
    files: Sequence[Path],
    regles: JeuDeRegles,
    exercice: int | None = None,
    jobs: int | None = None,
    dossiers: bool = True,
    cache: CacheSpec | None = None,
    historique: HistoriqueDossiers | None = None,
    remedes: bool = False,
    encodeur: Encodeur | None = None,
    resumer: Callable[[DossierReport], object] | None = None,
    empreintes: Mapping[str, bytes] | None = None,
    deja_lus: DejaLus | None = None,
) -> Iterator[Rapport]: ...


def check_reports(
    files: Sequence[Path],
    regles: JeuDeRegles,
    exercice: int | None = None,
    jobs: int | None = None,
    dossiers: bool = True,
    cache: CacheSpec | None = None,
    historique: HistoriqueDossiers | None = None,
    remedes: bool = False,
    encodeur: Encodeur | None = None,
    resumer: Callable[[DossierReport], object] | None = None,
    empreintes: Mapping[str, bytes] | None = None,
    deja_lus: DejaLus | None = None,
) -> Iterator[Rapport]:
    """:func:`cdv_prog.batch.check_files` on ``jobs`` processes (default: :func:`default_jobs`).

    With ``dossiers=False``, reports checked in a worker carry only the
    dossier's ``montants``, not the dossier itself (much cheaper to send).
    With ``cache`` (:mod:`cdv_prog.files.cache`), a report whose file, rules and
    tool did not change is read back instead of checked; such a report has no
    dossier (only callers that do not need it pass a cache).
    ``historique``: the history's index, handed to the workers once (they
    inherit it when forked), never per dossier.
    ``remedes``: each report with « ce qu'il faudrait » (:func:`cdv_prog.core.remedier.ajouter_remedes`),
    verified against its exercice's view of ``historique``, computed where the report is made;
    a cached report has no dossier to remedy, so ``cache`` is not used then.
    ``encodeur``: where it pays — in a worker, or read back from the cache — a report comes back
    already written in the output's format (:class:`~cdv_prog.core.report.RapportEncode`): the
    parent then only adds it up and writes it. Without a worker or a cache, reports stay reports
    (the renderer writes them as it would have).
    ``empreintes``: with ``cache``, the digest of files the batch's quick look read in full
    (:attr:`cdv_prog.files.historique.LectureHistorique.empreintes`): such a file is looked up without
    being read again.
    ``deja_lus``: the bytes of files the quick look read (:class:`~cdv_prog.files.loader.DejaLus`): such a
    file is checked from them, not read again (a worker has its copy of them, made by the fork).
    """
    if remedes or resumer is not None:
        cache = None
    if jobs is None:
        jobs = default_jobs(len(files))
    jobs = min(jobs, max(1, len(files)))
    if jobs <= 1 or not can_fork():
        if cache is not None:
            from cdv_prog.files.cache import ReportCache

            lus = ReportCache(cache, empreintes, deja_lus).check_files(
                files, regles, historique=historique, encodeur=encodeur
            )
            return filter_reports(lus, exercice)
        reports = check_files(files, regles, exercice, historique, deja_lus, profondeur_lignes(encodeur))
        if remedes:
            reports = (avec_remedes(r, regles, historique) for r in reports)
        return (_resume(r, resumer) for r in reports) if resumer is not None else reports
    if cache is not None and encodeur is not None:  # the cache looked up first, in the parent
        return filter_reports(
            _cache_first(files, regles, jobs, historique, cache, remedes, encodeur, empreintes, deja_lus), exercice
        )
    return filter_reports(
        _parallel(
            files,
            regles,
            jobs,
            dossiers,
            historique,
            cache=cache,
            remedes=remedes,
            encodeur=encodeur,
            resumer=resumer,
            deja_lus=deja_lus,
        ),
        exercice,
    )


def _resume(report: DossierReport, resumer: Callable[[DossierReport], object]) -> DossierReport:
    report.sommaire = resumer(report)
    return report


def avec_remedes(report: DossierReport, regles: JeuDeRegles, historique: HistoriqueDossiers | None) -> DossierReport:
    """``report`` with « ce qu'il faudrait », verified with its exercice's view of the history's index."""
    from cdv_prog.core.remedier import ajouter_remedes

    vue = historique.vue(report.exercice) if historique is not None and report.exercice is not None else None
    return next(ajouter_remedes([report], regles, vue))


def index_records(
    files: Sequence[Path],
    regles: JeuDeRegles,
    jobs: int | None = None,
    cache: CacheSpec | None = None,
    empreintes: Mapping[str, bytes] | None = None,
) -> Iterator[DossierAnterieur | DossierReport]:
    """The history's records of ``files`` (:func:`cdv_prog.files.historique.lire`), in path order, on ``jobs`` processes.

    With ``cache``, the records of files whose content, rules and tool are unchanged are read back from
    it (:meth:`cdv_prog.files.cache.ReportCache.registres`); only the others are read, and kept.
    ``empreintes``: the digests of files the quick look read in full (:func:`check_reports`).
    """
    from cdv_prog.files.historique import lire

    if cache is not None:
        from cdv_prog.files.cache import ReportCache

        return ReportCache(cache, empreintes).registres(
            files, regles, lambda manquants: index_records(manquants, regles, jobs)
        )
    # records are quick to send back, but a pool still costs its start: never more processes than worth it
    jobs = min(jobs or default_jobs(len(files)), default_jobs(len(files)))
    if jobs <= 1 or not can_fork() or len(files) < INDEX_POOL_MIN:
        return (lire(path, regles) for path in files)
    return _parallel(files, regles, jobs, False, None, task=_index_chunk, unpack_item=_unpack_record)


@overload
def check_reports_par_exercice(
    groupes: Sequence[Sequence[Path]],
    regles: JeuDeRegles,
    jobs: int | None = None,
    dossiers: bool = True,
    base: Sequence[DossierAnterieur] = (),
    remedes: bool = False,
    encodeur: None = None,
    deja_lus: DejaLus | None = None,
) -> Iterator[DossierReport]: ...


@overload
def check_reports_par_exercice(
    groupes: Sequence[Sequence[Path]],
    regles: JeuDeRegles,
    jobs: int | None = None,
    dossiers: bool = True,
    base: Sequence[DossierAnterieur] = (),
    remedes: bool = False,
    encodeur: Encodeur | None = None,
    deja_lus: DejaLus | None = None,
) -> Iterator[Rapport]: ...


def check_reports_par_exercice(
    groupes: Sequence[Sequence[Path]],
    regles: JeuDeRegles,
    jobs: int | None = None,
    dossiers: bool = True,
    base: Sequence[DossierAnterieur] = (),
    remedes: bool = False,
    encodeur: Encodeur | None = None,
    deja_lus: DejaLus | None = None,
) -> Iterator[Rapport]:
    """The batch read **once**, exercice by exercice, when the path order is the exercices' order.

    ``groupes``: the files of each exercice, consecutive in path order,
    exercices increasing. Each group is judged with the records of the groups
    before it (and ``base``: the history-only dossiers) as its history — the
    same index, view by view, as reading the history first — and gives its
    own records for the groups after it. The reports come in path order.
    ``remedes``, ``encodeur``, ``deja_lus``: as for :func:`check_reports`, each group's against its own index.
    """
    n_files = sum(len(g) for g in groupes)
    if jobs is None:
        jobs = default_jobs(n_files)

    def run() -> Iterator[Rapport]:
        records = list(base)
        for rang, groupe in enumerate(groupes):
            index = HistoriqueDossiers.ordonne(records) if records else None
            if rang == len(groupes) - 1:  # the last exercice is nobody's history: no record kept
                records = []
                yield from check_reports(
                    groupe,
                    regles,
                    None,
                    jobs=min(jobs, max(1, len(groupe))),
                    dossiers=dossiers,
                    historique=index,
                    remedes=remedes,
                    encodeur=encodeur,
                    deja_lus=deja_lus,
                )
                return
            n = min(jobs, max(1, len(groupe)))
            if n <= 1 or not can_fork():
                profondeur = profondeur_lignes(encodeur)
                lus: Iterator[tuple[DossierReport, DossierAnterieur | None]] = (
                    pair
                    for part in chunks(groupe, GROUPE)  # the paths' texts: no Path built
                    for pair in _verifies_avec_records(part, regles, index, deja_lus, profondeur)
                )
                if remedes:
                    lus = ((avec_remedes(r, regles, index), record) for r, record in lus)
                pairs: Iterator[tuple[Rapport, DossierAnterieur | None]] = lus
            else:
                pairs = _parallel(
                    groupe,
                    regles,
                    n,
                    dossiers,
                    index,
                    task=_check_chunk_records,
                    unpack_item=_unpack_pair,
                    remedes=remedes,
                    encodeur=encodeur,
                    deja_lus=deja_lus,
                )
            for report, record in pairs:
                if record is not None:
                    records.append(record)
                yield report

    return filter_reports(run(), None)


def _with_record(
    report: DossierReport, path: str | Path, regles: JeuDeRegles | None = None
) -> tuple[DossierReport, DossierAnterieur | None]:
    """A report and, for a valid dossier, its record for the history of the later exercices."""
    if report.dossier is None or report.montants is None:
        return report, None
    return report, DossierAnterieur.of(report.dossier, report.montants, fichier=str(path), regles=regles)


def _verifies_avec_records(
    paths: Sequence[str | Path],
    regles: JeuDeRegles,
    historique: HistoriqueDossiers | None,
    deja_lus: DejaLus | None,
    profondeur: int,
) -> list[tuple[DossierReport, DossierAnterieur | None]]:
    """A group of files checked (:func:`~cdv_prog.files.dossiers.check_group`: from the bytes the quick look
    kept, if any), each report with its record (:func:`_with_record`)."""
    reports = check_group(paths, regles, historique, deja_lus_de(deja_lus, paths), profondeur)
    return [_with_record(report, path, regles) for report, path in zip(reports, paths, strict=True)]


def chunk_size(n_files: int, jobs: int) -> int:
    """Files per task: about 8 tasks per process at least, at most MAX_CHUNK files each."""
    return max(1, min(MAX_CHUNK, n_files // (jobs * 8) or 1))


def chunks(files: Sequence[Path], size: int, fin: int = 0) -> Iterator[Sequence[str | Path]]:
    """Consecutive slices of ``size`` files (the last one shorter), taken as needed: the paths' texts for
    the files found (:class:`~cdv_prog.files.dossiers.Chemins`), no ``Path`` built.

    ``fin``: the last ``fin`` files go in slices a quarter as large. The end of a batch: the chunks a
    worker has in hand when the parent has no more to take are small, so the processes finish together
    (with 64 files a chunk and four in hand, the parent used to wait ~55 ms for the worker, idle)."""
    n = len(files)
    petit = max(1, size // 4)
    i = 0
    while i < n:
        j = min(n, i + (petit if fin and i + size > n - fin else size))
        yield files.tranche(i, j) if isinstance(files, Chemins) else files[i:j]
        i = j


class _Pool:
    """The worker processes of one batch (:mod:`cdv_prog.files.workers`), forked on the first chunk submitted
    (none if none is)."""

    def __init__(self, jobs: int, state: _WorkerState) -> None:
        self.jobs = jobs
        self.state = state
        self.workers: Workers | None = None

    @property
    def started(self) -> bool:
        return self.workers is not None

    def submit(self, task: _Tache, chunk: Sequence[str | Path]) -> Tache:
        if self.workers is None:
            from cdv_prog.files.workers import Workers

            _WORKER_STATE.update(self.state)
            tas_stable()  # before the fork: the workers inherit it
            self.workers = Workers(self.jobs)
            self.workers.start()
        return self.workers.submit(task, chunk)

    def recevoir(self) -> None:
        """Take in the results the workers have sent back so far (before the parent checks a chunk itself)."""
        if self.workers is not None:
            self.workers.recevoir()

    def close(self, finished: bool) -> None:
        if self.workers is not None:
            # not finished (an error, an interruption, the caller stopped reading): stopped, no chunk waited for
            self.workers.close(finished)
        # the rule set, the history, the bytes read… are not kept alive after the batch
        cast("dict[str, object]", _WORKER_STATE).clear()  # every key (a TypedDict has no clear() for mypy)


TAS_SEUIL_MMAP = 4 << 20  # glibc: blocks below this size come from the heap (a chunk's 1 MB buffers among them)
TAS_SEUIL_RENDU = 64 << 20  # the heap is given back to the system only beyond this much free at its top
TAS_MARGE = 16 << 20  # and grows by this much more each time it must


def tas_stable() -> bool:
    """Keep the C heap of a batch's processes from shrinking and growing again at every chunk; True if done.

    The parent of ``--jobs`` receives each chunk (≈ 1 MB of written reports) in fresh buffers: with glibc's
    default settings the top of the heap is given back to the system after each one and taken again for
    the next, and every page taken again is a page fault (``cdv check --jobs 2`` on 10 000 dossiers: the
    parent's faults 27 000 to 34 000, against 7 800 with ``--jobs 1``). Set once, before the workers are
    forked (they inherit it): 13 300 faults, 0.07 s less system time in the parent, the same peak memory
    (100 000 dossiers: 80 MB). Best effort: glibc's ``mallopt`` through ctypes; anything else (another
    libc, no ctypes) leaves the heap as it is.
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3  # malloc.h
    try:
        return all(
            mallopt(option, valeur) == 1
            for option, valeur in (
                (m_mmap_threshold, TAS_SEUIL_MMAP),
                (m_trim_threshold, TAS_SEUIL_RENDU),
                (m_top_pad, TAS_MARGE),
            )
        )
    except (OSError, TypeError, ValueError):
        return False


def _state(
    regles: JeuDeRegles,
    dossiers: bool,
    historique: HistoriqueDossiers | None,
    cache: CacheSpec | None,
    remedes: bool,
    encodeur: Encodeur | None,
    resumer: Callable[[DossierReport], object] | None = None,
    deja_lus: DejaLus | None = None,
) -> _WorkerState:
    state: _WorkerState = {"regles": regles, "dossiers": dossiers, "remedes": remedes, "historique": historique}
    if cache is not None:
        state["cache"] = cache
    if encodeur is not None:
        state["encodeur"] = encodeur
    if resumer is not None:
        state["resumer"] = resumer
    if deja_lus is not None:
        state["deja_lus"] = deja_lus
    return state


def _parallel(
    files: Sequence[Path],
    regles: JeuDeRegles,
    jobs: int,
    dossiers: bool,
    historique: HistoriqueDossiers | None = None,
    task: _Tache | None = None,
    unpack_item: Callable[[Any], Any] | None = None,
    cache: CacheSpec | None = None,
    remedes: bool = False,
    encodeur: Encodeur | None = None,
    resumer: Callable[[DossierReport], object] | None = None,
    deja_lus: DejaLus | None = None,
) -> Iterator[Any]:
    size = chunk_size(len(files), jobs)
    task = task or _check_chunk
    unpack_item = unpack_item or _unpack_item
    # ``jobs`` processes in all: the parent is one of them. It checks a chunk itself whenever the next one to
    # write is not back yet (not with the cache: its connection is the workers'), so that the work of
    # ``jobs`` processes is shared on ``jobs`` cores, not ``jobs`` + the parent's adding up and writing.
    aide = cache is None and jobs >= 2
    workers = jobs - 1 if aide else jobs
    pool = _Pool(workers, _state(regles, dossiers, historique, cache, remedes, encodeur, resumer, deja_lus))
    window = workers * IN_FLIGHT_PER_JOB
    finished = False
    try:
        # a stop signal stops the workers at once, wherever the parent is (writing the payload, say)
        with interruptible(on_signal=stop_workers):
            # in path order: a worker's chunk (its future), or a chunk checked here (its items)
            pending: deque[Tache | _Ici] = deque()
            source = chunks(files, size, fin=window * size)  # the workers' last chunks small
            en_cours = 0  # the workers' chunks in ``pending``
            reste = True
            while True:
                while reste and en_cours < window:  # the workers always have work ahead
                    chunk = next(source, None)
                    if chunk is None:
                        reste = False
                    else:
                        pending.append(pool.submit(task, chunk))
                        en_cours += 1
                        if deja_lus is not None:  # the worker checks it from its own copy: freed here
                            deja_lus.oublier(chunk)
                if not pending:
                    break
                head = pending[0]
                if isinstance(head, _Ici):
                    pending.popleft()
                    yield from map(unpack_item, head.resultat())
                elif aide and reste and not head.done() and len(pending) < 2 * window:
                    chunk = next(source, None)  # the next chunk checked here while the workers are at theirs
                    if chunk is None:
                        reste = False
                    else:
                        pool.recevoir()  # what the workers sent back meanwhile: none waits on a full pipe
                        pending.append(_Ici(task, chunk, pool.state))
                else:
                    pending.popleft()
                    en_cours -= 1
                    yield from map(unpack_item, head.result())
        finished = True
    finally:
        pool.close(finished)


class _Ici:
    """A chunk checked by the parent itself (:func:`_parallel`): its items, or the error a worker's future
    would have raised — raised in its turn, when the chunks before it have been given, as from a worker."""

    __slots__ = ("erreur", "items")

    def __init__(self, task: _Tache, chunk: Sequence[str | Path], state: _WorkerState) -> None:
        self.items: list[Any] = []
        self.erreur: Exception | None = None
        try:
            self.items = task(chunk, state)
        except Exception as exc:
            self.erreur = exc

    def resultat(self) -> list[Any]:
        if self.erreur is not None:
            raise self.erreur
        return self.items


def _cache_first(
    files: Sequence[Path],
    regles: JeuDeRegles,
    jobs: int,
    historique: HistoriqueDossiers | None,
    spec: CacheSpec,
    remedes: bool,
    encodeur: Encodeur,
    empreintes: Mapping[str, bytes] | None = None,
    deja_lus: DejaLus | None = None,
) -> Iterator[Rapport]:
    """The batch with the cache, looked up **in the parent** first: a file whose written report is in the
    cache costs a read and a look-up, nothing more; only the others go to the workers (forked when the
    first one needs checking: none when the cache knows every file), in chunks, and come back in order."""
    from cdv_prog.files.cache import LOOKUP_BLOCK, ReportCache

    cache = ReportCache(spec, empreintes, deja_lus)
    size = chunk_size(len(files), jobs)
    pool = _Pool(jobs, _state(regles, False, historique, spec, remedes, encodeur, deja_lus=deja_lus))
    window = max(size, 1) * jobs * IN_FLIGHT_PER_JOB
    finished = False
    # in path order: a report found in the cache, or the chunk of files a worker checks
    pending: deque[RapportEncode | Tache] = deque()
    waiting = 0  # files in the chunks of ``pending``
    misses: list[str | Path] = []

    def submit() -> None:
        nonlocal waiting
        if not pool.started:
            cache.detach()  # no connection to the cache is carried into the forked workers
        pending.append(pool.submit(_check_chunk, misses.copy()))
        waiting += len(misses)
        if deja_lus is not None:  # the worker checks them from its own copy: freed here
            deja_lus.oublier(misses)
        misses.clear()

    try:
        with interruptible(on_signal=stop_workers):
            for block in chunks(files, LOOKUP_BLOCK):
                for path, found in zip(block, cache.lookup_encode(block, historique, encodeur), strict=True):
                    if not isinstance(found, RapportEncode):  # to be checked (a worker reads it again)
                        misses.append(path)
                        if len(misses) >= size:
                            submit()
                    else:
                        if misses:
                            submit()
                        pending.append(found)
                while pending and (len(pending) + waiting > window or type(pending[0]) is RapportEncode):
                    item = pending.popleft()
                    if isinstance(item, RapportEncode):
                        yield item
                    else:
                        done = item.result()
                        waiting -= len(done)
                        yield from done
            if misses:
                submit()
            while pending:
                item = pending.popleft()
                if isinstance(item, RapportEncode):
                    yield item
                else:
                    yield from item.result()
        finished = True
    finally:
        cache.close()
        pool.close(finished)


def stop_workers() -> None:
    """Terminate this process's worker processes now (their chunks are abandoned); nothing is imported."""
    workers = sys.modules.get("cdv_prog.files.workers")
    if workers is not None:
        workers.arreter()


_worker_cache: list[ReportCache] = []  # in a worker: its connection to the cache, opened once


def _check_chunk(paths: Sequence[str | Path], etat: _WorkerState = _WORKER_STATE) -> list[Any]:
    regles = etat["regles"]
    keep = etat["dossiers"]
    spec = etat.get("cache")
    historique = etat.get("historique")
    remedier = etat.get("remedes", False)
    encodeur = etat.get("encodeur")
    resumer = etat.get("resumer")
    deja_lus = etat.get("deja_lus")
    cache = None
    if spec is not None:
        if not _worker_cache:
            from cdv_prog.files.cache import ReportCache

            _worker_cache.append(ReportCache(spec))
        cache = _worker_cache[0]
    profondeur = profondeur_lignes(encodeur)
    out: list[Any] = []
    if cache is None:  # the files checked stage by stage (check_group), each report sent as it comes
        for groupe in en_groupes(paths):
            for report in check_group(groupe, regles, historique, deja_lus_de(deja_lus, groupe), profondeur):
                out.append(_sent(report, regles, historique, remedier, keep, encodeur, resumer))
        return out
    raws = deja_lus_de(deja_lus, paths) or [None] * len(paths)  # taken either way: this copy is freed
    if encodeur is not None:  # misses of the parent's look-up: checked, written, kept
        out = list(cache.check_files_encode(paths, raws, regles, historique, encodeur))
    else:
        for path in paths:
            report = cache.check_file(path, regles, historique)
            out.append(_sent(report, regles, historique, remedier, keep, encodeur, resumer))
    cache.flush()  # the chunk's new entries: one transaction
    return out


def _sent(
    report: DossierReport,
    regles: JeuDeRegles,
    historique: HistoriqueDossiers | None,
    remedier: bool,
    keep: bool,
    encodeur: Encodeur | None,
    resumer: Callable[[DossierReport], object] | None = None,
) -> Any:
    """What a worker sends back of ``report``: its text and figures (with an ``encodeur``), else the report."""
    if remedier:  # before the dossier is dropped: the remedies travel with the report
        report = avec_remedes(report, regles, historique)
    if resumer is not None:  # before the dossier is dropped: the summary travels in its place
        report.sommaire = resumer(report)
    if encodeur is not None:
        return encodeur(report)
    if not keep:
        report.dossier = None  # the amounts travel in report.montants
    return pack(report)


def _check_chunk_records(paths: Sequence[str | Path], etat: _WorkerState = _WORKER_STATE) -> list[Any]:
    regles = etat["regles"]
    keep = etat["dossiers"]
    historique = etat.get("historique")
    remedier = etat.get("remedes", False)
    encodeur = etat.get("encodeur")
    deja_lus = etat.get("deja_lus")
    profondeur = profondeur_lignes(encodeur)
    out: list[Any] = []
    for groupe in en_groupes(paths):
        for report, record in _verifies_avec_records(groupe, regles, historique, deja_lus, profondeur):
            # the record is the dossier's as read: remedies change neither
            out.append((_sent(report, regles, historique, remedier, keep, encodeur), record))
    return out


def _unpack_item(item: Any) -> Rapport:
    """A report sent back by a worker: already written in the output's format, or packed (:func:`pack`)."""
    return item if type(item) is RapportEncode else unpack(item)


def _unpack_pair(item: Any) -> tuple[Rapport, DossierAnterieur | None]:
    return _unpack_item(item[0]), item[1]


def _index_chunk(paths: Sequence[str | Path], etat: _WorkerState = _WORKER_STATE) -> list[Any]:
    from cdv_prog.files.historique import lire

    regles = etat["regles"]
    out: list[Any] = []
    for path in paths:
        item = lire(path, regles)
        out.append(item if isinstance(item, DossierAnterieur) else pack(item))
    return out


def _unpack_record(item: Any) -> DossierAnterieur | DossierReport:
    return item if isinstance(item, DossierAnterieur) else unpack(item)


# Reports travel between processes as plain data: findings as tuples rather than
# dataclass instances, which pickle several times faster.


def pack(report: DossierReport) -> dict[str, Any]:
    data = dict(report.__dict__)
    # the fields of a (frozen) dataclass instance, in their order: its __dict__'s values
    data["constats"] = [tuple(c.__dict__.values()) for c in report.constats]
    data["erreurs"] = [tuple(e.__dict__.values()) for e in report.erreurs]
    return data


def unpack(data: dict[str, Any]) -> DossierReport:
    data["constats"] = [Constat(*c) for c in data["constats"]]
    data["erreurs"] = [LoadError(*e) for e in data["erreurs"]]
    return DossierReport(**data)
