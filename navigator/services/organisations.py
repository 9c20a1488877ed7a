"""Community organisations register, a moderator approves them, and their editors are
invited and removed (domain.md 1.1 and 1.2: moderators manage organisations and editor
access).

Editors use the same accounts as staff, with the role "organisation_editor": an editor
sees and edits only the listings of the organisations they belong to.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from navigator import clock
from navigator.auth.permissions import Permission
from navigator.extensions import db
from navigator.models import (
    AuditAction,
    Listing,
    ListingStatus,
    Organisation,
    OrganisationStatus,
    Role,
    User,
    organisation_members,
)
from navigator.models.directory import PUBLIC_STATUSES
from navigator.services import accounts, audit
from navigator.services.mail import queue_mail
from navigator.services.moderation import active_users_with
from navigator.services.transactions import all_or_nothing, committing, expect_revision
from navigator.urls import external_url

EDITOR_ROLE = "organisation_editor"
MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_REASON = 2000

# Charity Commission numbers: 6 to 8 digits; a linked charity adds "-1", "-2"...
CHARITY_NUMBER = re.compile(r"\d{6,8}(?:-\d{1,3})?")
# Companies House numbers: 8 characters, all digits or a two-character prefix (SC, NI, OC, R0...).
COMPANY_NUMBER = re.compile(r"(?:\d{2}|[A-Z]{2}|R0)\d{6}")


class OrganisationError(ValueError):
    """Something the person can correct; the message says what."""


class NameTaken(OrganisationError):
    """Another organisation already has this name."""


class AlreadyRegistered(OrganisationError):
    """The same registration arrived twice (a double submit, or the back button)."""

    def __init__(self, organisation: Organisation):
        super().__init__(f"We already have the registration for {organisation.name}")
        self.organisation = organisation


class NotFound(LookupError):
    """No such organisation or editor."""


@dataclass
class Registration:
    """What an organisation tells us when it registers."""

    name: str
    description: str
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    website: str = ""
    charity_number: str = ""
    company_number: str = ""


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    editors: int
    listings: int


@dataclass
class OrganisationsOverview:
    pending: list[OrganisationRow] = field(default_factory=list)
    approved: list[OrganisationRow] = field(default_factory=list)
    rejected: list[OrganisationRow] = field(default_factory=list)


# -- checking what people type ------------------------------------------------------------


def tidy_name(name: str) -> str:
    """One space between words, none around."""
    return " ".join(name.split())


def normalise_charity_number(text: str) -> str:
    """'1187 342' -> '1187342'; raises OrganisationError if it is not a charity number."""
    value = re.sub(r"\s", "", text or "")
    if value and not CHARITY_NUMBER.fullmatch(value):
        raise OrganisationError("Enter a charity number of 6 to 8 digits, like 1187342 (or 1187342-1)")
    return value


def normalise_company_number(text: str) -> str:
    """'sc 123456' -> 'SC123456'; raises OrganisationError if it is not a company number."""
    value = re.sub(r"\s", "", text or "").upper()
    if value and not COMPANY_NUMBER.fullmatch(value):
        raise OrganisationError("Enter a company number of 8 characters, like 01234567 or SC123456")
    return value


def find_by_name(name: str) -> Organisation | None:
    """The organisation with this name, ignoring case and spacing."""
    return db.session.scalar(select(Organisation).where(func.lower(Organisation.name) == tidy_name(name).lower()))


def _check_registration(details: Registration) -> Registration:
    name = tidy_name(details.name)
    if not name:
        raise OrganisationError("Enter the name of your organisation")
    if len(name) > MAX_NAME:
        raise OrganisationError(f"The organisation's name must be {MAX_NAME} characters or fewer")
    description = (details.description or "").strip()
    if not description:
        raise OrganisationError("Describe what your organisation does")
    if len(description) > MAX_DESCRIPTION:
        raise OrganisationError(f"The description must be {MAX_DESCRIPTION} characters or fewer")
    if not details.contact_name.strip() or "@" not in details.contact_email:
        raise OrganisationError("Enter the name and email address of the person we should contact")
    return Registration(
        name=name,
        description=description,
        contact_name=details.contact_name.strip(),
        contact_email=accounts.normalise_email(details.contact_email),
        contact_phone=details.contact_phone.strip(),
        website=details.website.strip(),
        charity_number=normalise_charity_number(details.charity_number),
        company_number=normalise_company_number(details.company_number),
    )


# -- who hears about registrations --------------------------------------------------------


def moderators() -> list[User]:
    """Active accounts that may approve organisations."""
    return active_users_with(Permission.MANAGE_ORGANISATIONS)


# -- registering ----------------------------------------------------------------------------


@all_or_nothing
def register_organisation(details: Registration) -> Organisation:
    """Record a registration from the public form: pending until a moderator decides.

    The contact is told we have it; moderators are told there is one to check. A name
    already in use is refused (NameTaken), except the same registration sent twice
    (AlreadyRegistered) and a new attempt after a rejection, which reopens it."""
    details = _check_registration(details)
    existing = find_by_name(details.name)
    if existing is not None:
        if existing.status is OrganisationStatus.PENDING and existing.contact_email == details.contact_email:
            raise AlreadyRegistered(existing)
        if existing.status is not OrganisationStatus.REJECTED:
            raise NameTaken(
                f"An organisation called {existing.name} is already registered. If you are part of it, "
                "ask its contact to invite you as an editor, or give your organisation's full name"
            )
    if existing is not None:
        # Registering again after a rejection: the same record, with the new details, waits again.
        organisation = existing
        old = {"status": organisation.status, "reason": organisation.decision_reason}
        organisation.status = OrganisationStatus.PENDING
        organisation.decided_at = None
        organisation.decided_by_id = None
        organisation.decision_reason = ""
        organisation.created_at = clock.now()
    else:
        organisation = Organisation(name=details.name, status=OrganisationStatus.PENDING, created_at=clock.now())
        db.session.add(organisation)
        old = None
    organisation.name = details.name
    organisation.description = details.description
    organisation.website = details.website or None
    organisation.phone = details.contact_phone or None
    organisation.charity_number = details.charity_number or None
    organisation.company_number = details.company_number or None
    organisation.contact_name = details.contact_name
    organisation.contact_email = details.contact_email
    db.session.flush()
    audit.record(
        AuditAction.CREATE if old is None else AuditAction.STATE_CHANGE,
        "organisation",
        organisation.id,
        by=None,
        old=old,
        new={
            "name": organisation.name,
            "status": organisation.status,
            "contact_email": organisation.contact_email,
            "charity_number": organisation.charity_number,
            "company_number": organisation.company_number,
        },
        reason="registration form" if old is None else "registered again after a rejection",
    )
    queue_mail(
        organisation.contact_email,
        f"We have your registration for {organisation.name}",
        f"Hello {organisation.contact_name},\n\n"
        f"Thank you for registering {organisation.name} with Community Navigator.\n\n"
        "A directory moderator will check it, usually within a few working days. When it is approved "
        "we will email you a link to set up your account, so you can list your activities, events and "
        "spaces.\n\nIf you did not register, you can ignore this email.\n",
    )
    review_link = external_url("organisations.detail", organisation_id=organisation.id)
    for moderator in moderators():
        queue_mail(
            moderator.email,
            f"New organisation to check: {organisation.name}",
            f"Hello {moderator.name},\n\n{organisation.contact_name} has registered {organisation.name}.\n\n"
            f"Approve or reject it here:\n{review_link}\n",
        )
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError) as error:
        # Two submissions at the same moment: the other one won the name (or the rejected record).
        db.session.rollback()
        again = find_by_name(details.name)
        if again is not None and again.contact_email == details.contact_email:
            raise AlreadyRegistered(again) from error
        raise NameTaken(f"An organisation called {details.name} is already registered") from error
    return organisation


# -- what moderators see ---------------------------------------------------------------------


def count_pending_registrations() -> int:
    """How many registrations wait for a moderator's decision."""
    query = select(func.count()).select_from(Organisation).where(Organisation.status == OrganisationStatus.PENDING)
    return int(db.session.scalar(query) or 0)


def overview(search: str = "") -> OrganisationsOverview:
    """Registrations waiting for a decision (oldest first), then approved organisations and
    rejected registrations (by name), each with its number of editors and listings."""
    editors = (
        select(organisation_members.c.organisation_id, func.count().label("n"))
        .group_by(organisation_members.c.organisation_id)
        .subquery()
    )
    listings = (
        select(Listing.organisation_id, func.count().label("n"))
        .where(Listing.status != ListingStatus.ARCHIVED)
        .group_by(Listing.organisation_id)
        .subquery()
    )
    query = (
        select(Organisation, func.coalesce(editors.c.n, 0), func.coalesce(listings.c.n, 0))
        .outerjoin(editors, editors.c.organisation_id == Organisation.id)
        .outerjoin(listings, listings.c.organisation_id == Organisation.id)
    )
    search = tidy_name(search)[:MAX_NAME]
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Organisation.name).like(f"%{escaped}%", escape="\\"))
    result = OrganisationsOverview()
    for organisation, editor_count, listing_count in db.session.execute(
        query.order_by(Organisation.created_at, Organisation.name)
    ):
        row = OrganisationRow(organisation, int(editor_count), int(listing_count))
        {
            OrganisationStatus.PENDING: result.pending,
            OrganisationStatus.APPROVED: result.approved,
            OrganisationStatus.REJECTED: result.rejected,
        }[organisation.status].append(row)
    result.approved.sort(key=lambda row: row.organisation.name.lower())
    result.rejected.sort(key=lambda row: row.organisation.name.lower())
    return result


def get_organisation(organisation_id: uuid.UUID) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("No such organisation")
    return organisation


def editors_of(organisation: Organisation) -> list[User]:
    return sorted(organisation.editors, key=lambda user: (user.name.lower(), user.email))


def listing_count(organisation: Organisation) -> int:
    return int(
        db.session.scalar(
            select(func.count(Listing.id)).where(
                Listing.organisation_id == organisation.id, Listing.status != ListingStatus.ARCHIVED
            )
        )
        or 0
    )


def decided_by(organisation: Organisation) -> User | None:
    return db.session.get(User, organisation.decided_by_id) if organisation.decided_by_id else None


# -- deciding -----------------------------------------------------------------------------


DECIDED_MEANWHILE = "Another moderator decided on this registration at the same moment. Check it"


def _pending(organisation_id: uuid.UUID, revision: int | None) -> Organisation:
    """The registration to decide on, as the moderator's page showed it (`revision`; None: not checked)."""
    organisation = get_organisation(organisation_id)
    if organisation.status is not OrganisationStatus.PENDING:
        raise OrganisationError(f"{organisation.name} has already been {organisation.status.value}")
    expect_revision(
        organisation,
        revision,
        what="This registration",
        record_type="organisation",
        refusal=OrganisationError,
        what_next="Check it, then decide again",
    )
    return organisation


def _decide(organisation: Organisation, status: OrganisationStatus, *, by: User, reason: str) -> None:
    """Record a moderator's decision on a registration, and audit it."""
    organisation.status = status
    organisation.decided_at = clock.now()
    organisation.decided_by_id = by.id
    organisation.decision_reason = reason
    audit.record(
        AuditAction.STATE_CHANGE,
        "organisation",
        organisation.id,
        by=by,
        old={"status": OrganisationStatus.PENDING},
        new={"status": status},
        reason=reason,
    )


@all_or_nothing
def approve_organisation(
    organisation_id: uuid.UUID, *, by: User, note: str = "", revision: int | None = None
) -> User | None:
    """Approve a registration and invite its contact as the first editor. Returns that
    editor, or None when the contact's account is switched off (a moderator then invites
    someone else). Two moderators deciding at once: one wins (Organisation.revision)."""
    with committing(lambda: OrganisationError(DECIDED_MEANWHILE)):
        return _approve(organisation_id, by=by, note=note, revision=revision)


def _approve(organisation_id: uuid.UUID, *, by: User, note: str, revision: int | None) -> User | None:
    organisation = _pending(organisation_id, revision)
    note = note.strip()
    if len(note) > MAX_REASON:
        raise OrganisationError(f"The note must be {MAX_REASON} characters or fewer")
    if not organisation.contact_email:
        raise OrganisationError(f"{organisation.name} has no contact email address to invite")
    _decide(organisation, OrganisationStatus.APPROVED, by=by, reason=note)
    contact = accounts.find_user_by_email(organisation.contact_email)
    if contact is not None and (not contact.active or organisation in contact.organisations):
        db.session.commit()
        return None
    # The approval and the invitation are committed together: an invitation that cannot
    # be sent leaves the registration waiting, with the reason shown to the moderator.
    return _invite(
        organisation, organisation.contact_name or organisation.contact_email, organisation.contact_email, by
    )


@all_or_nothing
def reject_organisation(
    organisation_id: uuid.UUID, *, by: User, reason: str, revision: int | None = None
) -> Organisation:
    """Turn a registration down with a reason, which the contact is sent."""
    with committing(lambda: OrganisationError(DECIDED_MEANWHILE)):
        return _reject(organisation_id, by=by, reason=reason, revision=revision)


def _reject(organisation_id: uuid.UUID, *, by: User, reason: str, revision: int | None) -> Organisation:
    reason = (reason or "").strip()
    if not reason:
        raise OrganisationError("Enter the reason, so the organisation knows what to do next")
    if len(reason) > MAX_REASON:
        raise OrganisationError(f"The reason must be {MAX_REASON} characters or fewer")
    organisation = _pending(organisation_id, revision)
    _decide(organisation, OrganisationStatus.REJECTED, by=by, reason=reason)
    queue_mail(
        organisation.contact_email,
        f"Your registration for {organisation.name}",
        f"Hello {organisation.contact_name},\n\n"
        f"We could not approve the registration of {organisation.name} on Community Navigator.\n\n"
        f"The moderator's reason:\n{reason}\n\n"
        f"You can register again once you have dealt with this:\n{external_url('organisations.register')}\n",
    )
    db.session.commit()
    return organisation


# -- editors ------------------------------------------------------------------------------------


@all_or_nothing
def invite_editor(organisation_id: uuid.UUID, name: str, email: str, *, by: User) -> User:
    """Let someone edit an approved organisation's listings.

    Someone without an account is sent an invitation to set a password; someone with one
    gets the organisation editor role if they lack it, and an email saying what changed."""
    organisation = get_organisation(organisation_id)
    if not organisation.is_approved:
        raise OrganisationError(f"{organisation.name} is not approved, so it cannot have editors yet")
    return _invite(organisation, name, email, by)


def _invite(organisation: Organisation, name: str, email: str, by: User) -> User:
    name, email = name.strip(), accounts.normalise_email(email)
    if not name or "@" not in email:
        raise OrganisationError("Enter the editor's name and email address")
    user = accounts.find_user_by_email(email)
    audit.record(
        AuditAction.UPDATE,
        "organisation",
        organisation.id,
        by=by,
        new={"editor_added": email, "new_account": user is None},
    )
    if user is None:
        try:
            return accounts.invite_user(
                email=email,
                name=name,
                role_codes=[EDITOR_ROLE],
                team_ids=[],
                by=by,
                organisations=[organisation],
            )
        except accounts.AccountError as error:
            db.session.rollback()
            raise OrganisationError(str(error)) from error
    if not user.active:
        db.session.rollback()
        raise OrganisationError(
            f"The account for {email} is switched off. Ask a system admin to switch it on, then invite them again"
        )
    if organisation in user.organisations:
        db.session.rollback()
        raise OrganisationError(f"{user.name} can already edit listings for {organisation.name}")
    role_added = False
    if not user.has_role(EDITOR_ROLE):
        role = db.session.get(Role, EDITOR_ROLE)
        if role is None:
            db.session.rollback()
            raise OrganisationError("The organisation editor role is missing: run `flask db upgrade`")
        user.roles.append(role)
        role_added = True
    user.organisations.append(organisation)
    audit.record(
        AuditAction.UPDATE,
        "user",
        user.id,
        by=by,
        new={"organisation_added": organisation.name} | ({"role_added": EDITOR_ROLE} if role_added else {}),
    )
    if user.password_hash is None:
        # Invited before and never set a password: the invitation link again.
        how = f"Choose your password here (the link works for 7 days):\n{accounts.invitation_link(user)}\n"
    else:
        how = f"Sign in with your usual email address and password:\n{external_url('auth.sign_in')}\n"
    queue_mail(
        user.email,
        f"You can now edit listings for {organisation.name}",
        f"Hello {user.name},\n\n{by.name} has given you access to list and update activities, events and "
        f"spaces for {organisation.name} on Community Navigator.\n\n{how}",
    )
    db.session.commit()
    return user


def remove_editor(organisation_id: uuid.UUID, user_id: uuid.UUID, *, by: User) -> User:
    """Take away someone's access to an organisation. The account stays (it may edit for
    other organisations); with no organisation left, it loses the editor role too."""
    organisation = get_organisation(organisation_id)
    user = next((editor for editor in organisation.editors if editor.id == user_id), None)
    if user is None:
        raise NotFound("No such editor")
    user.organisations.remove(organisation)
    role_removed = False
    if not user.organisations and user.has_role(EDITOR_ROLE):
        user.roles = [role for role in user.roles if role.code != EDITOR_ROLE]
        role_removed = True
    audit.record(
        AuditAction.UPDATE,
        "user",
        user.id,
        by=by,
        old={"organisation": organisation.name} | ({"role": EDITOR_ROLE} if role_removed else {}),
        new={"organisation_removed": organisation.name},
    )
    audit.record(AuditAction.UPDATE, "organisation", organisation.id, by=by, new={"editor_removed": user.email})
    queue_mail(
        user.email,
        f"You can no longer edit listings for {organisation.name}",
        f"Hello {user.name},\n\n{by.name} has removed your access to {organisation.name}'s listings on "
        f"Community Navigator. If you think this is a mistake, ask {organisation.name} to contact the "
        "directory moderators.\n",
    )
    db.session.commit()
    return user


# -- organisations with their listings, for moderators --------------------------------

WAITING_STATUSES = (ListingStatus.PENDING, ListingStatus.CHANGES_PENDING)


@dataclass(frozen=True)
class OrganisationCount:
    organisation: Organisation
    listings: int
    live: int
    waiting: int


def listing_counts(search: str, page: int, *, per_page: int) -> tuple[list[OrganisationCount], int, int]:
    """Approved organisations, and any other with listings, with how many listings each has;
    `search` matches an organisation's name or one of its listings' names. One page of them
    (the last, if `page` is past it), its number, and how many pages there are."""
    query = (
        select(
            Organisation,
            func.count(Listing.id),
            func.coalesce(func.sum(case((Listing.status.in_(PUBLIC_STATUSES), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Listing.status.in_(WAITING_STATUSES), 1), else_=0)), 0),
        )
        .outerjoin(Listing, Listing.organisation_id == Organisation.id)
        .where(or_(Organisation.status == OrganisationStatus.APPROVED, Listing.id.is_not(None)))
        .group_by(Organisation.id)
    )
    if search:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search) + "%"
        named = select(Listing.organisation_id).where(Listing.name.ilike(pattern, escape="\\"))
        query = query.where(or_(Organisation.name.ilike(pattern, escape="\\"), Organisation.id.in_(named)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    rows = db.session.execute(
        query.order_by(Organisation.name, Organisation.id).limit(per_page).offset((page - 1) * per_page)
    )
    return [OrganisationCount(org, count, live, waiting) for org, count, live, waiting in rows], page, pages
