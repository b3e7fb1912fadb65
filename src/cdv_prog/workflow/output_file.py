"""Writing a report file of the rules workflow (``cdv regles doc``…), atomically."""

from __future__ import annotations

from pathlib import Path

from ..output import write_atomic as _write_atomic


class OutputError(Exception):
    """The file could not be written; the message is French."""


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` all at once (missing parent folders are created).

    Refuses to write over a folder.
    """
    if path.is_dir():
        raise OutputError(f"{path} est un dossier : donner un nom de fichier")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, raw)
    except OSError as exc:
        raise OutputError(f"impossible d'écrire {path} : {exc.strerror or exc}") from None
