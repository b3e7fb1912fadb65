"""The COPIL's decisions (``cdv programmation --format scdl --decisions FICHIER``): what dossiers do not hold.

A YAML file, one entry per dossier id (format: ``docs/scdl.md``)::

    2025-001:
      date-convention: 2025-03-14
      reference-decision: Délibération n° 2025-045 du 12 mars 2025
      conditions-versement: unique          # ou échelonné
      dates-periode-versement: 2025-04-01_2025-12-31   # une date, ou deux reliées par « _ »

Every key is optional; an unknown key is refused with its line (and the closest
known key). Read with the hardened loader (:mod:`cdv_prog.files.loader`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from cdv_prog.core.findings import LoadError, format_path
from cdv_prog.files.loader import LoadFailed, load_yaml_file, os_error_fr
from cdv_prog.files.messages import message_fr

PERIODE_VERSEMENT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(_[0-9]{4}-[0-9]{2}-[0-9]{2})?$"


class Decision(BaseModel):
    """What the COPIL decided for one dossier: the SCDL values a dossier does not hold."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)

    date_convention: dt.date | None = Field(default=None, alias="date-convention")
    reference_decision: Annotated[str, Field(min_length=1)] | None = Field(default=None, alias="reference-decision")
    conditions_versement: Literal["unique", "échelonné"] | None = Field(default=None, alias="conditions-versement")
    dates_periode_versement: Annotated[str, Field(pattern=PERIODE_VERSEMENT)] | dt.date | None = Field(
        default=None, alias="dates-periode-versement"
    )

    @property
    def periode(self) -> str | None:
        """``dates-periode-versement`` as written in the SCDL (a date read by YAML written back in ISO)."""
        value = self.dates_periode_versement
        return value.isoformat() if isinstance(value, dt.date) else value


_ADAPTER: TypeAdapter[dict[str, Decision]] = TypeAdapter(dict[str, Decision])


class DecisionsIllisibles(Exception):
    """The decisions file cannot be used: its problems, in French, with their lines."""

    def __init__(self, errors: list[LoadError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def lire_decisions(path: Path) -> dict[str, Decision]:
    """The decisions of ``path`` by dossier id. :class:`DecisionsIllisibles` on any problem."""
    try:
        loaded = load_yaml_file(path)
    except OSError as exc:
        raise DecisionsIllisibles([LoadError("", None, f"fichier illisible : {os_error_fr(exc)}")]) from None
    except LoadFailed as exc:
        raise DecisionsIllisibles(exc.errors) from None
    data = loaded.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DecisionsIllisibles([LoadError("", 1, "doit être un ensemble « id du dossier: décisions »")])
    data = {str(key): value for key, value in data.items()}  # an id written 12 is the dossier « 12 »
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        known = [f.alias or name for name, f in Decision.model_fields.items()]
        errors = []
        for err in exc.errors(include_url=False):
            loc = tuple(err.get("loc", ()))
            errors.append(LoadError(format_path(loc), loaded.line_of(loc), message_fr(err, known)))
        raise DecisionsIllisibles(errors) from None
