"""Where cdv keeps its caches, and the digest of the code that wrote them (standard library only).

Imported at every start (the rule set's cache, :mod:`cdv_prog.files.rules_cache`),
so it stays light: no SQLite, no engine. :mod:`cdv_prog.files.cache` (the reports'
cache) uses the same folder.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

ENV = "CDV_CACHE_DIR"


def cache_dir() -> Path:
    """Where the caches live: ``$CDV_CACHE_DIR``, else the user's cache directory."""
    chosen = os.environ.get(ENV)
    if chosen:
        return Path(chosen)
    if sys.platform == "win32":  # pragma: no cover - not tested on Linux
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "cdv" / "cache"
    if sys.platform == "darwin":  # pragma: no cover - not tested on Linux
        return Path.home() / "Library" / "Caches" / "cdv"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "cdv"


def tool_digest(prefix: str) -> bytes:
    """``prefix``, the tool's version and the size and modification time of each of its modules.

    A development copy whose code changed never reads back what another code wrote.
    """
    import cdv_prog

    h = hashlib.sha256(f"{prefix}\0{cdv_prog.__version__}\0".encode())
    root = Path(cdv_prog.__file__).parent
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                h.update(f"{os.path.relpath(path, root)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.digest()
