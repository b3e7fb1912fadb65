"""The full reading of a YAML text: libyaml's C parser and composer, our resolver, our construction.

:func:`cdv_prog.files.loader.load_yaml_text` comes here for what the simple reader
(:mod:`cdv_prog.files.yaml_simple`) declines; imported then only, with PyYAML.
No PyYAML constructor ever runs: the node tree is turned into plain data here,
with the line of every path, and every error is collected in French.
"""

from __future__ import annotations

import operator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cdv_prog.core.findings import LoadError, PathParts, format_path
from cdv_prog.core.texte import short
from cdv_prog.files.loader import MAX_DEPTH, MAX_ERRORS, Loaded, LoadFailed
from cdv_prog.files.scalaires import (
    _RESOLVED,
    ALLOWED_TAGS,
    TAG_MAP,
    TAG_SEQ,
    TAG_STR,
    ScalaireInvalide,
    _resolve_plain,
    convertir,
)

Path_ = PathParts

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


class _Composer(_Parser, _StrictResolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)


def lire_complet(text: str, profondeur: int | None = None) -> Loaded:
    """:func:`cdv_prog.files.loader.load_yaml_text` with libyaml, whatever the text. Raises LoadFailed."""
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
        """The value of a scalar of ``tag`` (:func:`cdv_prog.files.scalaires.convertir`), None and an error
        recorded when its text does not make one."""
        try:
            return convertir(node.value, tag, resolu)
        except ScalaireInvalide as exc:
            self.error(path, node, str(exc))
            return None
