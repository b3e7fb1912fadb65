"""Checks of a rule set beyond loading it, for ``cdv regles verifier``.

:func:`cdv_prog.regles.load_rules` already refuses what would make the rules
unusable (schema, unknown kinds, ill-typed parameters, unknown financeur or
quartier codes in parameters and ``si``, malformed dated values, duplicate ids
and keys, missing ``source``). This module adds what a rules author wants to
know before the appel à projets opens, each finding with file, line and key:

* ``erreur`` — a required document (``pieces`` parameter) that the rule set's
  ``pieces`` référentiel does not declare: a typo would make every dossier fail;
* ``avertissement`` — a dated value whose year lies outside the contract period;
* ``information`` — a rule or enveloppe that has no value for the first years of
  the period (so it is sans objet / non renseignée then), a rule without ``titre``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cdv_prog.core.dated import Dated
from cdv_prog.core.findings import RuleProblem, format_path
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.loader import Loaded, LoadFailed, load_yaml_file

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
        if enveloppe is not None:
            dated_checks(("enveloppes", code), enveloppe, f"l'enveloppe « {code} »", "non renseignée")

    for section, rules in (("regles", rs.regles), ("programmation", rs.programmation)):
        for rule_id, regle in rules.items():
            path = (section, rule_id)
            if not regle.titre:
                add("information", path, "pas de « titre » : la documentation affichera seulement l'identifiant")
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
                                    f"pièce inconnue « {piece} » ; pièces du référentiel : {', '.join(rs.pieces)}",
                                )
    order = {n: i for i, n in enumerate(NIVEAUX)}
    return sorted(out, key=lambda f: (order[f.niveau], f.fichier, f.ligne or 0))


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


def verifier(target: Path, shown: str | None = None) -> Verification:
    """Load and lint the rules at ``target``: never raises for bad rules, reports them."""
    from cdv_prog.core.ruleset import RulesError
    from cdv_prog.files.rules import load_rules

    chemin = shown if shown is not None else str(target)
    try:
        regles = load_rules(target)
    except RulesError as exc:
        return Verification(
            chemin, None, [Finding(p.fichier, p.ligne, p.champ, p.message, "erreur") for p in exc.problems]
        )
    return Verification(chemin, regles, lint(regles, target, chemin))
