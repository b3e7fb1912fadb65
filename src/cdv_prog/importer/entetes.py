"""Finding the header row and which column feeds which dossier field.

The header row is, among the first rows of the sheet, the one that names the
action-number column and matches the most known column names (merged header
cells carry their text into every cell they cover, so a two-row header with
merged cells is read on its lower row). Column names are compared simplified
(no accents, case, hyphens or extra spaces).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cdv_prog.importer.cellules import FormuleSansValeur, vide
from cdv_prog.importer.conversion import Conversion
from cdv_prog.importer.correspondance import CHAMPS, CHAMPS_LIGNE, OBLIGATOIRES, OBLIGATOIRES_LIGNE, Correspondance
from cdv_prog.importer.tableur import LIGNES_ENTETE, Feuille, Ligne
from cdv_prog.importer.texte import court, lettre_colonne, simplifie


class EnteteIntrouvable(Exception):
    """The sheet's columns cannot be matched with the mapping (French message)."""


@dataclass
class Plan:
    disposition: str
    ligne_entete: int  # list index of the header row
    champs: dict[str, list[int]] = field(default_factory=dict)  # field → columns, preferred first
    financeurs: list[tuple[int, str]] = field(default_factory=list)  # par-action: (column, financeur code)
    entetes: dict[int, str] = field(default_factory=dict)  # column → header text

    def colonne(self, champ: str) -> int | None:
        cols = self.champs.get(champ)
        return cols[0] if cols else None

    def colonnes_lues(self) -> set[int]:
        """The columns some field or financeur reads; the others' values are reported as left aside."""
        return {c for cols in self.champs.values() for c in cols} | {c for c, _code in self.financeurs}

    def description(self) -> list[str]:
        used = {c: champ for champ, cols in self.champs.items() for c in cols}
        out = []
        for col in sorted(set(used) | {c for c, _ in self.financeurs} | set(self.entetes)):
            header = court(self.entetes.get(col, ""), 40)
            if col in used:
                what = used[col]
            elif col in {c for c, _ in self.financeurs}:
                what = "montant demandé à " + next(code for c, code in self.financeurs if c == col)
            else:
                what = "non lue (aucun champ ni financeur de ce nom dans la correspondance)"
            out.append(f"{lettre_colonne(col)} « {header} » → {what}")
        return out


def _text(value: object) -> str | None:
    if vide(value) or isinstance(value, FormuleSansValeur):
        return None
    return simplifie(str(value)) or None


class _Names:
    def __init__(self, corr: Correspondance):
        self.by_name: dict[str, list[str]] = {}
        self.rank: dict[tuple[str, str], int] = {}
        for champ in CHAMPS:
            for i, name in enumerate(corr.noms_colonne(champ)):
                simple = simplifie(name)
                if champ not in self.by_name.setdefault(simple, []):
                    self.by_name[simple].append(champ)
                    self.rank[(champ, simple)] = i
        self.id_names = {simplifie(n) for n in corr.noms_colonne("id")}


def _score(row: Ligne, names: _Names, conv: Conversion, financeurs: bool) -> int:
    score = 0
    for value in row:
        text = _text(value)
        if text is None:
            continue
        if text in names.by_name or (
            financeurs and len(text) <= 200 and conv.resolveurs["financeurs"].code(str(value)) is not None
        ):
            score += 1
    return score


def trouve_entete(rows: list[Ligne], corr: Correspondance, conv: Conversion, disposition: str) -> int | None:
    """Index of the header row among ``rows`` (the first rows of a sheet), or None."""
    names = _Names(corr)
    if corr.ligne_entete is not None:
        index = corr.ligne_entete - 1
        if index < len(rows) and any(_text(v) in names.id_names for v in rows[index]):
            return index
        return None
    best, best_score = None, 0
    for index, row in enumerate(rows[:LIGNES_ENTETE]):
        if not any(_text(v) in names.id_names for v in row):
            continue
        score = _score(row, names, conv, disposition != "par-financement")
        if score > best_score:
            best, best_score = index, score
    return best


def plan(feuille: Feuille, corr: Correspondance, conv: Conversion, disposition: str | None) -> Plan:
    """Which column feeds which field; raises EnteteIntrouvable with a French explanation."""
    wanted = disposition or corr.disposition
    names = _Names(corr)
    limit = max(LIGNES_ENTETE, corr.ligne_entete or 0)
    index = trouve_entete(feuille.lignes[:limit], corr, conv, wanted)
    where = _where(feuille)
    if index is None:
        tried = ", ".join(f"« {n} »" for n in corr.noms_colonne("id"))
        scope = f"à la ligne {corr.ligne_entete}" if corr.ligne_entete else f"dans les {LIGNES_ENTETE} premières lignes"
        raise EnteteIntrouvable(
            f"{where} : ligne d'en-tête introuvable : aucune colonne du numéro d'action ({tried}) {scope} ; "
            "adaptez « colonnes: id: » dans la correspondance (cdv importer --modele-correspondance)"
        )
    header = feuille.lignes[index]
    p = Plan(disposition="", ligne_entete=index)
    claimed: dict[int, list[str]] = {}
    for col, value in enumerate(header):
        if isinstance(value, str) and value.strip():
            p.entetes[col] = " ".join(value.split())
        elif value is not None and not isinstance(value, FormuleSansValeur):
            p.entetes[col] = str(value)
        text = _text(value)
        for champ in names.by_name.get(text, []) if text else []:
            claimed.setdefault(col, []).append(champ)
    conflicts = [(col, champs) for col, champs in claimed.items() if len(champs) > 1]
    if conflicts:
        col, champs = conflicts[0]
        raise EnteteIntrouvable(
            f"{where}, ligne {feuille.numero(index)} : la colonne {lettre_colonne(col)} « {court(p.entetes.get(col, ''), 40)} » "
            f"correspond à plusieurs champs ({', '.join(champs)}) : précisez la correspondance"
        )
    for champ in CHAMPS:
        found = sorted(
            (col for col, champs in claimed.items() if champ in champs),
            key=lambda c: (names.rank.get((champ, _text(header[c]) or ""), 99), c),
        )
        if found:
            p.champs[champ] = found
    if wanted == "auto":
        wanted = "par-financement" if "financement.financeur" in p.champs else "par-action"
    p.disposition = wanted
    if wanted == "par-action":
        for champ in CHAMPS_LIGNE:
            p.champs.pop(champ, None)
        for col, text in sorted(p.entetes.items()):
            if col in claimed:
                continue
            code = conv.resolveurs["financeurs"].code(text)
            if code is not None:
                p.financeurs.append((col, code))
    required = OBLIGATOIRES + (OBLIGATOIRES_LIGNE if wanted == "par-financement" else ())
    missing = [c for c in required if c not in p.champs and c not in conv.defauts]
    problems = []
    for champ in missing:
        tried = ", ".join(f"« {n} »" for n in corr.noms_colonne(champ)) or "aucun nom dans la correspondance"
        problems.append(f"colonne introuvable pour {champ} (noms cherchés : {tried})")
    if wanted == "par-action" and not p.financeurs:
        problems.append(
            "aucune colonne de financeur reconnue (en-têtes comme « État », « Ville », « Agglo », « CAF »…)"
        )
    if problems:
        vus = ", ".join(f"{lettre_colonne(c)} « {court(t, 30)} »" for c, t in sorted(p.entetes.items())) or "aucun"
        raise EnteteIntrouvable(
            f"{where}, ligne d'en-tête {feuille.numero(index)} (disposition {wanted}) : "
            + " ; ".join(problems)
            + f". En-têtes trouvés : {vus}. Ajoutez les noms de colonnes à la correspondance "
            "(section colonnes) ou une valeur par défaut (section valeurs)."
        )
    return p


def _where(feuille: Feuille) -> str:
    return feuille.fichier + (f", feuille « {feuille.nom} »" if feuille.nom is not None else "")
