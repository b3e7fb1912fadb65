"""Reading the history (SPEC §5): the index of the dossiers that earlier exercices give the later ones.

:func:`construire` reads, once, the files that can be the history of a
reported dossier — those of exercices before the last one reported, and
those whose exercice a quick look cannot tell — and keeps of each valid one
its compact record (:class:`~cdv_prog.core.historique.DossierAnterieur`),
never the dossier itself. The index is ordered by (exercice, id, file): the
same whatever the order of the paths. Invalid files that serve only as
history are turned into one warning each (standard error); the others are
reported by the batch as usual.

The quick look (:func:`exercice_annonce`) reads the ``exercice:`` line of a
file without parsing it; when the file does not say it plainly, the file is
read in full — the look only ever saves work, it never decides a verdict.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from cdv_prog.core.historique import DossierAnterieur, HistoriqueDossiers
from cdv_prog.core.report import DossierReport
from cdv_prog.files.dossiers import Chemins, textes

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.files.loader import DejaLus

# a plain top-level ``exercice: AAAA`` line: the first line, or a line after a newline — not ``^`` in MULTILINE
# mode, which the regex engine tries at every byte (7 µs a dossier, as much as reading it); a pattern that
# starts with a literal is searched for quickly (1.7 µs)
_CLE = b"exercice:"
_LIGNE = rb"[ \t]*([0-9]{4})[ \t]*(?:#[^\n]*)?\r?$"  # what follows the key on its line
_LIGNE_EXERCICE = re.compile(_LIGNE, re.MULTILINE)
_EXERCICE_APRES = re.compile(b"\n" + _CLE + _LIGNE, re.MULTILINE)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
LOOK_BYTES = 1 << 16  # a dossier's exercice is near its top; a longer file is read in full when needed


def exercice_annonce(
    path: str | Path, empreintes: dict[str, bytes] | None = None, deja_lus: DejaLus | None = None
) -> int | None:
    """The exercice a file declares on a plain top-level ``exercice: AAAA`` line (None: cannot tell).

    ``empreintes``: receives, for a file read in full by the look, the SHA-256 of its bytes under its
    path's text — what the reports' cache needs of it (:meth:`cdv_prog.files.cache.ReportCache.lookup_encode`:
    an unchanged file is then not read a second time).
    ``deja_lus``: keeps the bytes of a file read in full, for the check not to read it again.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)  # never blocks on a pipe or a device
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None  # not a regular file: reading it in full says why
        head = os.read(fd, LOOK_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(head) == st.st_size < LOOK_BYTES:  # the whole file, as it was
        if empreintes is not None:
            empreintes[str(path)] = hashlib.sha256(head).digest()
        if deja_lus is not None:
            deja_lus.garder(str(path), head)
    return _exercice_declare(head)


def _exercice_declare(head: bytes) -> int | None:
    """The year of the one top-level ``exercice: AAAA`` line of ``head`` (None: none, several, or not plain)."""
    found = _EXERCICE_APRES.findall(head)  # the lines after the first
    if head.startswith(_CLE) and (first := _LIGNE_EXERCICE.match(head, len(_CLE))) is not None:
        found.append(first.group(1))
    return int(found[0]) if len(found) == 1 else None


@dataclass
class LectureHistorique:
    """What reading the history gave: the index, the exercice read of each file, the warnings."""

    historique: HistoriqueDossiers
    exercices: dict[str, int | None] = field(default_factory=dict)  # file read → its exercice (None: unreadable)
    avertissements: list[str] = field(default_factory=list)  # French, one per invalid history-only file
    groupes: list[Chemins] | None = None  # the batch cut by exercice, to be read once (groupes_par_exercice)
    empreintes: dict[str, bytes] | None = None  # file → SHA-256 of its bytes, seen by the quick look (a_lire)
    deja_lus: DejaLus | None = None  # the batch files' bytes the quick look read, for the check (bounded)

    def rapportable(self, path: str | Path, exercice: int | None) -> bool:
        """The batch must read this file (its path or its text): not known to be of another exercice than the
        one reported."""
        if exercice is None:
            return True
        lu = self.exercices.get(str(path), exercice)
        return lu is None or lu == exercice

    def rapportables(self, files: Chemins, exercice: int | None) -> Chemins:
        """The batch's files the command must read (:meth:`rapportable`): the batch itself without ``exercice``
        (every file is; the batch is not copied), else those not known to be of another exercice."""
        if exercice is None:
            return files
        return files.filtre(lambda texte: self.rapportable(texte, exercice))


def groupes_par_exercice(
    files: Sequence[Path],
    annonces: dict[str, int | None] | None = None,
    deja_lus: DejaLus | None = None,
    jobs: int = 1,
) -> list[Chemins] | None:
    """The files cut into consecutive groups of one exercice each, exercices increasing in path order.

    None when a quick look cannot tell a file's exercice, or when the path
    order is not the exercices' order: the history is then read first.
    ``annonces``: the quick looks taken (file → exercice), given to :func:`a_lire` after.
    ``deja_lus``: keeps the bytes the looks read (:func:`exercice_annonce`).
    ``jobs``: the processes the batch may use — with two or more, a helper looks at part of the files (:func:`regarder`).
    """
    if annonces is None:
        annonces = {}
    liste = list(textes(files))  # no Path built: each group is compact too
    annees = regarder(liste, None, deja_lus, jobs)
    annonces.update(zip(liste, annees, strict=True))
    debuts: list[int] = []  # where each group starts
    courant: int | None = None
    for rang, annee in enumerate(annees):
        if annee is None or (courant is not None and annee < courant):
            return None
        if annee != courant:
            debuts.append(rang)
            courant = annee
    if len(debuts) == 1 and isinstance(files, Chemins):
        return [files]  # one exercice (the usual batch): the batch itself, not a copy of it
    bornes = [*debuts, len(liste)]
    return [Chemins(liste[debut:fin]) for debut, fin in pairwise(bornes)]


REGARD_PARTAGE_MIN = 2000  # files to look at: fewer, and a helper's fork costs more than it saves
REGARD_PART_ICI = 0.6  # the share looked at here: the helper starts after its fork, and sends back what it saw
# (and of the bytes the look keeps for the check, the helper sends back at most the rest of this share)


def regarder(
    liste: list[str],
    empreintes: dict[str, bytes] | None = None,
    deja_lus: DejaLus | None = None,
    jobs: int = 1,
) -> list[int | None]:
    """The quick look (:func:`exercice_annonce`) at each file of ``liste``, in order: the exercices.

    With ``jobs`` ≥ 2 and at least :data:`REGARD_PARTAGE_MIN` files, a forked helper looks at the last
    files while this process looks at the first (:data:`REGARD_PART_ICI`), and sends back what it saw —
    each year and the digests (``empreintes``), as looking at every file here gives them, and the bytes
    to keep (``deja_lus``) within its share of the budget (a batch larger than the budget has filled it
    with the first files anyway). Sooner: the look reads every file of the batch before the first is
    checked (issue 17; 10 000 dossiers, 78-81 → 64-65 ms). A helper that cannot be forked, or that dies,
    leaves its files to be looked at here.
    """

    def ici(textes_: list[str]) -> list[int | None]:
        return [exercice_annonce(texte, empreintes, deja_lus) for texte in textes_]

    if jobs < 2 or len(liste) < REGARD_PARTAGE_MIN or not _peut_forker():
        return ici(liste)
    from cdv_prog.files.workers import WorkerPerdu, Workers

    partage = int(len(liste) * REGARD_PART_ICI)  # the files looked at here: the first ones
    seconde = liste[partage:]
    aide = Workers(1)
    fini = False
    try:
        try:
            # the bytes it may send back: its share of the budget (beyond, the parent's part has filled it)
            budget = 0 if deja_lus is None else int(deja_lus.budget * (1 - REGARD_PART_ICI))
            tache = aide.submit(_regarder_morceau, (seconde, budget, empreintes is not None))
        except (OSError, WorkerPerdu):  # no process to be had: every look here
            return ici(liste)
        annees = ici(liste[:partage])
        try:
            vus: list[tuple[int | None, bytes | None, bytes | None]] = tache.result()
        except (OSError, WorkerPerdu):  # the helper is gone: its files looked at here
            return annees + ici(seconde)
        for texte, (annee, octets, empreinte) in zip(seconde, vus, strict=True):
            annees.append(annee)
            if octets is not None and deja_lus is not None:
                deja_lus.garder(texte, octets)
            if empreinte is not None and empreintes is not None:
                empreintes[texte] = empreinte
        fini = True
        return annees
    finally:
        aide.close(fini, attendre=False)  # its end is not waited for: reaped by the batch's pool


def _peut_forker() -> bool:
    from cdv_prog.files.parallel import can_fork

    return can_fork()


def _regarder_morceau(
    travail: tuple[list[str], int, bool],
) -> list[tuple[int | None, bytes | None, bytes | None]]:
    """In the helper of :func:`regarder`: the look at each file, its bytes (while ``budget`` bytes are not
    reached: what the parent may keep of them) and its digest (if asked)."""
    from cdv_prog.files.loader import DejaLus

    liste, budget, hacher = travail
    deja_lus = DejaLus(budget) if budget > 0 else None
    empreintes: dict[str, bytes] | None = {} if hacher else None
    out = []
    for texte in liste:
        annee = exercice_annonce(texte, empreintes, deja_lus)
        octets = deja_lus.voir(texte) if deja_lus is not None else None  # left there: counted in its budget
        out.append((annee, octets, empreintes.pop(texte, None) if empreintes is not None else None))
    return out


def a_lire(
    files: Sequence[Path],
    historique_seul: Sequence[Path],
    exercice: int | None,
    suivants: bool = False,
    annonces: dict[str, int | None] | None = None,
    empreintes: dict[str, bytes] | None = None,
    deja_lus: DejaLus | None = None,
    jobs: int = 1,
) -> tuple[list[Path], int | None]:
    """The files the index must read, and the last exercice reported (None: the batch is empty).

    A file is read when it may be of an exercice before the last one reported
    (with ``--exercice N``: before N), or when its exercice cannot be told
    without reading it. ``suivants`` (with ``--exercice N``): the files of
    exercices after N are read too (``cdv programmation``: the CPO's later
    dossiers, as records only). ``annonces``: quick looks already taken (:func:`groupes_par_exercice`).
    ``empreintes``: receives the digest of each file the looks read in full (:func:`exercice_annonce`).
    ``deja_lus``: keeps the bytes of the batch's files the looks read in full (not of ``historique_seul``:
    those are read as history only).
    ``jobs``: the processes the batch may use (:func:`regarder`).
    """
    annonces = dict(annonces or {})
    plus_recent: int | None = None  # the batch's last exercice, as the quick looks tell it
    inconnus = False  # a file of the batch whose exercice a quick look cannot tell
    nouveaux = [texte for texte in textes(files) if texte not in annonces]  # no Path built (Chemins)
    annonces.update(zip(nouveaux, regarder(nouveaux, empreintes, deja_lus, jobs), strict=True))
    for texte in textes(files):
        e = annonces[texte]
        if e is None:
            inconnus = True
        elif plus_recent is None or e > plus_recent:
            plus_recent = e
    for texte in textes(historique_seul):
        if texte not in annonces:
            annonces[texte] = exercice_annonce(texte, empreintes)
    if exercice is not None:
        dernier: int | None = exercice
    elif inconnus:
        dernier = 10_000  # some exercice unknown: read everything
    else:
        dernier = plus_recent
    if dernier is None:
        return [], None
    out = []
    seen: set[str] = set()
    for texte in chain(textes(files), textes(historique_seul)):
        e = annonces[texte]
        plus_tard = suivants and exercice is not None and e is not None and e > exercice
        if (e is None or e < dernier or plus_tard) and texte not in seen:
            seen.add(texte)
            out.append(Path(texte))
    return out, dernier


def construire(
    records: Iterable[DossierAnterieur | DossierReport],
    rapportes: set[str],
    exercice: int | None,
) -> LectureHistorique:
    """The index from the records read (valid files) and invalid reports, in any order.

    ``rapportes``: the files the batch reports (under the main paths); an
    invalid one of them is not warned about here unless ``exercice`` leaves it
    out of the report.
    """
    valides: list[DossierAnterieur] = []
    lecture = LectureHistorique(HistoriqueDossiers(()))
    for item in records:
        if isinstance(item, DossierAnterieur):
            valides.append(item)
            lecture.exercices[item.fichier] = item.exercice
            continue
        lecture.exercices[item.fichier] = item.exercice
        rapporte = item.fichier in rapportes and (exercice is None or item.exercice in (None, exercice))
        if not rapporte:
            premiere = item.erreurs[0] if item.erreurs else None
            detail = (
                f" ({premiere.champ or 'fichier'}, ligne {premiere.ligne} : {premiere.message})" if premiere else ""
            )
            lecture.avertissements.append(f"historique : {item.fichier} invalide, ignoré{detail}")
    lecture.historique = HistoriqueDossiers.ordonne(valides)
    lecture.avertissements.sort()
    return lecture


def lire(path: str | Path, regles: JeuDeRegles, raw: bytes | None = None) -> DossierAnterieur | DossierReport:
    """One file of the history: its record, or its ``invalide`` report (``raw``: its bytes, already read)."""
    from cdv_prog.core.montants import Montants
    from cdv_prog.files.dossiers import read_dossier

    result = read_dossier(path, regles, raw=raw)
    if isinstance(result, DossierReport):
        return result
    return DossierAnterieur.of(result, Montants.of(result, regles), fichier=str(path), regles=regles)
