"""The rule set read back from a compact form while its YAML files have not changed.

Loading the rules (:func:`cdv_prog.files.rules.load_rules`: YAML with lines,
pydantic validation, the checks of every rule) is done once per content: the
validated :class:`~cdv_prog.core.ruleset.JeuDeRegles` is kept as a pickle in the
user's cache directory (:func:`cdv_prog.files.cache_location.cache_dir`, folder
``regles/``), keyed by the rule files' path and content, the tool (its version
and modules) and the Python version. A start that finds its entry imports
neither the YAML loader of the rules nor their pydantic checks.

Never trusted: an entry starts with its key and a digest of its content; one that
is truncated, corrupt, foreign, of another key, not owned by the user or writable
by others is ignored and written again. Reading back builds only the classes of
the engine (``core``, ``kinds``: no I/O; not their pydantic models, so it never
imports pydantic) and ``Decimal``, ``date``, ``Path``; the kinds by their module's name.
A cache that cannot be read or written (read-only disk, no space) is simply not
used: never an error, and the rule set is the same. Rules in error are never
cached: their problems are reported as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdv_prog.files.cache_location import cache_dir, tool_digest

if TYPE_CHECKING:
    from cdv_prog.core.ruleset import JeuDeRegles

FORMAT = "cdv.regles/1"
FOLDER = "regles"
SUFFIX = ".pickle"
KEEP = 16  # entries kept (the most recent): a few rule sets, and their recent versions
_MAGIC = b"cdv-regles\0"
_KINDS = "cdv_prog.kinds."
_MODELS = ("cdv_prog.core.", _KINDS)  # the modules a rule set's classes come from (the engine's: no I/O)
# ... but not their pydantic models: a rule set holds the engine's plain records, and reading it back never
# imports pydantic (issue 17)
_PYDANTIC = ("cdv_prog.core.modeles", "cdv_prog.core.champs", "cdv_prog.kinds.parametres")
_ALLOWED = {("datetime", "date"), ("decimal", "Decimal"), ("pathlib", "PosixPath"), ("pathlib", "WindowsPath")}


# --------------------------------------------------------------------------- where the rules are


def rules_files(path: Path) -> list[Path]:
    """The rule files of ``path``: the file itself, or the ``*.yaml`` of a folder (top level only)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def packaged_rules_path() -> Path:
    """The rule set shipped with the package (or the repository's rules/ in development)."""
    package = Path(__file__).resolve().parent.parent  # cdv_prog/
    inside = package / "rules"
    if inside.is_dir():
        return inside
    return package.parent.parent / "rules"  # src/cdv_prog → the repository's rules/


def default_rules_path(cwd: Path | None = None) -> Path:
    """``./rules`` when there is one, else the shipped rule set."""
    local = (cwd or Path.cwd()) / "rules"
    if local.is_dir():
        return local
    return packaged_rules_path()


# --------------------------------------------------------------------------- loading


def load_rules(path: Path, display: str | None = None, folder: Path | None = None) -> JeuDeRegles:
    """:func:`cdv_prog.files.rules.load_rules`, read back from the cache when the files have not changed.

    The same rule set and the same :class:`~cdv_prog.core.ruleset.RulesError` as the loader's;
    ``folder``: the cache's folder (default: ``regles/`` in :func:`cache_dir`).
    """
    found = _key(path, display)
    if found is None:  # missing, empty or unreadable: the loader says why
        return _build(path, display)
    key, empreinte = found
    where = folder if folder is not None else cache_dir() / FOLDER
    entry = where / (key.hex()[:40] + SUFFIX)
    regles = _read(entry, key)
    if regles is not None:
        return regles
    regles = _build(path, display)
    if regles.empreinte == empreinte:  # the files read for the key are the ones the rule set was built from
        _write(where, entry, key, regles)
    return regles


def _build(path: Path, display: str | None) -> JeuDeRegles:
    from cdv_prog.files.rules import load_rules as build

    return build(path, display)


def _key(path: Path, display: str | None) -> tuple[bytes, str] | None:
    """(the entry's key, the rules' fingerprint as the loader computes it), or None when they cannot be read."""
    try:
        if not path.exists():
            return None
        files = rules_files(path)
        if not files:
            return None
        content = hashlib.sha256()  # JeuDeRegles.empreinte: each file's name and bytes
        for file in files:
            content.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    except OSError:
        return None
    h = hashlib.sha256(tool_digest(FORMAT))
    h.update(f"\0{sys.version}\0{sys.implementation.cache_tag}\0".encode())
    h.update(os.fsencode(str(path)) + b"\0" + (b"\1" if display is None else display.encode("utf-8", "replace")))
    for file in files:
        h.update(b"\0" + os.fsencode(str(file)))
    empreinte = content.hexdigest()
    h.update(b"\0" + empreinte.encode())
    return h.digest(), empreinte


def _seal(key: bytes, payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=key[:32], digest_size=32).digest()


def _read(entry: Path, key: bytes) -> JeuDeRegles | None:
    from cdv_prog.core.ruleset import JeuDeRegles

    try:
        with entry.open("rb") as f:
            st = os.fstat(f.fileno())
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                return None  # written by someone else, or others could have: not ours to unpickle
            data = f.read()
    except OSError:
        return None
    head = len(_MAGIC) + 64
    if len(data) <= head or data[: len(_MAGIC)] != _MAGIC or data[len(_MAGIC) : len(_MAGIC) + 32] != key:
        return None
    payload = data[head:]
    if data[len(_MAGIC) + 32 : head] != _seal(key, payload):
        return None
    try:
        regles = _Unpickler(payload).load()
    except Exception:  # a pickle of other code: rebuilt from the YAML
        return None
    return regles if isinstance(regles, JeuDeRegles) else None


def _write(folder: Path, entry: Path, key: bytes, regles: JeuDeRegles) -> None:
    import tempfile

    payload = _payload(regles)
    if payload is None:
        return
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".regles-", suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + key + _seal(key, payload) + payload)
        os.replace(tmp, entry)
        tmp = None
        _prune(folder)
    except OSError:  # read-only, full, gone: no cache, the same rule set
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _payload(regles: JeuDeRegles) -> bytes | None:
    """The pickle of ``regles`` (None: it cannot be pickled, and is simply not cached).

    With each rule's parameters already validated for every exercice of the contract's period, so that a
    process reading the rule set back never builds their validators (a few milliseconds of every
    ``cdv check``'s start, issue 17) — unless that pickle would not read back here: then without them.
    """
    toutes = (*regles.regles.values(), *regles.programmation.values())
    premiere, derniere = regles.contrat.periode
    for regle in toutes:
        for exercice in range(premiere, derniere + 1):
            # parameters refused: not kept, so said (raised) when a dossier reaches them, as without the cache
            with contextlib.suppress(Exception):
                regle.parametres(exercice, regles)
    payload = _pickle(regles)
    if payload is not None:
        try:
            _Unpickler(payload).load()
            return payload
        except Exception:
            pass
    for regle in toutes:
        regle.vider_parametres()
    return _pickle(regles)


def _pickle(regles: JeuDeRegles) -> bytes | None:
    import io

    try:
        buffer = io.BytesIO()
        _Pickler(buffer).dump(regles)
    except Exception:
        return None
    return buffer.getvalue()


def _prune(folder: Path) -> None:
    """Only the :data:`KEEP` most recent entries stay."""
    entries = []
    for p in folder.iterdir():
        if p.suffix == SUFFIX:
            try:
                entries.append((p.stat().st_mtime_ns, p.name, p))
            except OSError:
                continue
    entries.sort(reverse=True)
    for _, _, p in entries[KEEP:]:
        with contextlib.suppress(OSError):
            p.unlink()


def clear(folder: Path | None = None) -> list[Path]:
    """``cdv cache vider``: the rule sets kept in the cache ``folder`` removed (those that were there).

    OSError on failure.
    """
    where = (folder if folder is not None else cache_dir()) / FOLDER
    if not where.is_dir():
        return []
    removed = []
    for p in sorted(where.iterdir()):
        if p.suffix == SUFFIX or (p.name.startswith(".regles-") and p.suffix == ".tmp"):
            p.unlink()
            removed.append(p)
    if not any(where.iterdir()):
        where.rmdir()
    return removed


class _Pickler(pickle.Pickler):
    def __init__(self, file: Any) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)

    def persistent_id(self, obj: Any) -> Any:
        """A rule's kind (a module) is kept by its name."""
        if type(obj) is type(sys) and obj.__name__.startswith(_KINDS):
            return ("kind", obj.__name__)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, payload: bytes) -> None:
        import io

        super().__init__(io.BytesIO(payload))

    def persistent_load(self, pid: Any) -> Any:
        import importlib

        if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "kind" and str(pid[1]).startswith(_KINDS):
            return importlib.import_module(pid[1])
        raise pickle.UnpicklingError("unexpected persistent id")

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module.startswith(_MODELS) and not module.startswith(_PYDANTIC) and not name.startswith("_"):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a rule set")
