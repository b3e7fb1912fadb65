"""What a new lettre de cadrage changes (``cdv regles diff OLD NEW [DOSSIERS…]``).

Two parts, both pure computation over loaded rule sets and dossier reports:

* :func:`changes` — référentiels, enveloppes, rules and parameters that differ.
  Dated values are compared **year by year** over the contract period (the
  value in force each year), so rewriting ``500`` as ``{2024: 500}`` is no
  change, and ``{2024: 500, 2026: 1000}`` shows as « 2026-2030 : 500 → 1 000 ».
  A parameter left out takes its kind's default before comparing.
* :class:`Impact` — both rule sets over the same dossiers: every dossier whose
  verdict or rule statuts change, and per exercice and financeur the totals
  requested (valid dossiers) and retained (eligible dossiers) under each.

A change that starts after the dossiers' exercice (the plancher raised from
2026, on 2025 dossiers) moves nothing by itself: :func:`projeter` gives the
rule set as it stands in a year (``--projeter-sur 2026``: dated parameters
and enveloppes of 2026, whatever the dossier's exercice; the dossiers' files
and dates are untouched), and :func:`remarques` says when a change starts
after the year the dossiers were judged for.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from cdv_prog.core.dated import Dated
from cdv_prog.core.money import ZERO
from cdv_prog.core.report import DossierReport
from cdv_prog.core.ruleset import TOUT, JeuDeRegles, Perimetre, Regle
from cdv_prog.programmation.totaux import Totaux
from cdv_prog.workflow.values import condition_text, nature, show, to_json


class _Missing:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Missing()  # no value at all (not defined, or not yet in force)

Nature = Literal["ajout", "suppression", "modification"]

SECTIONS_FR = {
    "contrat": "contrat",
    "financeurs": "financeur",
    "quartiers": "quartier",
    "defis": "défi",
    "axes": "axe",
    "pieces": "pièce",
    "enveloppes": "enveloppe",
    "regles": "règle",
    "programmation": "règle de programmation",
}


@dataclass(frozen=True)
class Changement:
    section: str
    code: str
    nature: Nature
    cle: str | None = None  # the field or parameter that changed
    annees: tuple[int, int] | None = None  # the years (first, last) the change applies to
    avant: Any = ABSENT
    apres: Any = ABSENT
    avant_texte: str = ""
    apres_texte: str = ""
    libelle: str = ""  # e.g. the rule's titre

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "code": self.code,
            "nature": self.nature,
            "cle": self.cle,
            "annees": list(self.annees) if self.annees else None,
            "avant": None if self.avant is ABSENT else to_json(self.avant),
            "apres": None if self.apres is ABSENT else to_json(self.apres),
            "avant_texte": self.avant_texte,
            "apres_texte": self.apres_texte,
        }


# --------------------------------------------------------------------------- rule set changes


def _years(old: JeuDeRegles, new: JeuDeRegles) -> list[int]:
    first = min(old.contrat.periode[0], new.contrat.periode[0])
    last = max(old.contrat.periode[1], new.contrat.periode[1])
    return list(range(first, last + 1))


def _ranges(
    years: list[int], before: Callable[[int], Any], after: Callable[[int], Any]
) -> list[tuple[int, int, Any, Any]]:
    """Consecutive years where ``before(y) != after(y)``, grouped when the values stay the same."""
    out: list[tuple[int, int, Any, Any]] = []
    for y in years:
        a, b = before(y), after(y)
        if _same(a, b):
            continue
        if out and out[-1][1] == y - 1 and _same(out[-1][2], a) and _same(out[-1][3], b):
            out[-1] = (out[-1][0], y, a, b)
        else:
            out.append((y, y, a, b))
    return out


def _same(a: object, b: object) -> bool:
    if a is ABSENT or b is ABSENT:
        return a is b
    if isinstance(a, bool) != isinstance(b, bool):  # true is not 1
        return False
    return a == b


def _dated_value(dated: Dated[object] | None, year: int, default: object = ABSENT) -> Any:
    if dated is None:
        return default
    return dated.at(year) if dated.has(year) else ABSENT


def _codes(old: Mapping[str, object], new: Mapping[str, object]) -> list[str]:
    return list(old) + [c for c in new if c not in old]


def _referentiel(
    section: str, old: Mapping[str, object], new: Mapping[str, object], fields: tuple[str, ...]
) -> list[Changement]:
    out = []
    for code in _codes(old, new):
        o, n = old.get(code), new.get(code)
        if o is None or n is None:
            item = n if o is None else o
            label = item if isinstance(item, str) else getattr(item, "nom", "")
            out.append(Changement(section, code, "ajout" if o is None else "suppression", libelle=str(label)))
            continue
        if not fields:  # code -> text
            if o != n:
                out.append(Changement(section, code, "modification", None, None, o, n, str(o), str(n)))
            continue
        for f in fields:
            a, b = getattr(o, f, None), getattr(n, f, None)
            if isinstance(a, dict) and isinstance(b, dict):
                for sub in _codes(a, b):
                    if a.get(sub) != b.get(sub):
                        sa = a.get(sub, ABSENT)
                        sb = b.get(sub, ABSENT)
                        out.append(
                            Changement(section, code, "modification", f"{f}.{sub}", None, sa, sb, _txt(sa), _txt(sb))
                        )
            elif a != b:
                out.append(Changement(section, code, "modification", f, None, a, b, _txt(a), _txt(b)))
    return out


def _txt(value: object, how: str = "autre", none: str = "—") -> str:
    if value is ABSENT:
        return "(aucune valeur)"
    if value is None:
        return none
    return show(value, how)


def _param(regle: Regle, name: str, year: int) -> Any:
    """A parameter's value in force for a year; a parameter left out takes its kind's default."""
    dated = regle.parametres_bruts.get(name)
    if dated is not None:
        return _dated_value(dated, year)
    model = regle.kind.Parametres
    fld = next((f for n, f in model.model_fields.items() if (f.alias or n) == name), None)
    if fld is None or fld.is_required():
        return ABSENT
    return fld.get_default(call_default_factory=True)


def _rules(section: str, old: JeuDeRegles, new: JeuDeRegles, years: list[int]) -> list[Changement]:
    a_rules: dict[str, Regle] = getattr(old, section)
    b_rules: dict[str, Regle] = getattr(new, section)
    out = []
    for rid in _codes(a_rules, b_rules):
        o, n = a_rules.get(rid), b_rules.get(rid)
        if o is None or n is None:
            r = n if o is None else o
            assert r is not None
            label = f"{r.titre or r.id} ({r.type}, {r.gravite})"
            out.append(Changement(section, rid, "ajout" if o is None else "suppression", libelle=label))
            continue
        label = n.titre or o.titre or ""
        for key in ("type", "gravite", "titre", "description", "conseil", "source"):
            a, b = getattr(o, key), getattr(n, key)
            if a != b:
                out.append(Changement(section, rid, "modification", key, None, a, b, _txt(a), _txt(b), label))
        ca = o.condition.donnees()
        cb = n.condition.donnees()
        if ca != cb:
            out.append(
                Changement(
                    section,
                    rid,
                    "modification",
                    "si",
                    None,
                    ca,
                    cb,
                    condition_text(o.condition, old),
                    condition_text(n.condition, new),
                    label,
                )
            )
        names = list(o.parametres_bruts) + [p for p in n.parametres_bruts if p not in o.parametres_bruts]
        for name in names:
            how = nature(n.kind, name) if name in n.parametres_bruts else nature(o.kind, name)
            before = functools.partial(_param, o, name)
            after = functools.partial(_param, n, name)
            for first, last, a, b in _ranges(years, before, after):
                out.append(
                    Changement(
                        section, rid, "modification", name, (first, last), a, b, _txt(a, how), _txt(b, how), label
                    )
                )
    return out


def changes(old: JeuDeRegles, new: JeuDeRegles) -> list[Changement]:
    """Every difference between two rule sets, section by section, in the files' order."""
    years = _years(old, new)
    out: list[Changement] = []
    for f in ("nom", "periode", "sigle"):
        a, b = getattr(old.contrat, f), getattr(new.contrat, f)
        if a != b:
            out.append(Changement("contrat", "contrat", "modification", f, None, a, b, _txt(a), _txt(b)))
    out += _referentiel("financeurs", old.financeurs, new.financeurs, ("nom", "sigle", "groupe"))
    out += _referentiel("quartiers", old.quartiers, new.quartiers, ("nom", "statut", "commune"))
    out += _referentiel("defis", old.defis, new.defis, ("nom", "objectifs"))
    out += _referentiel("axes", old.axes, new.axes, ())
    out += _referentiel("pieces", old.pieces, new.pieces, ())
    for code in _codes(old.enveloppes, new.enveloppes):
        out += _enveloppe(code, old, new, years)
    out += _rules("regles", old, new, years)
    out += _rules("programmation", old, new, years)
    return out


def _dict(perimetre: Perimetre) -> dict[str, Any]:
    return perimetre.donnees()


def _enveloppe(code: str, old: JeuDeRegles, new: JeuDeRegles, years: list[int]) -> list[Changement]:
    """An enveloppe's changes: its amount year by year, its périmètre, each sous-enveloppe's."""
    a_env, b_env = old.enveloppes.get(code), new.enveloppes.get(code)
    label = new.nom_court(code) if b_env is not None else old.nom_court(code)
    kind: Nature = "ajout" if a_env is None else "suppression" if b_env is None else "modification"

    def montants(
        cle: str | None, a: Dated[Decimal | None] | None, b: Dated[Decimal | None] | None, in_a: bool, in_b: bool
    ) -> list[Changement]:
        def before(y: int) -> Any:
            return _dated_value(a, y, None) if in_a else ABSENT

        def after(y: int) -> Any:
            return _dated_value(b, y, None) if in_b else ABSENT

        how: Nature = "ajout" if not in_a else "suppression" if not in_b else "modification"
        return [
            Changement(
                "enveloppes",
                code,
                how,
                cle,
                (first, last),
                va,
                vb,
                _txt(va, "montant", "non renseignée"),
                _txt(vb, "montant", "non renseignée"),
                label,
            )
            for first, last, va, vb in _ranges(years, before, after)
        ]

    out = montants(
        None,
        a_env.montant if a_env is not None else None,
        b_env.montant if b_env is not None else None,
        a_env is not None,
        b_env is not None,
    )
    pa = a_env.perimetre if a_env is not None else TOUT
    pb = b_env.perimetre if b_env is not None else TOUT
    if a_env is not None and b_env is not None and pa != pb:
        out.append(
            Changement("enveloppes", code, kind, "perimetre", None, _dict(pa), _dict(pb), pa.texte(), pb.texte(), label)
        )
    a_sous = a_env.sous_enveloppes if a_env is not None else {}
    b_sous = b_env.sous_enveloppes if b_env is not None else {}
    for scode in _codes(a_sous, b_sous):
        sa, sb = a_sous.get(scode), b_sous.get(scode)
        cle = f"sous-enveloppes.{scode}"
        out += montants(cle, sa.montant if sa else None, sb.montant if sb else None, sa is not None, sb is not None)
        if sa is not None and sb is not None:
            for name, va, vb, ta, tb in (
                ("nom", sa.nom, sb.nom, sa.nom, sb.nom),
                ("perimetre", _dict(sa.perimetre), _dict(sb.perimetre), sa.perimetre.texte(), sb.perimetre.texte()),
            ):
                if va != vb:
                    out.append(
                        Changement("enveloppes", code, "modification", f"{cle}.{name}", None, va, vb, ta, tb, label)
                    )
    return out


# --------------------------------------------------------------------------- impact on dossiers


@dataclass(frozen=True)
class RegleChange:
    regle: str
    avant: str  # ok | echec | sans-objet | absente
    apres: str
    message: str  # the message under the new rules (or the old one if the rule is gone)

    def to_dict(self) -> dict[str, Any]:
        return {"regle": self.regle, "avant": self.avant, "apres": self.apres, "message": self.message}


@dataclass(frozen=True)
class DossierChange:
    fichier: str
    id: str | None
    exercice: int | None
    verdict_avant: str
    verdict_apres: str
    regles: tuple[RegleChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fichier": self.fichier,
            "exercice": self.exercice,
            "verdict": {"avant": self.verdict_avant, "apres": self.verdict_apres},
            "regles": [r.to_dict() for r in self.regles],
        }


@dataclass
class Impact:
    """Accumulates pairs of reports (old rules, new rules) for the same dossier file."""

    regles_avant: JeuDeRegles
    regles_apres: JeuDeRegles
    examines: int = 0
    dossiers: list[DossierChange] = field(default_factory=list)
    exercices: set[int] = field(default_factory=set)  # the exercices of the dossiers examined
    avant: dict[int, Totaux] = field(default_factory=dict)
    apres: dict[int, Totaux] = field(default_factory=dict)

    def add(self, old: DossierReport, new: DossierReport) -> None:
        self.examines += 1
        exercice = old.exercice if old.exercice is not None else new.exercice
        if exercice is not None:
            self.exercices.add(exercice)
            self.avant.setdefault(exercice, Totaux(exercice, self.regles_avant)).add(old)
            self.apres.setdefault(exercice, Totaux(exercice, self.regles_apres)).add(new)
        a = {c.regle: c for c in old.constats}
        b = {c.regle: c for c in new.constats}
        rule_changes = []
        for rid in list(a) + [r for r in b if r not in a]:
            sa = a[rid].statut if rid in a else "absente"
            sb = b[rid].statut if rid in b else "absente"
            if sa != sb:
                message = b[rid].message if rid in b else a[rid].message
                rule_changes.append(RegleChange(rid, sa, sb, message))
        if old.verdict != new.verdict or rule_changes:
            self.dossiers.append(
                DossierChange(new.fichier, new.id or old.id, exercice, old.verdict, new.verdict, tuple(rule_changes))
            )

    @property
    def verdicts_changes(self) -> int:
        return sum(1 for d in self.dossiers if d.verdict_avant != d.verdict_apres)

    def totaux(self, old: JeuDeRegles, new: JeuDeRegles) -> list[dict[str, Any]]:
        """Per exercice, per financeur (both rule sets' order): enveloppes, requested, retained, droit commun.

        Requested and retained count the lines of each enveloppe's périmètre; the droit commun
        mobilisé (retained outside it) is apart, as in ``cdv programmation``.
        """
        out = []
        for exercice in sorted(set(self.avant) | set(self.apres)):
            ta = self.avant.get(exercice) or Totaux(exercice, old)
            tb = self.apres.get(exercice) or Totaux(exercice, new)
            rows = []
            for code in _codes(old.financeurs, new.financeurs):
                # the enveloppes the dossiers were judged against (those of the projection year, if any)
                ea = self.regles_avant.enveloppe(code, exercice) if code in old.financeurs else None
                eb = self.regles_apres.enveloppe(code, exercice) if code in new.financeurs else None
                values = (
                    ta.demande.get(code, ZERO),
                    tb.demande.get(code, ZERO),
                    ta.retenu.get(code, ZERO),
                    tb.retenu.get(code, ZERO),
                    ta.droit_commun.get(code, ZERO),
                    tb.droit_commun.get(code, ZERO),
                )
                if ea is None and eb is None and not any(values):
                    continue
                nom = new.nom_court(code) if code in new.financeurs else old.nom_court(code)
                rows.append(
                    {
                        "financeur": code,
                        "nom": nom,
                        "enveloppe": {"avant": ea, "apres": eb},
                        "demande": {"avant": values[0], "apres": values[1]},
                        "retenu": {"avant": values[2], "apres": values[3]},
                        "droit-commun": {"avant": values[4], "apres": values[5]},
                    }
                )
            out.append({"exercice": exercice, "financeurs": rows})
        return out


def pairs(
    files: Sequence[Path], old: JeuDeRegles, new: JeuDeRegles, exercice: int | None, jobs: int | None = None
) -> Iterator[tuple[DossierReport, DossierReport]]:
    """Reports of the same files under both rule sets, in path order (each batch streams, on ``jobs`` processes)."""
    from cdv_prog.files.parallel import check_reports

    before = check_reports(files, old, exercice, jobs=jobs, dossiers=False)
    after = check_reports(files, new, exercice, jobs=jobs, dossiers=False)
    for a, b in zip(before, after, strict=True):
        if a.fichier != b.fichier:  # both filter by the file's exercice, so this cannot happen
            raise RuntimeError(f"diff : fichiers désalignés {a.fichier} / {b.fichier}")
        yield a, b


@dataclass(frozen=True)
class Comparaison:
    """What ``cdv regles diff`` found: the changes of the rules, and their impact on dossiers if given.

    ``projection``: the year the dossiers were judged for (``--projeter-sur``), if any;
    ``remarques``: what the reader should know to read the impact (:func:`remarques`).
    """

    avant_chemin: str
    apres_chemin: str
    avant: JeuDeRegles
    apres: JeuDeRegles
    changements: list[Changement]
    impact: Impact | None
    projection: int | None = None
    remarques: tuple[str, ...] = ()


# --------------------------------------------------------------------------- projection


def _frozen(dated: Dated[Any], year: int) -> Dated[Any]:
    """The value in force in ``year``, for every year (no value in ``year``: never any value)."""
    return Dated(((None, dated.at(year)),)) if dated.has(year) else Dated(())


def projeter(regles: JeuDeRegles, annee: int) -> JeuDeRegles:
    """The rule set as it stands in ``annee``: each dated parameter and enveloppe takes its value of that year.

    Judging a dossier of 2025 with ``projeter(regles, 2026)`` picks the
    parameters and enveloppes of 2026; everything else about the dossier — its
    exercice, its dates, the rules on them — stays as written.
    """

    def rules(section: dict[str, Regle]) -> dict[str, Regle]:
        return {
            rid: dataclasses.replace(
                r, parametres_bruts={k: _frozen(d, annee) for k, d in r.parametres_bruts.items()}, _cache={}
            )
            for rid, r in section.items()
        }

    enveloppes = {
        code: dataclasses.replace(
            env,
            montant=None if env.montant is None else _frozen(env.montant, annee),
            sous_enveloppes={
                c: dataclasses.replace(s, montant=None if s.montant is None else _frozen(s.montant, annee))
                for c, s in env.sous_enveloppes.items()
            },
        )
        for code, env in regles.enveloppes.items()
    }
    return dataclasses.replace(
        regles, regles=rules(regles.regles), programmation=rules(regles.programmation), enveloppes=enveloppes
    )


def annee_de_projection_invalide(annee: int, *jeux: JeuDeRegles) -> str | None:
    """Why ``annee`` cannot be projected on (outside a contract period), or None."""
    for regles in jeux:
        first, last = regles.contrat.periode
        if not first <= annee <= last:
            return f"--projeter-sur {annee} : hors de la période du contrat ({first}-{last})"
    return None


def remarques(changements: Sequence[Changement], impact: Impact | None, projection: int | None) -> list[str]:
    """A note for each change that starts after the year the dossiers were judged for.

    Without projection, that year is the latest exercice of the dossiers
    examined; a change from a later year cannot show on them, and the note
    says how to see it (``--projeter-sur``).
    """
    if impact is None or not impact.exercices:
        return []
    judged = projection if projection is not None else max(impact.exercices)
    shown = (
        f"la projection est sur {projection}"
        if projection is not None
        else f"les dossiers examinés sont de {', '.join(str(e) for e in sorted(impact.exercices))}"
    )
    out: dict[tuple[str, str, str | None], str] = {}
    for chg in changements:
        if chg.annees is None or chg.annees[0] <= judged:
            continue
        key = (chg.section, chg.code, chg.cle)
        if key in out:
            continue
        what = (
            f"l'enveloppe {chg.code}"
            if chg.section == "enveloppes"
            else f"la {SECTIONS_FR.get(chg.section, chg.section)} {chg.code}" + (f" ({chg.cle})" if chg.cle else "")
        )
        start = chg.annees[0]
        see = f"--projeter-sur {start} pour en voir l'effet"
        out[key] = f"le changement de {what} s'applique à partir de {start} ; {shown} : {see}"
    return list(out.values())
