"""Cells → dossier values, with the mapping's label tables and the rule set's référentiels.

:class:`Conversion` is the mapping made ready for use: label resolvers (exact
names first, then the rule set's own codes and names, then patterns in the
declared order) and the default values already checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.core.vocab import HORS_QPV, TYPES_PORTEUR
from cdv_prog.importer import cellules
from cdv_prog.importer.cellules import CelluleInvalide
from cdv_prog.importer.correspondance import (
    CHAMPS,
    LONGUEUR_LIBELLE,
    Chargee,
    CorrespondanceInvalide,
    Table,
    problem,
)
from cdv_prog.importer.texte import court, simplifie

MAX_LIBELLE = LONGUEUR_LIBELLE  # a label is compared on its first characters only: every search stays short


class Resolveur:
    """One label table: a label as people write it → a code, or None."""

    def __init__(self, table: Table, interne: dict[str, str]):
        self.noms = {simplifie(k): v for k, v in table.noms.items()}
        self.interne = interne
        self.motifs = [(re.compile(m.motif, re.IGNORECASE), m.code) for m in table.motifs]
        self._cache: dict[str, tuple[str, ...]] = {}

    def exact(self, label: str) -> str | None:
        """The code of a label known by its name (the mapping's names, then the rule set's), or None."""
        simple = simplifie(label.strip()[:MAX_LIBELLE])
        return self.noms.get(simple) or self.interne.get(simple)

    def candidats(self, label: str) -> tuple[str, ...]:
        """The code of a known name; else every code whose patterns match, in the patterns' order."""
        raw = label.strip()[:MAX_LIBELLE]  # the cache's keys are bounded too
        if raw in self._cache:
            return self._cache[raw]
        found = self.exact(raw)
        if found is not None:
            codes: tuple[str, ...] = (found,)
        else:
            simple = simplifie(raw)
            matched: list[str] = []
            for rx, code in self.motifs:
                if code not in matched and (rx.search(raw) or rx.search(simple)):
                    matched.append(code)
            codes = tuple(matched)
        if len(self._cache) < 10000:
            self._cache[raw] = codes
        return codes

    def code(self, label: str) -> str | None:
        """The code of a label: its known name, else the first matching pattern (None when unknown)."""
        codes = self.candidats(label)
        return codes[0] if codes else None


def _interne(pairs: dict[str, list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, labels in pairs.items():
        for label in labels:
            if label:
                out.setdefault(simplifie(label), code)
    return out


class Conversion:
    def __init__(self, chargee: Chargee, regles: JeuDeRegles):
        self.chargee = chargee
        corr = chargee.correspondance
        self.regles = regles
        self.separateurs = tuple(corr.separateurs)
        objectifs = {code: nom for d in regles.defis.values() for code, nom in d.objectifs.items()}
        quartiers = {code: [code, q.nom] for code, q in regles.quartiers.items()}
        quartiers[HORS_QPV] = [HORS_QPV, "hors QPV"]
        self.connus: dict[str, list[str]] = {
            "financeurs": list(regles.financeurs),
            "quartiers": list(quartiers),
            "defis": list(regles.defis),
            "objectifs": list(objectifs),
            "axes": list(regles.axes),
            "pieces": list(regles.pieces),
            "types-porteur": list(TYPES_PORTEUR),
        }
        interne = {
            "financeurs": _interne({c: [c, f.sigle or "", f.nom] for c, f in regles.financeurs.items()}),
            "quartiers": _interne(quartiers),
            "defis": _interne({c: [c, d.nom] for c, d in regles.defis.items()}),
            "objectifs": _interne({c: [c, n] for c, n in objectifs.items()}),
            "axes": _interne({c: [c, n] for c, n in regles.axes.items()}),
            "pieces": _interne({c: [c, n] for c, n in regles.pieces.items()}),
            "types-porteur": _interne({t: [t] for t in TYPES_PORTEUR}),
        }
        problemes: list[str] = []
        self.resolveurs: dict[str, Resolveur] = {}
        for section, table in (
            ("financeurs", corr.financeurs),
            ("quartiers", corr.quartiers),
            ("defis", corr.defis),
            ("objectifs", corr.objectifs),
            ("axes", corr.axes),
            ("pieces", corr.pieces),
            ("types-porteur", corr.types_porteur),
        ):
            problemes += self._check_table(section, table)
            self.resolveurs[section] = Resolveur(table, interne[section])
        if problemes:
            raise CorrespondanceInvalide(problemes)
        self.defauts: dict[str, Any] = {}
        for champ in CHAMPS:
            if champ == "id":
                continue
            value = corr.valeur(champ)
            if value is None:
                continue
            try:
                self.defauts[champ] = self.lire(champ, value)
            except CelluleInvalide as exc:
                problemes.append(problem(chargee, ("valeurs", champ), str(exc)))
        if problemes:
            raise CorrespondanceInvalide(problemes)

    def _check_table(self, section: str, table: Table) -> list[str]:
        known = self.connus[section]
        out = []
        seen: dict[str, tuple[str, str]] = {}
        for label, code in table.noms.items():
            if code not in known:
                out.append(
                    problem(
                        self.chargee,
                        (section, "noms", label),
                        f"code « {code} » inconnu ; codes connus : {', '.join(known)}",
                    )
                )
            simple = simplifie(label)
            if simple in seen and seen[simple][1] != code:
                other = seen[simple][0]
                out.append(
                    problem(
                        self.chargee,
                        (section, "noms", label),
                        f"« {label} » et « {other} » se lisent pareil mais donnent des codes différents",
                    )
                )
            seen.setdefault(simple, (label, code))
        for i, motif in enumerate(table.motifs):
            if motif.code not in known:
                out.append(
                    problem(
                        self.chargee,
                        (section, "motifs", i, "code"),
                        f"code « {motif.code} » inconnu ; codes connus : {', '.join(known)}",
                    )
                )
        return out

    # ----------------------------------------------------------------- values

    def lire(self, champ: str, value: Any) -> Any:
        """The typed value of ``champ`` from a non-empty cell (or a default). Raises CelluleInvalide."""
        kind = CHAMPS[champ]
        reader = _READERS[kind]
        return reader(self, value)

    def code(self, section: str, value: Any, quoi: str) -> str:
        text = cellules.texte(value)
        found = self.resolveurs[section].code(text)
        if found is None:
            raise CelluleInvalide(
                f"{quoi} inconnu « {court(text)} » : ajoutez ce libellé à la correspondance "
                f"(section {section}, noms ou motifs) ; codes possibles : {', '.join(self.connus[section])}",
                "libelle-inconnu",
            )
        return found

    def codes(self, section: str, value: Any, quoi: str) -> list[str]:
        """A list cell's codes: a label known whole is one item, else the items between separators.

        An item that matches the patterns of several codes is refused (it likely
        names several values without a separator): never reduced to the first.
        """
        if isinstance(value, list):
            items = value
        else:
            text = cellules.texte(value)
            whole = self.resolveurs[section].exact(text)
            items = [text] if whole is not None else cellules.elements(value, self.separateurs)
        out: list[str] = []
        for item in items:
            text = cellules.texte(item)
            found = self.resolveurs[section].candidats(text)
            if len(found) > 1:
                raise CelluleInvalide(
                    f"{quoi} « {court(text)} » : correspond à plusieurs codes ({', '.join(found)}) ; séparez-les "
                    f"par « ; » dans la cellule, ou ajoutez ce libellé à la correspondance (section {section}, noms)",
                    "libelle-ambigu",
                )
            code = self.code(section, item, quoi)
            if code not in out:
                out.append(code)
        return out


def _siret(conv: Conversion, value: Any) -> str:
    cellules.texte(value)  # formula / error checks
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "".join(str(value).split()) if not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{14}", text):
        hint = (
            " (cellule numérique : un zéro initial a-t-il été perdu ? mettez la cellule au format texte)"
            if isinstance(value, int) and len(text) < 14
            else ""
        )
        raise CelluleInvalide(f"SIRET « {court(value, 30)} » : 14 chiffres attendus{hint}")
    return text


_READERS: dict[str, Callable[[Conversion, Any], Any]] = {
    "numero": lambda c, v: cellules.numero(v),
    "exercice": lambda c, v: cellules.entier(v, "exercice (année)"),
    "texte": lambda c, v: cellules.texte(v),
    "type-porteur": lambda c, v: c.code("types-porteur", v, "type de porteur"),
    "siret": _siret,
    "defi": lambda c, v: c.code("defis", v, "défi"),
    "objectif": lambda c, v: c.code("objectifs", v, "objectif"),
    "axes": lambda c, v: c.codes("axes", v, "axe transversal"),
    "quartiers": lambda c, v: c.codes("quartiers", v, "quartier"),
    "pieces": lambda c, v: c.codes("pieces", v, "pièce"),
    "date": lambda c, v: cellules.date(v),
    "booleen": lambda c, v: cellules.booleen(v),
    "annees": lambda c, v: cellules.annees(v, c.separateurs),
    "montant": lambda c, v: cellules.montant(v),
    "financeur": lambda c, v: c.code("financeurs", v, "financeur"),
    "financeurs": lambda c, v: c.codes("financeurs", v, "financeur"),
}
