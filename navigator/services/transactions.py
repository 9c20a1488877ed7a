"""One way for services to end a change: commit it, or undo all of it.

Two people acting on the same record at the same moment is normal here (two leads
allocating, two tabs saving a listing, a double-click). The database is what notices:
an optimistic lock finds the row changed (StaleDataError) or a unique key is already
taken (IntegrityError). Either becomes a message for the person, never a 500, and
nothing is left half-stored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from sqlalchemy import Table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from navigator.extensions import Base, db
from navigator.services import audit

P = ParamSpec("P")
R = TypeVar("R")


def all_or_nothing(service: Callable[P, R]) -> Callable[P, R]:
    """For a service function that changes state: when it refuses (or fails) part-way,
    whatever it had staged is rolled back here, so the page that called it shows the
    refusal on a clean session and never rolls back itself."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise

    return run


@contextmanager
def committing(conflict: Callable[[], Exception]) -> Iterator[None]:
    """Run the block and commit what it staged. If the database refuses the change
    because of what someone else did meanwhile, roll back and raise `conflict()`; on
    any other error, roll back and re-raise it."""
    try:
        yield
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise conflict() from error
    except IntegrityError as error:
        db.session.rollback()
        if is_taken_meanwhile(error):
            raise conflict() from error
        raise
    except BaseException:
        db.session.rollback()
        raise


# What the databases say when a row another transaction wrote stops this one: a unique
# key already taken, or a row referred to that is gone. Any other integrity error (a
# missing value) is a fault in the code, and stays one.
POSTGRES_CONFLICTS = frozenset({"23505", "23503"})  # unique_violation, foreign_key_violation
SQLITE_CONFLICTS = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")


def is_taken_meanwhile(error: IntegrityError) -> bool:
    code = getattr(error.orig, "sqlstate", None)
    if code is not None:
        return code in POSTGRES_CONFLICTS
    return str(error.orig).startswith(SQLITE_CONFLICTS)


def commit_or(conflict: Callable[[], Exception]) -> None:
    """Commit now, as `committing` does at the end of its block."""
    with committing(conflict):
        pass


def change_if_unchanged(
    model: type[Base], row_id: object, *, expected: Mapping[str, Any], values: Mapping[str, Any]
) -> bool:
    """Write `values` to one row only if it still holds `expected` (compare and set): for
    what is spent by its first use, such as a security code's time step or a link's token.
    Of two requests at the same moment exactly one gets True; the caller refuses the other.
    Part of the caller's transaction; the row's loaded attributes are refreshed."""
    table = cast(Table, model.__table__)
    conditions = [table.c.id == row_id]
    for name, value in expected.items():
        column = table.c[name]
        conditions.append(column.is_(None) if value is None else column == value)
    result = db.session.execute(update(table).where(*conditions).values(**values))
    instance = db.session.get(model, row_id)
    if instance is not None:
        db.session.expire(instance, list(values))
    return bool(getattr(result, "rowcount", 0) == 1)


class Revised(Protocol):
    """A shared record whose edit forms carry the revision they were loaded from."""

    @property
    def id(self) -> Any: ...

    @property
    def revision(self) -> int: ...


def expect_revision(
    record: Revised,
    revision: int | None,
    *,
    what: str,
    record_type: str,
    refusal: Callable[[str], Exception],
    what_next: str = "Check it and try again",
) -> None:
    """Refuse to act for a page loaded at another revision of `record` (None: not checked):
    roll back, and raise `refusal(message)`, the message saying who changed it and when."""
    if revision is None or record.revision == revision:
        return
    record_id = record.id
    db.session.rollback()  # nothing half-done stays, and the page is then built from what is saved now
    raise refusal(audit.changed_after_opened(what, record_type, record_id, what_next))
