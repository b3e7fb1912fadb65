"""Values dated by year, OpenFisca-style: ``{2024: 500, 2026: 1000}``.

For an exercice N the value is that of the greatest year ≤ N; before the first
year there is no value (the rule or enveloppe then does not apply, and says so).
A plain scalar applies to every year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeGuard, TypeVar

T = TypeVar("T", covariant=True)  # frozen, read-only: a Dated[Decimal] is a Dated[Decimal | None]

ALWAYS = -1  # the "year" of an undated value


@dataclass(frozen=True)
class Dated(Generic[T]):
    values: tuple[tuple[int, T], ...]  # sorted by year

    @classmethod
    def of(cls, raw: Any) -> Dated[Any]:
        if is_dated(raw):
            return cls(tuple(sorted(raw.items())))
        return cls(((ALWAYS, raw),))

    @property
    def is_dated(self) -> bool:
        return self.values[0][0] != ALWAYS

    def at(self, year: int) -> T | None:
        found = None
        for since, value in self.values:
            if since <= year:
                found = value
            else:
                break
        return found

    def has(self, year: int) -> bool:
        return self.values[0][0] <= year

    def years(self) -> list[int]:
        return [y for y, _ in self.values if y != ALWAYS]


def is_dated(raw: object) -> TypeGuard[dict[int, Any]]:
    """A mapping whose keys are all years (integers) is a dated value."""
    return isinstance(raw, dict) and bool(raw) and all(isinstance(k, int) and not isinstance(k, bool) for k in raw)
