"""Loading a rule set from YAML: référentiels, enveloppes and rules, checked with lines.

A rules path is a file or a folder of ``*.yaml`` files (top level only, so
``rules/tests/`` is not read as rules); the sections of several files are
merged, and a code defined twice is an error. Every error names file, line and
key, in French; :class:`RulesError` carries them all.

The rules of a section are built by :func:`build_rules`, which the test files
of ``cdv regles tester`` also use for the rules they declare: the same checks,
the same messages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from cdv_prog import kinds
from cdv_prog.core.champs import Code
from cdv_prog.core.conditions import Condition
from cdv_prog.core.dated import ALWAYS, ANNEE_MIN, Dated, annee_invalide, is_dated
from cdv_prog.core.findings import RuleProblem, format_path
from cdv_prog.core.modeles import regles as modeles
from cdv_prog.core.money import AmountError, parse_amount
from cdv_prog.core.ruleset import (
    Enveloppe,
    JeuDeRegles,
    QuartierDef,
    Regle,
    RuleKind,
    RulesError,
    SousEnveloppe,
)
from cdv_prog.core.texte import short
from cdv_prog.core.valeurs import valeur_simple
from cdv_prog.core.vocab import GRAVITES, HORS_QPV, Gravite, Portee, normaliser, suggest
from cdv_prog.files.derogations import build_derogations
from cdv_prog.files.loader import Loaded, LoadFailed, load_yaml_file
from cdv_prog.files.messages import known_keys, message_fr
from cdv_prog.files.rules_cache import default_rules_path as default_rules_path  # where the rules are: also here
from cdv_prog.files.rules_cache import packaged_rules_path as packaged_rules_path
from cdv_prog.files.rules_cache import rules_files

SECTIONS = (
    "contrat",
    "financeurs",
    "quartiers",
    "defis",
    "axes",
    "pieces",
    "dispositifs",
    "enveloppes",
    "regles",
    "programmation",
    "derogations",  # a list (files/derogations.py)
)
MAPPING_SECTIONS = SECTIONS[1:-1]
RULE_KEYS = ("type", "gravite", "source", "si", "titre", "description", "conseil")


# --------------------------------------------------------------------------- loading


def load_rules(path: Path, display: str | None = None) -> JeuDeRegles:
    """Load and validate a rules file or folder. Raises RulesError (French, with lines)."""
    shown_root = display if display is not None else str(path)
    if not path.exists():
        raise RulesError([RuleProblem(shown_root, None, "", "fichier ou dossier de règles introuvable")])
    files = rules_files(path)
    if not files:
        raise RulesError([RuleProblem(shown_root, None, "", "aucun fichier de règles (*.yaml) dans ce dossier")])
    builder = _RulesBuilder(path, shown_root)
    for file in files:
        builder.add_file(file)
    return builder.finish()


class _RulesBuilder:
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
                    RuleProblem(
                        name, loaded.line_of((section,)), str(section), f"section inconnue « {short(section)} »{hint}"
                    )
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
                                f"« {short(code)} » est déjà défini dans {other}",
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
        report_validation(exc, prefix, model, self.problem)

    def finish(self) -> JeuDeRegles:
        if self.problems:
            raise RulesError(self.problems)
        ref_data = {
            k: self.merged[k]
            for k in ("contrat", "financeurs", "quartiers", "defis", "axes", "pieces", "dispositifs")
            if k in self.merged
        }
        for required in ("contrat", "financeurs", "quartiers", "regles"):
            if required not in self.merged:
                self.problems.append(RuleProblem(self.shown_root, None, required, f"section « {required} » manquante"))
        if self.problems:
            raise RulesError(self.problems)
        try:
            ref = modeles.Referentiel.model_validate(ref_data)
        except ValidationError as exc:
            self.validation_errors(exc, (), modeles.Referentiel)
            raise RulesError(self.problems) from None
        if HORS_QPV in ref.quartiers:
            self.problem(("quartiers", HORS_QPV), HORS_QPV_RESERVE)
            raise RulesError(self.problems)
        rs = JeuDeRegles(
            contrat=ref.contrat.en_clair(),
            financeurs=valeur_simple(ref.financeurs),
            quartiers=valeur_simple(ref.quartiers),
            defis=valeur_simple(ref.defis),
            axes=dict(ref.axes),
            pieces=dict(ref.pieces),
            enveloppes={},
            regles={},
            fichiers=list(self.files),
            empreinte=self.digest.hexdigest(),
            dispositifs=valeur_simple(ref.dispositifs),
        )
        check_dispositifs(rs, self.problem)
        self._enveloppes(rs)
        rs.regles = self._rules(rs, "regles")
        rs.programmation = self._rules(rs, "programmation")
        rs.derogations = build_derogations(self.merged.get("derogations"), self.problem, self.locate)
        if self.problems:
            raise RulesError(self.problems)
        return rs

    def _enveloppes(self, rs: JeuDeRegles) -> None:
        rs.enveloppes = build_enveloppes(rs, self.merged.get("enveloppes") or {}, self.problem)

    def _rules(self, rs: JeuDeRegles, section: str) -> dict[str, Regle]:
        return build_rules(rs, section, self.merged.get(section) or {}, self.problem)


# --------------------------------------------------------------------------- building rules (shared)

Signaler = Callable[[tuple, str], None]
_Quartiers = Annotated[dict[Code, modeles.QuartierDef], Field(min_length=1)]
"""Where a rule problem goes: (path of the key in its YAML file, French message)."""

HORS_QPV_RESERVE = (
    f"le code « {HORS_QPV} » est réservé aux dossiers (action hors de la géographie prioritaire) : "
    "donner un autre code à ce quartier"
)
SI_PROGRAMMATION = (
    "« si » ne s'applique qu'aux règles de dossier ; une règle de programmation "
    "porte sur tout l'exercice (ses paramètres disent quels dossiers elle compte)"
)


def check_dispositifs(rs: JeuDeRegles, signaler: Signaler) -> None:
    """Each dispositif names a known financeur; no name (code or alias) designates two dispositifs."""
    seen: dict[str, tuple[str, str]] = {}
    for code, d in rs.dispositifs.items():
        for financeur in d.financeurs or ():
            if financeur not in rs.financeurs:
                signaler(
                    ("dispositifs", code, "financeur"),
                    f"financeur inconnu « {short(financeur)} »{suggest(financeur, rs.financeurs)} ; "
                    f"codes connus : {', '.join(rs.financeurs)}",
                )
        for i, name in enumerate((code, *d.alias)):
            key = normaliser(name)
            other = seen.get(key)
            if other is not None and other[0] != code:
                where = ("dispositifs", code) if i == 0 else ("dispositifs", code, "alias", i - 1)
                signaler(
                    where,
                    f"« {short(name)} » désigne déjà le dispositif « {other[0]} » (« {short(other[1])} ») : "
                    "un nom ne peut désigner qu'un dispositif",
                )
            seen.setdefault(key, (code, name))


class _SousEnveloppeBrute(BaseModel):
    """A sous-enveloppe as written: ``{nom, montant, perimetre}`` (the amount is checked apart, with its years)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    nom: Annotated[str, Field(min_length=1)]
    montant: Any
    perimetre: modeles.Perimetre


class _EnveloppeLongue(BaseModel):
    """The long form of an enveloppe: ``{montant, perimetre, sous-enveloppes}``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    montant: Any
    perimetre: modeles.Perimetre = modeles.Perimetre.model_construct()  # every line
    sous_enveloppes: dict[Code, dict[str, Any]] = Field(default={}, alias="sous-enveloppes")


ENVELOPPE_FORMES = (
    "une enveloppe est un montant, des montants datés {année: montant}, ~ (non renseignée), "
    "ou un ensemble de clés (montant, perimetre, sous-enveloppes)"
)


def build_enveloppes(rs: JeuDeRegles, raw_enveloppes: Mapping[Any, Any], signaler: Signaler) -> dict[str, Enveloppe]:
    """The ``enveloppes`` section: financeur → :class:`Enveloppe` (short form or long form, ``docs/regles.md``).

    Short form: an amount, dated amounts or ``~`` (« non renseignée »): every line
    of the financeur counts. Long form: ``montant`` (the same three shapes),
    ``perimetre`` ({nature, cpo}) and ``sous-enveloppes`` (code → {nom, montant,
    perimetre}). An enveloppe with a problem is left out, after signalling it.
    """
    out: dict[str, Enveloppe] = {}
    for code, raw in raw_enveloppes.items():
        path = ("enveloppes", code)
        if code not in rs.financeurs:
            signaler(path, f"financeur inconnu « {short(code)} » ; codes connus : {', '.join(rs.financeurs)}")
            continue
        if isinstance(raw, dict) and any(isinstance(k, str) for k in raw):
            enveloppe = _enveloppe_longue(code, raw, path, signaler)
        else:
            ok, montant = _montant_enveloppe(path, raw, signaler)
            enveloppe = Enveloppe(code, montant) if ok else None
        if enveloppe is not None:
            out[code] = enveloppe
    return out


def _enveloppe_longue(code: str, raw: dict[Any, Any], path: tuple, signaler: Signaler) -> Enveloppe | None:
    try:
        forme = _EnveloppeLongue.model_validate(raw)
    except ValidationError as exc:
        report_validation(exc, path, _EnveloppeLongue, signaler)
        return None
    ok, montant = _montant_enveloppe(path + ("montant",), forme.montant, signaler)
    sous: dict[str, SousEnveloppe] = {}
    for scode, sraw in forme.sous_enveloppes.items():
        spath = path + ("sous-enveloppes", scode)
        try:
            brute = _SousEnveloppeBrute.model_validate(sraw)
        except ValidationError as exc:
            report_validation(exc, spath, _SousEnveloppeBrute, signaler)
            ok = False
            continue
        good, smontant = _montant_enveloppe(spath + ("montant",), brute.montant, signaler)
        ok = ok and good
        sous[scode] = SousEnveloppe(scode, brute.nom, smontant, brute.perimetre.en_clair())
    return Enveloppe(code, montant, forme.perimetre.en_clair(), sous) if ok else None


def _montant_enveloppe(path: tuple, raw: Any, signaler: Signaler) -> tuple[bool, Dated[Decimal | None] | None]:
    """(ok, the amount): an amount, dated amounts ``{année: montant}`` or ``~`` (None: « non renseignée »)."""
    if raw is None:
        return True, None
    if isinstance(raw, dict) and not is_dated(raw):
        signaler(
            path,
            "un montant, des montants datés {année: montant} ou ~ (non renseignée)"
            if path[-1] == "montant"
            else ENVELOPPE_FORMES,
        )
        return False, None
    dated = Dated.of(raw)
    ok = not year_problems(path, dated, signaler)
    for year, value in dated.values:
        where = path if year is ALWAYS else path + (year,)
        if value is None:
            continue
        try:
            parse_amount(value)
        except AmountError as exc:
            signaler(where, str(exc))
            ok = False
    if not ok:
        return False, None
    return True, Dated(tuple((y, None if v is None else parse_amount(v)) for y, v in dated.values))


def year_problems(path: tuple, dated: Dated[Any], signaler: Signaler) -> int:
    """Signal each year of a dated value outside the accepted years (``-1``, ``9999``…); their number."""
    problems = 0
    for year in dated.years():
        reason = annee_invalide(year)
        if reason is not None:
            signaler(path + (year,), reason)
            problems += 1
    return problems


def build_quartiers(raw_quartiers: Any, signaler: Signaler) -> dict[str, QuartierDef] | None:
    """A ``quartiers`` section (code → {nom, statut}) checked as in a rules file; None when invalid."""
    if isinstance(raw_quartiers, dict) and HORS_QPV in raw_quartiers:
        signaler(("quartiers", HORS_QPV), HORS_QPV_RESERVE)
        return None
    try:
        return valeur_simple(TypeAdapter(_Quartiers).validate_python(raw_quartiers))
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err.get("loc", ()))
            known = known_keys(modeles.QuartierDef, loc[1:]) if len(loc) > 1 else ()
            signaler(("quartiers", *loc), message_fr(dict(err), known))
        return None


def report_validation(exc: ValidationError, prefix: tuple, model: Any, signaler: Signaler) -> None:
    """Each error of a pydantic validation, in French, at ``prefix`` + its location."""
    for err in exc.errors(include_url=False):
        loc = prefix + tuple(err.get("loc", ()))
        known = known_keys(model, tuple(err.get("loc", ()))) if model is not None else ()
        signaler(loc, message_fr(dict(err), known))


def build_rules(rs: JeuDeRegles, section: str, raw_rules: Mapping[Any, Any], signaler: Signaler) -> dict[str, Regle]:
    """The rules of a ``regles`` or ``programmation`` section, checked against the référentiels of ``rs``.

    Used by the rules loader and by the test files that declare their own rules
    (``cdv regles tester``): the same checks, the same French messages. Each
    problem goes to ``signaler`` with the path of its key, ``(section, id, …)``;
    a rule with a problem is left out of the result.
    """
    out: dict[str, Regle] = {}
    for rule_id, raw in raw_rules.items():
        path = (section, rule_id)
        if not isinstance(rule_id, str) or not _id_ok(rule_id):
            signaler(path, f"identifiant de règle « {short(rule_id)} » invalide (minuscules, chiffres et tirets)")
            continue
        if not isinstance(raw, dict):
            signaler(path, "une règle est un ensemble de clés (type, gravite, source, paramètres…)")
            continue
        rule = build_rule(rs, section, rule_id, raw, signaler)
        if rule is not None:
            out[rule_id] = rule
    return out


def build_rule(rs: JeuDeRegles, section: str, rule_id: str, raw: dict[str, Any], signaler: Signaler) -> Regle | None:
    """One rule of section ``regles`` (a dossier kind) or ``programmation`` (a programmation kind), or None."""
    path = (section, rule_id)
    problems = 0

    def problem(where: tuple, message: str) -> None:
        nonlocal problems
        problems += 1
        signaler(where, message)

    type_name = raw.get("type")
    portee: Portee = "programmation" if section == "programmation" else "dossier"
    registry = kinds.registry(portee)
    kind = registry.get(type_name) if isinstance(type_name, str) else None
    if type_name is None:
        problem(path, "clé « type » manquante (le genre de règle)")
    elif kind is None:
        hint = suggest(type_name, registry)
        problem(
            path + ("type",),
            f"genre de règle inconnu « {short(type_name)} »{hint} ; genres connus : {', '.join(registry)}",
        )
    if section == "programmation" and "si" in raw:
        problem(path + ("si",), SI_PROGRAMMATION)
    gravite = raw.get("gravite")
    if gravite not in GRAVITES:
        problem(
            path + ("gravite",),
            f"gravité « {short(gravite)} » invalide ; valeurs possibles : {', '.join(GRAVITES)}"
            if gravite is not None
            else "clé « gravite » manquante (bloquant, avertissement ou information)",
        )
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        problem(path + ("source",), "clé « source » manquante ou vide : citer la phrase du contrat dont vient la règle")
    for key in ("titre", "description", "conseil"):
        if key in raw and not isinstance(raw[key], str):
            problem(path + (key,), "doit être un texte")
    condition: Condition | None = Condition()
    if "si" in raw:
        condition = build_condition(rs, raw["si"], path + ("si",), problem)
    params = {k: v for k, v in raw.items() if k not in RULE_KEYS}
    if kind is not None:
        check_parameters(rs, path, kind, params, problem)
    if problems or kind is None or condition is None or not isinstance(source, str):
        return None
    return Regle(
        id=rule_id,
        type=kind.TYPE,
        kind=kind,
        gravite=cast(Gravite, gravite),
        source=source.strip(),
        condition=condition,
        parametres_bruts={k: Dated.of(v) for k, v in params.items()},
        titre=raw.get("titre"),
        description=raw.get("description"),
        conseil=raw.get("conseil"),
    )


def build_condition(rs: JeuDeRegles, raw: Any, path: tuple, signaler: Signaler) -> Condition | None:
    """The ``si:`` of a dossier rule (``~`` is no condition), or None after signalling its problems."""
    try:
        return modeles.Condition.model_validate(raw if raw is not None else {}, context={"regles": rs}).en_clair()
    except ValidationError as exc:
        report_validation(exc, path, modeles.Condition, signaler)
        return None


def check_parameters(rs: JeuDeRegles, path: tuple, kind: RuleKind, params: dict[str, Any], signaler: Signaler) -> None:
    """Signal unknown parameters of a kind, then every value its ``Parametres`` refuses (each year)."""
    model = kind.Parametres
    known = {(f.alias or n) for n, f in model.model_fields.items()}
    dated = {k: Dated.of(v) for k, v in params.items()}
    for k in params:
        if k not in known:
            hint = suggest(k, sorted(known | set(RULE_KEYS)))
            signaler(path + (k,), f"paramètre inconnu « {short(k)} » pour le genre {kind.TYPE}{hint}")
    if any(k not in known for k in params):
        return
    seen: set[str] = set()
    for problem in parameter_problems(model, dated, rs):
        where = path + problem.chemin
        key = f"{where}{problem.message}"
        if key not in seen:
            seen.add(key)
            signaler(where, problem.message)


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
    2026; an error names the year its value applies from. A year outside the
    accepted years (``-1``, ``9999``) is an error of its own. Used by the rules
    loader and by the test cases' what-if overrides alike.
    """
    known = sorted((f.alias or n) for n, f in model.model_fields.items())
    wrong_years = [(key, y, why) for key, d in bruts.items() for y in d.years() if (why := annee_invalide(y))]
    for key, wrong, why in wrong_years:  # -1, 9999: refused, never taken for another year or for « undated »
        yield ParameterProblem(key, (key, wrong), why)
    if wrong_years:
        return
    years = sorted({y for d in bruts.values() for y in d.years()}) or [ANNEE_MIN]  # undated: any year will do
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
                yield ParameterProblem(name, where + loc[1:], message_fr(dict(err), known))


def _id_ok(rule_id: str) -> bool:
    return _ID_RE.fullmatch(rule_id) is not None


_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
