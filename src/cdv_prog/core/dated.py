"""Values dated by year, OpenFisca-style: ``{2024: 500, 2026: 1000}``.

For an exercice N the value is that of the greatest year ≤ N; before the first
year there is no value (the rule or enveloppe then does not apply, and says so).
A plain scalar applies to every year: its "year" is ``None`` (:data:`ALWAYS`),
never a number, so no year written in a file can be taken for it.

Every year the tool reads — the contract period, the years of dated values,
the years of a CPO, an exercice, the year of a date — lies between
:data:`ANNEE_MIN` and :data:`ANNEE_MAX`: a typo such as ``9999`` or ``-1`` is
refused at load with a French message, and no date computed from these years
(a deadline shifted by ten years) can leave the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Generic, TypeGuard, TypeVar

from cdv_prog.core.texte import short

T = TypeVar("T", covariant=True)  # frozen, read-only: a Dated[Decimal] is a Dated[Decimal | None]

ALWAYS: Final = None  # the "year" of an undated value: never a year

ANNEE_MIN = 2000
ANNEE_MAX = 2100
ANNEES = f"{ANNEE_MIN}-{ANNEE_MAX}"


def annee_invalide(year: object) -> str | None:
    """None for a year of the accepted range, else the French reason (the range included)."""
    if isinstance(year, bool) or not isinstance(year, int):
        return f"année « {short(year)} » invalide : une année s'écrit avec quatre chiffres ({ANNEES})"
    if not ANNEE_MIN <= year <= ANNEE_MAX:
        return f"année {year} hors des années acceptées ({ANNEES}) : faute de frappe ?"
    return None


@dataclass(frozen=True)
class Dated(Generic[T]):
    values: tuple[tuple[int | None, T], ...]  # sorted by year; one pair (None, value) when undated

    @classmethod
    def of(cls, raw: Any) -> Dated[Any]:
        if is_dated(raw):
            return cls(tuple(sorted(raw.items())))
        return cls(((ALWAYS, raw),))

    @property
    def is_dated(self) -> bool:
        return bool(self.values) and self.values[0][0] is not None

    def at(self, year: int) -> T | None:
        found = None
        for since, value in self.values:
            if since is None or since <= year:
                found = value
            else:
                break
        return found

    def has(self, year: int) -> bool:
        """Whether a value is in force for ``year`` (an empty Dated never has one)."""
        if not self.values:
            return False
        first = self.values[0][0]
        return first is None or first <= year

    def years(self) -> list[int]:
        return [y for y, _ in self.values if y is not None]


def is_dated(raw: object) -> TypeGuard[dict[int, Any]]:
    """A mapping whose keys are all years (integers) is a dated value."""
    return isinstance(raw, dict) and bool(raw) and all(isinstance(k, int) and not isinstance(k, bool) for k in raw)
