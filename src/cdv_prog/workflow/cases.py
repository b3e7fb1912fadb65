"""Test cases of a rule set, written in YAML (``cdv regles tester``; format: ``docs/cas-de-test.md``).

Modelled on OpenFisca's YAML tests: readable by whoever writes the lettre de
cadrage. The same format serves the cases beside the rules (``rules/tests/``)
and the cases of every rule kind (``tests/kinds/<type>.yaml``). A test file is
either a list of cases, or::

    description: Plancher de 500 € par financeur      # optional, free text
    base:                                             # optional: the dossier the cases start from
      id: TEST-001
      exercice: 2025
      ...
    # base-fichier: ../../data/dossiers/2025/CDV-2025-001.yaml   (instead of base; relative to this file)
    regles:                                           # optional: the file's own dossier rules
      plancher: {type: montant-minimum, gravite: bloquant, source: essai, minimum: 500}
    programmation:                                    # optional: the file's own programmation rules
      enveloppes: {type: enveloppe-respectee, gravite: bloquant, source: essai}
    enveloppes: {agglo: 185000, etat: ~}             # optional: the file's own enveloppes
    quartiers: {q1: {nom: Q1, statut: qpv}}           # optional: the file's own quartiers
    parametres: {plancher-financeur: {minimum: 1000}} # optional: overrides for every case of the file
    cas:
      - nom: plancher atteint tout juste               # required, shown in the report
        modifications:                                # optional: merged onto the base dossier
          financements:
            - {financeur: etat, montant: 500}
        # dossier: {...}            a whole dossier instead of the base
        # dossier-fichier: x.yaml   a dossier file instead of the base (relative to this file)
        # dossiers: [{id: A, ...}, {id: B, ...}]   several dossiers, each merged onto the case's dossier
        parametres: {plancher-financeur: {minimum: 1000, si: {cpo: true}}}   # « et si… ? »
        attendu:                                      # required: verdict and/or statuts
          verdict: eligible                           # eligible | ineligible | invalide
          regles: {plancher-financeur: ok, caf-pieces: sans-objet}   # ok | echec | sans-objet
          programmation: {enveloppe-respectee: ok}    # the programmation rules over the case's dossiers

The rules are those of the rule set given to the runner, unless the file gives
``regles:`` and/or ``programmation:`` (same shape as in a rules file): its cases
are then judged with the référentiels (contrat, financeurs, quartiers, défis,
enveloppes, pièces…) of that rule set but only the file's rules (a section the
file leaves out means no rule of that scope). These rules are built by
:func:`cdv_prog.files.rules.build_rules`, so they are checked exactly as in a
rules file. A file that gives ``enveloppes:`` (same shape as the section of a
rules file) has its cases judged against those enveloppes instead of the rule
set's, and one that gives ``quartiers:`` has its own géographie: cases of the
programmation rules then do not depend on the year's lettre de cadrage.

``modifications`` follows JSON Merge Patch (RFC 7386): mappings are merged key
by key, any other value (a list such as ``financements``) replaces the old one,
and ``~`` (null) removes the key. ``parametres`` replaces parameters of named
rules (a value, or dated values ``{2026: 1000}``) and may set their ``gravite``
and, for a dossier rule, their condition ``si``; the shared rule set is never
modified: each override builds its own copy, and the new values are validated
as in a rules file, with their line on error.

``dossiers`` (for the programmation rules) lists dossier fragments, each merged
onto the case's dossier (the base, after ``modifications``) and each with its
own ``id``; they share one exercice, that of the programmation computed from
their reports (:func:`cdv_prog.core.engine.juger`,
:func:`cdv_prog.programmation.calcul.calculer`) and compared with
``attendu.programmation``. ``attendu.verdict`` and ``attendu.regles`` are about
one dossier: a case with several ``dossiers`` cannot give them.

Every key is checked: an unknown key, an unknown rule id or parameter, an
invalid rule, an unreadable dossier file is an error naming file, line and key.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from cdv_prog.core.dated import Dated
from cdv_prog.core.engine import juger
from cdv_prog.core.findings import Constat, LoadError, format_path
from cdv_prog.core.historique import DossierAnterieur, HistoriqueDossiers
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.core.texte import short
from cdv_prog.core.vocab import GRAVITES, suggest
from cdv_prog.files.loader import Loaded, LoadFailed, load_yaml_file
from cdv_prog.files.messages import translate
from cdv_prog.files.rules import (
    SI_PROGRAMMATION,
    build_condition,
    build_enveloppes,
    build_quartiers,
    build_rules,
    parameter_problems,
)

if TYPE_CHECKING:
    from cdv_prog.core.report import DossierReport

Statut = Literal["ok", "echec", "sans-objet"]
Verdict = Literal["eligible", "ineligible", "invalide"]
Overrides = dict[str, dict[str, Any]]
Changes = dict[str, dict[str, tuple[Any, tuple]]]  # rule id → key → (raw value, its path in the test file)
Observation = tuple[str, str, str, int]  # (portée, rule id, statut, exercice): one constat of a case


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Attendu(_Strict):
    verdict: Verdict | None = None
    regles: dict[str, Statut] = {}
    programmation: dict[str, Statut] = {}

    @model_validator(mode="after")
    def _something(self) -> Attendu:
        if self.verdict is None and not self.regles and not self.programmation:
            raise PydanticCustomError(
                "attendu",
                "indiquer le « verdict » attendu et/ou le statut attendu de « regles » ou de « programmation »",
            )
        return self


class Cas(_Strict):
    nom: Annotated[str, Field(min_length=1)]
    description: str | None = None
    dossier: dict[str, Any] | None = None
    dossier_fichier: Annotated[str, Field(min_length=1)] | None = Field(default=None, alias="dossier-fichier")
    modifications: dict[str, Any] | None = None
    dossiers: Annotated[list[dict[str, Any]], Field(min_length=1)] | None = None
    historique: Annotated[list[dict[str, Any]], Field(min_length=1)] | None = None
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
    regles: dict[Any, Any] | None = None
    programmation: dict[Any, Any] | None = None
    enveloppes: dict[Any, Any] | None = None
    quartiers: dict[Any, Any] | None = None
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
    # what the case's dossiers gave: (portée « regles » or « programmation », rule id, statut, exercice);
    # empty when the file judges with its own rules (``regles:``/``programmation:``), not the rule set's
    constats: list[Observation] = field(default_factory=list)

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
    overrides: Changes,
    line_of: Callable[[tuple], int | None],
    rule_paths: dict[str, tuple] | None = None,
) -> JeuDeRegles:
    """A copy of the rule set with some parameters, gravités or conditions replaced; the original is untouched.

    ``overrides`` maps rule id → key → (raw value, path of that value in the test file);
    a dossier rule is looked for first, then a programmation rule of that id.
    ``rule_paths`` gives the path of each rule id in the test file (for errors about the rule itself).
    Raises CaseError naming the override's line when a rule, key or value is wrong.
    """
    errors: list[LoadError] = []

    def error(path: tuple, message: str) -> None:
        errors.append(LoadError(format_path(path), line_of(path), message))

    new_rules = dict(regles.regles)
    new_programmation = dict(regles.programmation)
    for rule_id, changes in overrides.items():
        rule_path = (rule_paths or {}).get(rule_id) or (
            next(iter(changes.values()))[1][:-1] if changes else ("parametres", rule_id)
        )
        programmation = rule_id not in regles.regles and rule_id in regles.programmation
        regle = regles.programmation[rule_id] if programmation else regles.regles.get(rule_id)
        if regle is None:
            known_ids = [*regles.regles, *regles.programmation]
            error(rule_path, f"règle inconnue « {short(rule_id)} »{suggest(rule_id, known_ids)}")
            continue
        model = regle.kind.Parametres
        known = {(f.alias or n) for n, f in model.model_fields.items()}
        bruts = dict(regle.parametres_bruts)
        gravite = regle.gravite
        condition = regle.condition
        for key, (raw, path) in changes.items():
            if key == "gravite":
                if raw in GRAVITES:
                    gravite = raw
                else:
                    error(path, f"gravité « {short(raw)} » invalide ; valeurs possibles : {', '.join(GRAVITES)}")
            elif key == "si":
                if programmation:
                    error(path, SI_PROGRAMMATION)
                else:
                    built = build_condition(regles, raw, path, error)
                    condition = built if built is not None else condition
            elif key in known:
                bruts[key] = Dated.of(raw)
            else:
                extra = {"gravite"} if programmation else {"gravite", "si"}
                hint = suggest(key, sorted(known | extra))
                error(path, f"paramètre inconnu « {short(key)} » pour la règle {rule_id} (genre {regle.type}){hint}")
        seen: set[str] = set()
        for problem in parameter_problems(model, bruts, regles):
            where = changes[problem.nom][1] if problem.nom in changes else rule_path
            message = problem.message
            if problem.nom is not None and problem.nom not in changes:
                message = f"{problem.nom} : {message}"
            if message not in seen:
                seen.add(message)
                error(where, message)
        changed = dataclasses.replace(regle, parametres_bruts=bruts, gravite=gravite, condition=condition, _cache={})
        (new_programmation if programmation else new_rules)[rule_id] = changed
    if errors:
        raise CaseError(errors)
    return dataclasses.replace(regles, regles=new_rules, programmation=new_programmation)


@dataclass
class _Fichier:
    """What the cases of one test file share."""

    path: Path
    loaded: Loaded
    base: Any  # the base dossier (plain data), or None
    regles: JeuDeRegles  # the rules of the file, before any override
    overrides: Changes  # the file's ``parametres``
    avec_parametres: JeuDeRegles  # the rules of the file with its ``parametres``


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
                            f"dossier « {short(name)} » introuvable (chemin relatif au fichier de test : {target})",
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
                            f"dossier « {short(name)} » illisible : {where}{first.message}",
                        )
                    ]
                ) from None
            self._dossier_files[target] = data
        return copy.deepcopy(self._dossier_files[target])

    def _own_rules(self, entete: Entete, loaded: Loaded) -> JeuDeRegles:
        """The runner's référentiels with only the rules the file declares (``regles``, ``programmation``),
        and its own ``enveloppes`` when it gives them."""
        errors: list[LoadError] = []

        def signal(path: tuple, message: str) -> None:
            errors.append(LoadError(format_path(path), loaded.line_of(path), message))

        rules = self.regles
        if entete.quartiers is not None:
            quartiers = build_quartiers(entete.quartiers, signal)
            if quartiers is not None:
                rules = dataclasses.replace(rules, quartiers=quartiers)
        if entete.enveloppes is not None:
            rules = dataclasses.replace(rules, enveloppes=build_enveloppes(rules, entete.enveloppes, signal))
        if {"regles", "programmation"} & entete.model_fields_set:
            rules = dataclasses.replace(
                rules,
                regles=build_rules(rules, "regles", entete.regles or {}, signal),
                programmation=build_rules(rules, "programmation", entete.programmation or {}, signal),
            )
        if errors:
            raise CaseError(errors)
        return rules

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
                        "un fichier de cas de test est une liste de cas, ou des clés « base », « regles », « cas »…",
                    )
                ]
            )

        try:
            base: Any = entete.base
            if entete.base_fichier is not None:
                base = self._dossier_file(path, entete.base_fichier, ("base-fichier",), loaded)
            regles = self.regles
            if {"regles", "programmation", "enveloppes", "quartiers"} & entete.model_fields_set:
                regles = self._own_rules(entete, loaded)
            file_overrides = {
                rid: {k: (v, ("parametres", rid, k)) for k, v in ch.items()} for rid, ch in entete.parametres.items()
            }
            file_paths = {rid: ("parametres", rid) for rid in entete.parametres}
            fichier = _Fichier(
                path,
                loaded,
                base,
                regles,
                file_overrides,
                with_overrides(regles, file_overrides, loaded.line_of, file_paths) if file_overrides else regles,
            )
        except CaseError as exc:
            return file_error(exc.errors)

        results = []
        for i, raw in enumerate(entete.cas):
            where = prefix + (i,)
            nom = raw["nom"] if isinstance(raw, dict) and isinstance(raw.get("nom"), str) else f"cas n°{i + 1}"
            line = loaded.line_of(where)
            try:
                try:
                    cas = Cas.model_validate(raw)
                except ValidationError as exc:
                    raise CaseError(translate(exc, loaded, prefix=where, model=Cas)) from None
                observes: list[Observation] = []
                details = self._run_case(fichier, where, cas, observes)
            except CaseError as exc:
                results.append(CaseResult(shown, chemin, nom, line, "error", [_error_text(e) for e in exc.errors]))
                continue
            if {"regles", "programmation"} & entete.model_fields_set:
                observes = []  # the file's own rules, not those of the rule set
            results.append(CaseResult(shown, chemin, nom, line, "failed" if details else "passed", details, observes))
        return results

    # ---------------------------------------------------------------- one case

    def _run_case(
        self, fichier: _Fichier, where: tuple, cas: Cas, observes: list[Observation] | None = None
    ) -> list[str]:
        loaded = fichier.loaded

        def error(path: tuple, message: str) -> LoadError:
            return LoadError(format_path(path), loaded.line_of(path), message)

        if cas.dossier is not None:
            data: Any = copy.deepcopy(cas.dossier)
        elif cas.dossier_fichier is not None:
            data = self._dossier_file(fichier.path, cas.dossier_fichier, where + ("dossier-fichier",), loaded)
        elif fichier.base is not None:
            data = copy.deepcopy(fichier.base)
        else:
            raise CaseError(
                [error(where, "pas de dossier : donner « dossier » ou « dossier-fichier », ou une « base » au fichier")]
            )
        if cas.modifications:
            data = merge_patch(data, cas.modifications)
        lot = [data] if cas.dossiers is None else _lot(data, cas.dossiers, where, error)
        if len(lot) > 1:
            given = [key for key in ("verdict", "regles") if key in cas.attendu.model_fields_set]
            if given:
                raise CaseError(
                    [
                        error(
                            where + ("attendu", key),
                            f"« {short(key)} » porte sur un seul dossier : avec plusieurs « dossiers », "
                            "seul « programmation » est attendu",
                        )
                        for key in given
                    ]
                )

        regles = fichier.avec_parametres
        if cas.parametres:
            merged = {rid: dict(ch) for rid, ch in fichier.overrides.items()}
            paths = {rid: ("parametres", rid) for rid in fichier.overrides}
            for rid, ch in cas.parametres.items():
                merged.setdefault(rid, {}).update({k: (v, where + ("parametres", rid, k)) for k, v in ch.items()})
                paths[rid] = where + ("parametres", rid)
            regles = with_overrides(fichier.regles, merged, loaded.line_of, paths)

        errors = []
        for section, expected, known in (
            ("regles", cas.attendu.regles, regles.regles),
            ("programmation", cas.attendu.programmation, regles.programmation),
        ):
            for rid in expected:
                if rid not in known:
                    message = f"règle inconnue « {short(rid)} »{suggest(rid, known)}"
                    if section == "programmation" and rid in regles.regles:
                        message = f"« {rid} » est une règle de dossier : l'attendre dans « regles »"
                    elif section == "regles" and rid in regles.programmation:
                        message = f"« {rid} » est une règle de programmation : l'attendre dans « programmation »"
                    errors.append(error(where + ("attendu", section, rid), message))
        if errors:
            raise CaseError(errors)
        historique = None if cas.historique is None else _historique(data, cas.historique, where, error)
        return compare_lot(lot, regles, cas.attendu, historique, observes)


def _historique(
    data: Any, fragments: list[dict[str, Any]], where: tuple, error: Callable[[tuple, str], LoadError]
) -> list[Any]:
    """The dossiers of earlier exercices of a case (SPEC §5): each fragment merged onto the case's dossier.

    Each gives its own ``id`` and ``exercice``; they are the history the case's dossiers are judged with.
    """
    errors = []
    for j, fragment in enumerate(fragments):
        for key in ("id", "exercice"):
            if fragment.get(key) is None:
                errors.append(error(where + ("historique", j), f"chaque dossier de « historique » donne son « {key} »"))
    if errors:
        raise CaseError(errors)
    return [merge_patch(data, fragment) for fragment in fragments]


def _lot(
    data: Any, fragments: list[dict[str, Any]], where: tuple, error: Callable[[tuple, str], LoadError]
) -> list[Any]:
    """The dossiers of a programmation case: each fragment merged onto the case's dossier.

    Each fragment gives its own ``id``, and all share one exercice (a programmation is that of one exercice).
    """
    errors = []
    lot = []
    ids: dict[Any, int] = {}
    exercices: dict[Any, int] = {}
    for j, fragment in enumerate(fragments):
        path = where + ("dossiers", j)
        if fragment.get("id") is None:
            errors.append(error(path, "chaque dossier de « dossiers » donne son propre « id »"))
            continue
        dossier = merge_patch(data, fragment)
        ident = dossier.get("id")
        if ident in ids:
            errors.append(error(path + ("id",), f"« {short(ident)} » est déjà l'id du dossier n°{ids[ident] + 1}"))
        ids.setdefault(ident, j)
        exercice = dossier.get("exercice")
        if exercices and exercice not in exercices:
            first = next(iter(exercices))
            errors.append(
                error(
                    path + ("exercice",) if "exercice" in fragment else path,
                    f"exercice {exercice} : les dossiers d'un cas sont d'un seul exercice, "
                    f"celui du dossier n°{exercices[first] + 1} ({first})",
                )
            )
        exercices.setdefault(exercice, j)
        lot.append(dossier)
    if errors:
        raise CaseError(errors)
    return lot


def compare(data: Any, regles: JeuDeRegles, attendu: Attendu) -> list[str]:
    """Differences between what the rules give for this dossier data and what is expected."""
    return compare_lot([data], regles, attendu)


def compare_lot(
    lot: list[Any],
    regles: JeuDeRegles,
    attendu: Attendu,
    historique_data: list[Any] | None = None,
    observes: list[Observation] | None = None,
) -> list[str]:
    """Differences between what the rules give for these dossiers (plain data) and what is expected.

    ``attendu.verdict`` and ``attendu.regles`` are about the one dossier of ``lot``;
    ``attendu.programmation`` about the programmation of their exercice, computed
    from all of them as ``cdv programmation`` would. ``historique_data``: the
    dossiers of earlier exercices (plain data), judged with them as their history.
    ``observes``, when given, receives every constat the dossiers and their programmation gave
    (for ``cdv regles tester --couverture``).
    """
    from cdv_prog.core.dossier import Dossier
    from cdv_prog.core.modeles import dossier as modele

    historique = None
    if historique_data is not None:
        anterieurs = []
        for data in historique_data:
            try:
                ancien = Dossier.valider(data, regles)
            except ValidationError as exc:
                shown = " ; ".join(f"[{e.champ}] {e.message}" for e in translate(exc, None, model=modele.Dossier)[:3])
                return [f"dossier « {short(data.get('id'))} » de l'historique invalide ({shown})"]
            report = juger(ancien, regles, ancien.id)
            assert report.montants is not None  # a valid dossier's report has its amounts
            anterieurs.append(DossierAnterieur.of(ancien, report.montants, report.verdict, ancien.id))
        historique = HistoriqueDossiers.of(anterieurs)
    reports: list[DossierReport] = []
    dossiers: list[Dossier] = []
    for data in lot:
        ident = data.get("id") if isinstance(data, dict) else None
        try:
            dossier = Dossier.valider(data, regles)
        except ValidationError as exc:
            errors = translate(exc, None, model=modele.Dossier)
            shown = " ; ".join(f"[{e.champ}] {e.message}" if e.champ else e.message for e in errors[:3])
            if len(errors) > 3:
                shown += f" ; … ({len(errors)} erreurs)"
            if len(lot) > 1:
                return [f"dossier « {short(ident)} » invalide, programmation non calculée ({shown})"]
            if attendu.verdict == "invalide" and not attendu.regles and not attendu.programmation:
                return []
            if attendu.verdict is not None and attendu.verdict != "invalide":
                return [f"verdict : attendu {attendu.verdict}, obtenu invalide ({shown})"]
            return [f"dossier invalide, aucune règle évaluée ({shown})"]
        dossiers.append(dossier)
        reports.append(juger(dossier, regles, f"{ident}", historique))
        if observes is not None:
            observes += [("regles", c.regle, c.statut, dossier.exercice) for c in reports[-1].constats]
    diffs = []
    if len(reports) == 1:
        diffs += _dossier_diffs(reports[0].constats, reports[0].verdict, attendu)
    if attendu.programmation:
        from cdv_prog.programmation.calcul import calculer

        exercice = dossiers[0].exercice
        by_id = {c.regle: c for c in calculer(reports, regles, exercice, historique).constats}
        if observes is not None:
            observes += [("programmation", c.regle, c.statut, exercice) for c in by_id.values()]
        for rid, statut in attendu.programmation.items():
            c = by_id[rid]
            if c.statut != statut:
                diffs.append(f"{rid} (programmation {exercice}) : attendu {statut}, obtenu {c.statut} ({c.message})")
    return diffs


def _dossier_diffs(constats: list[Constat], obtenu: str, attendu: Attendu) -> list[str]:
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
