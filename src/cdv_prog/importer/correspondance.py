"""The mapping file (« correspondance »): which column holds what, and labels → codes.

It is YAML read with the hardened loader and validated by strict models
(unknown keys are errors, with their line). The shipped default,
``mapping-defaut.yaml``, is printed by ``cdv importer --modele-correspondance``
for users to copy and edit.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model, field_validator
from pydantic_core import PydanticCustomError

from cdv_prog.core.findings import format_path
from cdv_prog.files.loader import Loaded, LoadFailed, load_yaml_file, load_yaml_text
from cdv_prog.importer.champs import CHAMPS_DOSSIER, CHAMPS_FINANCEMENT

MAX_MOTIF = 200
LONGUEUR_LIBELLE = 200  # characters of a label that names and patterns are compared with
COUT_MAX_MOTIF = 16 * LONGUEUR_LIBELLE**2  # backtracking paths a pattern may try at one position of a label
FICHIER_DEFAUT = "mapping-defaut.yaml"

# Dossier fields a column can feed, with the kind of value each one holds: from the Dossier model.
CHAMPS_ACTION: dict[str, str] = {c.nom: c.lecture for c in CHAMPS_DOSSIER}
CHAMPS_LIGNE: dict[str, str] = {c.nom: c.lecture for c in CHAMPS_FINANCEMENT}
CHAMPS: dict[str, str] = {**CHAMPS_ACTION, **CHAMPS_LIGNE}
# Required in every imported dossier: a column or a default value must provide them
# (the exercice is given by --exercice).
OBLIGATOIRES = tuple(c.nom for c in CHAMPS_DOSSIER if c.obligatoire and c.nom != "exercice")
OBLIGATOIRES_LIGNE = tuple(c.nom for c in CHAMPS_FINANCEMENT if c.obligatoire)

Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]*$", max_length=80)]
Nom = Annotated[str, Field(min_length=1, max_length=200)]


class CorrespondanceInvalide(Exception):
    """The mapping file cannot be used; ``problemes`` are French lines ``fichier:ligne [champ] : raison``."""

    def __init__(self, problemes: list[str]):
        super().__init__("\n".join(problemes))
        self.problemes = problemes


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _keys_as_text(value: object) -> object:
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else str(k)): v for k, v in value.items()}
    return value


class Motif(_Strict):
    motif: Annotated[str, Field(min_length=1, max_length=MAX_MOTIF)]
    code: Code

    @field_validator("motif")
    @classmethod
    def _compile(cls, motif: str) -> str:
        try:
            re.compile(motif)
        except re.error as exc:
            raise PydanticCustomError("motif", "motif (expression régulière) invalide : {e}", {"e": str(exc)}) from None
        raison = risque_motif(motif)
        if raison is not None:
            raise PydanticCustomError("motif", "motif refusé : {r}", {"r": raison})
        return motif


class _MotifRisque(Exception):
    """A pattern shape whose search can take exponential time (French reason)."""


def risque_motif(motif: str) -> str | None:
    """Why searching ``motif`` could run for minutes (catastrophic backtracking), or None.

    Refused: a quantifier or an alternative inside a repeated group (``(a+)+``,
    ``(a|ab)*``, ``(a?){20}``: exponential), a back-reference, and a pattern whose
    repetitions in a row could try more than :data:`COUT_MAX_MOTIF` ways at one
    position of a :data:`LONGUEUR_LIBELLE`-character label (``.*.*.*x``: polynomial).
    """
    parser = importlib.import_module("re._parser")  # the standard library's parser of `re`
    try:
        tree = parser.parse(motif)
        cost = _cout(tree, repeated=False)
    except _MotifRisque as exc:
        return str(exc)
    except re.error:  # an invalid pattern: re.compile says why
        return None
    if cost > COUT_MAX_MOTIF:
        return (
            "trop de répétitions (*, +, ?, {m,n}) à la suite, la recherche pourrait durer des minutes ; "
            "simplifiez-le (par exemple « ETAT » ou « ETAT.*VILLE »)"
        )
    return None


def _cout(seq: Any, repeated: bool) -> int:
    """Ways a sequence of the parsed pattern may try to match at one position (bounded), and shape checks."""
    unbounded = importlib.import_module("re._constants").MAXREPEAT
    total = 1
    for op, av in seq:
        name = getattr(op, "name", str(op))
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = av
            if repeated and low != high:
                raise _MotifRisque("quantificateurs imbriqués (comme « (a+)+ ») : la recherche peut durer des heures")
            if high > 1:
                _cout(body, repeated=True)
                ways = LONGUEUR_LIBELLE if high >= unbounded else high - low + 1
                cost = 1 if low == high else min(ways, LONGUEUR_LIBELLE)
            else:  # « ? »: the body, or nothing
                cost = _cout(body, repeated) + (0 if low == high else 1)
        elif name == "BRANCH":
            if repeated:
                raise _MotifRisque(
                    "alternative dans un groupe répété (comme « (a|ab)* ») : la recherche peut durer des heures"
                )
            cost = sum(_cout(alt, repeated) for alt in av[1])
        elif name in ("SUBPATTERN", "ASSERT", "ASSERT_NOT"):
            cost = _cout(av[-1], repeated)
        elif name == "ATOMIC_GROUP":
            cost = _cout(av, repeated)
        elif name in ("GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE", "GROUPREF_UNI_IGNORE"):
            raise _MotifRisque("référence arrière (\\1, (?P=nom)) non permise dans un motif")
        else:
            cost = 1
        total = min(total * cost, COUT_MAX_MOTIF + 1)
    return total


class Table(_Strict):
    """Labels → codes: exact names (compared simplified), then patterns in the declared order."""

    noms: Annotated[dict[Nom, Code], BeforeValidator(_keys_as_text)] = {}
    motifs: list[Motif] = []


def _noms_colonne(value: object) -> object:
    return [value] if isinstance(value, str) else value


NomsColonne = Annotated[list[Nom], BeforeValidator(_noms_colonne), Field(min_length=1, max_length=50)]


def _python_name(champ: str) -> str:
    return champ.replace(".", "__").replace("-", "_")


# Models built at run time from CHAMPS: mypy cannot type their fields (nor use them as annotations).
Colonnes = create_model(  # type: ignore[call-overload]  # a run-time union is no static type form
    "Colonnes",
    __base__=_Strict,
    **{_python_name(c): (NomsColonne | None, Field(default=None, alias=c)) for c in CHAMPS},
)
Valeurs = create_model(  # type: ignore[call-overload]  # same: fields built at run time
    "Valeurs",
    __base__=_Strict,
    **{_python_name(c): (Any, Field(default=None, alias=c)) for c in CHAMPS if c != "id"},
)


class Correspondance(_Strict):
    disposition: Literal["auto", "par-action", "par-financement"] = "auto"
    feuille: Nom | None = None
    ligne_entete: Annotated[int, Field(ge=1, le=1000)] | None = Field(default=None, alias="ligne-entete")
    # None: a number made of digits only gives CDV-<exercice>-NNN (ID_AUTOMATIQUE), any other is kept as it is.
    modele_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(default=None, alias="modele-id")
    separateurs: Annotated[list[Annotated[str, Field(min_length=1, max_length=5)]], Field(max_length=10)] = [
        ";",
        ",",
        "+",
        "/",
        " et ",
    ]
    colonnes: Colonnes
    valeurs: Valeurs = Field(default_factory=Valeurs)
    financeurs: Table = Table()
    quartiers: Table = Table()
    defis: Table = Table()
    objectifs: Table = Table()
    axes: Table = Table()
    pieces: Table = Table()
    types_porteur: Table = Field(default=Table(), alias="types-porteur")

    @field_validator("modele_id")
    @classmethod
    def _modele(cls, modele: str | None) -> str | None:
        if modele is None:
            return None
        rest = _PLACEHOLDER.sub("", modele)
        if "{numero" not in modele:
            raise PydanticCustomError("modele", "le modèle d'identifiant doit contenir {numero}")
        if "{" in rest or "}" in rest:
            raise PydanticCustomError(
                "modele",
                "modèle d'identifiant « {m} » : seuls {numero}, {numero:03} et {exercice} sont permis",
                {"m": modele},
            )
        return modele

    def noms_colonne(self, champ: str) -> list[str]:
        return getattr(self.colonnes, _python_name(champ)) or []

    def valeur(self, champ: str) -> Any:
        return getattr(self.valeurs, _python_name(champ), None)

    def id_automatique(self, numero: str) -> bool:
        """Whether ``numero`` gets the automatic id (no modele-id, a number of digits only)."""
        return self.modele_id is None and numero.isascii() and numero.isdigit()

    def fixe_id(self, numero: str, exercice: int) -> str:
        modele = self.modele_id
        if modele is None:
            if not self.id_automatique(numero):
                return numero
            modele = ID_AUTOMATIQUE

        def repl(m: re.Match[str]) -> str:
            if m.group(1) == "exercice":
                return str(exercice)
            width = m.group(2)
            return numero.zfill(int(width)) if width and numero.isdigit() else numero

        return _PLACEHOLDER.sub(repl, modele)


_PLACEHOLDER = re.compile(r"\{(numero|exercice)(?::0([1-9]))?\}")
ID_AUTOMATIQUE = "CDV-{exercice}-{numero:03}"  # the id of a bare action number, without modele-id


@dataclass
class Chargee:
    """A validated mapping and where it came from (to name lines in later errors)."""

    correspondance: Correspondance
    fichier: str
    loaded: Loaded


def texte_defaut() -> str:
    return resources.files(__package__).joinpath(FICHIER_DEFAUT).read_text(encoding="utf-8")


def charger(path: Path | None) -> Chargee:
    """Load and validate a mapping file (the shipped default when ``path`` is None)."""
    shown = str(path) if path is not None else f"<correspondance par défaut : {FICHIER_DEFAUT}>"
    try:
        loaded = load_yaml_file(path) if path is not None else load_yaml_text(texte_defaut())
    except LoadFailed as exc:
        raise CorrespondanceInvalide([_line(shown, e.ligne, e.champ, e.message) for e in exc.errors]) from None
    if not isinstance(loaded.data, dict):
        raise CorrespondanceInvalide(
            [_line(shown, 1, "", "une correspondance est un ensemble de clés (colonnes, financeurs, quartiers…)")]
        )
    try:
        corr = Correspondance.model_validate(loaded.data)
    except ValidationError as exc:
        from cdv_prog.files.messages import translate

        errors = sorted(translate(exc, loaded, model=Correspondance), key=lambda e: e.ligne or 0)
        raise CorrespondanceInvalide([_line(shown, e.ligne, e.champ, e.message) for e in errors]) from None
    if not corr.noms_colonne("id"):
        raise CorrespondanceInvalide(
            [
                _line(
                    shown,
                    loaded.line_of(("colonnes",)),
                    "colonnes.id",
                    "la colonne du numéro d'action (id) est obligatoire",
                )
            ]
        )
    return Chargee(corr, shown, loaded)


def _line(fichier: str, ligne: int | None, champ: str, message: str) -> str:
    where = fichier + (f":{ligne}" if ligne else "")
    return f"{where}{f' [{champ}]' if champ else ''} : {message}"


def problem(chargee: Chargee, path: tuple[str | int, ...], message: str) -> str:
    return _line(chargee.fichier, chargee.loaded.line_of(path), format_path(path), message)
