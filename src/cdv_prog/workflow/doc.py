"""The content of the French reference of a rule set (``cdv regles doc``).

Built from the rules YAML (titre, gravité, ``si``, parameters by year, source,
conseil), the référentiels and enveloppes, and each rule kind's docstring (read
by :mod:`.document`), as a list of blocks that :mod:`cdv_prog.render.doc`
writes as Markdown or as a self-contained HTML page. Deterministic: no dates.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cdv_prog.core.dated import Dated
from cdv_prog.core.money import euros
from cdv_prog.core.ruleset import JeuDeRegles, Regle
from cdv_prog.core.vocab import GRAVITES_FR, GROUPES_FR, HORS_QPV
from cdv_prog.workflow.document import (
    Block,
    Bullets,
    Heading,
    Inline,
    Para,
    Quote,
    Table,
    parse_kind_doc,
    rst_blocks,
    rst_inline,
)
from cdv_prog.workflow.values import condition_text, nature, show

GRAVITES_PROGRAMMATION_FR = {
    "bloquant": "bloquant — un échec empêche de valider la programmation en l'état",
    "avertissement": "avertissement — un échec est signalé au COPIL",
    "information": "information — ne bloque jamais",
}


def _t(text: str) -> Inline:
    return [("", text)]


def _c(text: str) -> Inline:
    return [("code", text)]


def _by_years(dated: Dated[object], first: int, last: int, how: str) -> str:
    """The value in force each year of the period, grouped: ``2024-2025 : 500,00 € ; 2026-2030 : 1 000,00 €``."""
    if not dated.is_dated:
        return show(dated.values[0][1], how)
    groups: list[list[Any]] = []
    for year in range(first, last + 1):
        value = dated.at(year) if dated.has(year) else None
        shown = show(value, how) if dated.has(year) else "pas de valeur (règle sans objet)"
        if groups and groups[-1][2] == shown:
            groups[-1][1] = year
        else:
            groups.append([year, year, shown])
    return " ; ".join(f"{a}-{b} : {v}" if a != b else f"{a} : {v}" for a, b, v in groups)


def _rule_blocks(regle: Regle, rs: JeuDeRegles, level: int, gravites: dict[str, str] = GRAVITES_FR) -> list[Block]:
    first, last = rs.contrat.periode
    doc = parse_kind_doc(regle.kind.__doc__)
    title = f"{regle.id} — {regle.titre}" if regle.titre else regle.id
    blocks: list[Block] = [Heading(level, title, f"regle-{regle.id}")]
    blocks.append(
        Bullets(
            [
                [("strong", "Gravité : "), ("", gravites.get(regle.gravite, regle.gravite))],
                [("strong", "Genre : "), ("code", regle.type)] + ([("", f" — {doc.resume}")] if doc.resume else []),
                [("strong", "S'applique : "), ("", condition_text(regle.condition, rs))],
            ]
        )
    )
    if regle.description:
        blocks.append(Para([("strong", "Description. ")] + rst_inline(regle.description)))
    if doc.verifie:
        inner = rst_blocks(doc.verifie)
        blocks.append(
            Para(
                [("strong", "Ce que la règle vérifie. ")]
                + (inner[0].inline if inner and isinstance(inner[0], Para) else [])
            )
        )
        blocks += inner[1:] if inner and isinstance(inner[0], Para) else inner
    if doc.pourquoi:
        inner = rst_blocks(doc.pourquoi)
        blocks.append(
            Para([("strong", "Pourquoi. ")] + (inner[0].inline if inner and isinstance(inner[0], Para) else []))
        )
        blocks += inner[1:] if inner and isinstance(inner[0], Para) else inner
    rows: list[list[Inline]] = []
    model = regle.kind.Parametres
    for name, fld in model.model_fields.items():
        alias = fld.alias or name
        how = nature(regle.kind, alias)
        if alias in regle.parametres_bruts:
            rows.append([_c(alias), _t(_by_years(regle.parametres_bruts[alias], first, last, how))])
        elif not fld.is_required():
            default = fld.get_default(call_default_factory=True)
            rows.append([_c(alias), _t(f"{show(default, how)} (valeur par défaut)")])
    if rows:
        blocks.append(Para([("strong", "Paramètres")] + _t(f" (valeur en vigueur chaque année de {first} à {last}) :")))
        blocks.append(Table(["Paramètre", "Valeur"], rows))
    if regle.conseil:
        blocks.append(Para([("strong", "Conseil en cas d'échec. ")] + rst_inline(regle.conseil)))
    blocks.append(Para([("strong", "Source :")]))
    blocks.append(Quote(rst_inline(regle.source)))
    return blocks


def build(rs: JeuDeRegles, shown_path: str, version: str) -> list[Block]:
    """The whole reference as blocks."""
    from cdv_prog import kinds
    from cdv_prog.workflow.schema import kind_parameters

    first, last = rs.contrat.periode
    blocks: list[Block] = [Heading(1, f"Règles — {rs.contrat.nom}", "haut")]
    files = ", ".join(f.name for f in rs.fichiers)
    blocks.append(
        Para(
            _t(
                f"Référence générée par cdv {version} (« cdv regles doc ») à partir de {shown_path} ({files}) ; "
                f"empreinte SHA-256 des règles : "
            )
            + _c(rs.empreinte)
            + _t(
                f". Période du contrat : {first}-{last}. Ce document se régénère : modifier les fichiers YAML des règles, "
                "pas ce document."
            )
        )
    )
    blocks.append(
        Para(
            _t(
                "Pour chaque dossier, chaque règle donne un constat : ok, échec ou sans objet (sa condition ne s'applique pas). "
                "Verdict : invalide si le fichier ne peut être lu comme un dossier ; inéligible si une règle bloquante est en échec ; "
                "éligible sinon (les avertissements en échec sont des réserves)."
            )
        )
    )

    sections = [("Règles d'éligibilité des dossiers", rs.regles, GRAVITES_FR)]
    if rs.programmation:
        sections.append(("Règles de la programmation", rs.programmation, GRAVITES_PROGRAMMATION_FR))
    blocks.append(Heading(2, "Sommaire des règles", "sommaire"))
    summary_rows = []
    for _, rules, _ in sections:
        for r in rules.values():
            summary_rows.append([_c(r.id), _t(r.titre or ""), _t(r.gravite), _t(condition_text(r.condition, rs))])
    blocks.append(Table(["Règle", "Titre", "Gravité", "S'applique"], summary_rows))
    for title, rules, gravites in sections:
        blocks.append(Heading(2, title))
        for r in rules.values():
            blocks += _rule_blocks(r, rs, 3, gravites)

    blocks.append(Heading(2, "Financeurs", "financeurs"))
    blocks.append(
        Table(
            ["Code", "Nom", "Sigle", "Groupe"],
            [
                [_c(code), _t(f.nom), _t(f.sigle or ""), _t(GROUPES_FR.get(f.groupe, f.groupe))]
                for code, f in rs.financeurs.items()
            ],
        )
    )
    blocks.append(Heading(2, "Enveloppes par exercice", "enveloppes"))
    if rs.enveloppes:
        years = list(range(first, last + 1))
        rows = []

        def montants(dated: Dated[Decimal | None] | None) -> list[Inline]:
            cells = []
            for y in years:
                value = dated.at(y) if dated is not None and dated.has(y) else None
                cells.append(_t(euros(value) if value is not None else "non renseignée"))
            return cells

        for code, env in rs.enveloppes.items():
            rows.append([_t(rs.nom_court(code)), _t(env.perimetre.texte())] + montants(env.montant))
            for sous in env.sous_enveloppes.values():
                rows.append(
                    [_t(f"{rs.nom_court(code)}, dont « {sous.nom} » ({sous.code})"), _t(sous.perimetre.texte())]
                    + montants(sous.montant)
                )
        blocks.append(Table(["Financeur", "Périmètre"] + [str(y) for y in years], rows))
        blocks.append(
            Para(
                _t(
                    "Une enveloppe ne compte que les lignes de son périmètre (nature de la ligne, dossier sous CPO "
                    "ou non) ; les autres lignes du financeur sont le « droit commun mobilisé », montré à part. "
                    "Une sous-enveloppe est une part de l'enveloppe, au périmètre plus étroit : les deux sont vérifiées."
                )
            )
        )
    else:
        blocks.append(Para(_t("Aucune enveloppe dans ces règles.")))
    blocks.append(Heading(2, "Quartiers", "quartiers"))
    statuts = {"qpv": "quartier prioritaire (QPV)", "veille": "quartier de veille"}
    q_rows = [[_c(code), _t(q.nom), _t(statuts.get(q.statut, q.statut))] for code, q in rs.quartiers.items()]
    q_rows.append([_c(HORS_QPV), _t("Hors géographie prioritaire (code réservé aux dossiers)"), _t("aucun")])
    blocks.append(Table(["Code", "Nom", "Statut"], q_rows))
    blocks.append(Heading(2, "Défis et objectifs", "defis"))
    d_rows = []
    for code, d in rs.defis.items():
        d_rows.append([_c(code), _t(d.nom)])
        d_rows += [[_c(o), _t(label)] for o, label in d.objectifs.items()]
    blocks.append(Table(["Code", "Défi / objectif"], d_rows))
    if rs.axes:
        blocks.append(Heading(2, "Axes transversaux", "axes"))
        blocks.append(Table(["Code", "Axe"], [[_c(c), _t(t)] for c, t in rs.axes.items()]))
    if rs.pieces:
        blocks.append(Heading(2, "Pièces", "pieces"))
        blocks.append(Table(["Code", "Pièce"], [[_c(c), _t(t)] for c, t in rs.pieces.items()]))

    blocks.append(Heading(2, "Genres de règles", "genres"))
    blocks.append(
        Para(
            _t(
                "Chaque règle est une instance d'un genre, implémenté en Python ; ses paramètres sont des données. "
                "Un paramètre s'écrit comme une valeur, ou comme des valeurs datées {année: valeur} qui s'appliquent "
                "à partir de leur année."
            )
        )
    )
    for name, kind in kinds.KINDS.items():
        doc = parse_kind_doc(kind.__doc__)
        blocks.append(Heading(3, f"{name} — {doc.resume}" if doc.resume else name, f"genre-{name}"))
        for label, part in (
            ("Ce que la règle vérifie", doc.verifie),
            ("Pourquoi", doc.pourquoi),
            ("Exemple", doc.exemple),
        ):
            if part:
                blocks.append(Para([("strong", label)]))
                blocks += rst_blocks(part)
        props, required, _ = kind_parameters(kind)
        p_rows = []
        for pname, pschema in props.items():
            if pname in required:
                need = "obligatoire"
            else:
                need = (
                    "défaut : " + show(pschema.get("default"), nature(kind, pname))
                    if "default" in pschema
                    else "facultatif"
                )
            p_rows.append([_c(pname), _t(type_label(pschema)), _t(need)])
        if p_rows:
            blocks.append(Table(["Paramètre", "Type", "Obligatoire ?"], p_rows))
    return blocks


def type_label(schema: dict[str, Any]) -> str:
    """A parameter's JSON Schema in a few French words."""
    if "enum" in schema:
        return "une valeur parmi : " + ", ".join(str(v) for v in schema["enum"])
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if branches and "description" in schema and "Montant" in schema["description"]:
        return "montant en euros"
    if len(branches) == 1:
        return type_label(branches[0])
    t = schema.get("type")
    if t == "number" and schema.get("maximum") == 1:
        return "fraction entre 0 et 1"
    if t == "integer":
        bounds = ""
        if "minimum" in schema and "maximum" in schema:
            bounds = f" de {schema['minimum']} à {schema['maximum']}"
        return "nombre entier" + bounds
    if t == "boolean":
        return "true ou false"
    if t == "string":
        if "pattern" in schema and schema["pattern"].startswith("^(") and schema["pattern"].endswith(")$"):
            return "une valeur parmi : " + ", ".join(schema["pattern"][2:-2].split("|"))
        return "texte"
    if t == "array":
        return "liste : " + type_label(schema.get("items", {}))
    return "valeur"


# --------------------------------------------------------------------------- writers
