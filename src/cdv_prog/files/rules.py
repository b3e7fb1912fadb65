"""Loading a rule set from YAML: référentiels, enveloppes and rules, checked with lines.

A rules path is a file or a folder of ``*.yaml`` files (top level only, so
``rules/tests/`` is not read as rules); the sections of several files are
merged, and a code defined twice is an error. Every error names file, line and
key, in French; :class:`RulesError` carries them all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from cdv_prog import kinds
from cdv_prog.core.conditions import Condition
from cdv_prog.core.dated import ALWAYS, Dated, is_dated
from cdv_prog.core.findings import RuleProblem, format_path
from cdv_prog.core.money import AmountError, parse_amount
from cdv_prog.core.ruleset import JeuDeRegles, Referentiel, Regle, RuleKind, RulesError
from cdv_prog.core.vocab import GRAVITES, suggest
from cdv_prog.files.loader import Loaded, LoadFailed, load_yaml_file
from cdv_prog.files.messages import known_keys, message_fr

SECTIONS = ("contrat", "financeurs", "quartiers", "defis", "axes", "pieces", "enveloppes", "regles", "programmation")
MAPPING_SECTIONS = SECTIONS[1:]
RULE_KEYS = ("type", "gravite", "source", "si", "titre", "description", "conseil")


# --------------------------------------------------------------------------- loading


def rules_files(path: Path) -> list[Path]:
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
    local = (cwd or Path.cwd()) / "rules"
    if local.is_dir():
        return local
    return packaged_rules_path()


def load_rules(path: Path, display: str | None = None) -> JeuDeRegles:
    """Load and validate a rules file or folder. Raises RulesError (French, with lines)."""
    shown_root = display if display is not None else str(path)
    if not path.exists():
        raise RulesError([RuleProblem(shown_root, None, "", "fichier ou dossier de règles introuvable")])
    files = rules_files(path)
    if not files:
        raise RulesError([RuleProblem(shown_root, None, "", "aucun fichier de règles (*.yaml) dans ce dossier")])
    builder = _Builder(path, shown_root)
    for file in files:
        builder.add_file(file)
    return builder.finish()


class _Builder:
    def __init__(self, root: Path, shown_root: str):
        self.root = root
        self.shown_root = shown_root
        self.problems: list[RuleProblem] = []
        self.merged: dict[str, Any] = {}
        self.origin: dict[tuple, tuple[str, Loaded]] = {}
        self.digest = hashlib.sha256()
        self.files: list[Path] = []

    def shown(self, file: Path) -> str:
        if self.root.is_dir():
            return str(Path(self.shown_root) / file.name)
        return self.shown_root

    def add_file(self, file: Path) -> None:
        name = self.shown(file)
        self.files.append(file)
        try:
            raw = file.read_bytes()
            self.digest.update(file.name.encode() + b"\0" + raw + b"\0")
            loaded = load_yaml_file(file)
        except OSError as exc:
            self.problems.append(RuleProblem(name, None, "", f"fichier illisible : {exc.strerror or exc}"))
            return
        except LoadFailed as exc:
            self.problems.extend(RuleProblem(name, e.ligne, e.champ, e.message) for e in exc.errors)
            return
        if not isinstance(loaded.data, dict):
            self.problems.append(
                RuleProblem(name, 1, "", "un fichier de règles doit être un ensemble de sections (clé: valeur)")
            )
            return
        for section, value in loaded.data.items():
            if section not in SECTIONS:
                hint = suggest(section, SECTIONS)
                self.problems.append(
                    RuleProblem(name, loaded.line_of((section,)), str(section), f"section inconnue « {section} »{hint}")
                )
                continue
            if section in MAPPING_SECTIONS:
                if value is None:
                    value = {}
                if not isinstance(value, dict):
                    self.problems.append(
                        RuleProblem(
                            name,
                            loaded.line_of((section,)),
                            section,
                            "doit être un ensemble de clés (code: description)",
                        )
                    )
                    continue
                target = self.merged.setdefault(section, {})
                for code, item in value.items():
                    if code in target:
                        other = self.origin[(section, code)][0]
                        self.problems.append(
                            RuleProblem(
                                name,
                                loaded.line_of((section, code)),
                                format_path((section, code)),
                                f"« {code} » est déjà défini dans {other}",
                            )
                        )
                        continue
                    target[code] = item
                    self.origin[(section, code)] = (name, loaded)
                self.origin.setdefault((section,), (name, loaded))
            else:
                if section in self.merged:
                    other = self.origin[(section,)][0]
                    self.problems.append(
                        RuleProblem(name, loaded.line_of((section,)), section, f"section déjà définie dans {other}")
                    )
                    continue
                self.merged[section] = value
                self.origin[(section,)] = (name, loaded)

    def locate(self, path: tuple) -> tuple[str, int | None]:
        for n in (2, 1):
            key = tuple(path[:n])
            if len(key) == n and key in self.origin:
                name, loaded = self.origin[key]
                return name, loaded.line_of(path)
        return (self.shown(self.files[0]) if self.files else self.shown_root), None

    def problem(self, path: tuple, message: str) -> None:
        name, line = self.locate(path)
        self.problems.append(RuleProblem(name, line, format_path(path), message))

    def validation_errors(self, exc: ValidationError, prefix: tuple, model: Any) -> None:
        for err in exc.errors(include_url=False):
            loc = prefix + tuple(err.get("loc", ()))
            known = known_keys(model, tuple(err.get("loc", ()))) if model is not None else ()
            self.problem(loc, message_fr(err, known))

    def finish(self) -> JeuDeRegles:
        if self.problems:
            raise RulesError(self.problems)
        ref_data = {
            k: self.merged[k]
            for k in ("contrat", "financeurs", "quartiers", "defis", "axes", "pieces")
            if k in self.merged
        }
        for required in ("contrat", "financeurs", "quartiers", "regles"):
            if required not in self.merged:
                self.problems.append(RuleProblem(self.shown_root, None, required, f"section « {required} » manquante"))
        if self.problems:
            raise RulesError(self.problems)
        try:
            ref = Referentiel.model_validate(ref_data)
        except ValidationError as exc:
            self.validation_errors(exc, (), Referentiel)
            raise RulesError(self.problems) from None
        rs = JeuDeRegles(
            contrat=ref.contrat,
            financeurs=dict(ref.financeurs),
            quartiers=dict(ref.quartiers),
            defis=dict(ref.defis),
            axes=dict(ref.axes),
            pieces=dict(ref.pieces),
            enveloppes={},
            regles={},
            fichiers=list(self.files),
            empreinte=self.digest.hexdigest(),
        )
        self._enveloppes(rs)
        rs.regles = self._rules(rs, "regles")
        rs.programmation = self._rules(rs, "programmation")
        if self.problems:
            raise RulesError(self.problems)
        return rs

    def _enveloppes(self, rs: JeuDeRegles) -> None:
        for code, raw in (self.merged.get("enveloppes") or {}).items():
            path = ("enveloppes", code)
            if code not in rs.financeurs:
                self.problem(path, f"financeur inconnu « {code} » ; codes connus : {', '.join(rs.financeurs)}")
                continue
            if raw is None:
                rs.enveloppes[code] = None
                continue
            dated = Dated.of(raw)
            ok = True
            for year, value in dated.values:
                where = path if year == ALWAYS else path + (year,)
                if value is None:
                    continue
                try:
                    parse_amount(value)
                except AmountError as exc:
                    self.problem(where, str(exc))
                    ok = False
            if isinstance(raw, dict) and not is_dated(raw):
                self.problem(path, "une enveloppe est un montant ou des montants datés {année: montant}")
                ok = False
            if ok:
                rs.enveloppes[code] = Dated(tuple((y, None if v is None else parse_amount(v)) for y, v in dated.values))

    def _rules(self, rs: JeuDeRegles, section: str) -> dict[str, Regle]:
        out: dict[str, Regle] = {}
        for rule_id, raw in (self.merged.get(section) or {}).items():
            path = (section, rule_id)
            if not isinstance(rule_id, str) or not _id_ok(rule_id):
                self.problem(path, f"identifiant de règle « {rule_id} » invalide (minuscules, chiffres et tirets)")
                continue
            if not isinstance(raw, dict):
                self.problem(path, "une règle est un ensemble de clés (type, gravite, source, paramètres…)")
                continue
            rule = self._rule(rs, section, rule_id, raw)
            if rule is not None:
                out[rule_id] = rule
        return out

    def _rule(self, rs: JeuDeRegles, section: str, rule_id: str, raw: dict[str, Any]) -> Regle | None:
        path = (section, rule_id)
        before = len(self.problems)
        type_name = raw.get("type")
        portee = "programmation" if section == "programmation" else "dossier"
        registry = kinds.registry(portee)
        kind = registry.get(type_name) if isinstance(type_name, str) else None
        if type_name is None:
            self.problem(path, "clé « type » manquante (le genre de règle)")
        elif kind is None:
            hint = suggest(type_name, registry)
            self.problem(
                path + ("type",),
                f"genre de règle inconnu « {type_name} »{hint} ; genres connus : {', '.join(registry)}",
            )
        if section == "programmation" and "si" in raw:
            self.problem(
                path + ("si",),
                "« si » ne s'applique qu'aux règles de dossier ; une règle de programmation "
                "porte sur tout l'exercice (ses paramètres disent quels dossiers elle compte)",
            )
        gravite = raw.get("gravite")
        if gravite not in GRAVITES:
            self.problem(
                path + ("gravite",),
                f"gravité « {gravite} » invalide ; valeurs possibles : {', '.join(GRAVITES)}"
                if gravite is not None
                else "clé « gravite » manquante (bloquant, avertissement ou information)",
            )
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            self.problem(
                path + ("source",), "clé « source » manquante ou vide : citer la phrase du contrat dont vient la règle"
            )
        for key in ("titre", "description", "conseil"):
            if key in raw and not isinstance(raw[key], str):
                self.problem(path + (key,), "doit être un texte")
        condition = Condition()
        if "si" in raw:
            try:
                condition = Condition.model_validate(raw["si"] if raw["si"] is not None else {}, context={"regles": rs})
            except ValidationError as exc:
                self.validation_errors(exc, path + ("si",), Condition)
        params = {k: v for k, v in raw.items() if k not in RULE_KEYS}
        if kind is not None:
            self._check_params(rs, path, kind, params)
        if len(self.problems) > before or kind is None:
            return None
        return Regle(
            id=rule_id,
            type=type_name,
            kind=kind,
            gravite=gravite,
            source=source.strip(),
            condition=condition,
            parametres_bruts={k: Dated.of(v) for k, v in params.items()},
            titre=raw.get("titre"),
            description=raw.get("description"),
            conseil=raw.get("conseil"),
        )

    def _check_params(self, rs: JeuDeRegles, path: tuple, kind: RuleKind, params: dict[str, Any]) -> None:
        model = kind.Parametres
        known = {(f.alias or n) for n, f in model.model_fields.items()}
        dated = {k: Dated.of(v) for k, v in params.items()}
        for k in params:
            if k not in known:
                hint = suggest(k, sorted(known | set(RULE_KEYS)))
                self.problem(path + (k,), f"paramètre inconnu « {k} » pour le genre {kind.TYPE}{hint}")
        if any(k not in known for k in params):
            return
        seen: set[str] = set()
        for problem in parameter_problems(model, dated, rs):
            where = path + problem.chemin
            key = f"{where}{problem.message}"
            if key not in seen:
                seen.add(key)
                self.problem(where, problem.message)


@dataclass(frozen=True)
class ParameterProblem:
    """A parameter value refused by its kind: ``chemin`` inside the rule (name, year if dated, rest)."""

    nom: str | None
    chemin: tuple[str | int, ...]
    message: str


def parameter_problems(
    model: type[BaseModel], bruts: dict[str, Dated[Any]], regles: JeuDeRegles
) -> Iterator[ParameterProblem]:
    """Validate a kind's parameters for every year one of them changes, as they will be used.

    A parameter given as ``{2024: 500, 2026: "x"}`` is checked for 2024 and for
    2026; an error names the year its value applies from. Used by the rules
    loader and by the test cases' what-if overrides alike.
    """
    known = sorted((f.alias or n) for n, f in model.model_fields.items())
    years = sorted({y for d in bruts.values() for y in d.years()}) or [ALWAYS]
    for year in years:
        if any(not d.has(year) for d in bruts.values()):
            continue
        try:
            model.model_validate({k: d.at(year) for k, d in bruts.items()}, context={"regles": regles})
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = tuple(err.get("loc", ()))
                name = str(loc[0]) if loc else None
                where: tuple[str | int, ...] = (name,) if name is not None else ()
                if name is not None and name in bruts and bruts[name].is_dated:
                    where += (max(y for y in bruts[name].years() if y <= year),)
                yield ParameterProblem(name, where + loc[1:], message_fr(err, known))


def _id_ok(rule_id: str) -> bool:
    return _ID_RE.fullmatch(rule_id) is not None


_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
