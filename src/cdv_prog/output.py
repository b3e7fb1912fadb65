"""Writing a report file: atomically, and never over an input.

The bytes go to a temporary file next to the target, flushed to disk, then
renamed over it: a reader sees the old file or the new one, never half of one,
and a failure leaves the target untouched. The target is refused when it is
(or points to) a dossier or rules file of the run, a folder, or a YAML file
inside a folder of dossiers or of rules (the next run would read it as one).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

YAML_SUFFIXES = (".yaml", ".yml")


class OutputRefused(Exception):
    """The target cannot be written; the message is French and names it."""


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_target(target: Path, inputs: Iterable[Path], roots: Iterable[Path] = ()) -> Path:
    """The real path to write, or OutputRefused.

    ``inputs``: the dossier and rules files read; ``roots``: the folders they
    were searched in (a new ``*.yaml`` there would be read next time).
    """
    real = Path(os.path.realpath(target))
    if real.is_dir():
        raise OutputRefused(f"{target} est un répertoire : donner un nom de fichier")
    if not real.parent.is_dir():
        raise OutputRefused(f"le répertoire de {target} n'existe pas")
    for path in inputs:
        if Path(os.path.realpath(path)) == real or _same(path, real):
            raise OutputRefused(f"{target} est un fichier lu par cdv ({path}) : refus de l'écraser")
    if real.suffix.lower() in YAML_SUFFIXES:
        for root in roots:
            top = Path(os.path.realpath(root))
            if top.is_dir() and top in real.parents:
                raise OutputRefused(
                    f"{target} serait lu comme un fichier YAML de {root} au prochain passage : choisir un autre nom"
                )
    return real


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class AlreadyExists(Exception):
    """The target exists and ``replace=False`` was asked."""


def write_atomic(
    target: Path, data: bytes, *, replace: bool = True, verify: Callable[[Path], object] | None = None
) -> None:
    """Write ``data`` to ``target`` through a temporary file and a rename (OSError on failure).

    An existing target keeps its permissions; a new one gets the usual ones
    (umask), not mkstemp's 0600. ``verify(temp_path)`` may raise to stop before
    the file takes its place. With ``replace=False`` an existing target is
    never touched (AlreadyExists): the temporary file is hard-linked, which
    fails atomically if the target appeared meanwhile.
    """
    import tempfile

    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        mode = _new_file_mode()
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, mode)
        if verify is not None:
            verify(temp)
        if replace:
            os.replace(temp, target)
            return
        try:
            os.link(temp, target)
        except FileExistsError:
            raise AlreadyExists(str(target)) from None
        except OSError:  # file systems without hard links
            if target.exists():
                raise AlreadyExists(str(target)) from None
            os.replace(temp, target)
    finally:
        try:
            temp.unlink()
        except FileNotFoundError:
            pass
