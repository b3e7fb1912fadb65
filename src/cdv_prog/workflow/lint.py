"""Checks of a rule set beyond loading it, for ``cdv regles verifier``.

:func:`cdv_prog.regles.load_rules` already refuses what would make the rules
unusable (schema, unknown kinds, ill-typed parameters, unknown financeur or
quartier codes in parameters and ``si``, malformed dated values, duplicate ids
and keys, missing ``source``). This module adds what a rules author wants to
know before the appel à projets opens, each finding with file, line and key:

* ``erreur`` — a required document (``pieces`` parameter) that the rule set's
  ``pieces`` référentiel does not declare: a typo would make every dossier fail;
  a sous-enveloppe whose périmètre is not narrower than its enveloppe's, or
  whose amount exceeds its enveloppe's for some year of the period (an
  unknown key of a ``perimetre`` is refused when loading);
* ``avertissement`` — a dated value whose year lies outside the contract period;
  a figure in a rule's ``titre`` (« Plancher de 500 € ») that its parameters
  contradict for some year of the period (:func:`stale_title`);
* ``information`` — a rule or enveloppe that has no value for the first years of
  the period (so it is sans objet / non renseignée then), a rule without ``titre``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from cdv_prog.core.champs import valider_montant
from cdv_prog.core.dated import Dated, annee_invalide
from cdv_prog.core.findings import RuleProblem, format_path
from cdv_prog.core.money import euros, percent
from cdv_prog.core.ruleset import TOUT, Enveloppe, JeuDeRegles, Regle, SousEnveloppe
from cdv_prog.core.texte import short
from cdv_prog.files.loader import Loaded, LoadFailed, load_yaml_file
from cdv_prog.kinds.parametres.base import valider_fraction

if TYPE_CHECKING:
    from collections.abc import Sequence

Niveau = Literal["erreur", "avertissement", "information"]
NIVEAUX: tuple[Niveau, ...] = ("erreur", "avertissement", "information")


@dataclass(frozen=True)
class Finding(RuleProblem):
    """A problem of the rules (file, line, key, message) with its level."""

    niveau: Niveau = "erreur"

    def to_dict(self) -> dict[str, Any]:
        return {"niveau": self.niveau, **super().to_dict()}


class _Locator:
    """File and line of a path such as ``("regles", "plancher-financeur", "minimum", 2026)``."""

    def __init__(self, rs: JeuDeRegles, root: Path, shown_root: str):
        self.files: list[tuple[str, Loaded]] = []
        for file in rs.fichiers:
            shown = str(Path(shown_root) / file.name) if root.is_dir() else shown_root
            try:
                self.files.append((shown, load_yaml_file(file)))
            except (LoadFailed, OSError):  # it loaded a moment ago; keep going without lines
                continue
        self.default = self.files[0][0] if self.files else shown_root

    def __call__(self, path: tuple) -> tuple[str, int | None]:
        for shown, loaded in self.files:
            if tuple(path[:2]) in loaded.lines:
                return shown, loaded.line_of(path)
        return self.default, None


def lint(rs: JeuDeRegles, root: Path, shown_root: str | None = None) -> list[Finding]:
    """Findings about a loaded rule set: errors first, then warnings, then information, by file and line."""
    locate = _Locator(rs, root, shown_root if shown_root is not None else str(root))
    first, last = rs.contrat.periode
    out: list[Finding] = []

    def add(niveau: Niveau, path: tuple, message: str) -> None:
        fichier, ligne = locate(path)
        out.append(Finding(fichier, ligne, format_path(path), message, niveau))

    def dated_checks(path: tuple, dated: Dated[object], what: str, absent: str) -> None:
        for year in dated.years():
            if not first <= year <= last:
                add(
                    "avertissement",
                    path + (year,),
                    f"année {year} hors de la période du contrat ({first}-{last}) : faute de frappe ?",
                )
        years = dated.years()
        if years and years[0] > first:
            before = f"{first}" if years[0] - 1 == first else f"{first}-{years[0] - 1}"
            add("information", path, f"aucune valeur de {what} avant {years[0]} : {absent} pour {before}")

    for code, enveloppe in rs.enveloppes.items():
        path = ("enveloppes", code) + (("montant",) if enveloppe.perimetre != TOUT or enveloppe.sous_enveloppes else ())
        if enveloppe.montant is not None:
            dated_checks(path, enveloppe.montant, f"l'enveloppe « {code} »", "non renseignée")
        for sous in enveloppe.sous_enveloppes.values():
            spath = ("enveloppes", code, "sous-enveloppes", sous.code)
            if sous.montant is not None:
                dated_checks(spath + ("montant",), sous.montant, f"la sous-enveloppe « {sous.code} »", "non renseignée")
            for message in sous_enveloppe_problems(enveloppe, sous, first, last):
                add("erreur", spath, message)

    for section, rules in (("regles", rs.regles), ("programmation", rs.programmation)):
        for rule_id, regle in rules.items():
            path = (section, rule_id)
            if not regle.titre:
                add("information", path, "pas de « titre » : la documentation affichera seulement l'identifiant")
            for message in stale_title(regle, rs):
                add("avertissement", path + ("titre",), message)
            for name, dated in regle.parametres_bruts.items():
                dated_checks(path + (name,), dated, f"« {name} »", "la règle est sans objet")
                if name == "pieces" and rs.pieces:
                    for year, value in dated.values:
                        for i, piece in enumerate(value if isinstance(value, list) else []):
                            if isinstance(piece, str) and piece not in rs.pieces:
                                where = path + (name,) + ((year,) if dated.is_dated else ()) + (i,)
                                add(
                                    "erreur",
                                    where,
                                    f"pièce inconnue « {short(piece)} » ; pièces du référentiel : {', '.join(rs.pieces)}",
                                )
    order = {n: i for i, n in enumerate(NIVEAUX)}
    return sorted(out, key=lambda f: (order[f.niveau], f.fichier, f.ligne or 0))


def sous_enveloppe_problems(enveloppe: Enveloppe, sous: SousEnveloppe, first: int, last: int) -> list[str]:
    """A sous-enveloppe is a part of its enveloppe: a narrower périmètre, never a larger amount."""
    out = []
    if not sous.perimetre.plus_etroit(enveloppe.perimetre):
        out.append(
            f"le périmètre de la sous-enveloppe ({sous.perimetre.texte()}) n'est pas plus étroit que celui de "
            f"son enveloppe ({enveloppe.perimetre.texte()}) : une sous-enveloppe compte une partie des lignes "
            "de l'enveloppe (garder ses clés, en ajouter une)"
        )
    trop: list[tuple[int, Decimal, Decimal]] = []
    for year in range(first, last + 1):
        a, b = sous.at(year), enveloppe.at(year)
        if a is not None and b is not None and a > b:
            trop.append((year, a, b))
    if trop:
        spans: list[list[int]] = []
        for year, _, _ in trop:
            if spans and spans[-1][1] == year - 1:
                spans[-1][1] = year
            else:
                spans.append([year, year])
        when = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)
        year, a, b = trop[0]
        out.append(
            f"la sous-enveloppe dépasse son enveloppe en {when} ({euros(a)} pour {euros(b)} en {year}) : "
            "une sous-enveloppe est une part de l'enveloppe"
        )
    return out


# --------------------------------------------------------------------------- figures in titles

_AMOUNT = re.compile(r"(?<![\d,.])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(\d{1,2}))?\s*(?:€|euros?\b)")
_PERCENT = re.compile(r"(?<![\d,.])(\d+(?:[.,]\d+)?)\s*%")
_INTEGER = re.compile(r"(?<![\w,.])\d{1,9}(?![\w,.])")

Nature = Literal["montant", "fraction", "entier"]


def title_figures(titre: str) -> list[tuple[Nature, str, Decimal]]:
    """The figures a title states: amounts in euros, percentages (as fractions), plain integers (not years)."""
    out: list[tuple[Nature, str, Decimal]] = []
    for m in _AMOUNT.finditer(titre):
        whole = re.sub(r"\s", "", m.group(1))
        out.append(("montant", m.group(0).strip(), Decimal(f"{whole}.{m.group(2)}" if m.group(2) else whole)))
    rest = _AMOUNT.sub(" ", titre)
    for m in _PERCENT.finditer(rest):
        out.append(("fraction", m.group(0), Decimal(m.group(1).replace(",", ".")) / 100))
    rest = _PERCENT.sub(" ", rest)
    for m in _INTEGER.finditer(rest):
        if len(m.group(0)) == 4 and annee_invalide(int(m.group(0))) is None:
            continue  # « depuis 2024 »: a year, not a parameter
        out.append(("entier", m.group(0), Decimal(m.group(0))))
    return out


def _nature(model: type[BaseModel], name: str) -> Nature | None:
    """Whether a kind's parameter is an amount, a fraction or an integer (the figures a title may state)."""
    field = model.model_fields[name]
    for meta in field.metadata:
        func = getattr(meta, "func", None)
        if func is valider_montant:
            return "montant"
        if func is valider_fraction:
            return "fraction"
    return "entier" if field.annotation is int else None


def _shown(nature: Nature, value: Decimal) -> str:
    return euros(value) if nature == "montant" else percent(value) if nature == "fraction" else str(value)


def stale_title(regle: Regle, rs: JeuDeRegles) -> list[str]:
    """A message for each figure of the rule's title that some year of the contract period contradicts.

    « Plancher de 500 € » on ``minimum: {2024: 500, 2026: 1000}`` → the title
    announces 500 € but ``minimum`` is 1 000 € in 2026-2030. A figure is compared
    with the parameters of its nature only (amounts, fractions, integers), with
    their defaults; with no such parameter, there is nothing to compare.
    """
    figures = title_figures(regle.titre or "")
    if not figures:
        return []
    model = regle.kind.Parametres
    natures = {name: _nature(model, name) for name in model.model_fields}
    first, last = rs.contrat.periode
    by_year: dict[int, dict[Nature, list[tuple[str, Decimal]]]] = {}
    for year in range(first, last + 1):
        params, _ = regle.parametres(year, rs)
        if params is None:
            continue  # no value this year: the rule is sans objet, the title says nothing false
        values: dict[Nature, list[tuple[str, Decimal]]] = {}
        for name, nature in natures.items():
            value = getattr(params, name)
            if nature is not None and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                alias = model.model_fields[name].alias or name
                values.setdefault(nature, []).append((alias, Decimal(value)))
        by_year[year] = values
    out = []
    for nature, text, figure in figures:
        wrong = [
            (year, tuple(in_force[nature]))
            for year, in_force in by_year.items()
            if in_force.get(nature) and all(v != figure for _, v in in_force[nature])
        ]
        if not wrong:
            continue
        spans: list[list[Any]] = []  # [first year, last year, the values]
        for year, said_values in wrong:
            if spans and spans[-1][1] == year - 1 and spans[-1][2] == said_values:
                spans[-1][1] = year
            else:
                spans.append([year, year, said_values])
        said = " ; ".join(
            " et ".join(f"« {alias} » vaut {_shown(nature, v)}" for alias, v in span_values)
            + (f" en {a}" if a == b else f" en {a}-{b}")
            for a, b, span_values in spans
        )
        out.append(f"le titre annonce « {text} », mais {said} : titre à mettre à jour ?")
    return out


@dataclass
class Verification:
    """What ``cdv regles verifier`` found: the rule set (when it loads) and every finding."""

    chemin: str
    regles: JeuDeRegles | None
    problemes: list[Finding]

    @property
    def erreurs(self) -> list[Finding]:
        return [f for f in self.problemes if f.niveau == "erreur"]

    @property
    def valide(self) -> bool:
        return self.regles is not None and not self.erreurs

    @property
    def compte(self) -> dict[str, int]:
        rs = self.regles
        if rs is None:
            return {}
        return {
            "regles": len(rs.regles),
            "programmation": len(rs.programmation),
            "financeurs": len(rs.financeurs),
            "quartiers": len(rs.quartiers),
            "defis": len(rs.defis),
            "enveloppes": len(rs.enveloppes),
        }

    @property
    def resume(self) -> str:
        """``14 règles, 2 règles de programmation, 13 financeurs… (rules : contrat.yaml, …)``."""
        if self.regles is None:
            return ""
        n = self.compte
        parts = [f"{n['regles']} règles"]
        if n["programmation"]:
            parts.append(f"{n['programmation']} règles de programmation")
        parts += [
            f"{n['financeurs']} financeurs",
            f"{n['quartiers']} quartiers",
            f"{n['defis']} défis",
            f"{n['enveloppes']} enveloppes",
        ]
        files = ", ".join(f.name for f in self.regles.fichiers)
        return ", ".join(parts) + f" ({self.chemin} : {files})"


def verifier(target: Path, shown: str | None = None, dossiers: Sequence[Path] | None = None) -> Verification:
    """Load and lint the rules at ``target``: never raises for bad rules, reports them.

    ``dossiers``: files of a real batch, against which the dérogations are checked
    (:mod:`cdv_prog.workflow.derogations`).
    """
    from cdv_prog.core.ruleset import RulesError
    from cdv_prog.files.rules import load_rules

    chemin = shown if shown is not None else str(target)
    try:
        regles = load_rules(target)
    except RulesError as exc:
        return Verification(
            chemin, None, [Finding(p.fichier, p.ligne, p.champ, p.message, "erreur") for p in exc.problems]
        )
    from cdv_prog.workflow import derogations

    reports = None
    if dossiers is not None:
        from cdv_prog.files.dossiers import check_files

        reports = list(check_files(dossiers, regles))
    found = lint(regles, target, chemin) + derogations.constats(regles, reports)
    order = {niveau: i for i, niveau in enumerate(NIVEAUX)}
    return Verification(chemin, regles, sorted(found, key=lambda f: (order[f.niveau], f.fichier, f.ligne or 0)))
