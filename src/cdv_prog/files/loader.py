"""Hardened YAML loading, shared by dossiers and rules files.

* safe only: libyaml's C parser when present, our own resolver and our own
  construction from the node tree (no PyYAML constructor ever runs);
* YAML 1.2-like scalars: only ``true``/``false`` are booleans, so ``no``,
  ``on``, ``yes`` stay text; ``12:30`` stays text; ``3_000`` stays text;
* numbers with a fraction or exponent become ``Decimal`` read from the text,
  never binary floats;
* dates ``AAAA-MM-JJ`` are checked (``2025-02-30`` is an error, with its line);
* duplicate mapping keys are errors at every depth;
* anchors/aliases, explicit tags other than the standard ones, several
  documents in one file, and excessive nesting are refused;
* every value keeps its line: :class:`Loaded` maps a path to a line.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cdv_prog.core.findings import LoadError, PathParts, format_path
from cdv_prog.core.texte import short

try:  # libyaml's parser and composer (C): same events, much faster
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]  # pure-Python fallback under the C class's name
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_ERRORS = 100  # per file: enough to fix it, bounded for hostile files

Path_ = PathParts

TAG_STR = "tag:yaml.org,2002:str"
TAG_INT = "tag:yaml.org,2002:int"
TAG_FLOAT = "tag:yaml.org,2002:float"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_NULL = "tag:yaml.org,2002:null"
TAG_DATE = "tag:yaml.org,2002:timestamp"
TAG_MAP = "tag:yaml.org,2002:map"
TAG_SEQ = "tag:yaml.org,2002:seq"
ALLOWED_TAGS = {TAG_STR, TAG_INT, TAG_FLOAT, TAG_BOOL, TAG_NULL, TAG_DATE, TAG_MAP, TAG_SEQ}

_INT_RE = re.compile(r"^[-+]?[0-9]+$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT_RE = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$")


_IMPLICIT: dict[str, tuple[tuple[str, Callable[[str], re.Match[str] | None]], ...]] = {}
for _tag, _regexp, _first in [
    (TAG_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    (TAG_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
    (TAG_INT, _INT_RE, "-+0123456789"),
    (TAG_FLOAT, _FLOAT_RE, "-+0123456789."),
    (TAG_FLOAT, _SPECIAL_FLOAT_RE, "-+."),
    (TAG_DATE, _DATE_RE, "0123456789"),
]:
    for _ch in _first:
        _IMPLICIT[_ch] = _IMPLICIT.get(_ch, ()) + ((_tag, _regexp.match),)


_PLAIN = " plain"  # tag of a plain scalar not resolved yet (a space: never a real tag)


class _StrictResolver:
    """YAML 1.2 core schema resolution (no YAML 1.1 booleans or sexagesimals).

    libyaml's composer calls these three methods for every node: they are kept
    minimal (no path resolvers), the implicit resolvers indexed by first character.
    Without path resolvers, ``descend_resolver(node, index)`` and ``ascend_resolver()``
    have nothing to do: they are C built-ins that do nothing useful (their result is
    ignored), so the composer's two calls per node cost no Python frame.
    """

    # operator.is_(node, index) and tuple(): no side effect, no Python frame (not bound: built-ins)
    descend_resolver = staticmethod(operator.is_)
    ascend_resolver = staticmethod(tuple)

    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        # plain scalars are resolved by the builder, only where their type matters
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else TAG_STR
        return TAG_SEQ if kind is SequenceNode else TAG_MAP


def _resolve_plain(value: str) -> str:
    """The tag of a plain (unquoted) scalar under the YAML 1.2 core schema."""
    tag = _RESOLVED.get(value)
    if tag is None:
        tag = TAG_STR
        for candidate, match in _IMPLICIT.get(value[:1], ()):
            if match(value):
                tag = candidate
                break
        if len(value) <= 40:  # keys and common values repeat from file to file: remember them
            if len(_RESOLVED) >= 8192:
                _RESOLVED.clear()
            _RESOLVED[value] = tag
    return tag


_RESOLVED: dict[str, str] = {}


class _Composer(_Parser, _StrictResolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)


class LoadFailed(Exception):
    def __init__(self, errors: list[LoadError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


@dataclass
class Loaded:
    """Plain Python data from a YAML file, plus the line of every path."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    profondeur: int | None = None  # lines kept only for paths of at most so many parts (None: every path)

    def line_of(self, path: Path_) -> int | None:
        """Line of the value at ``path``, or of its nearest ancestor."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a YAML file as text with clear French errors; never opens devices or pipes (:func:`read_bytes`)."""
    return decode(read_bytes(path, max_bytes))


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a YAML file's bytes with clear French errors; never opens devices or pipes.

    The kind and size of the file are checked with ``stat`` before it is
    opened; it is then opened without blocking and checked again on the open
    descriptor (a file swapped for a pipe in between is still refused).
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LoadFailed([LoadError("", None, f"fichier illisible : {os_error_fr(exc)}")]) from None
    _check_kind(st, max_bytes)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise LoadFailed([LoadError("", None, f"fichier illisible : {os_error_fr(exc)}")]) from None
    try:
        st = os.fstat(fd)
        _check_kind(st, max_bytes)
        chunks: list[bytes] = []
        size = 0
        request = st.st_size + 1  # one byte more than announced: a file that grew is noticed
        while size <= max_bytes:  # never more than the maximum, whatever the file does meanwhile
            chunk = os.read(fd, min(request, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size == st.st_size and len(chunk) < request:
                break  # the whole file as announced, and less than asked: its end (no second read to learn it)
            request = 65536
    except OSError as exc:
        raise LoadFailed([LoadError("", None, f"fichier illisible : {os_error_fr(exc)}")]) from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise LoadFailed([LoadError("", None, f"fichier trop gros (plus de {max_bytes} octets)")])
    return b"".join(chunks)


_ERRNO_FR = {
    "ENOENT": "fichier introuvable",
    "EACCES": "permission refusée",
    "EPERM": "opération non permise",
    "ELOOP": "boucle de liens symboliques",
    "ENAMETOOLONG": "nom de fichier trop long",
    "ENOTDIR": "un élément du chemin n'est pas un dossier",
    "EISDIR": "c'est un dossier",
    "EIO": "erreur d'entrée-sortie",
    "ENXIO": "périphérique absent",
    "EAGAIN": "ressource momentanément indisponible",
    "EMFILE": "trop de fichiers ouverts",
    "ENFILE": "trop de fichiers ouverts",
    "ENOMEM": "mémoire insuffisante",
}


def os_error_fr(exc: OSError) -> str:
    """A French reason for a system error (the system's own text is in English here)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _ERRNO_FR.get(name) or f"erreur système {name or exc.errno} ({exc.strerror or exc})"


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


def _check_kind(st: os.stat_result, max_bytes: int) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise LoadFailed([LoadError("", None, "c'est un dossier, pas un fichier YAML")])
    if not stat.S_ISREG(st.st_mode):
        raise LoadFailed([LoadError("", None, "ce n'est pas un fichier ordinaire (tube, périphérique…) : non lu")])
    if st.st_size > max_bytes:
        raise LoadFailed([LoadError("", None, f"fichier trop gros ({st.st_size} octets ; maximum {max_bytes} octets)")])


def decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadFailed([LoadError("", None, "encodage UTF-16 non accepté : enregistrez le fichier en UTF-8")])
    if b"\x00" in raw:
        raise LoadFailed([LoadError("", None, "fichier binaire (octets nuls) : ce n'est pas un fichier YAML")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadFailed(
            [LoadError("", line, "le fichier n'est pas en UTF-8 (Latin-1 ou Windows-1252 ?) : enregistrez-le en UTF-8")]
        ) from None


def load_yaml_file(path: Path, profondeur: int | None = None) -> Loaded:
    return load_yaml_text(read_text(path), profondeur)


def load_yaml_text(text: str, profondeur: int | None = None) -> Loaded:
    """Parse one YAML document into plain data with line numbers. Raises LoadFailed.

    ``profondeur``: only the lines of paths of at most so many parts are kept (what a caller needs
    of a file without errors: the others cost a path each). A file with errors gets every line: its
    messages may name a deeper one. The data and the errors are the same.
    """
    try:
        try:
            composer = _Composer(text)
        except UnicodeError:  # lone surrogates: text that did not come from a UTF-8 file
            raise LoadFailed(
                [LoadError("", None, "caractère invalide : le texte n'est pas de l'Unicode valide")]
            ) from None
        try:
            root = composer.get_single_node()
        finally:
            dispose = getattr(composer, "dispose", None)
            if dispose:
                dispose()
    except yaml.composer.ComposerError as exc:
        msg = str(exc.problem or exc)
        if "single document" in msg or "another document" in msg:
            msg = "plusieurs documents YAML (---) dans un même fichier : un seul dossier par fichier"
        elif "found undefined alias" in msg:
            msg = "alias YAML (*) non défini"
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise LoadFailed([LoadError("", line, msg)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = str(exc.problem or "syntaxe incorrecte")
        raise LoadFailed([LoadError("", line, f"YAML mal formé : {_translate(problem)}")]) from None
    except yaml.reader.ReaderError as exc:
        # libyaml counts the position in bytes of the UTF-8 text
        line = (
            text.encode("utf-8", "replace")[: exc.position].count(b"\n") + 1 if isinstance(exc.position, int) else None
        )
        char = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
        raise LoadFailed(
            [
                LoadError(
                    "",
                    line,
                    f"caractère interdit (code {char:#06x}) : les caractères de contrôle "
                    "ne sont pas acceptés dans un fichier YAML",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise LoadFailed(
            [LoadError("", None, f"YAML illisible : {_translate(str(exc).splitlines()[0] if str(exc) else '')}")]
        ) from None
    except RecursionError:
        raise LoadFailed([LoadError("", None, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")]) from None
    if root is None:
        raise LoadFailed([LoadError("", 1, "fichier vide")])
    aliases = "&" in text
    if aliases:
        profondeur = None  # every line: an alias's error names its line
    builder = _NodeBuilder(check_aliases=aliases, profondeur=profondeur)
    data = builder.build(root, (), 0)
    if builder.errors:
        if profondeur is not None:  # walked again with every line (« déjà présente ligne N » of a deeper key)
            builder = _NodeBuilder(check_aliases=False)
            builder.build(root, (), 0)
        raise LoadFailed(builder.errors)
    return Loaded(data, builder.lines, profondeur)


_PROBLEMS_FR = {
    "did not find expected node content": "contenu attendu absent",
    "did not find expected key": "clé attendue absente (indentation ?)",
    "mapping values are not allowed in this context": "« : » inattendu (indentation ou guillemets manquants ?)",
    "found character that cannot start any token": "caractère interdit en début de valeur (tabulation ?)",
    "did not find expected ',' or ']'": "« , » ou « ] » attendu",
    "did not find expected ',' or '}'": "« , » ou « } » attendu",
    "found unexpected end of stream": "fin de fichier inattendue",
    "exceeded maximum nesting depth": "imbrication trop profonde",
    "found undefined alias": "alias non défini",
    "control characters are not allowed": "caractères de contrôle interdits",
    "found unknown escape character": "séquence d'échappement inconnue",
    "could not find expected ':'": "« : » attendu",
    "found unexpected ':'": "« : » inattendu",
    "block sequence entries are not allowed in this context": "élément de liste « - » mal placé (indentation ?)",
    "found a tab character that violates indentation": "tabulation dans l'indentation : indenter avec des espaces",
    "found a tab character where an indentation space is expected": "tabulation dans l'indentation : indenter avec des espaces",
}


def _translate(problem: str) -> str:
    for en, fr in _PROBLEMS_FR.items():
        if problem.startswith(en):
            return fr
    return problem


class _NodeBuilder:
    """Plain data from the node tree, with the line of every path; errors collected.

    ``check_aliases`` can be off when the text has no ``&``: without an anchor
    there is no alias, so no node is shared. ``profondeur``: lines kept only for
    paths of at most so many parts (:func:`load_yaml_text`).
    """

    def __init__(self, check_aliases: bool = True, profondeur: int | None = None) -> None:
        self.profondeur = profondeur if profondeur is not None else 1 << 30
        self.lines: dict[Path_, int] = {}
        self.errors: list[LoadError] = []
        self.seen: set[int] | None = set() if check_aliases else None

    def error(self, path: Path_, node: Node, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(LoadError(format_path(path), node.start_mark.line + 1, message))

    def build(self, node: Node, path: Path_, depth: int) -> Any:
        lines = self.lines
        if path not in lines and len(path) <= self.profondeur:
            lines[path] = node.start_mark.line + 1
        seen = self.seen
        if seen is not None:
            if id(node) in seen:
                if len(self.errors) < MAX_ERRORS:
                    self.errors.append(
                        LoadError(
                            format_path(path), lines[path], "les ancres et alias YAML (& et *) ne sont pas acceptés"
                        )
                    )
                return None
            seen.add(id(node))
        if depth > MAX_DEPTH:
            self.error(path, node, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")
            return None
        tag = node.tag
        if type(node) is ScalarNode:
            if tag is _PLAIN:
                tag = _RESOLVED.get(node.value) or _resolve_plain(node.value)
                if tag is TAG_STR:
                    return node.value
                return self._scalar(node, path, tag, resolu=True)
            if tag == TAG_STR:
                return node.value
        if tag not in ALLOWED_TAGS:
            self.error(path, node, f"étiquette YAML {short(tag)!r} refusée (aucune étiquette spéciale n'est acceptée)")
            return None
        if type(node) is MappingNode:
            return self._mapping(node, path, depth)
        if type(node) is SequenceNode:
            if self.seen is not None or depth >= MAX_DEPTH:
                return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
            return self._sequence(node, path, depth)
        assert isinstance(node, ScalarNode)  # PyYAML has no other kind of node
        return self._scalar(node, path, tag)

    def _mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        lines = self.lines
        inline = self.seen is None and depth < MAX_DEPTH  # scalar values need no alias or depth check
        record = len(path) < self.profondeur  # the keys' paths have one part more
        for key_node, value_node in node.value:
            ktag = key_node.tag
            if ktag is _PLAIN:
                ktag = _RESOLVED.get(key_node.value) or _resolve_plain(key_node.value)
            if ktag is TAG_STR or ktag == TAG_STR:
                key = key_node.value
            else:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.error(path, key_node, "la clé de fusion YAML « << » n'est pas acceptée")
                    continue
                if not isinstance(key_node, ScalarNode):
                    self.error(path, key_node, "une clé doit être un texte simple")
                    continue
                if ktag not in ALLOWED_TAGS:
                    self.error(
                        path,
                        key_node,
                        f"étiquette YAML {short(ktag)!r} refusée (aucune étiquette spéciale n'est acceptée)",
                    )
                    continue
                key = self._scalar(key_node, path, ktag)
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    key = key_node.value
            if key in out:
                first = lines.get(path + (key,))
                where = f" (déjà présente ligne {first})" if first else ""
                self.error(path + (key,), key_node, f"clé « {short(key)} » en double{where}")
                continue
            kpath = path + (key,)
            if record:
                lines[kpath] = key_node.start_mark.line + 1
            if inline and type(value_node) is ScalarNode:  # the common case, without the general walk
                vtag = value_node.tag
                if vtag is _PLAIN:
                    value = value_node.value
                    vtag = _RESOLVED.get(value) or _resolve_plain(value)
                    out[key] = value if vtag is TAG_STR else self._scalar(value_node, kpath, vtag, resolu=True)
                    continue
                if vtag == TAG_STR:
                    out[key] = value_node.value
                    continue
            out[key] = self.build(value_node, kpath, depth + 1)
        return out

    def _sequence(self, node: SequenceNode, path: Path_, depth: int) -> list[Any]:
        """A sequence's items, its scalars without the general walk (as :meth:`_mapping`'s values):
        only when no alias can occur and the items are within the depth allowed."""
        out: list[Any] = []
        lines = self.lines
        record = len(path) < self.profondeur  # the items' paths have one part more
        for i, item in enumerate(node.value):
            ipath = path + (i,)
            if type(item) is ScalarNode:
                if record:
                    lines[ipath] = item.start_mark.line + 1
                tag = item.tag
                if tag is _PLAIN:
                    value = item.value
                    tag = _RESOLVED.get(value) or _resolve_plain(value)
                    out.append(value if tag is TAG_STR else self._scalar(item, ipath, tag, resolu=True))
                    continue
                if tag == TAG_STR:
                    out.append(item.value)
                    continue
            out.append(self.build(item, ipath, depth + 1))
        return out

    def _scalar(self, node: ScalarNode, path: Path_, tag: str, resolu: bool = False) -> Any:
        """The value of a scalar of ``tag``; ``resolu``: the tag was resolved from the text (:func:`_resolve_plain`),
        which then already matches the tag's pattern (not matched again)."""
        text = node.value
        if tag == TAG_STR:
            return text
        if tag == TAG_NULL:
            return None
        if tag == TAG_BOOL:
            low = text.lower()
            if low in ("true", "false"):
                return low == "true"
            self.error(path, node, f"booléen invalide « {short(text)} » : écrire true ou false")
            return None
        if tag == TAG_INT:
            if len(text) > 30 or not (resolu or _INT_RE.match(text)):
                self.error(path, node, f"entier invalide « {short(text)} »")
                return None
            return int(text)
        if tag == TAG_FLOAT:
            if _SPECIAL_FLOAT_RE.match(text):
                low = text.lower()
                return Decimal("NaN") if "nan" in low else Decimal("-Infinity" if low.startswith("-") else "Infinity")
            if not _FLOAT_RE.match(text) or len(text) > 40:
                self.error(path, node, f"nombre invalide « {short(text)} »")
                return None
            try:
                return Decimal(text)
            except InvalidOperation:
                self.error(path, node, f"nombre invalide « {short(text)} »")
                return None
        if tag == TAG_DATE:
            if not (resolu or _DATE_RE.match(text)):
                self.error(path, node, f"date invalide « {short(text)} » : format attendu AAAA-MM-JJ")
                return None
            y, m, d = (int(p) for p in text.split("-"))
            try:
                return dt.date(y, m, d)
            except ValueError:
                self.error(path, node, f"date inexistante « {text} » (format AAAA-MM-JJ)")
                return None
        return text
