"""One page of a list: its rows, and a count of all of them for "Showing 1 to 25 of 1,234"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, literal_column, select

from navigator.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # the page shown: the last one when the one asked for is past the end
    size: int
    total: int  # all the rows; with `more`, only how many were counted
    asked: int  # the page asked for
    more: bool = False  # counting stopped: there are more than `total` rows

    @property
    def pages(self) -> int:
        return max(1, -(-(self.total + self.more) // self.size))

    @property
    def first(self) -> int:
        """Position of the first row shown, counting from 1 (0 when there are none)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def past_the_end(self) -> bool:
        return self.asked > self.pages


def paginate(
    query: Select[Any], number: int, size: int, *, scalars: bool = True, count_at_most: int | None = None
) -> Page[Any]:
    """Page `number` (from 1) of `query`, which must be ordered. The count is the query's own
    filters under COUNT(*), so it reads only the index those filters use. `count_at_most`
    stops counting after that many rows (or after the page asked for), for a list whose
    every row costs a lookup to count: the page then says "more than"."""
    count = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    more = False
    if count_at_most is None:
        total = db.session.scalar(count) or 0
    else:
        limit = max(count_at_most, number * size)
        limited = query.with_only_columns(literal_column("1"), maintain_column_froms=True).order_by(None)
        total = db.session.scalar(select(func.count()).select_from(limited.limit(limit + 1).subquery())) or 0
        more = total > limit
        total = min(total, limit)
    pages = max(1, -(-(total + more) // size))
    shown = min(max(1, number), pages)
    window = query.limit(size).offset((shown - 1) * size)
    items = list(db.session.scalars(window) if scalars else db.session.execute(window))
    return Page(items=items, number=shown, size=size, total=total, asked=max(1, number), more=more)
