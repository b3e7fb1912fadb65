"""The layers of ARCHITECTURE.md, checked on the source: every arrow points down, none back up.

core ← kinds ← files ← programmation ← workflow / importer ← render ← cli.
A module may import from its own layer or from the layers below, never above.
Imports are read from the source (module level, inside functions and under
TYPE_CHECKING alike), so a lazy import cannot hide an arrow pointing up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "cdv_prog"

# The rank of each room; cdv_prog/__init__.py and __main__.py stand above all (the entry points).
LAYERS = {
    "core": 0,
    "kinds": 1,
    "files": 2,
    "programmation": 3,
    "workflow": 4,
    "importer": 4,
    "render": 5,
    "cli": 6,
}
# Libraries that only the outer rooms may use.
OUTER_LIBRARIES = {"typer": "cli", "rich": "render", "openpyxl": "importer"}


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        out.append((".".join(("cdv_prog", *rel.parts)).removesuffix(".__init__"), path))
    return out


def _imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level outside TYPE_CHECKING) for every import of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    runtime: set[int] = set()
    for node in tree.body:  # module-level statements executed at import time
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                break
            if isinstance(sub, (ast.Import, ast.ImportFrom)):
                runtime.add(id(sub))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno, id(node) in runtime) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.append((base, node.lineno, id(node) in runtime))
            found += [(f"{base}.{a.name}", node.lineno, id(node) in runtime) for a in node.names]
    return found


def _room(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cdv_prog" and parts[1] in LAYERS else None


MODULES = _modules()


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_arrows_point_down(module: str, path: Path) -> None:
    room = _room(module)
    if room is None:
        return  # the package's entry points
    wrong = []
    for name, line, _ in _imports(path, module):
        target = _room(name)
        if target is not None and LAYERS[target] > LAYERS[room]:
            wrong.append(f"{path.name}:{line} {room} → {target} ({name})")
        top = name.split(".")[0]
        if top in OUTER_LIBRARIES and LAYERS[room] < LAYERS[OUTER_LIBRARIES[top]]:
            wrong.append(f"{path.name}:{line} {room} imports {top}")
    assert not wrong, "\n".join(wrong)


def test_programmation_reads_no_file() -> None:
    """The programmation is computed from reports: it never imports the file-reading code."""
    for module, path in MODULES:
        if _room(module) == "programmation":
            assert not [n for n, _, _ in _imports(path, module) if _room(n) == "files"], module


def test_no_import_circle_at_import_time() -> None:
    """Module-level imports (TYPE_CHECKING aside) form no cycle."""
    names = {m for m, _ in MODULES}
    graph: dict[str, set[str]] = {}
    for module, path in MODULES:
        deps = set()
        for name, _, runtime in _imports(path, module):
            if not runtime:
                continue
            while name and name not in names:
                name = name.rpartition(".")[0]
            if name and name != module:
                deps.add(name)
        graph[module] = deps
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if dep.startswith(node + "."):
                continue  # a package importing its own submodules
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep) :] + [dep]
                pytest.fail("cycle d'imports : " + " → ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


# the first step toward a check that does not import pydantic (issue 17, docs/performances.md): the domain's
# words, amounts, findings and dérogations are plain Python; the models' field types are in core/champs.py
SANS_PYDANTIC = (
    "cdv_prog.core.vocab",
    "cdv_prog.core.money",
    "cdv_prog.core.findings",
    "cdv_prog.core.derogations",
    "cdv_prog.core.valeurs",
    "cdv_prog.core.ruleset",  # step 3: the rule set, its référentiels and conditions are plain records
    "cdv_prog.core.conditions",
    "cdv_prog.core.dossier",  # step 4: the dossier too; core/modeles validates and hands the records over
    "cdv_prog.core.dossier_simple",
    "cdv_prog.core.engine",
    "cdv_prog.core.report",
    "cdv_prog.core.remedier",
)


@pytest.mark.parametrize("start", SANS_PYDANTIC)
def test_words_amounts_and_findings_import_no_pydantic(start: str) -> None:
    """Neither these modules nor any they import at import time (TYPE_CHECKING aside) imports pydantic."""
    paths = dict(MODULES)
    seen: set[str] = set()
    todo = [start]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for name, _, runtime in _imports(paths[module], module):
            if not runtime:
                continue
            assert name.split(".")[0] not in ("pydantic", "pydantic_core"), f"{module} importe {name}"
            while name and name not in paths:
                name = name.rpartition(".")[0]
            if name:
                todo.append(name)
    assert start in seen


def test_kind_modules_leave_their_parameters_model_to_kinds_parametres() -> None:
    """A kind module imports no pydantic itself: its ``Parametres`` is in ``kinds/parametres/<module>.py``,
    handed over by the module's ``__getattr__`` when asked (issue 17: the engine reads ``Valeurs``)."""
    from cdv_prog.kinds import KINDS
    from cdv_prog.kinds.parametres.base import Parametres

    for module, path in MODULES:
        if _room(module) == "kinds" and not module.startswith("cdv_prog.kinds.parametres"):
            direct = [
                n for n, _, runtime in _imports(path, module) if runtime and n.split(".")[0].startswith("pydantic")
            ]
            assert not direct, f"{module} importe {direct}"
    for kind in KINDS.values():
        nom = kind.__name__.rpartition(".")[2]  # type: ignore[attr-defined]
        assert kind.Parametres.__module__ == f"cdv_prog.kinds.parametres.{nom}"
        assert issubclass(kind.Parametres, Parametres)


def test_only_the_arbitrage_solver_imports_highspy() -> None:
    """HiGHS (``highspy``) is the solver of ``cdv arbitrage``: one module imports it, no other command pays for it."""
    importers = sorted(
        module for module, path in MODULES if any(n.split(".")[0] == "highspy" for n, _, _ in _imports(path, module))
    )
    assert importers == ["cdv_prog.programmation.arbitrage.solveur"]
    kinds = [
        m for m, p in MODULES if _room(m) == "kinds" and any(n.startswith("highspy") for n, _, _ in _imports(p, m))
    ]
    assert not kinds
