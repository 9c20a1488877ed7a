"""A stable pseudonymous key for a person across their episodes (domain.md 2.3, 6.8).

Every referral keeps its own copy of the person's details, so "how many people" cannot be
counted from rows. The key is a keyed hash (HMAC-SHA256 with PERSON_KEY_SECRET) of the NHS
number when there is one, else of the normalised name with the date of birth: the same
person referred twice gets the same key, and the key tells nobody who they are. A person with
neither gets a random key of their own, which never matches anyone.

Triage can confirm that a referral is the same person as an earlier one although their
details differ (a name spelled another way): the new episode then takes the earlier one's
key, and both keys are fixed ("linked") so that a later correction cannot split them.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import unicodedata
from datetime import date
from typing import Protocol

from flask import current_app


class PersonKeySource(enum.Enum):
    NHS_NUMBER = "nhs_number"
    NAME_AND_DATE_OF_BIRTH = "name_and_date_of_birth"
    # Neither an NHS number nor a date of birth: a key of their own, never matched.
    RANDOM = "random"
    # Fixed by triage confirming the same person: no longer follows corrections.
    LINKED = "linked"


def normalised_name(given_name: str, family_name: str) -> str:
    """The name as the key compares it: any case, any spacing, one Unicode form."""

    def tidy(part: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", part or "").split()).casefold()

    return f"{tidy(given_name)}|{tidy(family_name)}"


def computed_person_key(
    secret: str, *, nhs_number: str | None, given_name: str, family_name: str, date_of_birth: date | None
) -> tuple[str, PersonKeySource] | None:
    """The keyed hash of what identifies the person, or None when nothing does."""
    digits = "".join((nhs_number or "").split())
    if digits:
        message, source = f"nhs:{digits}", PersonKeySource.NHS_NUMBER
    elif date_of_birth is not None:
        name = normalised_name(given_name, family_name)
        message, source = f"name:{name}|{date_of_birth.isoformat()}", PersonKeySource.NAME_AND_DATE_OF_BIRTH
    else:
        return None
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return digest, source


def random_person_key() -> str:
    """As long as a computed key, so the two cannot be told apart."""
    return secrets.token_hex(32)


class KeyedPerson(Protocol):
    nhs_number: str | None
    given_name: str
    family_name: str
    date_of_birth: date | None
    person_key: str
    person_key_source: PersonKeySource


def keep_person_key(person: KeyedPerson) -> None:
    """Set the key from the person's details as they are now (on insert and every update),
    unless triage has linked it; a random key is kept while there is still nothing to hash."""
    if getattr(person, "person_key_source", None) is PersonKeySource.LINKED:
        return
    computed = computed_person_key(
        current_app.config["PERSON_KEY_SECRET"],
        nhs_number=person.nhs_number,
        given_name=person.given_name or "",
        family_name=person.family_name or "",
        date_of_birth=person.date_of_birth,
    )
    if computed is not None:
        person.person_key, person.person_key_source = computed
    elif getattr(person, "person_key_source", None) is not PersonKeySource.RANDOM or not person.person_key:
        person.person_key, person.person_key_source = random_person_key(), PersonKeySource.RANDOM
