"""The incremental cache of ``cdv check``: a dossier's report reused while nothing it depends on changed.

A report depends on the file's **content**, the **rules** (their fingerprint,
``JeuDeRegles.empreinte``), the **history** it is judged against (an opaque
digest, ``dependances``: empty while there is none) and the **tool** (its
version, and the size and date of each of its modules, so that a development
copy never reuses a report of other code). The key of an entry is the SHA-256
of all four; the value is the report in a compact JSON form (without the file's
name, given back by the caller). Nothing else is stored: a report read back is
the report the engine gives, and every output drawn from it is byte for byte
the same (``tests/test_cache.py``).

Where: ``$CDV_CACHE_DIR`` if set, else the user's cache directory
(``$XDG_CACHE_HOME/cdv``, ``~/.cache/cdv``; ``%LOCALAPPDATA%\\cdv\\cache`` on
Windows), in one SQLite file, ``rapports.sqlite3`` — one file rather than one
per dossier: creating 10 000 small files costs more than checking them. Every
process of a ``--jobs`` batch opens its own connection; each chunk's new
entries are one transaction.

Never trusted: an entry carries a digest binding its value to its key; a value that does
not match it, does not decode, or does not have the expected shape is ignored
and rebuilt. A file that is not a cache of this format (corrupt, truncated,
foreign) is removed and created again. A cache that cannot be opened or written
(read-only disk, no space, locked too long) is simply not used: never an error,
and the output does not change. ``cdv cache vider`` deletes it;
``cdv check --sans-cache`` neither reads nor writes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from cdv_prog.core.engine import appliquer_derogations
from cdv_prog.core.findings import Constat, LoadError
from cdv_prog.core.historique import DossierAnterieur, PorteurAnterieur, intern_drapeaux, intern_texte
from cdv_prog.core.montants import LigneMontant, Montants
from cdv_prog.core.report import DossierReport, Encodeur, Rapport, RapportEncode
from cdv_prog.core.vocab import GRAVITES, NATURES, STATUTS_FR
from cdv_prog.files.cache_location import cache_dir, tool_digest
from cdv_prog.files.loader import LoadFailed, read_bytes

if TYPE_CHECKING:
    import sqlite3

    from cdv_prog.core.historique import HistoriqueDossiers
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.files.loader import DejaLus

FORMAT = "cdv.cache/3"
FILE_NAME = "rapports.sqlite3"
TABLES = ("entrees", "rendus", "registres")  # the reports, the written reports, the history's records
WRITE_EVERY = 256  # new entries per transaction in a sequential batch
LOOKUP_BLOCK = 64  # files looked up in one query (SQLite allows 999 parameters at least)
REGISTRES_BLOCK = 512  # history files per look-up of their records (the misses of all are then read at once)
LOCK_TIMEOUT = 2.0  # seconds a writer waits for another process's transaction, then gives up (not an error)
_VERDICTS = {"eligible", "ineligible", "invalide"}


def code_digest() -> bytes:
    """The tool's version and the size and modification time of each of its modules."""
    return tool_digest(FORMAT)


@dataclass(frozen=True)
class CacheSpec:
    """What a process needs to open the cache: its folder and the context of the run's keys.

    Plain data: inherited by ``--jobs`` workers, each of which opens its own connection.
    """

    folder: Path
    contexte: bytes  # SHA-256 of the format, tool, rules fingerprint and dependances


def spec_for(regles: JeuDeRegles, dependances: bytes | str = b"", folder: Path | None = None) -> CacheSpec:
    """The cache of a run with ``regles`` and the history digest ``dependances`` (opaque; empty: no history)."""
    extra = dependances.encode("utf-8") if isinstance(dependances, str) else bytes(dependances)
    h = hashlib.sha256(code_digest())
    h.update(b"\0regles\0" + regles.empreinte.encode("ascii", "replace"))
    h.update(b"\0dependances\0" + hashlib.sha256(extra).digest())
    return CacheSpec(folder if folder is not None else cache_dir(), h.digest())


class ReportCache:
    """One process's connection to the cache; every failure turns it off, never raises."""

    def __init__(self, spec: CacheSpec, empreintes: Mapping[str, bytes] | None = None, deja_lus: DejaLus | None = None):
        self.spec = spec
        # file → SHA-256 of its bytes, as the batch's quick look read them (files.historique.exercice_annonce):
        # such a file is read again only if its report is not found (lookup_encode)
        self.empreintes = empreintes
        self.deja_lus = deja_lus  # those bytes themselves, when the look kept them: not even read again then
        self._db: sqlite3.Connection | None = None
        self._opened = False
        self._writable = True
        # per table, key → (value, controle), not yet written
        self._pending: dict[str, dict[bytes, tuple[bytes, bytes]]] = {table: {} for table in TABLES}
        self.hits = 0
        self.misses = 0
        self._shared: dict[tuple[str, ...], Constat] = {}  # constats read back, shared between reports
        self._shared_for: JeuDeRegles | None = None
        self._vues: dict[tuple[int, int], bytes] = {}  # (index, exercice) → the view's digest

    # ------------------------------------------------------------------ opening

    def _connect(self) -> sqlite3.Connection | None:
        if self._opened:
            return self._db
        self._opened = True
        import sqlite3

        path = self.spec.folder / FILE_NAME
        for attempt in (1, 2):
            try:
                self.spec.folder.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=LOCK_TIMEOUT, isolation_level=None, check_same_thread=False)
            except (OSError, sqlite3.Error):
                return self._read_only(path)
            try:
                if self._prepare(db):
                    self._db = db
                    return db
            except sqlite3.OperationalError:  # locked by another run, read-only…: not ours to remove
                db.close()
                break
            except sqlite3.Error:  # not a database, or a damaged one
                pass
            db.close()
            if attempt == 1 and not _remove(path):  # corrupt or foreign: removed, then made again
                break
        self._writable = False
        return None

    def _read_only(self, path: Path) -> sqlite3.Connection | None:
        """A cache that cannot be written (read-only disk): read, if it is there and sound."""
        import sqlite3

        self._writable = False
        if not path.is_file():
            return None
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=LOCK_TIMEOUT)
            if self._check_meta(db):
                self._db = db
                return db
            db.close()
        except (OSError, sqlite3.Error, ValueError):
            pass
        return None

    def _prepare(self, db: sqlite3.Connection) -> bool:
        """Our tables, created if the file is new; False when it is something else."""
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            try:
                db.execute("PRAGMA journal_mode = WAL")  # readers never wait for a writer
                db.execute("BEGIN IMMEDIATE")
                db.execute("CREATE TABLE IF NOT EXISTS meta (cle TEXT PRIMARY KEY, valeur TEXT NOT NULL)")
                for table in TABLES:
                    db.execute(f"CREATE TABLE IF NOT EXISTS {table} (cle BLOB PRIMARY KEY, valeur BLOB, controle BLOB)")
                db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
                db.execute("COMMIT")
            except Exception:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        db.execute("PRAGMA synchronous = NORMAL")  # a cache: the last entries may be lost, never corrupted
        return self._check_meta(db)

    @staticmethod
    def _check_meta(db: sqlite3.Connection) -> bool:
        import sqlite3

        try:
            row = db.execute("SELECT valeur FROM meta WHERE cle = 'format'").fetchone()
            for table in TABLES:
                db.execute(f"SELECT cle, valeur, controle FROM {table} LIMIT 0").fetchall()
        except sqlite3.Error:
            return False
        return row is not None and row[0] == FORMAT

    # ------------------------------------------------------------------ entries

    def key(self, raw: bytes) -> bytes:
        return self.key_of(hashlib.sha256(raw).digest())

    def key_of(self, empreinte: bytes) -> bytes:
        """:meth:`key` from the SHA-256 of the file's bytes."""
        return hashlib.sha256(self.spec.contexte + empreinte).digest()

    def get(self, key: bytes, table: str = "entrees") -> bytes | None:
        """The value stored under ``key`` in ``table`` (:data:`TABLES`) if it is sound, else None."""
        return self.get_many([key], table).get(key)

    def get_many(self, keys: Sequence[bytes], table: str) -> dict[bytes, bytes]:
        """The sound values stored under ``keys`` in ``table``, by key (one query)."""
        import sqlite3

        pending = self._pending[table]
        found = {key: pending[key][0] for key in keys if key in pending}
        rest = [key for key in keys if key not in found]
        db = self._connect() if rest else None
        if db is None:
            return found
        try:
            rows = db.execute(
                f"SELECT cle, valeur, controle FROM {table} WHERE cle IN ({','.join('?' * len(rest))})", rest
            ).fetchall()
        except sqlite3.Error:
            return found
        for key, value, controle in rows:
            if isinstance(key, bytes) and isinstance(value, bytes) and controle == _controle(key, value):
                found[key] = value
        return found

    def put(self, key: bytes, value: bytes, table: str = "entrees") -> None:
        if self._writable:
            self._pending[table][key] = (value, _controle(key, value))

    def _en_attente(self, table: str) -> int:
        return len(self._pending[table])

    def flush(self) -> None:
        """Write the pending entries in one transaction; a failure turns writing off."""
        import sqlite3

        pending, self._pending = self._pending, {table: {} for table in TABLES}
        if not any(pending.values()) or not self._writable:
            return
        db = self._connect()
        if db is None or not self._writable:
            return
        try:
            db.execute("BEGIN IMMEDIATE")
            for table, entries in pending.items():
                db.executemany(
                    f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?)", ((k, *v) for k, v in entries.items())
                )
            db.execute("COMMIT")
        except sqlite3.Error:
            self._writable = False  # read-only, full, or locked too long: the run goes on without writing
            try:
                if db.in_transaction:
                    db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            with contextlib.suppress(Exception):  # closing a cache never fails a run
                self._db.close()
        self._db = None

    # ------------------------------------------------------------------ reports

    def check_file(
        self, path: str | Path, regles: JeuDeRegles, historique: HistoriqueDossiers | None = None
    ) -> DossierReport:
        """The report of ``path``: from the cache when its content is known, else checked and stored.

        ``historique``: the history's index (:func:`cdv_prog.files.dossiers.check_file`). An entry records
        the digest of the history **view** its dossier was judged with (the records of the exercices before
        its own); it is reused only when that view's digest is unchanged, so a change in an earlier
        exercice re-checks the later ones, and nothing else.
        """
        from cdv_prog.files.dossiers import check_file

        try:
            raw = read_bytes(path)
        except LoadFailed:  # unreadable, too big, not a regular file: said by the reader, never stored
            return check_file(path, regles, historique)
        return self._check_raw(path, raw, self.key(raw), regles, historique)

    def check_file_encode(
        self,
        path: str | Path,
        regles: JeuDeRegles,
        historique: HistoriqueDossiers | None,
        encodeur: Encodeur,
        raw: bytes | None = None,
    ) -> RapportEncode:
        """The report of ``path`` written by ``encodeur``: the text kept from an earlier run when the file's
        content, the rules, the tool, its history view, the file's name and what the text depends on
        (``encodeur.cle``) are unchanged; else checked, written and kept (the written text only: a run in
        another format or width checks the file again, once). ``raw``: the file's bytes, already read and
        known to be missing from the cache (:meth:`lookup_encode`)."""
        from cdv_prog.files.dossiers import check_file

        if raw is None:
            try:
                raw = read_bytes(path)
            except LoadFailed:  # unreadable, too big, not a regular file: said by the reader, never stored
                return encodeur(check_file(path, regles, historique))
            cle_rendu = _cle_rendu(self.key(raw), encodeur, path)
            found = self._rendu(self.get(cle_rendu, "rendus"), path, historique)
            if found is not None:
                return found
            return self._verifier_encode([path], [raw], regles, historique, encodeur, [cle_rendu])[0]
        return self._verifier_encode([path], [raw], regles, historique, encodeur)[0]

    def check_files_encode(
        self,
        paths: Sequence[str | Path],
        raws: Sequence[bytes | None],
        regles: JeuDeRegles,
        historique: HistoriqueDossiers | None,
        encodeur: Encodeur,
    ) -> list[RapportEncode]:
        """:meth:`check_file_encode` of each of ``paths`` with its ``raws`` (None: to be read and looked up),
        the files whose bytes are given checked stage by stage, in groups
        (:func:`~cdv_prog.files.dossiers.check_group`)."""
        from cdv_prog.files.dossiers import en_groupes

        out: list[RapportEncode | None] = [None] * len(paths)
        for groupe in en_groupes((i, raw) for i, raw in enumerate(raws) if raw is not None):
            encodes = self._verifier_encode(
                [paths[i] for i, _ in groupe], [raw for _, raw in groupe], regles, historique, encodeur
            )
            for (i, _), encoded in zip(groupe, encodes, strict=True):
                out[i] = encoded
        return [
            self.check_file_encode(path, regles, historique, encodeur) if encoded is None else encoded
            for path, encoded in zip(paths, out, strict=True)
        ]

    def _verifier_encode(
        self,
        paths: Sequence[str | Path],
        raws: Sequence[bytes],
        regles: JeuDeRegles,
        historique: HistoriqueDossiers | None,
        encodeur: Encodeur,
        cles: Sequence[bytes] | None = None,
    ) -> list[RapportEncode]:
        """Files read and known to be missing from the cache, checked (as a group), written and kept
        (``cles``: their written reports' keys, when the look-up already made them)."""
        from cdv_prog.files.dossiers import check_group

        out = []
        for i, report in enumerate(check_group(paths, regles, historique, raws)):
            self.misses += 1
            encoded = encodeur(report)
            cle_rendu = cles[i] if cles is not None else _cle_rendu(self.key(raws[i]), encodeur, paths[i])
            self.put(cle_rendu, self._vue(historique, encoded.exercice) + encode_rendu(encoded), "rendus")
            out.append(encoded)
        return out

    def lookup_encode(
        self, paths: Sequence[str | Path], historique: HistoriqueDossiers | None, encodeur: Encodeur
    ) -> list[RapportEncode | bytes | None]:
        """For each of ``paths``: its written report kept by :meth:`check_file_encode`, if it still holds;
        else the file's bytes (to be checked: unknown or changed), or None (unreadable: the reader says why).
        One query for them all."""
        lus: list[bytes | None] = []
        cles: list[bytes | None] = []
        empreintes = self.empreintes or {}
        for path in paths:
            empreinte = empreintes.get(str(path))
            if empreinte is not None:  # seen in full by the quick look: read again only if missing
                lus.append(_PAS_LU)
                cles.append(_cle_rendu(self.key_of(empreinte), encodeur, path))
                continue
            try:
                raw = read_bytes(path)
            except LoadFailed:
                lus.append(None)
                cles.append(None)
                continue
            lus.append(raw)
            cles.append(_cle_rendu(self.key(raw), encodeur, path))
        stored = self.get_many([c for c in cles if c is not None], "rendus")
        out: list[RapportEncode | bytes | None] = []
        deja_lus = self.deja_lus
        for cle, lu, path in zip(cles, lus, paths, strict=True):
            found = None if cle is None else self._rendu(stored.get(cle), path, historique)
            if lu is _PAS_LU:
                if found is not None:
                    if deja_lus is not None:  # known: the bytes the look kept are not needed
                        deja_lus.prendre(path)
                else:  # the look's bytes, left for whoever checks the file (it takes them)
                    lu = deja_lus.voir(path) if deja_lus is not None else None
                    if lu is None:
                        try:  # as it is now (changed since the look? its own key is made from these bytes)
                            lu = read_bytes(path)
                        except LoadFailed:
                            lu = None
            out.append(found if found is not None else lu)
        return out

    def _rendu(
        self, stored: bytes | None, path: str | Path, historique: HistoriqueDossiers | None
    ) -> RapportEncode | None:
        """The written report ``stored`` for ``path``, if sound and judged with the same history view."""
        if stored is not None and len(stored) > _VUE:
            encoded = decode_rendu(stored[_VUE:], str(path))
            if encoded is not None and stored[:_VUE] == self._vue(historique, encoded.exercice):
                self.hits += 1
                return encoded
        return None

    def _block(
        self, paths: list[Path], regles: JeuDeRegles, historique: HistoriqueDossiers | None, encodeur: Encodeur
    ) -> Iterator[RapportEncode]:
        """:meth:`check_file_encode` on each of ``paths``, those the cache knows looked up at once."""
        founds = self.lookup_encode(paths, historique, encodeur)
        manquants = [i for i, found in enumerate(founds) if not isinstance(found, RapportEncode)]
        # each its bytes (checked without reading them again), or None: unreadable, the reader says why
        raws = [cast("bytes | None", founds[i]) for i in manquants]
        verifies = iter(self.check_files_encode([paths[i] for i in manquants], raws, regles, historique, encodeur))
        if self.deja_lus is not None:
            self.deja_lus.oublier(paths[i] for i in manquants)
        for found in founds:
            yield found if isinstance(found, RapportEncode) else next(verifies)
        if self._en_attente("rendus") >= WRITE_EVERY:
            self.flush()

    def registres(
        self,
        paths: Sequence[Path],
        regles: JeuDeRegles,
        lire_manquants: Callable[[Sequence[Path]], Iterable[DossierAnterieur | DossierReport]],
    ) -> Iterator[DossierAnterieur | DossierReport]:
        """The history's record of each of ``paths``, in order: read back when the file's content, the rules
        and the tool are unchanged, else read by ``lire_manquants`` (all the others at once: in parallel if
        it likes) and kept. An invalid file's report is never kept (it is read again, and says why)."""
        try:
            cles: list[bytes | None] = []
            found: list[DossierAnterieur | None] = []  # the index keeps every record anyway
            empreintes = self.empreintes or {}
            for block in _blocs(paths, REGISTRES_BLOCK):
                bloc: list[bytes | None] = []
                for path in block:
                    empreinte = empreintes.get(str(path))
                    if empreinte is not None:  # seen in full by the quick look
                        bloc.append(self.key_of(empreinte))
                        continue
                    try:
                        bloc.append(self.key(read_bytes(path)))
                    except LoadFailed:
                        bloc.append(None)
                stored = self.get_many([c for c in bloc if c is not None], "registres")
                for cle, path in zip(bloc, block, strict=True):
                    value = stored.get(cle) if cle is not None else None
                    found.append(decode_registre(value, str(path)) if value is not None else None)
                cles += bloc
            manquants = [path for path, record in zip(paths, found, strict=True) if record is None]
            if manquants:
                self.detach()  # the others are read at once (by workers, maybe): no connection carried into them
            lus = iter(lire_manquants(manquants) if manquants else ())
            for cle, record, path in zip(cles, found, paths, strict=True):
                if record is not None:
                    self.hits += 1
                    yield record
                    continue
                item = next(lus)
                self.misses += 1
                if cle is not None and isinstance(item, DossierAnterieur) and str(path) in empreintes:
                    try:  # kept under the key of the bytes as they are now
                        cle = self.key(read_bytes(path))
                    except LoadFailed:
                        cle = None
                if cle is not None and isinstance(item, DossierAnterieur):
                    self.put(cle, encode_registre(item), "registres")
                    if self._en_attente("registres") >= WRITE_EVERY:
                        self.flush()
                yield item
        finally:
            self.close()

    def detach(self) -> None:
        """Close the connection (before a fork: it is not carried into a child); reopened when next needed."""
        self.close()
        self._opened = False

    def _check_raw(
        self, path: str | Path, raw: bytes, key: bytes, regles: JeuDeRegles, historique: HistoriqueDossiers | None
    ) -> DossierReport:
        """:meth:`check_file` on bytes already read and their key."""
        from cdv_prog.files.dossiers import check_file

        stored = self.get(key)
        if stored is not None and len(stored) > _VUE:
            if self._shared_for is not regles:
                self._shared, self._shared_for = {}, regles
            report = decode_report(stored[_VUE:], str(path), regles, self._shared)
            if report is not None and stored[:_VUE] == self._vue(historique, report.exercice):
                self.hits += 1
                return report
        self.misses += 1
        report = check_file(path, regles, historique, raw=raw)
        self.put(key, self._vue(historique, report.exercice) + encode_report(report, regles))
        if self._en_attente("entrees") >= WRITE_EVERY:
            self.flush()
        return report

    def _vue(self, historique: HistoriqueDossiers | None, exercice: int | None) -> bytes:
        """The digest of the history view a dossier of ``exercice`` is judged with (zeros: none)."""
        if historique is None or exercice is None:
            return bytes(_VUE)
        found = self._vues.get((id(historique), exercice))
        if found is None:
            found = hashlib.sha256(historique.vue(exercice).empreinte().encode("ascii")).digest()
            self._vues[(id(historique), exercice)] = found
        return found

    def check_files(
        self,
        files: Iterable[Path],
        regles: JeuDeRegles,
        historique: HistoriqueDossiers | None = None,
        encodeur: Encodeur | None = None,
    ) -> Iterator[Rapport]:
        """:meth:`check_file` on each file, with the same history index (:meth:`check_file_encode`
        with an ``encodeur``)."""
        try:
            if encodeur is None:
                for path in files:
                    yield self.check_file(path, regles, historique)
            else:
                block: list[Path] = []
                for path in files:
                    block.append(path)
                    if len(block) == LOOKUP_BLOCK:
                        yield from self._block(block, regles, historique, encodeur)
                        block = []
                yield from self._block(block, regles, historique, encodeur)
        finally:
            self.close()


_PAS_LU = b"\0pas lu"  # (by identity) a file known by its digest, not read yet


def _cle_rendu(key: bytes, encodeur: Encodeur, path: str | Path) -> bytes:
    """The key of a written report: the report's key, what the text depends on, and the file's name."""
    what = encodeur.cle + "\0" + str(path)
    return hashlib.sha256(key + b"\0" + what.encode("utf-8", "surrogatepass")).digest()


def _controle(key: bytes, value: bytes) -> bytes:
    """What binds a value to its key: damaged, cut, lengthened or another key's, it no longer matches.

    The CRC-32 of the value (fast: the written reports are large) hashed with the key and the length.
    """
    return hashlib.sha256(key + len(value).to_bytes(8, "big") + zlib.crc32(value).to_bytes(4, "big")).digest()[:16]


def _remove(path: Path) -> bool:
    """Remove a cache file that is not ours to read (and its journal); False if it cannot be."""
    try:
        for suffix in ("", "-wal", "-shm", "-journal"):
            target = path.with_name(path.name + suffix)
            if target.exists():
                target.unlink()
    except OSError:
        return False
    return True


def clear(folder: Path | None = None) -> list[Path]:
    """``cdv cache vider``: the cache's files removed (those that were there). OSError on failure."""
    base = (folder if folder is not None else cache_dir()) / FILE_NAME
    removed = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        target = base.with_name(base.name + suffix)
        if target.exists():
            target.unlink()
            removed.append(target)
    return removed


# --------------------------------------------------------------------------- the compact form of a report
#
# [verdict, id, exercice, constats, erreurs, montants, lignes], in compact JSON compressed by zlib:
# * a constat is [regle, statut, message] when its gravité and source are its rule's (always, from the
#   engine: the rules are part of the key), else [regle, gravite, statut, message, source];
# * montants: [[[financeur, dispositif, demande, retenu, code, nature], …], cpo] — amounts as exact
#   decimal text, the per-financeur totals added up again as Montants.of does;
# * lignes: [line, …], [path, …] (a path: [key, key or index]).
# The value's integrity is the digest's job (``_controle``); decoding checks the shape, and anything
# unexpected makes the entry unsound (None): never a report half read.

_VUE = 32  # an entry starts with the digest of the history view it was judged with (see check_file)
_SHARED_LIMIT = 20_000  # distinct constats kept to be shared between the reports of a run


def encode_report(report: DossierReport, regles: JeuDeRegles) -> bytes:
    """The report without its file name nor the dossier (see above)."""
    m = report.montants
    constats: list[list[str]] = []
    for c in report.constats:
        regle = regles.regles.get(c.regle)
        if regle is not None and regle.gravite == c.gravite and regle.source == c.source:
            constats.append([c.regle, c.statut, c.message])
        else:
            constats.append([c.regle, c.gravite, c.statut, c.message, c.source])
    data = [
        # the computed truth: a dérogation is applied again on reading (the rules may carry new ones)
        "ineligible" if report.derogation is not None else report.verdict,
        report.id,
        report.exercice,
        constats,
        [[e.champ, e.ligne, e.message] for e in report.erreurs],
        None if m is None else [[_ligne_compacte(li) for li in m.lignes], m.cpo],
        list(report.lignes.values()),
        list(report.lignes),
    ]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return zlib.compress(text, 1)  # about 3 KB a report, 1 KB compressed


def decode_report(
    value: bytes, fichier: str, regles: JeuDeRegles, shared: dict[tuple[str, ...], Constat] | None = None
) -> DossierReport | None:
    """The report stored by :func:`encode_report`, for the file ``fichier``; None when it is not sound.

    ``shared``: constats already made with the same ``regles`` (a « sans objet », a rule met…, the
    same in many reports), reused rather than made again; new ones are added to it.
    """
    if shared is None:
        shared = {}
    try:
        verdict, ident, exercice, constats, erreurs, montants, lines, paths = json.loads(
            zlib.decompress(value).decode("utf-8", "surrogatepass")
        )
        if verdict not in _VERDICTS or not (ident is None or isinstance(ident, str)):
            return None
        if not (exercice is None or type(exercice) is int):
            return None
        report = DossierReport(
            fichier,
            verdict,
            id=ident,
            exercice=exercice,
            constats=[_constat(c, regles, shared) for c in constats],
            erreurs=[_erreur(*e) for e in erreurs],
            montants=None if montants is None else _montants(*montants),
            lignes=_lignes(lines, paths),
        )
        appliquer_derogations(report, regles)
        return report
    except (ValueError, TypeError, KeyError, InvalidOperation, UnicodeError, zlib.error, _Unsound):
        return None


class _Unsound(Exception):
    pass


def _need(condition: bool) -> None:
    if not condition:
        raise _Unsound


def _constat(values: list[Any], regles: JeuDeRegles, shared: dict[tuple[str, ...], Constat]) -> Constat:
    key = tuple(values)
    known = shared.get(key)
    if known is not None:
        return known
    if len(values) == 3:
        regle_id, statut, message = values
        regle = regles.regles[regle_id]
        gravite, source = regle.gravite, regle.source
    else:
        regle_id, gravite, statut, message, source = values
    _need(gravite in GRAVITES and statut in STATUTS_FR)
    _need(isinstance(regle_id, str) and isinstance(message, str) and isinstance(source, str))
    constat = Constat(regle_id, gravite, statut, message, source)
    if len(shared) < _SHARED_LIMIT:
        shared[key] = constat
    return constat


def _erreur(champ: Any, ligne: Any, message: Any) -> LoadError:
    _need(isinstance(champ, str) and isinstance(message, str) and (ligne is None or type(ligne) is int))
    return LoadError(champ, ligne, message)


def _lignes(lines: list[Any], paths: list[Any]) -> dict[tuple[str | int, ...], int]:
    _need(len(lines) == len(paths) and all(type(n) is int for n in lines))
    return dict(zip(map(tuple, paths), lines, strict=True))  # a path that is not a list of scalars: TypeError


def _decimal(text: Any) -> Decimal:
    if type(text) is not str:
        raise _Unsound
    value = Decimal(text)
    if not value.is_finite():
        raise _Unsound
    return value


def _montants(lignes: list[Any], cpo: Any) -> Montants:
    """The amounts stored as ``[[financeur, dispositif, demande, retenu, code, nature], …], cpo``; each checked.

    A retained amount written as the requested one is read once (the same text: the same Decimal).
    """
    if type(cpo) is not bool or type(lignes) is not list:
        raise _Unsound
    out = []
    for financeur, dispositif, demande, retenu, code, nature in lignes:
        if (
            type(financeur) is not str
            or nature not in NATURES
            or not (dispositif is None or type(dispositif) is str)
            or not (code is None or type(code) is str)
        ):
            raise _Unsound
        montant = _decimal(demande)
        out.append(
            LigneMontant(
                financeur, dispositif, montant, montant if retenu == demande else _decimal(retenu), code, nature
            )
        )
    return Montants.de_lignes(tuple(out), cpo)  # summed as Montants.of does: the same Decimal, digit for digit


# --------------------------------------------------------------------------- the compact form of a written report
#
# The length of the head (4 bytes, big-endian), the head — [verdict, id, exercice, montants, reserves,
# par_derogation, ligne_id, in bytes, size of the text] in compact JSON (montants as above) — then the text
# in UTF-8, compressed with LZ4 (a JSON report is about 16 KB, 5 KB so; LZ4 costs ~10 µs to compress and
# ~2 µs to read back, zlib ten times that): read back as bytes for a data format (``Encodeur.octets``).
# The file's name is part of the key (the text names the file), not of the value.

MAX_TEXTE = 1 << 26  # a written report read back is never more than this (64 MB): nothing hostile is inflated


def encode_rendu(encoded: RapportEncode) -> bytes:
    """A :class:`~cdv_prog.core.report.RapportEncode` without its file name (see above)."""
    m = encoded.montants
    head = [
        encoded.verdict,
        encoded.id,
        encoded.exercice,
        None if m is None else [[_ligne_compacte(li) for li in m.lignes], m.cpo],
        encoded.reserves,
        encoded.par_derogation,
        encoded.ligne_id,
        isinstance(encoded.texte, bytes),
    ]
    import lz4.block

    texte = encoded.texte if isinstance(encoded.texte, bytes) else encoded.texte.encode("utf-8", "surrogatepass")
    head.append(len(texte))
    raw = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return len(raw).to_bytes(4, "big") + raw + lz4.block.compress(texte, store_size=False)


def _ligne_compacte(li: LigneMontant) -> list[Any]:
    return [li.financeur, li.dispositif, str(li.demande), str(li.retenu), li.code_dispositif, li.nature]


def decode_rendu(value: bytes, fichier: str) -> RapportEncode | None:
    """The written report stored by :func:`encode_rendu`, for the file ``fichier``; None when it is not sound."""
    import lz4.block

    try:
        size = int.from_bytes(value[:4], "big")
        _need(4 + size <= len(value))
        verdict, ident, exercice, montants, reserves, par_derogation, ligne_id, octets, taille = json.loads(
            value[4 : 4 + size].decode("utf-8", "surrogatepass")
        )
        if not (
            verdict in _VERDICTS
            and (ident is None or type(ident) is str)
            and (exercice is None or type(exercice) is int)
            and type(reserves) is int
            and reserves >= 0
            and type(par_derogation) is bool
            and (ligne_id is None or type(ligne_id) is int)
            and type(octets) is bool
            and type(taille) is int
            and 0 <= taille <= MAX_TEXTE
        ):
            raise _Unsound
        texte = lz4.block.decompress(value[4 + size :], uncompressed_size=taille) if taille else b""
        _need(len(texte) == taille)
        return RapportEncode(
            fichier,
            verdict,
            ident,
            exercice,
            None if montants is None else _montants(*montants),
            reserves,
            par_derogation,
            ligne_id,
            texte if octets else texte.decode("utf-8", "surrogatepass"),
        )
    except (ValueError, TypeError, KeyError, InvalidOperation, UnicodeError, lz4.block.LZ4BlockError, _Unsound):
        return None


# --------------------------------------------------------------------------- the compact form of a history record
#
# [id, exercice, intitule, [nom, siret, type], quartiers, precedent, annees_cpo, retenus, drapeaux,
# bilan_envoye_le, bilan_financeurs, evaluation_annuelle, engages] in compact JSON, amounts as exact decimal
# text, the date as ISO text; the file's name is given back by the caller.


def _blocs(paths: Sequence[Path], size: int) -> Iterator[Sequence[Path]]:
    return (paths[i : i + size] for i in range(0, len(paths), size))


def encode_registre(r: DossierAnterieur) -> bytes:
    """A history record without its file name nor verdict (see above)."""
    data = [
        r.id,
        r.exercice,
        r.intitule,
        [r.porteur.nom, r.porteur.siret, r.porteur.type],
        list(r.quartiers),
        r.precedent,
        None if r.annees_cpo is None else list(r.annees_cpo),
        [[code, str(amount)] for code, amount in r.retenus],
        sorted(r.drapeaux),
        None if r.bilan_envoye_le is None else r.bilan_envoye_le.isoformat(),
        None if r.bilan_financeurs is None else list(r.bilan_financeurs),
        r.evaluation_annuelle,
        None if r.engages is None else [[code, str(amount)] for code, amount in r.engages],
    ]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def _texte(value: Any, vide: bool = False) -> Any:
    _need(isinstance(value, str) or (vide and value is None))
    return value


def _sommes(values: Any) -> tuple[tuple[str, Decimal], ...]:
    _need(isinstance(values, list))
    return tuple((intern_texte(_texte(code)), _decimal(amount)) for code, amount in values)


def decode_registre(value: bytes, fichier: str) -> DossierAnterieur | None:
    """The record stored by :func:`encode_registre`, for the file ``fichier``; None when it is not sound."""
    import datetime as dt

    try:
        (ident, exercice, intitule, porteur, quartiers, precedent, annees, retenus, drapeaux, bilan, bilan_fin,
         evaluation, engages) = json.loads(value.decode("utf-8", "surrogatepass"))  # fmt: skip
        nom, siret, type_ = porteur
        _need(type(exercice) is int and isinstance(evaluation, bool) and isinstance(quartiers, list))
        _need(isinstance(drapeaux, list) and all(isinstance(d, str) for d in drapeaux))
        _need(annees is None or (isinstance(annees, list) and all(type(a) is int for a in annees)))
        _need(bilan_fin is None or (isinstance(bilan_fin, list) and all(isinstance(f, str) for f in bilan_fin)))
        return DossierAnterieur(
            id=_texte(ident),
            exercice=exercice,
            intitule=_texte(intitule),
            porteur=PorteurAnterieur(intern_texte(_texte(nom)), _texte(siret, True), _texte(type_, True)),
            quartiers=tuple(intern_texte(_texte(q)) for q in quartiers),
            precedent=_texte(precedent, True),
            annees_cpo=None if annees is None else tuple(annees),
            retenus=_sommes(retenus),
            drapeaux=intern_drapeaux(frozenset(drapeaux)),
            bilan_envoye_le=None if bilan is None else dt.date.fromisoformat(_texte(bilan)),
            bilan_financeurs=None if bilan_fin is None else tuple(bilan_fin),
            evaluation_annuelle=evaluation,
            fichier=fichier,
            engages=None if engages is None else _sommes(engages),
        )
    except (ValueError, TypeError, KeyError, InvalidOperation, UnicodeError, _Unsound):
        return None
