"""JSON Schemas of the dossier and rules formats (``cdv schema dossier|regles``).

Generated from the pydantic models, so they cannot drift from what ``cdv``
accepts; editors (yaml-language-server, VS Code…) use them to complete and
check files as they are typed, with a first line such as::

    # yaml-language-server: $schema=../../../schemas/dossier.schema.json

* **dossier** — :class:`cdv_prog.dossier.Dossier`, with French descriptions,
  amounts as a number or a French amount text, and the codes of the rule set
  (financeurs, quartiers, défis, objectifs, axes, pièces) as completions;
* **regles** — the shape of one rules file: every section optional (a folder's
  files are merged), each rule's common keys plus, per ``type``, the parameters
  of that kind's ``Parametres`` model (an ``if``/``then`` per kind), every
  parameter either a value or dated values ``{année: valeur}``.

Output is deterministic: sorted keys, no timestamps.
"""

from __future__ import annotations

import contextlib
import copy
import json
from typing import TYPE_CHECKING, Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

from cdv_prog.core.champs import valider_montant
from cdv_prog.core.report import RAPPORT_FORMAT
from cdv_prog.core.vocab import HORS_QPV, NATURES, Portee
from cdv_prog.kinds.parametres.base import valider_fraction

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic_core import core_schema

    from cdv_prog.core.ruleset import JeuDeRegles, RuleKind

DRAFT = "https://json-schema.org/draft/2020-12/schema"
CODE_PATTERN = "^[a-z0-9][a-z0-9.-]*$"
YEAR_PATTERN = "^(20[0-9]{2}|2100)$"  # the accepted years, 2000-2100 (core.dated.ANNEE_MIN, ANNEE_MAX)

AMOUNT: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {
            "type": "string",
            "pattern": "^\\s*(EUR\\s*)?[0-9][0-9 \\u00a0\\u202f\\u2009]*([.,][0-9]{1,2})?\\s*(€|EUR)?\\s*$",
        },
    ],
    "description": 'Montant en euros, au centime : 12000, 12000.50 ou "12 000,50 €" (jamais négatif).',
}
FRACTION: dict[str, Any] = {
    "type": "number",
    "minimum": 0,
    "maximum": 1,
    "description": "Fraction entre 0 et 1 (0.5 pour 50 %).",
}


class _Generator(GenerateJsonSchema):
    """pydantic's generator, with our amount and fraction types described as they are typed."""

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        from cdv_prog.core.modeles.regles import _one_or_many

        func = schema["function"].get("function")
        if func is valider_montant:
            return copy.deepcopy(AMOUNT)
        if func is valider_fraction:
            return copy.deepcopy(FRACTION)
        if func is _one_or_many:  # a code, or a list of codes
            inner = super().function_before_schema(schema)
            return {"anyOf": [inner.get("items", {"type": "string"}), inner]}
        return super().function_before_schema(schema)


_BOUNDS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}


def _clean(node: Any) -> Any:
    """Standard JSON Schema only: pydantic's ``gt``/``ge`` on amounts become bounds of the
    number branch; amount defaults become numbers; automatic titles are dropped."""
    if isinstance(node, list):
        return [_clean(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _clean(v) for k, v in node.items()}
    for key, std in _BOUNDS.items():
        if key in out:
            bound = out.pop(key)
            branches = [b for b in out.get("anyOf", []) if isinstance(b, dict) and b.get("type") == "number"] or [out]
            for b in branches:
                b[std] = bound
    if "anyOf" in out and isinstance(out.get("default"), str):
        with contextlib.suppress(ValueError):
            out["default"] = json.loads(out["default"])
    props = out.get("properties")
    if isinstance(props, dict):
        for prop in props.values():
            if isinstance(prop, dict):
                prop.pop("title", None)
    return out


def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    return _clean(model.model_json_schema(by_alias=True, schema_generator=_Generator))


def dumps(schema: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- dossier


def _node(schema: dict[str, Any], model: str, prop: str) -> dict[str, Any] | None:
    target = schema if model == "Dossier" else schema.get("$defs", {}).get(model)
    if not isinstance(target, dict):
        return None
    return target.get("properties", {}).get(prop)


def _string_branch(node: dict[str, Any]) -> dict[str, Any]:
    """The string schema inside ``node`` (itself, its array items, or its non-null anyOf branch)."""
    if node.get("type") == "array":
        return _string_branch(node["items"])
    for branch in node.get("anyOf", []):
        if branch.get("type") == "string":
            return branch
    return node


def dossier_schema(regles: JeuDeRegles | None = None) -> dict[str, Any]:
    """JSON Schema of a dossier file; with a rule set, its codes are offered as completions."""
    from cdv_prog.core.modeles.dossier import Dossier

    schema = _model_schema(Dossier)
    schema.pop("title", None)
    schema["$schema"] = DRAFT
    schema["title"] = "Dossier de demande de subvention — contrat de ville (cdv)"
    schema["description"] = "Un dossier par fichier YAML : une action, un exercice, son budget et ses financements."
    if regles is not None:
        first, last = regles.contrat.periode
        node = _node(schema, "Dossier", "exercice")
        if node is not None:
            node.update({"minimum": first, "maximum": last})
        enums = {
            ("Financement", "financeur"): list(regles.financeurs),
            ("Action", "quartiers"): [*regles.quartiers, HORS_QPV],
            ("Action", "defi"): list(regles.defis),
            ("Action", "objectif"): [o for d in regles.defis.values() for o in d.objectifs],
            ("Action", "axes"): list(regles.axes),
        }
        for (model, prop), codes in enums.items():
            node = _node(schema, model, prop)
            if node is not None and codes:
                branch = _string_branch(node)
                branch.pop("pattern", None)
                branch.pop("maxLength", None)
                branch["enum"] = codes
        node = _node(schema, "Dossier", "pieces")
        if node is not None and regles.pieces:  # other pieces are allowed: offered, not imposed
            items = node["items"]
            node["items"] = {"anyOf": [{"enum": list(regles.pieces)}, items]}
    return schema


# --------------------------------------------------------------------------- rules


def _dated(value_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "anyOf": [
            value_schema,
            {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": YEAR_PATTERN},
                "additionalProperties": value_schema,
                "description": "Valeurs datées {année: valeur} : chaque valeur s'applique à partir de son année.",
            },
        ]
    }


COMMON_RULE_KEYS: dict[str, dict[str, Any]] = {
    "type": {"type": "string", "description": "Genre de règle (implémenté en Python ; voir « cdv regles doc »)."},
    "gravite": {
        "enum": ["bloquant", "avertissement", "information"],
        "description": "bloquant : un échec rend le dossier inéligible ; avertissement : une réserve ; information : jamais bloquant.",
    },
    "source": {
        "type": "string",
        "minLength": 1,
        "description": "La phrase du contrat ou de la lettre de cadrage dont vient la règle.",
    },
    "titre": {"type": "string", "description": "Titre court de la règle."},
    "description": {"type": "string", "description": "Explication de la règle pour la documentation."},
    "conseil": {"type": "string", "description": "Recommandation ajoutée au message d'échec."},
}


def kind_parameters(kind: RuleKind) -> tuple[dict[str, dict[str, Any]], list[str], dict[str, Any]]:
    """(properties, required names, $defs) of a kind's parameters, each property as typed in YAML."""
    schema = _model_schema(kind.Parametres)
    return schema.get("properties", {}), list(schema.get("required", [])), schema.get("$defs", {})


def _rule_schema(portee: Portee, description: str, defs: dict[str, Any], with_si: bool = False) -> dict[str, Any]:
    """A rule of one scope: the keys every rule has, then its kind's parameters (``if type … then``)."""
    from cdv_prog import kinds

    registry = kinds.registry(portee)
    common = {k: dict(v) for k, v in COMMON_RULE_KEYS.items()}
    if with_si:
        common["si"] = {"$ref": "#/$defs/Condition"}
    else:
        common.pop("si", None)
    common["type"] = {**common["type"], "enum": list(registry)}
    branches = []
    for name, kind in registry.items():
        props, required, kdefs = kind_parameters(kind)
        for dname, d in kdefs.items():
            defs.setdefault(dname, d)
        then_props: dict[str, Any] = dict.fromkeys(common, True)
        for pname, pschema in props.items():
            then_props[pname] = _dated(pschema)
        branches.append(
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {"properties": then_props, "required": required, "additionalProperties": False},
            }
        )
    return {
        "type": "object",
        "description": description,
        "properties": common,
        "required": ["type", "gravite", "source"],
        "allOf": branches,
    }


def regles_schema() -> dict[str, Any]:
    """JSON Schema of one rules file (``rules/*.yaml``)."""
    from cdv_prog.core.modeles.regles import Condition, Referentiel

    ref = _model_schema(Referentiel)
    defs: dict[str, Any] = dict(ref.get("$defs", {}))
    condition = _model_schema(Condition)
    condition.pop("title", None)
    condition["description"] = "Quand la règle s'applique : toutes les conditions données doivent être remplies."
    defs["Condition"] = condition

    defs["Regle"] = _rule_schema(
        "dossier", "Une règle : une instance d'un genre (type) avec ses paramètres.", defs, with_si=True
    )
    defs["RegleProgrammation"] = _rule_schema(
        "programmation", "Une règle de la programmation (sur l'ensemble des dossiers d'un exercice).", defs
    )

    rule_id = {"pattern": "^[a-z0-9][a-z0-9-]*$"}
    code = {"pattern": CODE_PATTERN}
    ref_props = ref.get("properties", {})
    for key in ("financeurs", "quartiers", "defis", "axes", "pieces"):  # may be empty (~) in one file
        if key in ref_props:
            ref_props[key].pop("minProperties", None)
            ref_props[key]["type"] = ["object", "null"]
    amount_or_none = {"anyOf": [copy.deepcopy(AMOUNT), {"type": "null"}]}
    defs["Perimetre"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "nature": {
                "enum": list(NATURES),
                "description": "specifique : crédits spécifiques politique de la ville ; droit-commun : les autres.",
            },
            "cpo": {"type": "boolean", "description": "true : dossiers sous CPO seulement ; false : les autres."},
        },
        "description": "Les lignes du financeur que l'enveloppe compte ; une clé absente : toutes.",
    }
    defs["EnveloppeLongue"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["montant"],
        "properties": {
            "montant": {**_dated(copy.deepcopy(amount_or_none)), "description": "~ : non renseignée."},
            "perimetre": {"$ref": "#/$defs/Perimetre"},
            "sous-enveloppes": {
                "type": "object",
                "propertyNames": {"pattern": CODE_PATTERN},
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["nom", "montant", "perimetre"],
                    "properties": {
                        "nom": {"type": "string", "minLength": 1},
                        "montant": _dated(copy.deepcopy(amount_or_none)),
                        "perimetre": {"$ref": "#/$defs/Perimetre"},
                    },
                    "description": "Une part de l'enveloppe, au périmètre plus étroit ; les deux sont vérifiées.",
                },
            },
        },
        "description": "Enveloppe en forme longue : montant, périmètre, sous-enveloppes.",
    }
    properties = {
        **ref_props,
        "enveloppes": {
            "type": ["object", "null"],
            "propertyNames": code,
            "additionalProperties": {
                "anyOf": [_dated(amount_or_none), {"$ref": "#/$defs/EnveloppeLongue"}],
            },
            "description": (
                "Enveloppe de chaque financeur. Forme courte : un montant, des montants datés {année: montant}, "
                "ou ~ (non renseignée) ; toutes les lignes du financeur comptent. Forme longue : montant, "
                "perimetre (les lignes qui comptent) et sous-enveloppes."
            ),
        },
        "regles": {
            "type": ["object", "null"],
            "propertyNames": rule_id,
            "additionalProperties": {"$ref": "#/$defs/Regle"},
            "description": "Règles d'éligibilité des dossiers ; la clé est l'identifiant stable de la règle.",
        },
        "programmation": {
            "type": ["object", "null"],
            "propertyNames": rule_id,
            "additionalProperties": {"$ref": "#/$defs/RegleProgrammation"},
            "description": "Règles de la programmation d'un exercice.",
        },
        "derogations": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["dossier", "exercice", "decision", "auteur", "date"],
                "properties": {
                    "dossier": {"type": "string", "pattern": "^[A-Za-z0-9._-]+$"},
                    "exercice": {"type": "integer"},
                    "regle": {"type": "string"},
                    "regles": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "decision": {
                        "type": "string",
                        "minLength": 1,
                        "description": "« COPIL du 12/03/2025, relevé n°4 »",
                    },
                    "auteur": {"type": "string", "minLength": 1},
                    "date": {"type": "string"},
                    "motif": {"type": "string"},
                },
            },
            "description": "Dérogations du COPIL : un dossier financé malgré une règle (docs/regles.md).",
        },
    }
    return {
        "$schema": DRAFT,
        "title": "Fichier de règles — contrat de ville (cdv)",
        "description": "Un fichier de règles : référentiels, enveloppes, règles. Les fichiers d'un répertoire sont fusionnés.",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs,
    }


# --------------------------------------------------------------------------- the report of cdv check


def _objet(properties: dict[str, Any], description: str, required: list[str] | None = None) -> dict[str, Any]:
    """A strict object: every key it defines required (unless told), no other key."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def rapport_schema() -> dict[str, Any]:
    """JSON Schema of the report of ``cdv check --format json`` (``docs/rapport.md``)."""
    from cdv_prog.core.vocab import GRAVITES, VERDICTS

    nombre_ou_rien = {"type": ["number", "null"]}
    parametre = _objet(
        {
            "valeur": {
                "description": "Valeur en vigueur : montants et fractions en texte décimal exact "
                '("500.00", "0.5"), listes et codes tels quels.'
            },
            "depuis": {
                "type": ["integer", "null"],
                "description": "Année à partir de laquelle la valeur s'applique ; null : valeur non datée.",
            },
        },
        "Un paramètre de la règle en vigueur pour l'exercice du dossier.",
    )
    constat = _objet(
        {
            "regle": {"type": "string", "description": "Identifiant stable de la règle."},
            "gravite": {"enum": list(GRAVITES)},
            "statut": {"enum": ["ok", "echec", "sans-objet"]},
            "message": {"type": "string"},
            "source": {"type": "string", "description": "La phrase du contrat dont vient la règle."},
            "parametres": {
                "type": "object",
                "additionalProperties": {"$ref": "#/$defs/Parametre"},
                "description": "Paramètres de la règle en vigueur pour l'exercice du dossier ({} : aucun).",
            },
            "remede": {
                "$ref": "#/$defs/Remede",
                "description": "Ce qu'il faudrait pour que la règle tienne, vérifié (cdv check --remedes).",
            },
            "derogation": {"$ref": "#/$defs/Derogation"},
        },
        "Le résultat d'une règle sur le dossier.",
        required=["regle", "gravite", "statut", "message", "source", "parametres"],
    )
    texte_ou_rien = {"type": ["string", "null"]}
    changement = _objet(
        {
            "champ": {
                "type": "string",
                "description": "Le champ du dossier, écrit comme en YAML : financements[1].montant.",
            },
            "avant": {**texte_ou_rien, "description": "Sa valeur avant, en texte YAML (null : ajouté)."},
            "apres": {**texte_ou_rien, "description": "Sa valeur après, en texte YAML (null : retiré)."},
        },
        'Un champ du dossier modifié ; les montants sont exacts ("500.00").',
    )
    remede = _objet(
        {
            "phrase": {"type": "string"},
            "changements": {"type": "array", "items": {"$ref": "#/$defs/Changement"}, "minItems": 1},
        },
        "Une modification du dossier, vérifiée en le rejugeant.",
    )
    derogation = _objet(
        {
            "dossier": {"type": "string"},
            "regles": {"type": "array", "items": {"type": "string"}},
            "exercice": {"type": "integer"},
            "decision": {"type": "string"},
            "auteur": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "motif": texte_ou_rien,
            "fichier": {"type": "string"},
            "ligne": {"type": ["integer", "null"]},
        },
        "Une dérogation du COPIL (rules/derogations.yaml).",
    )
    erreur = _objet(
        {"champ": {"type": "string"}, "ligne": {"type": ["integer", "null"]}, "message": {"type": "string"}},
        "Une erreur de lecture du dossier (champ, ligne, message en français).",
    )
    dossier = _objet(
        {
            "id": {"type": ["string", "null"]},
            "fichier": {"type": "string"},
            "exercice": {"type": ["integer", "null"]},
            "verdict": {"enum": list(VERDICTS)},
            "constats": {"type": "array", "items": {"$ref": "#/$defs/Constat"}},
            "erreurs": {"type": "array", "items": {"$ref": "#/$defs/Erreur"}},
            "par-derogation": {"type": "boolean", "description": "Éligible grâce à la dérogation."},
            "derogation": {"$ref": "#/$defs/Derogation"},
            "derogations-sans-objet": {"type": "array", "items": {"$ref": "#/$defs/Derogation"}},
            "pour-etre-eligible": {
                "anyOf": [{"$ref": "#/$defs/Remede"}, {"type": "null"}],
                "description": "Inéligible, avec --remedes : une modification d'ensemble qui le rend éligible.",
            },
            "pour-etre-eligible-impossible": {
                **texte_ou_rien,
                "description": "Pourquoi aucune modification simple ne le rend éligible.",
            },
        },
        "Le rapport d'un dossier.",
        required=["id", "fichier", "exercice", "verdict", "constats", "erreurs"],
    )
    montants = {
        "enveloppe": nombre_ou_rien,
        "demande": {"type": "number"},
        "retenu": {"type": "number"},
        "solde": nombre_ou_rien,
        "taux": nombre_ou_rien,
        "depassement": {"type": "boolean"},
    }
    sous_enveloppe = _objet(
        {"code": {"type": "string"}, "nom": {"type": "string"}, **montants},
        "Une sous-enveloppe du financeur.",
    )
    financeur = _objet(
        {
            "exercice": {"type": "integer"},
            "financeur": {"type": "string"},
            **montants,
            "dossiers": {"type": "integer", "minimum": 0},
            "droit-commun": {"type": "number"},
            "sous-enveloppes": {"type": "array", "items": {"$ref": "#/$defs/SousEnveloppe"}},
        },
        "Les totaux d'un financeur pour un exercice.",
    )
    compte = {"type": "integer", "minimum": 0}
    properties = {
        "format": {"const": RAPPORT_FORMAT, "description": "Nom et version du format de ce document."},
        "version": {"type": "string", "description": "Version de cdv qui a écrit le rapport."},
        "empreinte": {"type": "string", "description": "SHA-256 des fichiers de règles appliqués."},
        "dossiers": {"type": "array", "items": {"$ref": "#/$defs/Dossier"}},
        "resume": _objet(
            {
                "total": compte,
                "eligible": compte,
                "ineligible": compte,
                "invalide": compte,
                "par-derogation": {**compte, "description": "Éligibles par dérogation (clé absente : aucun)."},
            },
            "Nombre de dossiers par verdict.",
            required=["total", "eligible", "ineligible", "invalide"],
        ),
        "erreurs-lecture": {
            "type": "array",
            "items": _objet({"chemin": {"type": "string"}, "message": {"type": "string"}}, "Un répertoire non lu."),
            "description": "Les répertoires qui n'ont pas pu être parcourus (clé absente sinon).",
        },
        "totaux": _objet(
            {"financeurs": {"type": "array", "items": {"$ref": "#/$defs/TotalFinanceur"}}},
            "Totaux par exercice et par financeur.",
        ),
    }
    return {
        "$schema": DRAFT,
        "title": "Rapport de cdv check — contrat de ville (cdv)",
        "description": "Le document JSON de « cdv check --format json » (format cdv.rapport/2).",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": [k for k in properties if k != "erreurs-lecture"],
        "$defs": {
            "Dossier": dossier,
            "Constat": constat,
            "Parametre": parametre,
            "Erreur": erreur,
            "TotalFinanceur": financeur,
            "SousEnveloppe": sous_enveloppe,
            "Remede": remede,
            "Changement": changement,
            "Derogation": derogation,
        },
    }
