"""Writing a report file atomically (temporary file in the same folder, then rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputError(Exception):
    """The file could not be written; the message is French."""


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` all at once: readers never see a half-written file.

    Missing parent folders are created. Refuses to write over a folder.
    """
    if path.is_dir():
        raise OutputError(f"{path} est un dossier : donner un nom de fichier")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            umask = os.umask(0o022)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # like a file created by open(), not mkstemp's 0600
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        raise OutputError(f"impossible d'écrire {path} : {exc.strerror or exc}") from None
