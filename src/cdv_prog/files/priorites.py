"""The policy of ``cdv arbitrage --priorites FICHIER``: a YAML file, validated (format: ``docs/arbitrage.md``)::

    part-minimum: 0.5          # a retained line keeps at least 50 % of its demand
    poids:                     # weights of the demand (1 when not given), multiplied together
      qpv: 1.2                 # best statut among the action's quartiers: qpv, veille, hors-qpv
      veille: 1
      hors-qpv: 0.8
      cpo: 1.5
      innovante: 1.2
      renouvellement: 1
    garder: [CDV-2025-003]     # retained whatever happens (amounts may still be cut)
    ecarter: [CDV-2025-010]    # left out
    cpo-en-cours: maintenues   # or « libres »: CPOs in their 2nd/3rd year may be cut too

Every key is optional; an unknown key is refused with its line (and the
closest known key). Read with the hardened loader (:mod:`cdv_prog.files.loader`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from cdv_prog.core.findings import LoadError, format_path
from cdv_prog.files.loader import LoadFailed, load_yaml_file, os_error_fr
from cdv_prog.files.messages import message_fr
from cdv_prog.kinds.parametres.base import Fraction


def _poids(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PydanticCustomError("poids", "doit être un nombre positif (1 : poids normal)")
    d = Decimal(value)
    if not d.is_finite() or d <= 0 or d > 1000:
        raise PydanticCustomError("poids", "doit être un nombre positif, au plus 1000 (1 : poids normal)")
    return d


Valeur = Annotated[Decimal, BeforeValidator(_poids)]
Ident = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)


class PoidsFichier(_Strict):
    qpv: Valeur = Decimal(1)
    veille: Valeur = Decimal(1)
    hors_qpv: Valeur = Field(default=Decimal(1), alias="hors-qpv")
    cpo: Valeur = Decimal(1)
    innovante: Valeur = Decimal(1)
    renouvellement: Valeur = Decimal(1)


class PrioritesFichier(_Strict):
    part_minimum: Fraction = Field(default=Decimal(0), alias="part-minimum")
    poids: PoidsFichier = PoidsFichier()
    garder: list[Ident] = []
    ecarter: list[Ident] = []
    cpo_en_cours: Literal["maintenues", "libres"] = Field(default="maintenues", alias="cpo-en-cours")


class PrioritesIllisibles(Exception):
    """The priorities file cannot be used: its problems, in French, with their lines."""

    def __init__(self, errors: list[LoadError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def lire_priorites(path: Path) -> tuple[PrioritesFichier, dict[str, int]]:
    """The policy of ``path``, and the line of each id of ``garder``/``ecarter`` (to name an unknown one)."""
    try:
        loaded = load_yaml_file(path)
    except OSError as exc:
        raise PrioritesIllisibles([LoadError("", None, f"fichier illisible : {os_error_fr(exc)}")]) from None
    except LoadFailed as exc:
        raise PrioritesIllisibles(exc.errors) from None
    data = loaded.data if loaded.data is not None else {}
    if not isinstance(data, dict):
        raise PrioritesIllisibles([LoadError("", 1, "doit être un ensemble de clés (part-minimum, poids, garder…)")])
    try:
        lu = PrioritesFichier.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc = tuple(err.get("loc", ()))
            known = _known(loc)
            errors.append(LoadError(format_path(loc), loaded.line_of(loc), message_fr(err, known)))
        raise PrioritesIllisibles(errors) from None
    doubles = sorted(set(lu.garder) & set(lu.ecarter))
    if doubles:
        line = loaded.line_of(("ecarter",))
        raise PrioritesIllisibles(
            [LoadError("ecarter", line, f"à la fois à garder et à écarter : {', '.join(doubles)}")]
        )
    lignes: dict[str, int] = {}
    for key in ("garder", "ecarter"):
        for i, ident in enumerate(getattr(lu, key)):
            lignes.setdefault(ident, loaded.line_of((key, i)) or 0)
    return lu, lignes


def _known(loc: tuple[object, ...]) -> list[str]:
    model: type[BaseModel] = PoidsFichier if loc[:1] == ("poids",) else PrioritesFichier
    return [f.alias or name for name, f in model.model_fields.items()]
