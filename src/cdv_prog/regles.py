"""The rule set: référentiels (financeurs, quartiers, défis…), enveloppes and rules, from YAML.

A rules path is a file or a folder of ``*.yaml`` files (top level only, so
``rules/tests/`` is not read as rules); the sections of several files are
merged, and a code defined twice is an error. Every error names file, line and
key, in French; :class:`RulesError` carries them all.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from . import kinds
from .conditions import Condition
from .dated import ALWAYS, Dated, is_dated
from .loader import Loaded, LoadFailed, format_path, load_yaml_file
from .money import AmountError, parse_amount
from .programmation import kinds as programmation_kinds

Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]*$", max_length=80)]
Texte = Annotated[str, Field(min_length=1)]

SECTIONS = ("contrat", "financeurs", "quartiers", "defis", "axes", "pieces", "enveloppes", "regles", "programmation")
MAPPING_SECTIONS = ("financeurs", "quartiers", "defis", "axes", "pieces", "enveloppes", "regles", "programmation")
RULE_KEYS = ("type", "gravite", "source", "si", "titre", "description", "conseil")
GRAVITES = ("bloquant", "avertissement", "information")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ContratDef(_Strict):
    nom: Texte
    periode: Annotated[list[int], Field(min_length=2, max_length=2)]
    sigle: str | None = None

    @field_validator("periode")
    @classmethod
    def _ordered(cls, periode: list[int]) -> list[int]:
        if periode[0] > periode[1]:
            raise PydanticCustomError("periode", "la période doit aller de la première à la dernière année")
        return periode


class FinanceurDef(_Strict):
    nom: Texte
    groupe: Literal["principal", "partenaire", "bailleur", "autre"]
    sigle: str | None = None


class QuartierDef(_Strict):
    nom: Texte
    statut: Literal["qpv", "veille"]
    commune: str | None = None


class DefiDef(_Strict):
    nom: Texte
    objectifs: dict[Code, Texte] = {}


class Referentiel(_Strict):
    contrat: ContratDef
    financeurs: Annotated[dict[Code, FinanceurDef], Field(min_length=1)]
    quartiers: Annotated[dict[Code, QuartierDef], Field(min_length=1)]
    defis: dict[Code, DefiDef] = {}
    axes: dict[Code, Texte] = {}
    pieces: dict[Code, Texte] = {}


@dataclass(frozen=True)
class RuleProblem:
    fichier: str
    ligne: int | None
    champ: str
    message: str

    def __str__(self) -> str:
        where = self.fichier + (f":{self.ligne}" if self.ligne else "")
        champ = f" [{self.champ}]" if self.champ else ""
        return f"{where}{champ} : {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"fichier": self.fichier, "ligne": self.ligne, "champ": self.champ, "message": self.message}


class RulesError(Exception):
    def __init__(self, problems: list[RuleProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Regle:
    """A rule of the set: an instance of a kind with (possibly dated) parameters."""

    id: str
    type: str
    kind: ModuleType
    gravite: Literal["bloquant", "avertissement", "information"]
    source: str
    condition: Condition
    parametres_bruts: dict[str, Dated[Any]]
    titre: str | None = None
    description: str | None = None
    conseil: str | None = None
    _cache: dict[int, tuple[Any, str | None]] = field(default_factory=dict, repr=False)

    def parametres(self, exercice: int, regles: "RuleSet") -> tuple[Any, str | None]:
        """(validated parameters, None) for the exercice, or (None, reason) when undated."""
        cached = self._cache.get(exercice)
        if cached is not None:
            return cached
        values: dict[str, Any] = {}
        missing = []
        for name, dated in self.parametres_bruts.items():
            if dated.has(exercice):
                values[name] = dated.at(exercice)
            else:
                missing.append(name)
        if missing:
            result: tuple[Any, str | None] = (
                None,
                f"pas de valeur de {', '.join(missing)} pour l'exercice {exercice}",
            )
        else:
            result = (self.kind.Parametres.model_validate(values, context={"regles": regles}), None)
        self._cache[exercice] = result
        return result


@dataclass
class RuleSet:
    contrat: ContratDef
    financeurs: dict[str, FinanceurDef]
    quartiers: dict[str, QuartierDef]
    defis: dict[str, DefiDef]
    axes: dict[str, str]
    pieces: dict[str, str]
    enveloppes: dict[str, Dated[Decimal] | None]
    regles: dict[str, Regle]
    programmation: dict[str, Regle] = field(default_factory=dict)
    fichiers: list[Path] = field(default_factory=list)
    empreinte: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def nom_court(self, financeur: str) -> str:
        f = self.financeurs.get(financeur)
        return (f.sigle or financeur) if f else financeur

    def enveloppe(self, financeur: str, exercice: int) -> Decimal | None:
        dated = self.enveloppes.get(financeur)
        return dated.at(exercice) if dated is not None else None


# --------------------------------------------------------------------------- loading


def rules_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def packaged_rules_path() -> Path:
    """The rule set shipped with the package (or the repository's rules/ in development)."""
    here = Path(__file__).resolve().parent
    inside = here / "rules"
    if inside.is_dir():
        return inside
    return here.parent.parent / "rules"


def default_rules_path(cwd: Path | None = None) -> Path:
    local = (cwd or Path.cwd()) / "rules"
    if local.is_dir():
        return local
    return packaged_rules_path()


def load_rules(path: Path, display: str | None = None) -> RuleSet:
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
            self.problems.append(RuleProblem(name, 1, "", "un fichier de règles doit être un ensemble de sections (clé: valeur)"))
            return
        for section, value in loaded.data.items():
            if section not in SECTIONS:
                close = difflib.get_close_matches(str(section), SECTIONS, n=1)
                hint = f" (vouliez-vous dire « {close[0]} » ?)" if close else ""
                self.problems.append(
                    RuleProblem(name, loaded.line_of((section,)), str(section), f"section inconnue « {section} »{hint}")
                )
                continue
            if section in MAPPING_SECTIONS:
                if value is None:
                    value = {}
                if not isinstance(value, dict):
                    self.problems.append(
                        RuleProblem(name, loaded.line_of((section,)), section, "doit être un ensemble de clés (code: description)")
                    )
                    continue
                target = self.merged.setdefault(section, {})
                for code, item in value.items():
                    if code in target:
                        other = self.origin[(section, code)][0]
                        self.problems.append(
                            RuleProblem(name, loaded.line_of((section, code)), format_path((section, code)),
                                        f"« {code} » est déjà défini dans {other}")
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
        from .errors import _known_keys, _message

        for err in exc.errors(include_url=False):
            loc = prefix + tuple(err.get("loc", ()))
            known = _known_keys(model, tuple(err.get("loc", ()))) if model is not None else ()
            self.problem(loc, _message(err, known))

    def finish(self) -> RuleSet:
        if self.problems:
            raise RulesError(self.problems)
        ref_data = {k: self.merged[k] for k in ("contrat", "financeurs", "quartiers", "defis", "axes", "pieces") if k in self.merged}
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
        rs = RuleSet(
            contrat=ref.contrat, financeurs=dict(ref.financeurs), quartiers=dict(ref.quartiers), defis=dict(ref.defis),
            axes=dict(ref.axes), pieces=dict(ref.pieces), enveloppes={}, regles={},
            fichiers=list(self.files), empreinte=self.digest.hexdigest(),
        )
        self._enveloppes(rs)
        rs.regles = self._rules(rs, "regles")
        rs.programmation = self._rules(rs, "programmation")
        if self.problems:
            raise RulesError(self.problems)
        return rs

    def _enveloppes(self, rs: RuleSet) -> None:
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

    def _rules(self, rs: RuleSet, section: str) -> dict[str, Regle]:
        out: dict[str, Regle] = {}
        for rule_id, raw in (self.merged.get(section) or {}).items():
            path = (section, rule_id)
            if not isinstance(rule_id, str) or not _ID_OK(rule_id):
                self.problem(path, f"identifiant de règle « {rule_id} » invalide (minuscules, chiffres et tirets)")
                continue
            if not isinstance(raw, dict):
                self.problem(path, "une règle est un ensemble de clés (type, gravite, source, paramètres…)")
                continue
            rule = self._rule(rs, section, rule_id, raw)
            if rule is not None:
                out[rule_id] = rule
        return out

    def _rule(self, rs: RuleSet, section: str, rule_id: str, raw: dict[str, Any]) -> Regle | None:
        path = (section, rule_id)
        before = len(self.problems)
        type_name = raw.get("type")
        registry = programmation_kinds if section == "programmation" else kinds
        kind = registry.get(type_name) if isinstance(type_name, str) else None
        if type_name is None:
            self.problem(path, "clé « type » manquante (le genre de règle)")
        elif kind is None:
            close = difflib.get_close_matches(str(type_name), list(registry.KINDS), n=1)
            hint = f" (vouliez-vous dire « {close[0]} » ?)" if close else ""
            self.problem(path + ("type",), f"genre de règle inconnu « {type_name} »{hint} ; genres connus : {', '.join(registry.KINDS)}")
        if section == "programmation" and "si" in raw:
            self.problem(path + ("si",), "« si » ne s'applique qu'aux règles de dossier ; une règle de programmation "
                         "porte sur tout l'exercice (ses paramètres disent quels dossiers elle compte)")
        gravite = raw.get("gravite")
        if gravite not in GRAVITES:
            self.problem(path + ("gravite",), f"gravité « {gravite} » invalide ; valeurs possibles : {', '.join(GRAVITES)}"
                         if gravite is not None else "clé « gravite » manquante (bloquant, avertissement ou information)")
        source = raw.get("source")
        if not isinstance(source, str) or not source.strip():
            self.problem(path + ("source",), "clé « source » manquante ou vide : citer la phrase du contrat dont vient la règle")
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
            id=rule_id, type=type_name, kind=kind, gravite=gravite, source=source.strip(), condition=condition,
            parametres_bruts={k: Dated.of(v) for k, v in params.items()},
            titre=raw.get("titre"), description=raw.get("description"), conseil=raw.get("conseil"),
        )

    def _check_params(self, rs: RuleSet, path: tuple, kind: ModuleType, params: dict[str, Any]) -> None:
        model = kind.Parametres
        known = {(f.alias or n) for n, f in model.model_fields.items()}
        dated = {k: Dated.of(v) for k, v in params.items()}
        for k in params:
            if k not in known:
                close = difflib.get_close_matches(str(k), sorted(known | set(RULE_KEYS)), n=1)
                hint = f" (vouliez-vous dire « {close[0]} » ?)" if close else ""
                self.problem(path + (k,), f"paramètre inconnu « {k} » pour le genre {kind.TYPE}{hint}")
        if any(k not in known for k in params):
            return
        years = sorted({y for d in dated.values() for y in d.years()}) or [ALWAYS]
        seen: set[str] = set()
        for year in years:
            values = {k: d.at(year) for k, d in dated.items() if d.has(year)}
            if any(not d.has(year) for d in dated.values()):
                continue
            try:
                model.model_validate(values, context={"regles": rs})
            except ValidationError as exc:
                for err in exc.errors(include_url=False):
                    loc = tuple(err.get("loc", ()))
                    name = loc[0] if loc else None
                    where = path + ((name,) if name is not None else ())
                    if name is not None and name in dated and dated[name].is_dated:
                        since = max(y for y in dated[name].years() if y <= year)
                        where += (since,)
                    where += loc[1:]
                    from .errors import _message

                    msg = _message(err, sorted(known))
                    key = f"{where}{msg}"
                    if key not in seen:
                        seen.add(key)
                        self.problem(where, msg)


def _ID_OK(rule_id: str) -> bool:
    return _ID_RE.fullmatch(rule_id) is not None


_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")

