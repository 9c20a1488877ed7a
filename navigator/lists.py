"""The casework lists' filter forms and page numbers, read from the address (GET forms that
work without JavaScript). Anything typed that does not fit is said back, with what was
typed: an unknown filter value is a form error, a page past the end shows the last page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import ValidationError

from navigator.forms import DateInputField
from navigator.services.paging import Page

TYPED_SHOWN = 60  # characters of a typed value said back in a message


def said_back(typed: str) -> str:
    typed = " ".join(typed.split())
    return typed if len(typed) <= TYPED_SHOWN else typed[: TYPED_SHOWN - 1] + "…"


class FilterSelect(SelectField):
    """A select whose first option means "any". An unknown value (an old bookmark, a typed
    address) is an error naming it, so nothing typed is silently ignored."""

    def __init__(self, label: str, *, noun: str, any_label: str, **kwargs: Any) -> None:
        super().__init__(label, validate_choice=False, **kwargs)
        self.noun = noun
        self.any_label = any_label

    def set_options(self, options: Iterable[tuple[str, str]]) -> None:
        self.choices = [("", self.any_label), *options]

    def pre_validate(self, form: Any) -> None:
        if self.data and self.data not in {str(value) for value, _ in self.choices or []}:  # type: ignore[misc]
            raise ValidationError(f"There is no {self.noun} ‘{said_back(self.data)}’. Choose one from the list")

    @property
    def chosen(self) -> str | None:
        """The value chosen, or None for "any" (and for a value that was refused)."""
        return None if self.errors else (self.data or None)

    @property
    def chosen_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.data) if self.chosen else None


class ListForm(FlaskForm):
    """A list's filters, read from the query string. `page` is read separately."""

    class Meta:
        csrf = False

    def __init__(self) -> None:
        super().__init__(formdata=request.args)

    def check(self) -> bool:
        """Validate, and check that any From date is not after its To date."""
        valid = self.validate()
        start, end = getattr(self, "submitted_from", None), getattr(self, "submitted_to", None)
        if (
            isinstance(start, DateInputField)
            and isinstance(end, DateInputField)
            and start.data
            and end.data
            and start.data > end.data
            and not end.errors
        ):
            end.errors = [*end.errors, f"‘{end.label.text}’ must be the same as or after ‘{start.label.text}’"]
            valid = False
        return valid


@dataclass(frozen=True)
class PageRequest:
    number: int
    typed: str  # what was in ?page=, when it was not a page number

    @property
    def size(self) -> int:
        return int(current_app.config["CASEWORK_PAGE_SIZE"])


def page_requested(name: str = "page") -> PageRequest:
    """The page number in the address; 1 when it is missing or not a whole number."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return PageRequest(1, "")
    if re.fullmatch(r"[0-9]{1,9}", raw) and int(raw) >= 1:
        return PageRequest(int(raw), "")
    return PageRequest(1, raw)


def page_problem(page: Page[Any], asked: PageRequest, noun: str) -> str | None:
    """What to say when the page asked for is not the page shown."""
    if asked.typed:
        return f"‘{said_back(asked.typed)}’ is not a page number. This is page 1 of the {noun}."
    if page.past_the_end:
        pages = f"{page.pages} pages" if page.pages > 1 else "1 page"
        return f"There is no page {asked.number}: the {noun} fill {pages}. This is the last page."
    return None


def url_with(changes: dict[str, Any]) -> str:
    """This page's address with some query values changed (None removes one)."""
    args: dict[str, Any] = {key: values for key, values in request.args.lists()}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)


def page_window(page: Page[Any], around: int = 2) -> list[int | None]:
    """The page numbers to link: the first, the last and those near this one; None for a gap.
    When the count stopped short (`page.more`) the last page is not known: a gap ends it."""
    near = range(max(1, page.number - around), min(page.pages, page.number + around) + 1)
    numbers = sorted({1, *near} if page.more else {1, page.pages, *near})
    window: list[int | None] = []
    for number in numbers:
        if window and number - (window[-1] or 0) > 1:
            window.append(None)
        window.append(number)
    if page.more:
        window.append(None)
    return window


def thousands(number: int) -> str:
    return f"{number:,}"


def register_list_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(url_with=url_with, page_window=page_window)
    app.jinja_env.filters.update(thousands=thousands)
