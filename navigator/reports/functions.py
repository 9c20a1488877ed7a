"""SQL functions the report needs that SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class age_at(FunctionElement[int]):  # an SQL function, named as SQL names them
    """Whole years from a date of birth to a moment."""

    type = sa.Integer()
    inherit_cache = True
    name = "age_at"


@compiles(age_at, "sqlite")
def _age_at_sqlite(element: age_at, compiler: Any, **kw: Any) -> str:
    born, moment = (compiler.process(clause, **kw) for clause in element.clauses)
    return (
        f"(CAST(strftime('%Y', {moment}) AS INTEGER) - CAST(strftime('%Y', {born}) AS INTEGER)"
        f" - (strftime('%m-%d', {moment}) < strftime('%m-%d', {born})))"
    )


@compiles(age_at, "postgresql")
def _age_at_postgresql(element: age_at, compiler: Any, **kw: Any) -> str:
    born, moment = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(date_part('year', age(CAST({moment} AS date), {born})) AS INTEGER)"


class days_before(FunctionElement[Any]):  # an SQL function, named as SQL names them
    """The (UTC) day of a moment, less a number of days: a date."""

    type = sa.Date()
    inherit_cache = True
    name = "days_before"


@compiles(days_before, "sqlite")
def _days_before_sqlite(element: days_before, compiler: Any, **kw: Any) -> str:
    moment, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date({moment}, '-' || {days} || ' days')"


@compiles(days_before, "postgresql")
def _days_before_postgresql(element: days_before, compiler: Any, **kw: Any) -> str:
    moment, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST(({moment} AT TIME ZONE 'UTC') AS date) - CAST({days} AS integer))"
