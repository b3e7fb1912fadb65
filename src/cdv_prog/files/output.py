"""The one write path: every file cdv writes goes through :func:`write_output`.

``-o``/``--output`` of ``cdv check``, ``cdv programmation``, ``cdv regles
doc`` and ``cdv schema``, ``--junit`` of ``cdv regles tester``, and each
dossier written by ``cdv importer`` (its ``--vers``/``-d`` folder) all follow
the same rules:

* **never over an input**: the target is refused when it is — by its name, a
  symbolic link or a hard link — one of the files the command reads
  (dossiers, rules, test cases, the workbook…);
* **never a report onto YAML**: a report (anything but an imported dossier)
  is refused onto an existing ``.yaml``/``.yml`` file, and onto a new one
  inside a folder the command reads (the next run would read it as a dossier
  or a rules file);
* **atomically**: the bytes go to a temporary file beside the target, flushed
  to disk, then renamed over it — a reader sees the old file or the new one,
  and a failure leaves the target untouched;
* **never a rename over what is not a regular file**: a target that exists
  and is a device, a pipe… (``/dev/null``, ``/dev/stdout``) is written into,
  not replaced.

Refusals raise :class:`OutputRefused` with a French message naming the file;
the command line turns it into exit code 2.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

YAML_SUFFIXES = (".yaml", ".yml")


class OutputRefused(Exception):
    """The target cannot be written; the message is French and names it."""


class AlreadyExists(OutputRefused):
    """The target exists and ``replace=False`` was asked."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class Inputs:
    """The inputs of a batch of writes (``cdv importer``), resolved once for every file of the batch.

    Iterating gives the paths as given; :func:`check_output` uses their resolved form without
    resolving them again for each file written.
    """

    def __init__(self, paths: Iterable[Path]):
        self.paths = [(Path(p), Path(os.path.realpath(p))) for p in paths]

    def __iter__(self) -> Iterator[Path]:
        return (p for p, _ in self.paths)


def check_output(
    target: Path,
    inputs: Iterable[Path] = (),
    roots: Iterable[Path] = (),
    *,
    yaml_ok: bool = False,
) -> Path:
    """Refuse a target that must not be written (:class:`OutputRefused`); return it.

    ``inputs``: the files the command reads; ``roots``: the folders it reads
    them from; ``yaml_ok``: the file written is itself YAML (an imported dossier).
    """
    real = Path(os.path.realpath(target))
    if real.is_dir():
        raise OutputRefused(f"{target} est un répertoire : donner un nom de fichier")
    if not real.parent.is_dir():
        raise OutputRefused(f"le répertoire de {target} n'existe pas")
    exists = os.path.lexists(target)
    lu = _entree_visee(target, str(real), exists, inputs)
    if lu is not None:
        raise OutputRefused(f"{target} est un fichier lu par cdv ({lu}) : refus de l'écraser")
    if not yaml_ok and real.suffix.lower() in YAML_SUFFIXES:
        if exists:
            raise OutputRefused(
                f"{target} est un fichier YAML existant (dossier ou règles ?) : refus d'y écrire un rapport"
            )
        for root in roots:
            top = Path(os.path.realpath(root))
            if top.is_dir() and top in real.parents:
                raise OutputRefused(
                    f"{target} serait lu comme un fichier YAML de {root} au prochain passage : choisir un autre nom"
                )
    return target


def _entree_visee(target: Path, real: str, exists: bool, inputs: Iterable[Path]) -> str | None:
    """The input (as given) that ``target`` would write over, or None.

    An input is the target when it resolves to the target's real path (``real``) or, the target
    existing, is the same file (a hard link). Resolving every input of a batch (``realpath``: a
    ``lstat`` per part of the path) cost 18 % of ``cdv check -o`` on 10 000 dossiers; one ``lstat``
    per input gives the same answer (issue 17):

    * an input that is neither a symbolic link nor missing resolves to an existing file, so it can
      only be the target when the target exists: it is when it has the target's device and inode;
    * a symbolic link, or an input that cannot be examined, is resolved and compared as before.
    """
    if isinstance(inputs, Inputs):  # resolved once for a batch of writes (cdv importer)
        for path, resolved in inputs.paths:
            if str(resolved) == real or (exists and _same_file(path, target)):
                return str(path)
        return None
    try:
        cible = os.stat(target) if exists else None
    except OSError:  # a broken link: no input is that file
        cible = None
    from cdv_prog.files.dossiers import textes  # a batch's paths as text, no Path built

    for texte in textes(inputs):
        try:
            st: os.stat_result | None = os.lstat(texte)
        except OSError:
            st = None
        if st is None or stat.S_ISLNK(st.st_mode):
            if os.path.realpath(texte) == real or (exists and _same_file(Path(texte), target)):
                return texte
        elif cible is not None and st.st_ino == cible.st_ino and st.st_dev == cible.st_dev:
            return texte
    return None


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_output(
    target: Path,
    data: bytes | str | Iterable[str | bytes],
    inputs: Iterable[Path] = (),
    roots: Iterable[Path] = (),
    *,
    yaml_ok: bool = False,
    replace: bool = True,
    verify: Callable[[Path], object] | None = None,
    make_parents: bool = False,
    fsync: bool = True,
) -> None:
    """Check the target (:func:`check_output`), then write ``data`` to it atomically.

    An existing target keeps its permissions; a new one gets the usual ones
    (umask). ``verify(temp_path)`` may raise to stop before the file takes its
    place. With ``replace=False`` an existing target is never touched
    (:class:`AlreadyExists`). With ``make_parents``, missing parent folders
    are created. OSError on failure (disk full, permissions).

    ``data`` may be an iterable of chunks (text or bytes), consumed only after
    the target passed the checks and written as they come: a streamed report
    (``cdv check -o``) goes to the temporary file without being held in memory,
    and an exception while producing it leaves the target untouched.

    ``fsync=False`` leaves out the flush of this one file to disk before the rename (the write
    stays atomic: a reader sees the old file or the new one): for a batch of files (``cdv
    importer``) made durable once at its end by :func:`sync_folders`.
    """
    raw = _chunks(data)
    if make_parents and not os.path.lexists(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
    check_output(target, inputs, roots, yaml_ok=yaml_ok)
    try:
        st = os.stat(target)
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if not replace:
            raise AlreadyExists(f"{target} existe déjà")
        with open(target, "wb") as fh:  # a device or a pipe: written into, never replaced
            for chunk in raw:
                fh.write(chunk)
            fh.flush()
        return
    _write_atomic(target, raw, st.st_mode & 0o7777 if st is not None else _new_file_mode(), replace, verify, fsync)


def sync_folders(folders: Iterable[Path]) -> None:
    """Make a batch written with ``write_output(..., fsync=False)`` durable: once, at its end.

    The file system's data is flushed once (``sync``, where the system has it), then each
    folder that received files is flushed (its names), one ``fsync`` per folder instead of
    one per file. OSError on failure.
    """
    if hasattr(os, "sync"):
        os.sync()
    for folder in dict.fromkeys(Path(os.path.realpath(f)) for f in folders):
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:  # a folder that cannot be opened (Windows): its files were synced above
            continue
        try:
            os.fsync(fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.EBADF):  # folders that cannot be flushed
                raise
        finally:
            os.close(fd)


def _chunks(data: bytes | str | Iterable[str | bytes]) -> Iterator[bytes]:
    if isinstance(data, str):
        yield data.encode("utf-8")
    elif isinstance(data, bytes):
        yield data
    else:
        for chunk in data:
            yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk


def _write_atomic(
    target: Path,
    raw: Iterable[bytes],
    mode: int,
    replace: bool,
    verify: Callable[[Path], object] | None,
    fsync: bool = True,
) -> None:
    fd, name = tempfile.mkstemp(dir=os.path.dirname(os.path.realpath(target)), prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(name)
    final = Path(os.path.realpath(target))  # through a symbolic link: its target is replaced, not the link
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in raw:
                fh.write(chunk)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.chmod(temp, mode)
        if verify is not None:
            verify(temp)
        if replace:
            os.replace(temp, final)
            return
        try:
            os.link(temp, final)
        except FileExistsError:
            raise AlreadyExists(f"{target} existe déjà") from None
        except OSError:  # file systems without hard links
            if final.exists():
                raise AlreadyExists(f"{target} existe déjà") from None
            os.replace(temp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


# ----------------------------------------------------------------------------- a batch of files


class Staged:
    """One file of an :class:`OutputBatch`: its bytes are on disk under no final name yet.

    ``done`` once the batch published it; ``error`` is then ``None`` (written) or why it was not
    (:class:`AlreadyExists`, :class:`OutputRefused`, :class:`OSError`).
    """

    __slots__ = ("done", "error", "fd", "folder", "name", "replace", "target", "temp")

    def __init__(self, target: Path, folder: _Folder, name: str, replace: bool) -> None:
        self.target = target
        self.folder = folder
        self.name = name  # the final name, in ``folder``
        self.replace = replace  # renamed over an existing file (else: linked, never over one)
        self.fd: int | None = None  # an unnamed file (``O_TMPFILE``), open until published
        self.temp: str | None = None  # or a temporary name in ``folder``
        self.done = False
        self.error: Exception | None = None


class _Folder:
    """A target folder of a batch: opened, resolved and listed once, not for each file."""

    __slots__ = ("fd", "names", "path", "real", "unnamed", "wrote")

    def __init__(self, path: str) -> None:
        self.path = path
        self.real = os.path.realpath(path)
        self.fd: int | None = None
        self.names: set[str] | None = None
        self.unnamed: bool | None = None if _UNNAMED else False  # None: not tried yet
        self.wrote = False

    def listing(self) -> set[str]:
        if self.names is None:
            try:
                self.names = {n.casefold() for n in os.listdir(self.real)}
            except OSError:
                self.names = set()
        return self.names

    def open(self) -> int:
        if self.fd is None:
            self.fd = os.open(self.real, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        return self.fd


# Files created unnamed and linked once their bytes are on disk: Linux (``O_TMPFILE``), with
# ``/proc`` mounted (the link goes through ``/proc/self/fd``, the one way open to a user).
_UNNAMED = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# A batch needs files opened, linked and renamed relative to an open folder, and a whole-system
# flush at least; elsewhere (Windows) each file is written and flushed on its own.
_BATCHED = hasattr(os, "sync") and {os.open, os.link, os.rename} <= os.supports_dir_fd


class OutputBatch:
    """Many new files (``cdv importer``'s dossiers), each atomic, the whole batch made durable once.

    :meth:`add` checks a target and writes its bytes to disk under no final name: an unnamed file
    of the target folder (Linux ``O_TMPFILE``), else a temporary ``.NAME.XXXXXXXX.tmp`` beside it.
    :meth:`publish` then flushes the file system's data **once** (``syncfs`` of the target
    folder's file system; ``sync`` where the system has no ``syncfs``), and only then gives
    each file its final name — a link that never replaces an existing file, or, for
    ``replace=True`` over an existing one, a rename. The batch publishes itself when its
    unnamed files reach the open-file limit. :meth:`close` flushes each folder that received
    files (its names), one ``fsync`` per folder.

    What holds:

    * after :meth:`close` returns, every file reported written is on disk, bytes and name;
    * a crash at any point never leaves a partly written file under a final name: a name is
      given only to bytes already flushed. A crash before :meth:`close` may lose names given
      since the last folder flush (the files are then simply not there); an unnamed file is
      reclaimed by the file system; a temporary ``.…tmp`` name (systems without ``O_TMPFILE``)
      may stay behind after a crash — never after an error, which removes it;
    * an existing file is never touched unless ``replace=True`` was asked for it, and a file the
      command reads (``inputs``: by name, symbolic link or hard link) never (:func:`check_output`).

    A target folder is resolved, listed and opened once: a new name (not in the listing) is
    checked against the resolved inputs with no system call; an existing one goes through
    :func:`check_output`. Every target is a YAML dossier (``yaml_ok``). Use as a context
    manager: leaving it unpublished (an exception) removes every unpublished file. Where files
    cannot be opened relative to a folder (Windows), each file is written by :func:`write_output`
    and flushed on its own.
    """

    def __init__(self, inputs: Iterable[Path] = ()) -> None:
        self.inputs = inputs if isinstance(inputs, Inputs) else Inputs(inputs)
        self._resolved = {str(r) for _, r in self.inputs.paths}
        self._folders: dict[str, _Folder] = {}
        self._staged: list[Staged] = []
        self._open_files = 0
        self._limit = _open_file_budget()

    def __enter__(self) -> OutputBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def folder(self, path: str) -> _Folder:
        key = path or "."
        found = self._folders.get(key)
        if found is None:
            found = self._folders[key] = _Folder(key)
        return found

    def may_exist(self, target: Path) -> bool:
        """Whether ``target`` may exist: ``False`` only when the folder's listing (read once) lacks its name."""
        return target.name.casefold() in self.folder(os.path.dirname(target)).listing()

    def add(self, target: Path, data: bytes, *, replace: bool = False) -> Staged:
        """Check ``target`` and put ``data`` on disk under no final name; :meth:`publish` names it.

        Raises :class:`OutputRefused` (an input), :class:`AlreadyExists` (exists and not
        ``replace``) or :class:`OSError` (nothing is left behind then).
        """
        if not _BATCHED:  # pragma: no cover - Windows: one file at a time, each flushed on its own
            write_output(target, data, self.inputs, yaml_ok=True, replace=replace)
            staged = Staged(target, self.folder(os.path.dirname(target)), target.name, replace)
            staged.done = True
            return staged
        folder = self.folder(os.path.dirname(target))
        name = target.name
        mode = None
        if name.casefold() in folder.listing():  # an existing file: every check, as for one file
            check_output(target, self.inputs, yaml_ok=True)
            try:
                st = os.stat(target)
            except OSError:
                st = None
            if st is not None:
                if not replace:
                    raise AlreadyExists(f"{target} existe déjà")
                if not stat.S_ISREG(st.st_mode):  # a device, a pipe: written into, never replaced
                    write_output(target, data, self.inputs, yaml_ok=True)
                    staged = Staged(target, folder, name, replace)
                    staged.done = True
                    return staged
                real = os.path.realpath(target)  # through a symbolic link: its target is replaced
                folder, name = self.folder(os.path.dirname(real)), os.path.basename(real)
                mode = st.st_mode & 0o7777
        elif os.path.join(folder.real, name) in self._resolved:
            raise OutputRefused(f"{target} est un fichier lu par cdv : refus de l'écraser")
        staged = Staged(target, folder, name, replace and mode is not None)
        self._put(staged, data, mode)
        return staged

    def _put(self, staged: Staged, data: bytes, mode: int | None) -> None:
        """Put a checked file's bytes on disk under no final name (``mode``: an existing file's permissions)."""
        _stage(staged, data, mode)
        self._staged.append(staged)
        if staged.fd is not None:
            self._open_files += 1
            if self._open_files >= self._limit:
                self.publish()

    def publish(self) -> None:
        """Flush the staged files' data once, then give each its final name (``done``, ``error``).

        OSError when the data cannot be flushed: then no file of this round is named, and none is
        left behind.
        """
        staged, self._staged, self._open_files = self._staged, [], 0
        if not staged:
            return
        try:
            _flush_data(staged)
        except BaseException:
            for s in staged:
                _drop(s)
            raise
        for s in staged:
            try:
                _name(s)
                s.folder.wrote = True
            except (OutputRefused, OSError) as exc:
                s.error = exc
            finally:
                _drop(s)
                s.done = True

    def close(self) -> None:
        """Publish what is left, then flush each folder that received files, once. OSError on failure."""
        self.publish()
        try:
            for folder in self._folders.values():
                if folder.wrote and folder.fd is not None:
                    _fsync_folder(folder.fd)
        finally:
            self.discard()

    def discard(self) -> None:
        """Forget what was not published (nothing of it stays on disk) and close the folders."""
        staged, self._staged, self._open_files = self._staged, [], 0
        for s in staged:
            _drop(s)
        for folder in self._folders.values():
            if folder.fd is not None:
                os.close(folder.fd)
                folder.fd = None


def _open_file_budget() -> int:
    """How many unnamed files a batch keeps open before publishing them: the open-file limit's spare part."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # pragma: no cover - systems without resource
        return 256
    if soft == resource.RLIM_INFINITY:  # pragma: no cover - an unlimited process
        return 16384
    return max(16, min(soft - 256, 16384))


def _stage(staged: Staged, data: bytes, mode: int | None) -> None:
    folder = staged.folder
    dir_fd = folder.open()
    fd = -1
    if folder.unnamed is None:
        folder.unnamed = _unnamed_files_work(dir_fd)
    if folder.unnamed:
        fd = os.open(".", os.O_TMPFILE | os.O_WRONLY | _CLOEXEC, 0o666, dir_fd=dir_fd)
        staged.fd = fd
    if fd < 0:
        while True:
            temp = f".{staged.name}.{os.urandom(4).hex()}.tmp"
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666, dir_fd=dir_fd)
            except FileExistsError:  # pragma: no cover - a clash of random names
                continue
            staged.temp = temp
            break
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if mode is not None:
            os.fchmod(fd, mode)  # an existing file keeps its permissions; a new one gets the umask's
    except BaseException:
        _drop(staged)
        raise
    if staged.temp is not None:
        os.close(fd)


def _unnamed_files_work(dir_fd: int) -> bool:
    """Whether the folder takes unnamed files and they can be named (tried once per folder, leaving nothing)."""
    try:
        fd = os.open(".", os.O_TMPFILE | os.O_WRONLY | _CLOEXEC, 0o666, dir_fd=dir_fd)
    except OSError:  # a file system without O_TMPFILE
        return False
    probe = f".cdv-{os.urandom(6).hex()}.tmp"
    try:
        os.link(f"/proc/self/fd/{fd}", probe, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError:  # /proc/self/fd not usable for a link (a sandbox)
        return False
    else:
        os.unlink(probe, dir_fd=dir_fd)
        return True
    finally:
        os.close(fd)


def _flush_data(staged: list[Staged]) -> None:
    """The bytes of every staged file on disk: one ``syncfs`` per file system, else ``sync``."""
    syncfs = _syncfs()
    if syncfs is not None:
        seen: set[int] = set()
        for s in staged:
            fd = s.folder.fd
            assert fd is not None
            dev = os.fstat(fd).st_dev
            if dev not in seen:
                seen.add(dev)
                syncfs(fd)
    else:  # pragma: no cover - systems without syncfs
        os.sync()


_SYNCFS: list[Callable[[int], None] | None] = []


def _syncfs() -> Callable[[int], None] | None:
    """``syncfs(fd)`` of the C library (Linux): flushes one file system, not the whole system's."""
    if not _SYNCFS:
        _SYNCFS.append(_load_syncfs())
    return _SYNCFS[0]


def _load_syncfs() -> Callable[[int], None] | None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.syncfs
    except (ImportError, OSError, AttributeError):  # pragma: no cover - systems without syncfs
        return None
    call.argtypes = [ctypes.c_int]
    call.restype = ctypes.c_int

    def syncfs(fd: int) -> None:
        if call(fd) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))

    return syncfs


def _name(s: Staged) -> None:
    """Give a staged file its final name: a link that never replaces, or a rename over (``replace``)."""
    folder = s.folder
    dir_fd = folder.fd
    assert dir_fd is not None
    if not s.replace:
        try:
            if s.fd is not None:
                os.link(f"/proc/self/fd/{s.fd}", s.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # follows the link
            else:
                assert s.temp is not None
                os.link(s.temp, s.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            return
        except FileExistsError:
            raise AlreadyExists(f"{s.target} existe déjà") from None
    if s.fd is not None:  # an unnamed file takes a temporary name to be renamed over the old one
        while True:
            temp = f".{s.name}.{os.urandom(4).hex()}.tmp"
            try:
                os.link(f"/proc/self/fd/{s.fd}", temp, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            except FileExistsError:  # pragma: no cover - a clash of random names
                continue
            s.temp = temp
            break
    assert s.temp is not None
    os.rename(s.temp, s.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # POSIX: replaces atomically
    s.temp = None


def _drop(s: Staged) -> None:
    """Close a staged file and remove its temporary name, if any (its final name stays)."""
    if s.fd is not None:
        os.close(s.fd)
        s.fd = None
    if s.temp is not None:
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(s.folder.real, s.temp))
        s.temp = None


def _fsync_folder(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF):  # folders that cannot be flushed
            raise
