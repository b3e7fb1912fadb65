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
    pairs = inputs.paths if isinstance(inputs, Inputs) else [(p, Path(os.path.realpath(p))) for p in inputs]
    for path, resolved in pairs:
        if resolved == real or (exists and _same_file(path, target)):
            raise OutputRefused(f"{target} est un fichier lu par cdv ({path}) : refus de l'écraser")
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
