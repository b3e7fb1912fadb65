"""Test cases of a rule set, written in YAML beside the rules (``cdv regles tester``).

Modelled on OpenFisca's YAML tests: readable by whoever writes the lettre de
cadrage. A test file (``rules/tests/*.yaml``) is either a list of cases, or::

    description: Plancher de 500 € par financeur      # optional, free text
    base:                                             # optional: the dossier the cases start from
      id: TEST-001
      exercice: 2025
      ...
    # base-fichier: ../../data/dossiers/2025/CDV-2025-001.yaml   (instead of base; relative to this file)
    parametres: {plancher-financeur: {minimum: 1000}} # optional: overrides for every case of the file
    cas:
      - nom: plancher atteint tout juste               # required, shown in the report
        modifications:                                # optional: merged onto the base dossier
          financements:
            - {financeur: etat, montant: 500}
        # dossier: {...}            a whole dossier instead of the base
        # dossier-fichier: x.yaml   a dossier file instead of the base (relative to this file)
        parametres: {plancher-financeur: {minimum: 1000}}   # optional: « et si le plancher passait à 1 000 € ? »
        attendu:                                      # required: verdict and/or rule statuts
          verdict: eligible                           # eligible | ineligible | invalide
          regles: {plancher-financeur: ok, caf-pieces: sans-objet}   # ok | echec | sans-objet

``modifications`` follows JSON Merge Patch (RFC 7386): mappings are merged key
by key, any other value (a list such as ``financements``) replaces the old one,
and ``~`` (null) removes the key. ``parametres`` replaces parameters of named
rules (a value, or dated values ``{2026: 1000}``) and may set their ``gravite``;
the shared rule set is never modified: each override builds its own copy, and
the new values are validated by the rule kind, with their line on error.

Every key is checked: an unknown key, an unknown rule id or parameter, an
unreadable dossier file is an error naming file, line and key.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from cdv_prog.core.dated import Dated
from cdv_prog.core.engine import evaluer, verdict
from cdv_prog.core.findings import LoadError, format_path
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.core.vocab import GRAVITES, suggest
from cdv_prog.files.loader import Loaded, LoadFailed, load_yaml_file
from cdv_prog.files.messages import translate
from cdv_prog.files.rules import parameter_problems

Statut = Literal["ok", "echec", "sans-objet"]
Verdict = Literal["eligible", "ineligible", "invalide"]
Overrides = dict[str, dict[str, Any]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Attendu(_Strict):
    verdict: Verdict | None = None
    regles: dict[str, Statut] = {}

    @model_validator(mode="after")
    def _something(self) -> Attendu:
        if self.verdict is None and not self.regles:
            raise PydanticCustomError(
                "attendu", "indiquer le « verdict » attendu et/ou le statut attendu de « regles »"
            )
        return self


class Cas(_Strict):
    nom: Annotated[str, Field(min_length=1)]
    description: str | None = None
    dossier: dict[str, Any] | None = None
    dossier_fichier: Annotated[str, Field(min_length=1)] | None = Field(default=None, alias="dossier-fichier")
    modifications: dict[str, Any] | None = None
    parametres: Overrides = {}
    attendu: Attendu

    @model_validator(mode="after")
    def _one_dossier(self) -> Cas:
        if self.dossier is not None and self.dossier_fichier is not None:
            raise PydanticCustomError("dossier", "donner « dossier » ou « dossier-fichier », pas les deux")
        return self


class Entete(_Strict):
    description: str | None = None
    base: dict[str, Any] | None = None
    base_fichier: Annotated[str, Field(min_length=1)] | None = Field(default=None, alias="base-fichier")
    parametres: Overrides = {}
    cas: Annotated[list[Any], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_base(self) -> Entete:
        if self.base is not None and self.base_fichier is not None:
            raise PydanticCustomError("base", "donner « base » ou « base-fichier », pas les deux")
        return self


@dataclass
class CaseResult:
    fichier: str  # shown name, relative to the tests folder
    chemin: str  # the file's path as found (for CI annotations and JUnit)
    nom: str
    ligne: int | None
    statut: Literal["passed", "failed", "error"]
    details: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.statut == "passed"


class CaseError(Exception):
    """The test case (or file) itself is wrong: errors with field and line."""

    def __init__(self, errors: list[LoadError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON Merge Patch (RFC 7386) on plain data; never modifies its arguments."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def with_overrides(
    regles: JeuDeRegles,
    overrides: dict[str, dict[str, tuple[Any, tuple]]],
    line_of: Callable[[tuple], int | None],
    rule_paths: dict[str, tuple] | None = None,
) -> JeuDeRegles:
    """A copy of the rule set with some parameters (or gravités) replaced; the original is untouched.

    ``overrides`` maps rule id → key → (raw value, path of that value in the test file);
    ``rule_paths`` gives the path of each rule id in the test file (for errors about the rule itself).
    Raises CaseError naming the override's line when a rule, key or value is wrong.
    """
    errors: list[LoadError] = []

    def error(path: tuple, message: str) -> None:
        errors.append(LoadError(format_path(path), line_of(path), message))

    new_rules = dict(regles.regles)
    for rule_id, changes in overrides.items():
        rule_path = (rule_paths or {}).get(rule_id) or (
            next(iter(changes.values()))[1][:-1] if changes else ("parametres", rule_id)
        )
        regle = regles.regles.get(rule_id)
        if regle is None:
            error(rule_path, f"règle inconnue « {rule_id} »{suggest(rule_id, regles.regles)}")
            continue
        model = regle.kind.Parametres
        known = {(f.alias or n) for n, f in model.model_fields.items()}
        bruts = dict(regle.parametres_bruts)
        gravite = regle.gravite
        for key, (raw, path) in changes.items():
            if key == "gravite":
                if raw in GRAVITES:
                    gravite = raw
                else:
                    error(path, f"gravité « {raw} » invalide ; valeurs possibles : {', '.join(GRAVITES)}")
            elif key in known:
                bruts[key] = Dated.of(raw)
            else:
                hint = suggest(key, sorted(known | {"gravite"}))
                error(path, f"paramètre inconnu « {key} » pour la règle {rule_id} (genre {regle.type}){hint}")
        seen: set[str] = set()
        for problem in parameter_problems(model, bruts, regles):
            where = changes[problem.nom][1] if problem.nom in changes else rule_path
            message = problem.message
            if problem.nom is not None and problem.nom not in changes:
                message = f"{problem.nom} : {message}"
            if message not in seen:
                seen.add(message)
                error(where, message)
        new_rules[rule_id] = dataclasses.replace(regle, parametres_bruts=bruts, gravite=gravite, _cache={})
    if errors:
        raise CaseError(errors)
    return dataclasses.replace(regles, regles=new_rules)


class Runner:
    """Runs the test files of one rule set; dossier files are read once."""

    def __init__(self, regles: JeuDeRegles):
        self.regles = regles
        self._dossier_files: dict[Path, Any] = {}

    # ---------------------------------------------------------------- reading

    def _dossier_file(self, test_file: Path, name: str, path: tuple, loaded: Loaded) -> Any:
        target = (test_file.parent / name).resolve()
        if target not in self._dossier_files:
            if not target.exists():
                raise CaseError(
                    [
                        LoadError(
                            format_path(path),
                            loaded.line_of(path),
                            f"dossier « {name} » introuvable (chemin relatif au fichier de test : {target})",
                        )
                    ]
                )
            try:
                data = load_yaml_file(target).data
            except LoadFailed as exc:
                first = exc.errors[0]
                where = f"ligne {first.ligne} : " if first.ligne else ""
                raise CaseError(
                    [
                        LoadError(
                            format_path(path),
                            loaded.line_of(path),
                            f"dossier « {name} » illisible : {where}{first.message}",
                        )
                    ]
                ) from None
            self._dossier_files[target] = data
        return copy.deepcopy(self._dossier_files[target])

    def run_file(self, path: Path, shown: str) -> list[CaseResult]:
        chemin = str(path)

        def file_error(errors: list[LoadError]) -> list[CaseResult]:
            return [
                CaseResult(
                    shown,
                    chemin,
                    "(fichier)",
                    errors[0].ligne if errors else None,
                    "error",
                    [_error_text(e) for e in errors],
                )
            ]

        try:
            loaded = load_yaml_file(path)
        except LoadFailed as exc:
            return file_error(exc.errors)
        data = loaded.data
        prefix: tuple = ()
        if isinstance(data, list):
            if not data:
                return file_error([LoadError("", 1, "aucun cas de test dans ce fichier")])
            entete = Entete.model_validate({"cas": data})
        elif isinstance(data, dict):
            try:
                entete = Entete.model_validate(data)
            except ValidationError as exc:
                return file_error(translate(exc, loaded, model=Entete))
            prefix = ("cas",)
        else:
            return file_error(
                [
                    LoadError(
                        "",
                        1,
                        "un fichier de cas de test est une liste de cas, ou des clés « base », « parametres », « cas »",
                    )
                ]
            )

        base: Any = entete.base
        try:
            if entete.base_fichier is not None:
                base = self._dossier_file(path, entete.base_fichier, ("base-fichier",), loaded)
            file_overrides = {
                rid: {k: (v, ("parametres", rid, k)) for k, v in ch.items()} for rid, ch in entete.parametres.items()
            }
            file_paths = {rid: ("parametres", rid) for rid in entete.parametres}
            file_rules = (
                with_overrides(self.regles, file_overrides, loaded.line_of, file_paths)
                if file_overrides
                else self.regles
            )
        except CaseError as exc:
            return file_error(exc.errors)

        results = []
        for i, raw in enumerate(entete.cas):
            where = prefix + (i,)
            nom = raw.get("nom") if isinstance(raw, dict) and isinstance(raw.get("nom"), str) else f"cas n°{i + 1}"
            line = loaded.line_of(where)
            try:
                try:
                    cas = Cas.model_validate(raw)
                except ValidationError as exc:
                    raise CaseError(translate(exc, loaded, prefix=where, model=Cas)) from None
                details = self._run_case(path, loaded, where, cas, base, file_overrides, file_rules)
            except CaseError as exc:
                results.append(CaseResult(shown, chemin, nom, line, "error", [_error_text(e) for e in exc.errors]))
                continue
            results.append(CaseResult(shown, chemin, nom, line, "failed" if details else "passed", details))
        return results

    # ---------------------------------------------------------------- one case

    def _run_case(
        self,
        path: Path,
        loaded: Loaded,
        where: tuple,
        cas: Cas,
        base: Any,
        file_overrides: dict,
        file_rules: JeuDeRegles,
    ) -> list[str]:
        if cas.dossier is not None:
            data: Any = copy.deepcopy(cas.dossier)
        elif cas.dossier_fichier is not None:
            data = self._dossier_file(path, cas.dossier_fichier, where + ("dossier-fichier",), loaded)
        elif base is not None:
            data = copy.deepcopy(base)
        else:
            raise CaseError(
                [
                    LoadError(
                        format_path(where),
                        loaded.line_of(where),
                        "pas de dossier : donner « dossier » ou « dossier-fichier », ou une « base » au fichier",
                    )
                ]
            )
        if cas.modifications:
            data = merge_patch(data, cas.modifications)

        regles = file_rules
        if cas.parametres:
            merged = {rid: dict(ch) for rid, ch in file_overrides.items()}
            paths = {rid: ("parametres", rid) for rid in file_overrides}
            for rid, ch in cas.parametres.items():
                merged.setdefault(rid, {}).update({k: (v, where + ("parametres", rid, k)) for k, v in ch.items()})
                paths[rid] = where + ("parametres", rid)
            regles = with_overrides(self.regles, merged, loaded.line_of, paths)

        unknown = [rid for rid in cas.attendu.regles if rid not in regles.regles]
        if unknown:
            errors = []
            for rid in unknown:
                p = where + ("attendu", "regles", rid)
                message = f"règle inconnue « {rid} »{suggest(rid, regles.regles)}"
                errors.append(LoadError(format_path(p), loaded.line_of(p), message))
            raise CaseError(errors)
        return compare(data, regles, cas.attendu)


def compare(data: Any, regles: JeuDeRegles, attendu: Attendu) -> list[str]:
    """Differences between what the rules give for this dossier data and what is expected."""
    from cdv_prog.core.dossier import Dossier

    try:
        dossier = Dossier.model_validate(data, context={"regles": regles})
    except ValidationError as exc:
        errors = translate(exc, None, model=Dossier)
        shown = " ; ".join(f"[{e.champ}] {e.message}" if e.champ else e.message for e in errors[:3])
        if len(errors) > 3:
            shown += f" ; … ({len(errors)} erreurs)"
        if attendu.verdict == "invalide" and not attendu.regles:
            return []
        if attendu.verdict is not None and attendu.verdict != "invalide":
            return [f"verdict : attendu {attendu.verdict}, obtenu invalide ({shown})"]
        return [f"dossier invalide, aucune règle évaluée ({shown})"]
    constats = evaluer(dossier, regles)
    obtenu = verdict(constats)
    diffs = []
    if attendu.verdict is not None and attendu.verdict != obtenu:
        bloquants = [c for c in constats if c.statut == "echec" and c.gravite == "bloquant"]
        why = (
            "; ".join(f"{c.regle} : {c.message}" for c in bloquants) if bloquants else "aucune règle bloquante en échec"
        )
        diffs.append(f"verdict : attendu {attendu.verdict}, obtenu {obtenu} ({why})")
    by_id = {c.regle: c for c in constats}
    for rid, statut in attendu.regles.items():
        c = by_id[rid]
        if c.statut != statut:
            diffs.append(f"{rid} : attendu {statut}, obtenu {c.statut} ({c.message})")
    return diffs


def _error_text(e: LoadError) -> str:
    where = f"ligne {e.ligne}" if e.ligne else "fichier"
    champ = f" [{e.champ}]" if e.champ else ""
    return f"erreur {where}{champ} : {e.message}"


# ------------------------------------------------------------------------ finding the files


def find_test_files(path: Path) -> list[Path]:
    """The test files under ``path``: itself if a file; else ``path/tests/*.yaml`` when that
    folder exists (``path`` is then a rules folder), otherwise ``path/*.yaml`` (top level, sorted)."""
    if not path.is_dir():
        return [path]
    folder = path / "tests" if (path / "tests").is_dir() else path
    return sorted(
        p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith(".")
    )


def rules_beside(path: Path) -> Path | None:
    """The rules folder the tests at ``path`` belong to: ``path`` itself if it holds ``tests/``,
    the parent of a ``tests`` folder, or None (then the default rules are used)."""
    if path.is_dir() and (path / "tests").is_dir():
        return path
    folder = path if path.is_dir() else path.parent
    if folder.name == "tests" and any(p.suffix in (".yaml", ".yml") for p in folder.parent.iterdir() if p.is_file()):
        return folder.parent
    return None


def shown_name(file: Path, path: Path) -> str:
    """How a test file is named in the report: relative to the folder of tests."""
    if path.is_dir():
        folder = path / "tests" if (path / "tests").is_dir() else path
        try:
            return file.relative_to(folder).as_posix()
        except ValueError:
            pass
    return file.name
