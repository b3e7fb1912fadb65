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
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

try:  # libyaml's parser and composer (C): same events, much faster
    from yaml._yaml import CParser as _Parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

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


class _StrictResolver(BaseResolver):
    """YAML 1.2 core schema resolution (no YAML 1.1 booleans or sexagesimals)."""


_StrictResolver.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in [
    (TAG_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")),
    (TAG_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
    (TAG_INT, _INT_RE, list("-+0123456789")),
    (TAG_FLOAT, _FLOAT_RE, list("-+0123456789.")),
    (TAG_FLOAT, _SPECIAL_FLOAT_RE, list("-+.")),
    (TAG_DATE, _DATE_RE, list("0123456789")),
]:
    _StrictResolver.add_implicit_resolver(_tag, _regexp, _first)


class _Composer(_Parser, _StrictResolver):  # type: ignore[misc, valid-type]
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        _StrictResolver.__init__(self)


@dataclass(frozen=True)
class LoadError:
    """One problem found while reading a file: field path, line, French message."""

    champ: str
    ligne: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"champ": self.champ, "ligne": self.ligne, "message": self.message}


class LoadFailed(Exception):
    def __init__(self, errors: list[LoadError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


@dataclass
class Loaded:
    """Plain Python data from a YAML file, plus the line of every path."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """Line of the value at ``path``, or of its nearest ancestor."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def format_path(path: Path_) -> str:
    """``("financements", 0, "montant")`` → ``financements[0].montant``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a YAML file as text with clear French errors; never follows into devices."""
    import stat

    try:
        st = path.stat()
    except OSError as exc:
        raise LoadFailed([LoadError("", None, f"fichier illisible : {exc.strerror or exc}")]) from None
    if stat.S_ISDIR(st.st_mode):
        raise LoadFailed([LoadError("", None, "c'est un dossier, pas un fichier YAML")])
    if not stat.S_ISREG(st.st_mode):
        raise LoadFailed([LoadError("", None, "ce n'est pas un fichier ordinaire (tube, périphérique…) : non lu")])
    if st.st_size > max_bytes:
        raise LoadFailed([LoadError("", None, f"fichier trop gros ({st.st_size} octets ; maximum {max_bytes} octets)")])
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise LoadFailed([LoadError("", None, f"fichier illisible : {exc.strerror or exc}")]) from None
    if len(raw) > max_bytes:
        raise LoadFailed([LoadError("", None, f"fichier trop gros (plus de {max_bytes} octets)")])
    return decode(raw)


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


def load_yaml_file(path: Path) -> Loaded:
    return load_yaml_text(read_text(path))


def load_yaml_text(text: str) -> Loaded:
    """Parse one YAML document into plain data with line numbers. Raises LoadFailed."""
    try:
        composer = _Composer(text)
        try:
            root = composer.get_single_node()
        finally:
            dispose = getattr(composer, "dispose", None)
            if dispose:
                dispose()
    except yaml.composer.ComposerError as exc:  # type: ignore[attr-defined]
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
    except yaml.YAMLError as exc:
        raise LoadFailed([LoadError("", None, f"YAML illisible : {exc}")]) from None
    except RecursionError:
        raise LoadFailed([LoadError("", None, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")]) from None
    if root is None:
        raise LoadFailed([LoadError("", 1, "fichier vide")])
    builder = _Builder()
    data = builder.build(root, (), 0)
    if builder.errors:
        raise LoadFailed(builder.errors)
    return Loaded(data, builder.lines)


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
}


def _translate(problem: str) -> str:
    for en, fr in _PROBLEMS_FR.items():
        if problem.startswith(en):
            return fr
    return problem


class _Builder:
    def __init__(self) -> None:
        self.lines: dict[Path_, int] = {}
        self.errors: list[LoadError] = []
        self.seen: set[int] = set()

    def error(self, path: Path_, node: Node, message: str) -> None:
        self.errors.append(LoadError(format_path(path), node.start_mark.line + 1, message))

    def build(self, node: Node, path: Path_, depth: int) -> Any:
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if id(node) in self.seen:
            self.errors.append(LoadError(format_path(path), self.lines.get(path, line), "les ancres et alias YAML (& et *) ne sont pas acceptés"))
            return None
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.error(path, node, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")
            return None
        if node.tag not in ALLOWED_TAGS:
            self.error(path, node, f"étiquette YAML {node.tag!r} refusée (aucune étiquette spéciale n'est acceptée)")
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.error(path, key_node, "la clé de fusion YAML « << » n'est pas acceptée")
                continue
            if not isinstance(key_node, ScalarNode):
                self.error(path, key_node, "une clé doit être un texte simple")
                continue
            key = self._scalar(key_node, path)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = key_node.value
            if key in out:
                first = self.lines.get(path + (key,))
                where = f" (déjà présente ligne {first})" if first else ""
                self.error(path + (key,), key_node, f"clé « {key} » en double{where}")
                continue
            self.lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out

    def _scalar(self, node: ScalarNode, path: Path_) -> Any:
        text = node.value
        tag = node.tag
        if tag == TAG_STR:
            return text
        if tag == TAG_NULL:
            return None
        if tag == TAG_BOOL:
            low = text.lower()
            if low in ("true", "false"):
                return low == "true"
            self.error(path, node, f"booléen invalide « {text} » : écrire true ou false")
            return None
        if tag == TAG_INT:
            if not _INT_RE.match(text) or len(text) > 30:
                self.error(path, node, f"entier invalide « {text[:40]} »")
                return None
            return int(text)
        if tag == TAG_FLOAT:
            if _SPECIAL_FLOAT_RE.match(text):
                low = text.lower()
                return Decimal("NaN") if "nan" in low else Decimal("-Infinity" if low.startswith("-") else "Infinity")
            if not _FLOAT_RE.match(text) or len(text) > 40:
                self.error(path, node, f"nombre invalide « {text[:40]} »")
                return None
            try:
                return Decimal(text)
            except InvalidOperation:
                self.error(path, node, f"nombre invalide « {text[:40]} »")
                return None
        if tag == TAG_DATE:
            if not _DATE_RE.match(text):
                self.error(path, node, f"date invalide « {text[:40]} » : format attendu AAAA-MM-JJ")
                return None
            y, m, d = (int(p) for p in text.split("-"))
            try:
                return dt.date(y, m, d)
            except ValueError:
                self.error(path, node, f"date inexistante « {text} » (format AAAA-MM-JJ)")
                return None
        return text
