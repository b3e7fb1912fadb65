"""Rows → dossier data, for both layouts.

* ``par-action``: one row per action, one column per financeur holding the
  amount requested;
* ``par-financement``: one row per (action, financeur) line — the action's
  columns repeated, the financeur's label, the amount requested and, where
  present, the amount proposed or voted (``accorde``) — grouped by action
  number in order of first appearance.

Each action becomes an :class:`ActionImportee`: the dossier data in the model's
order, where each value came from (row, column), and the problems found. An
action with a problem is not written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cdv_prog.importer import cellules
from cdv_prog.importer.cellules import CelluleInvalide, FormuleSansValeur, vide
from cdv_prog.importer.champs import CHAMPS_DOSSIER, LIGNES, Champ
from cdv_prog.importer.conversion import Conversion
from cdv_prog.importer.correspondance import CHAMPS, CHAMPS_ACTION, OBLIGATOIRES, Correspondance
from cdv_prog.importer.entetes import Plan
from cdv_prog.importer.tableur import Feuille
from cdv_prog.importer.texte import court, lettre_colonne, neutralise, plages, simplifie

LIBELLES = {
    "id": "numéro d'action",
    "intitule": "intitulé",
    "porteur.nom": "nom du porteur",
    "action.defi": "défi",
    "action.quartiers": "quartier",
    "action.debut": "date de début",
    "action.fin": "date de fin",
    "budget.total": "budget total",
    "financement.financeur": "financeur",
    "financement.montant": "montant demandé",
}


@dataclass(frozen=True)
class Probleme:
    """A reason an action (or a row) is not imported, with where it is in the sheet.

    ``champ`` is the dossier field concerned (``action.fin``,
    ``financements[1].montant``…) when there is one; ``nature`` a stable code
    for the kind of problem (``valeur-invalide``, ``libelle-inconnu``,
    ``formule-sans-valeur``, ``numero-manquant``, ``valeur-manquante``,
    ``doublon``, ``valeurs-differentes``, ``sans-financement``,
    ``dossier-invalide``, ``fichier-existant``, ``ecriture``…).
    """

    fichier: str
    feuille: str | None
    ligne: int | None
    colonne: int | None
    entete: str | None
    message: str
    champ: str | None = None
    nature: str = "valeur-invalide"

    def __str__(self) -> str:
        parts = [self.fichier]
        if self.feuille is not None:
            parts.append(f"feuille « {self.feuille} »")
        if self.ligne is not None:
            parts.append(f"ligne {self.ligne}")
        if self.colonne is not None:
            col = f"colonne {lettre_colonne(self.colonne)}"
            if self.entete:
                col += f" (« {court(self.entete, 40)} »)"
            parts.append(col)
        return neutralise(", ".join(parts) + f" : {self.message}")  # a file or sheet name may hold control characters


@dataclass(frozen=True)
class Origine:
    ligne: int  # list index of the row
    colonne: int | None  # None: value from the mapping's defaults


@dataclass
class ActionImportee:
    id: str | None
    lignes: list[int]  # list indices of the rows it comes from
    donnees: dict[str, Any] = field(default_factory=dict)
    origines: dict[str, Origine] = field(default_factory=dict)  # "action.fin", "financements[0].montant" → origin
    problemes: list[Probleme] = field(default_factory=list)


@dataclass
class Lecture:
    actions: list[ActionImportee]
    autres_exercices: int = 0  # rows left aside because their exercice column names another year
    avis: list[str] = field(default_factory=list)  # what was left aside or decided, one French line each


# A total row's label, simplified: « Total », « TOTAL GÉNÉRAL », « Sous-total Grandir », « Totaux ».
_TOTAL = re.compile(r"^(sous )?(total|totaux)\b")


class _ActionsBuilder:
    def __init__(self, feuille: Feuille, plan: Plan, conv: Conversion, corr: Correspondance, exercice: int):
        self.feuille = feuille
        self.plan = plan
        self.conv = conv
        self.corr = corr
        self.exercice = exercice

    # ------------------------------------------------------------- helpers

    def probleme(
        self, ligne: int | None, colonne: int | None, message: str, champ: str | None, nature: str
    ) -> Probleme:
        return Probleme(
            self.feuille.fichier,
            self.feuille.nom,
            self.feuille.numero(ligne) if ligne is not None else None,
            colonne,
            self.plan.entetes.get(colonne) if colonne is not None else None,
            message,
            champ,
            nature,
        )

    def cellule(self, ligne: int, champ: str) -> tuple[Any, int | None]:
        """First non-empty cell of the field's columns on this row, and its column."""
        cols = self.plan.champs.get(champ, [])
        for col in cols:
            value = self.feuille.cellule(ligne, col)
            if not vide(value):
                return value, col
        return None, (cols[0] if cols else None)

    def lire(self, ligne: int, champ: str, action: ActionImportee) -> tuple[Any, Origine | None]:
        """Typed value of a field on a row (or the mapping's default); problems go to the action."""
        value, col = self.cellule(ligne, champ)
        if value is None:
            if champ in self.conv.defauts:
                return self.conv.defauts[champ], Origine(ligne, None)
            return None, None
        try:
            return self.conv.lire(champ, value), Origine(ligne, col)
        except CelluleInvalide as exc:
            action.problemes.append(self.probleme(ligne, col, str(exc), champ, exc.nature))
            return None, None

    def repeated_header(self, ligne: int) -> bool:
        """A row that repeats the header (a merged header cell spread down, or headers pasted twice)."""
        row = self.feuille.lignes[ligne]
        header = self.feuille.lignes[self.plan.ligne_entete]
        seen = False
        for col, value in enumerate(row):
            if vide(value) or isinstance(value, FormuleSansValeur):
                continue
            other = header[col] if col < len(header) else None
            if not isinstance(value, str) or not isinstance(other, str) or simplifie(value) != simplifie(other):
                return False
            seen = True
        return seen

    # ------------------------------------------------------------- grouping

    def lignes_par_action(self) -> Lecture:
        lecture = Lecture([])
        groups: dict[str, ActionImportee] = {}
        numeros: dict[str, str] = {}  # id → the action number it was made from
        automatiques: list[tuple[str, str]] = []  # (number, id) given the automatic id, the first ones
        nombre_automatiques = 0
        sums: dict[int, Decimal] = {}  # amount column → sum of its amounts since the header (or the last total)
        ignored: dict[int, _Ignoree] = {}  # column no field reads → its values left aside
        lues = self.plan.colonnes_lues()
        for ligne in range(self.plan.ligne_entete + 1, len(self.feuille.lignes)):
            if not self.feuille.saisies[ligne] or self.repeated_header(ligne):
                continue
            probe = ActionImportee(None, [ligne])
            if "exercice" in self.plan.champs:
                year, _origin = self.lire(ligne, "exercice", probe)
                if year is not None and year != self.exercice:
                    lecture.autres_exercices += 1
                    continue
            value, col = self.cellule(ligne, "id")
            total = self.total(ligne, value, sums)
            if total is not None:
                lecture.avis.append(f"ligne {self.feuille.numero(ligne)} : ligne de total{total} laissée de côté")
                sums.clear()
                continue
            self.add_sums(ligne, sums)
            self.note_ignored(ligne, lues, ignored)
            numero = None
            if value is not None:
                try:
                    numero = self.conv.lire("id", value)
                except CelluleInvalide as exc:
                    probe.problemes.append(self.probleme(ligne, col, str(exc), "id", exc.nature))
            if numero is None:
                if not probe.problemes:
                    probe.problemes.append(
                        self.probleme(
                            ligne,
                            col,
                            "numéro d'action manquant (ligne incomplète ? complétez-la ou supprimez-la)",
                            "id",
                            "numero-manquant",
                        )
                    )
                lecture.actions.append(probe)
                continue
            ident = self.corr.fixe_id(numero, self.exercice)
            if self.corr.id_automatique(numero) and ident not in numeros:
                nombre_automatiques += 1
                if len(automatiques) < 2:
                    automatiques.append((numero, ident))
            first = numeros.setdefault(ident, numero)
            if first != numero:
                probe.problemes.append(
                    self.probleme(
                        ligne,
                        col,
                        f"numéro d'action « {court(numero, 30)} » : même identifiant {ident} que le numéro "
                        f"« {court(first, 30)} » d'une ligne plus haut",
                        "id",
                        "doublon",
                    )
                )
            action = groups.get(ident)
            if action is None:
                action = groups[ident] = ActionImportee(ident, [])
                lecture.actions.append(action)
            action.lignes.append(ligne)
            action.problemes.extend(probe.problemes)
        if automatiques:
            exemples = ", ".join(f"« {n} » → {i}" for n, i in automatiques)
            exemples += "…" if nombre_automatiques > len(automatiques) else ""
            lecture.avis.insert(
                0,
                f"numéros d'action sans préfixe : identifiants CDV-{self.exercice}-NNN ({exemples}) ; pour garder "
                "les numéros tels quels ou choisir un autre format, modele-id dans la correspondance",
            )
        lecture.avis.extend(self.avis_ignored(ignored))
        return lecture

    # ------------------------------------------------------------- totals and columns left aside

    def amount_columns(self) -> list[int]:
        """The columns holding amounts: the financeurs' (par-action) and those of amount fields."""
        cols = [c for c, _code in self.plan.financeurs]
        for champ, found in self.plan.champs.items():
            if CHAMPS.get(champ) == "montant":
                cols.extend(found)
        return cols

    def amount(self, ligne: int, col: int) -> Decimal | None:
        """The amount of a cell as a total row is checked (a float sum rounded to the cent), or None."""
        value = self.feuille.cellule(ligne, col)
        if vide(value):
            return None
        if isinstance(value, float) and value == value and abs(value) < 1e15:
            return Decimal(repr(value)).quantize(Decimal("0.01"))
        try:
            return cellules.montant(value)
        except CelluleInvalide:
            return None

    def add_sums(self, ligne: int, sums: dict[int, Decimal]) -> None:
        for col in self.amount_columns():
            amount = self.amount(ligne, col)
            if amount is not None:
                sums[col] = sums.get(col, Decimal(0)) + amount

    def total(self, ligne: int, id_value: Any, sums: dict[int, Decimal]) -> str | None:
        """Whether a row is a total row: None if not, else what shows it (`` (« TOTAL »)`` or nothing).

        A total row has a label « Total », « TOTAL GÉNÉRAL », « Sous-total… » (in the
        number column or, without a number, in any cell), or it has no number, no
        intitulé, no porteur, and each of its amounts is the sum of its column above.
        """
        if id_value is not None:
            if isinstance(id_value, str) and _TOTAL.match(simplifie(id_value[:100])):
                return f" (« {court(id_value, 40)} »)"
            return None
        row = self.feuille.lignes[ligne]
        label = next((v for v in row if isinstance(v, str) and _TOTAL.match(simplifie(v[:100]))), None)
        if label is not None:
            return f" (« {court(label, 40)} »)"
        if any(self.cellule(ligne, champ)[0] is not None for champ in ("intitule", "porteur.nom")):
            return None
        checked = 0
        for col in self.amount_columns():
            value = self.feuille.cellule(ligne, col)
            if vide(value):
                continue
            if self.amount(ligne, col) != sums.get(col):
                return None
            checked += 1
        return "" if checked and any(sums.values()) else None

    def note_ignored(self, ligne: int, lues: set[int], ignored: dict[int, _Ignoree]) -> None:
        """Remember the values of the columns no field reads (reported once per column)."""
        for col, value in enumerate(self.feuille.lignes[ligne]):
            if col in lues or vide(value):
                continue
            entry = ignored.setdefault(col, _Ignoree())
            entry.count += 1
            if len(entry.rows) < 200:
                entry.rows.append(self.feuille.numero(ligne))
            entry.montants = entry.montants and _ressemble_montant(value)
            if entry.exemple is None:
                entry.exemple = value

    def avis_ignored(self, ignored: dict[int, _Ignoree]) -> list[str]:
        out = []
        for col, entry in sorted(ignored.items()):
            header = self.plan.entetes.get(col)
            rows = plages(entry.rows) + (", …" if entry.count > len(entry.rows) else "")
            where = f"colonne {lettre_colonne(col)} " + (f"« {court(header, 40)} »" if header else "(sans en-tête)")
            text = (
                f"{where} non lue : {entry.count} valeur(s) laissée(s) de côté, ligne(s) {rows} "
                f"(par exemple « {court(_show(entry.exemple), 30)} »)"
            )
            if header and entry.montants and self.plan.disposition == "par-action":
                text += (
                    f" ; si ce sont des montants demandés à un financeur, ajoutez « {court(header, 40)} » à la "
                    "correspondance (section financeurs, noms)"
                )
            elif header:
                text += " ; pour l'importer, ajoutez ce nom de colonne à la correspondance (section colonnes)"
            out.append(text)
        return out

    # ------------------------------------------------------------- building

    def construit(self, action: ActionImportee) -> None:
        if self.plan.disposition == "par-action" and len(action.lignes) > 1:
            rows = ", ".join(str(self.feuille.numero(i)) for i in action.lignes)
            for ligne in action.lignes[1:]:
                action.problemes.append(
                    self.probleme(
                        ligne,
                        self.plan.colonne("id"),
                        f"numéro d'action « {action.id} » en double (lignes {rows})",
                        "id",
                        "doublon",
                    )
                )
            return
        values: dict[str, Any] = {}
        errored: set[str] = set()
        for champ in CHAMPS_ACTION:
            if champ in ("id", "exercice"):
                continue
            first: tuple[Any, Origine] | None = None
            for ligne in action.lignes:
                before = len(action.problemes)
                value, origin = self.lire(ligne, champ, action)
                if len(action.problemes) > before:
                    errored.add(champ)
                if value is None or origin is None:
                    continue
                if first is None:
                    first = (value, origin)
                elif value != first[0] and origin.colonne is not None and first[1].colonne is not None:
                    action.problemes.append(
                        self.probleme(
                            ligne,
                            origin.colonne,
                            f"valeur « {court(_show(value), 30)} » différente de celle de la ligne "
                            f"{self.feuille.numero(first[1].ligne)} (« {court(_show(first[0]), 30)} ») pour la même action",
                            champ,
                            "valeurs-differentes",
                        )
                    )
            if first is not None:
                values[champ] = first
        for champ in OBLIGATOIRES:
            if champ != "id" and champ not in values and champ not in errored:
                action.problemes.append(
                    self.probleme(
                        action.lignes[0],
                        self.plan.colonne(champ),
                        f"{LIBELLES.get(champ, champ)} : valeur manquante",
                        champ,
                        "valeur-manquante",
                    )
                )
        lines = self.financements(action)
        if not lines and not action.problemes:
            if self.plan.disposition == "par-action":
                cols = ", ".join(lettre_colonne(c) for c, _ in self.plan.financeurs)
                msg = f"aucun montant demandé dans les colonnes des financeurs ({cols})"
            else:
                msg = "aucune ligne de financement pour cette action"
            action.problemes.append(self.probleme(action.lignes[0], None, msg, "financements", "sans-financement"))
        action.donnees, action.origines = self.dossier(action, values, lines)

    def financements(self, action: ActionImportee) -> list[tuple[dict[str, Any], dict[str, Origine]]]:
        out = []
        if self.plan.disposition == "par-action":
            ligne = action.lignes[0]
            for col, code in self.plan.financeurs:
                value = self.feuille.cellule(ligne, col)
                if vide(value):
                    continue
                try:
                    amount = self.conv.lire("financement.montant", value)
                except CelluleInvalide as exc:
                    action.problemes.append(self.probleme(ligne, col, str(exc), "financement.montant", exc.nature))
                    continue
                if amount:
                    out.append(
                        (
                            {"financeur": code, "montant": amount},
                            {"financeur": Origine(ligne, col), "montant": Origine(ligne, col)},
                        )
                    )
            return out
        for ligne in action.lignes:
            parts: dict[str, Any] = {}
            origins: dict[str, Origine] = {}
            before = len(action.problemes)
            for champ in (
                "financement.financeur",
                "financement.dispositif",
                "financement.montant",
                "financement.accorde",
            ):
                value, origin = self.lire(ligne, champ, action)
                if value is not None and origin is not None:
                    key = champ.split(".", 1)[1]
                    parts[key], origins[key] = value, origin
            if len(action.problemes) > before:
                continue
            typed = {k for k, o in origins.items() if o.colonne is not None}
            if not typed:
                continue  # a row carrying only the action's columns
            if "financeur" not in parts:
                action.problemes.append(
                    self.probleme(
                        ligne,
                        self.plan.colonne("financement.financeur"),
                        "financeur manquant",
                        "financement.financeur",
                        "valeur-manquante",
                    )
                )
            elif "montant" not in parts:
                action.problemes.append(
                    self.probleme(
                        ligne,
                        self.plan.colonne("financement.montant"),
                        "montant demandé manquant",
                        "financement.montant",
                        "valeur-manquante",
                    )
                )
            else:
                ordered: dict[str, Any] = {
                    k: parts[k] for k in ("financeur", "dispositif", "montant", "accorde") if k in parts
                }
                out.append((ordered, origins))
        return out

    def dossier(
        self,
        action: ActionImportee,
        values: dict[str, tuple[Any, Origine]],
        lines: list[tuple[dict[str, Any], dict[str, Origine]]],
    ) -> tuple[dict[str, Any], dict[str, Origine]]:
        """The dossier mapping in the model's order, and the origin of each value."""
        origins: dict[str, Origine] = {"id": Origine(action.lignes[0], self.plan.colonne("id"))}
        data: dict[str, Any] = {}
        for champ in CHAMPS_DOSSIER:
            if champ.nom == "id":
                data["id"] = action.id
            elif champ.nom == "exercice":
                data["exercice"] = self.exercice
            else:
                _place(data, champ, values, origins)
            if champ.cles[0] == "budget" and LIGNES not in data:  # the lines come right after the budget
                data[LIGNES] = []
                for i, (line, line_origins) in enumerate(lines):
                    data[LIGNES].append(line)
                    for key, origin in line_origins.items():
                        origins[f"{LIGNES}[{i}].{key}"] = origin
                    origins[f"{LIGNES}[{i}]"] = line_origins.get("financeur", next(iter(line_origins.values())))
        return data, origins


def _place(
    data: dict[str, Any], champ: Champ, values: dict[str, tuple[Any, Origine]], origins: dict[str, Origine]
) -> None:
    """Put a champ's value at its place in the dossier; a required part is written even when empty."""
    if champ.cles[0] in REQUIRED_PARTS:
        data.setdefault(champ.cles[0], {})
    value, origin = values.get(champ.nom, (None, None))
    if value is None or value == [] or origin is None:
        return
    target = data
    for key in champ.cles[:-1]:
        target = target.setdefault(key, {})
    target[champ.cles[-1]] = value
    origins[champ.nom] = origin


# Parts of the dossier that are always written (required sub-models), even when no column feeds them.
REQUIRED_PARTS = ("porteur", "action", "budget")


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@dataclass
class _Ignoree:
    """The values of one column that no field reads."""

    count: int = 0
    rows: list[int] = field(default_factory=list)  # their row numbers, the first ones
    montants: bool = True  # all of them read as amounts
    exemple: Any = None


def _ressemble_montant(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    try:
        cellules.montant(value)
    except CelluleInvalide:
        return False
    return True


def lire_actions(feuille: Feuille, plan: Plan, conv: Conversion, corr: Correspondance, exercice: int) -> Lecture:
    builder = _ActionsBuilder(feuille, plan, conv, corr, exercice)
    lecture = builder.lignes_par_action()
    for action in lecture.actions:
        if action.id is not None:
            builder.construit(action)
    return lecture


def probleme_de(
    feuille: Feuille, plan: Plan, action: ActionImportee, champ: str, message: str, nature: str = "dossier-invalide"
) -> Probleme:
    """A validation problem on a dossier field, placed at the cell the value came from."""
    origin = None
    path = champ
    while path:
        origin = action.origines.get(path)
        if origin is not None:
            break
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    ligne = origin.ligne if origin is not None else action.lignes[0]
    colonne = origin.colonne if origin is not None else None
    if origin is not None and origin.colonne is None:
        message += " (valeur par défaut de la correspondance)"
    return Probleme(
        feuille.fichier,
        feuille.nom,
        feuille.numero(ligne),
        colonne,
        plan.entetes.get(colonne) if colonne is not None else None,
        message,
        champ or None,
        nature,
    )
