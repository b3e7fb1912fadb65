"""``--historique PATH``: the history of earlier exercices (SPEC §5), read once for ``cdv check``,
``cdv programmation`` and ``cdv suivi`` (the option itself: :data:`cdv_prog.cli.options.HistoriqueOpt`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cdv_prog.cli.common import err_console, find_files

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.files.cache import CacheSpec
    from cdv_prog.files.historique import LectureHistorique


def lire_historique(
    files: Sequence[Path],
    historique: list[Path] | None,
    regles: JeuDeRegles,
    exercice: int | None,
    jobs: int | None = None,
    en_un_passage: bool = False,
    suivants: bool = False,
    cache: CacheSpec | None = None,
    garder_lus: bool = False,
) -> tuple[LectureHistorique, list[Path]]:
    """The history's index for the batch ``files``, and the files of ``--historique`` (read only as history).

    Invalid dossiers that serve only as history are warned about once, on
    standard error; they do not change the exit code. ``en_un_passage``: the
    caller can read the batch exercice by exercice; when every exercice is
    reported and the path order is the exercices' order, only the
    ``--historique`` files are read here, and ``groupes`` says how to cut the batch.
    ``suivants``: with ``exercice``, the files of later exercices are read too,
    as records only (the CPO's later dossiers, for ``cdv programmation``).
    ``cache``: the records of unchanged files are read back from the cache (:func:`index_records`); the
    lecture then also holds the digest of each batch file the quick look read in full (``empreintes``,
    for the reports' cache: an unchanged file is read once).
    ``garder_lus``: the lecture also keeps the bytes of the batch files the quick look read in full
    (``deja_lus``, bounded: :class:`~cdv_prog.files.loader.DejaLus`), for a caller that checks them next.
    """
    from cdv_prog.files.dossiers import textes
    from cdv_prog.files.historique import LectureHistorique, a_lire, construire, groupes_par_exercice
    from cdv_prog.files.loader import DejaLus
    from cdv_prog.files.parallel import default_jobs, index_records

    trouves = find_files(historique) if historique else []
    principaux: set[str] | None = None  # the batch's paths, as a set only when needed (not for a usual batch)
    seuls: list[Path] = []
    if trouves:
        principaux = set(textes(files))
        seuls = [p for p in trouves if str(p) not in principaux]
    annonces: dict[str, int | None] = {}  # each file looked at once
    empreintes: dict[str, bytes] | None = None
    deja_lus = DejaLus() if garder_lus else None
    processus = jobs if jobs is not None else default_jobs(len(files))
    groupes = groupes_par_exercice(files, annonces, deja_lus, processus) if en_un_passage and exercice is None else None
    if groupes is not None and len(groupes) > 1:
        lus = list(seuls)  # the batch gives its own history, as it goes
    elif groupes is not None and not seuls:  # one exercice and no --historique: no earlier file to read
        groupes = None
        lus = []
    else:
        groupes = None
        empreintes = {} if cache is not None else None
        lus, _dernier = a_lire(files, seuls, exercice, suivants, annonces, empreintes, deja_lus, processus)
    if not lus:
        from cdv_prog.core.historique import HistoriqueDossiers

        vide = HistoriqueDossiers(())
        return LectureHistorique(vide, groupes=groupes, empreintes=empreintes, deja_lus=deja_lus), seuls
    if principaux is None:
        principaux = set(textes(files))
    lecture = construire(index_records(lus, regles, jobs, cache=cache, empreintes=empreintes), principaux, exercice)
    lecture.groupes = groupes
    lecture.empreintes = empreintes
    lecture.deja_lus = deja_lus
    console = err_console()
    for message in lecture.avertissements:
        console.print(f"Avertissement : {message}", markup=False, highlight=False)
    return lecture, seuls
