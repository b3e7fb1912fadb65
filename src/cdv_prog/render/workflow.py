"""The outputs of the lettre de cadrage workflow: ``cdv regles verifier``, ``tester`` and ``diff``.

Each renderer takes the workflow's result and returns the bytes to print;
the registries of :mod:`cdv_prog.render.registry` name them.
"""

from __future__ import annotations

from typing import Any

from cdv_prog.core.money import euros, montant_json
from cdv_prog.core.texte import short, visible
from cdv_prog.core.vocab import VERDICTS_FR
from cdv_prog.render.json_stream import dumps
from cdv_prog.workflow.cases import CaseResult
from cdv_prog.workflow.diff import SECTIONS_FR, Comparaison
from cdv_prog.workflow.lint import Verification

MARKS = {"erreur": "✘", "avertissement": "!", "information": "ℹ"}


def _lines(lines: list[str]) -> bytes:
    """The text of ``lines``, each shown as it is: control characters and undecodable bytes written out."""
    return "".join(visible(line) + "\n" for line in lines).encode("utf-8")


# --------------------------------------------------------------------------- verifier


def verifier_lines(v: Verification) -> list[str]:
    lines = [f"{MARKS[f.niveau]} {f.niveau} {f}" for f in v.problemes]
    if v.valide:
        warnings = sum(1 for f in v.problemes if f.niveau == "avertissement")
        lines.append(f"Règles valides : {v.resume}" + (f" ; {warnings} avertissement(s)" if warnings else ""))
    else:
        lines.append(f"Règles invalides ({v.chemin}) : {len(v.erreurs)} erreur(s)")
    return lines


def verifier_text(v: Verification) -> bytes:
    return _lines(verifier_lines(v))


def verifier_json(v: Verification) -> bytes:
    doc: dict[str, Any] = {"chemin": v.chemin, "valide": v.valide, "problemes": [f.to_dict() for f in v.problemes]}
    if v.regles is not None:
        doc["compte"] = v.compte
        doc["empreinte"] = v.regles.empreinte
    return (dumps(doc) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- tester


def result_lines(r: CaseResult) -> list[str]:
    """``✔ fichier › nom`` or ``✘ fichier › nom : difference`` (more differences indented below)."""
    head = f"{r.fichier} › {r.nom}" if r.nom != "(fichier)" else r.fichier
    if r.passed:
        return [f"✔ {head}"]
    first, *rest = r.details or ["échec"]
    return [f"✘ {head} : {first}"] + [f"    {d}" for d in rest]


def summary_line(results: list[CaseResult]) -> str:
    passed = sum(1 for r in results if r.passed)
    return f"{passed} passed, {len(results) - passed} failed"


def tester_lines(results: list[CaseResult]) -> list[str]:
    lines = [line for r in results for line in result_lines(r)]
    lines.append(summary_line(results))
    return lines


def tester_text(results: list[CaseResult]) -> bytes:
    return _lines(tester_lines(results))


# --------------------------------------------------------------------------- diff


def diff_document(c: Comparaison) -> dict[str, Any]:
    """The JSON document of ``cdv regles diff``."""
    old_path, new_path, old, new, chgts, impact = (
        c.avant_chemin,
        c.apres_chemin,
        c.avant,
        c.apres,
        c.changements,
        c.impact,
    )
    doc: dict[str, Any] = {
        "avant": {"regles": old_path, "empreinte": old.empreinte},
        "apres": {"regles": new_path, "empreinte": new.empreinte},
        "changements": [c.to_dict() for c in chgts],
    }
    from cdv_prog.workflow.derogations import comparer

    ajoutees, retirees = comparer(old, new)
    if ajoutees or retirees:
        doc["derogations"] = {
            "ajoutees": [d.to_dict() for d in ajoutees],
            "retirees": [d.to_dict() for d in retirees],
        }
    resume: dict[str, Any] = {"changements": len(chgts)}
    if impact is not None:
        doc["dossiers"] = [d.to_dict() for d in impact.dossiers]
        totaux = impact.totaux(old, new)
        for block in totaux:
            for row in block["financeurs"]:
                row.pop("nom")
                for key in ("enveloppe", "demande", "retenu", "droit-commun"):
                    row[key] = {k: montant_json(v) for k, v in row[key].items()}
        doc["totaux"] = totaux
        doc["projection"] = c.projection
        doc["remarques"] = list(c.remarques)
        resume.update(
            {
                "dossiers": impact.examines,
                "dossiers_changes": len(impact.dossiers),
                "verdicts_changes": impact.verdicts_changes,
            }
        )
    doc["resume"] = resume
    return doc


_STATUTS = {"ok": "ok", "echec": "échec", "sans-objet": "sans objet", "absente": "absente"}
_NATURES = {"ajout": "+", "suppression": "-", "modification": "~"}


def _derogations_lines(c: Comparaison) -> list[str]:
    """The dérogations added or removed (rules/derogations.yaml), one line each; nothing when none changed."""
    from cdv_prog.workflow.derogations import comparer, ligne

    ajoutees, retirees = comparer(c.avant, c.apres)
    if not ajoutees and not retirees:
        return []
    out = ["", f"Dérogations ({len(ajoutees)} ajoutée(s), {len(retirees)} retirée(s)) :"]
    out += [f"  + dérogation ajoutée : {visible(ligne(d))}" for d in ajoutees]
    out += [f"  - dérogation retirée : {visible(ligne(d))}" for d in retirees]
    return out


def diff_lines(c: Comparaison) -> list[str]:
    """The text of ``cdv regles diff``, line by line."""
    old_path, new_path, old, new, chgts, impact = (
        c.avant_chemin,
        c.apres_chemin,
        c.avant,
        c.apres,
        c.changements,
        c.impact,
    )
    lines = [
        f"Règles avant : {old_path} (empreinte {old.empreinte[:12]})",
        f"Règles après : {new_path} (empreinte {new.empreinte[:12]})",
        "",
    ]
    if not chgts:
        lines.append("Aucun changement des règles.")
    else:
        lines.append(f"Changements des règles ({len(chgts)}) :")
        current = None
        for chg in chgts:
            head = (chg.section, chg.code)
            what = SECTIONS_FR.get(chg.section, chg.section)
            when = (
                ""
                if chg.annees is None
                else (f", {chg.annees[0]}" if chg.annees[0] == chg.annees[1] else f", {chg.annees[0]}-{chg.annees[1]}")
            )
            if chg.nature != "modification" and chg.cle is None and chg.annees is None:
                label = f" — {chg.libelle}" if chg.libelle else ""
                lines.append(f"  {_NATURES[chg.nature]} {what} {chg.code}{label} : {chg.nature}")
                current = None
                continue
            if chg.section == "enveloppes":
                lines.append(
                    f"  {_NATURES[chg.nature]} enveloppe {chg.code}{f' ({chg.cle})' if chg.cle else ''}{when} : "
                    f"{chg.avant_texte} → {chg.apres_texte}"
                )
                current = None
                continue
            if head != current:
                label = f" — {chg.libelle}" if chg.libelle else ""
                lines.append(f"  ~ {what} {chg.code}{label}")
                current = head
            key = chg.cle or "valeur"
            lines.append(f"      {key}{when} : {chg.avant_texte} → {chg.apres_texte}")
    lines += _derogations_lines(c)
    if impact is None:
        lines += ["", "Aucun dossier donné : impact sur les dossiers non calculé."]
        return lines
    lines.append("")
    if c.projection is not None:
        lines.append(
            f"Projection : les dossiers sont jugés comme si leur exercice était {c.projection} (paramètres datés "
            f"et enveloppes de {c.projection}) ; leurs fichiers ne changent pas et leurs dates ne sont pas décalées."
        )
    lines += [f"Remarque : {r}" for r in c.remarques]
    lines.append(
        f"Dossiers : {impact.examines} examiné(s), {len(impact.dossiers)} changent, dont {impact.verdicts_changes} de verdict"
    )
    for d in impact.dossiers:
        va, vb = VERDICTS_FR.get(d.verdict_avant, d.verdict_avant), VERDICTS_FR.get(d.verdict_apres, d.verdict_apres)
        verdict = f"{va} → {vb}" if va != vb else f"{va} (inchangé)"
        lines.append(f"  {short(d.id) if d.id else '(sans id)'}  {verdict}  {d.fichier}")
        for r in d.regles:
            lines.append(f"      {r.regle} : {_STATUTS[r.avant]} → {_STATUTS[r.apres]} ({r.message})")
    for block in impact.totaux(old, new):
        lines += [
            "",
            f"Totaux par financeur, exercice {block['exercice']}"
            + (f" (projeté sur {c.projection})" if c.projection is not None else "")
            + " (demandé : dossiers valides ; retenu : dossiers éligibles)",
        ]
        header = [
            "financeur",
            "enveloppe avant",
            "enveloppe après",
            "demandé",
            "retenu avant",
            "retenu après",
            "écart retenu",
        ]
        rows = []
        for row in block["financeurs"]:
            env, dem, ret = row["enveloppe"], row["demande"], row["retenu"]
            envs = [euros(v) if v is not None else "non renseignée" for v in (env["avant"], env["apres"])]
            demande = (
                euros(dem["apres"])
                if dem["avant"] == dem["apres"]
                else f"{euros(dem['avant'])} → {euros(dem['apres'])}"
            )
            ecart = ret["apres"] - ret["avant"]
            sign = "+" if ecart > 0 else ""
            rows.append([row["nom"], *envs, demande, euros(ret["avant"]), euros(ret["apres"]), f"{sign}{euros(ecart)}"])
        widths = [max(len(cols[i]) for cols in [header, *rows]) for i in range(len(header))]
        for cols in [header, *rows]:
            cells = [cols[0].ljust(widths[0])] + [cols[i].rjust(widths[i]) for i in range(1, len(cols))]
            lines.append("  " + "  ".join(cells).rstrip())
    return lines


def diff_text(c: Comparaison) -> bytes:
    return _lines(diff_lines(c))


def diff_json(c: Comparaison) -> bytes:
    return (dumps(diff_document(c)) + "\n").encode("utf-8")
