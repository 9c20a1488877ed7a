"""Issue 5's "done when", end to end over HTTP: an organisation registers and is approved,
its contact becomes an editor, lists a fortnightly activity with an exception, a moderator
approves it, residents find it on the right days and in its calendar; an edit is shown to
the moderator as a difference and approved; then the review schedule runs as the months
pass: reminders, demotion, hiding."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import icalendar
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import Listing, ListingStatus, Organisation, OutboxMessage
from tests.listings.editor_forms import activity_form, listing_form_state
from tests.organisations.test_registration import FORM as REGISTRATION

PASSWORD = "woolly jumper season"


def last_mail_to(address: str) -> OutboxMessage:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == address).order_by(OutboxMessage.id.desc())
    ).first()


def path_in(body: str, prefix: str) -> str:
    match = re.search(rf"https?://[^/\s]+({prefix}[^\s]*)", body)
    assert match, body
    return match.group(1)


def result_names(client, query: str) -> str:
    return client.get(f"/search?{query}").get_data(as_text=True)


def review_stale(app, as_of: str) -> str:
    result = app.test_cli_runner().invoke(args=["listings", "review-stale", "--as-of", as_of])
    assert result.exit_code == 0, result.output
    return result.output


def test_from_registration_to_a_stale_listing(app, client, staff, login_as, frozen_now):
    frozen_now(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    resident = app.test_client()  # nobody signed in
    email = REGISTRATION["contact_email"].lower()

    # 1. The organisation registers; a moderator approves it, which invites the contact.
    assert client.post("/organisations/register", data=REGISTRATION).status_code == 302
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == REGISTRATION["name"]))
    moderator = login_as(staff["moderator"])
    assert moderator.post(f"/organisations/{organisation.id}/approve", data={}).status_code == 302
    invitation = path_in(last_mail_to(email).body, "/invitation/")
    client.post("/sign-out")
    client.post(invitation, data={"password": PASSWORD, "confirm": PASSWORD})
    signed_in = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert signed_in.headers["Location"].endswith("/staff/")
    assert "Your listings" in client.get("/staff/").get_data(as_text=True)

    # 2. The editor lists a fortnightly activity (from Tuesday 1 December, not on 29 December).
    created = client.post("/listings/new/activity", data=activity_form())
    assert created.status_code == 302
    listing = db.session.scalar(select(Listing).where(Listing.name == "Clapton Knit and Natter"))
    assert listing.organisation_id == organisation.id and listing.status is ListingStatus.DRAFT
    client.post(f"/listings/{listing.id}/submit")
    assert "Clapton Knit and Natter" not in result_names(resident, "q=knit")

    # 3. The moderator approves it from the queue.
    moderator = login_as(staff["moderator"])
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert "Clapton Knit and Natter" in queue and "New listing" in queue
    review_path = re.search(r'href="(/moderation/versions/[0-9a-f-]+)"', queue).group(1)
    moderator.post(f"{review_path}/approve", data={"approve-categories": ["arts-crafts"], "approve-note": ""})
    db.session.refresh(listing)
    assert listing.status is ListingStatus.PUBLISHED

    # 4. Residents find it on the days it meets, and in its calendar.
    assert "Clapton Knit and Natter" in result_names(resident, "q=knit&date=2026-12-15")
    assert "Clapton Knit and Natter" not in result_names(resident, "q=knit&date=2026-12-08")  # the week off
    assert "Clapton Knit and Natter" not in result_names(resident, "q=knit&date=2026-12-29")  # cancelled
    calendar = icalendar.Calendar.from_ical(resident.get(f"/activities/{listing.id}.ics").data)
    (event,) = [component for component in calendar.walk("VEVENT") if component.get("RRULE")]
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["INTERVAL"] == [2]
    assert "20261229" in event.to_ical().decode()  # the EXDATE

    # 5. The editor changes it; the live listing stays; the moderator sees the difference and approves.
    client.post("/sign-out")
    client.post("/sign-in", data={"email": email, "password": PASSWORD})
    editor = client
    form = listing_form_state(editor.get(f"/listings/{listing.id}/edit"))
    form["name"] = "Clapton Knit Club"
    editor.post(f"/listings/{listing.id}/edit", data=form)
    editor.post(f"/listings/{listing.id}/submit")
    assert "Clapton Knit and Natter" in result_names(resident, "q=knit")
    moderator = login_as(staff["moderator"])
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert "Change to a live listing" in queue
    review_path = re.search(r'href="(/moderation/versions/[0-9a-f-]+)"', queue).group(1)
    review = moderator.get(review_path).get_data(as_text=True)
    assert "Clapton Knit and Natter" in review and "Clapton Knit Club" in review
    moderator.post(f"{review_path}/approve", data={"approve-categories": ["arts-crafts"]})
    assert "Clapton Knit Club" in result_names(resident, "q=knit")

    # 6. Months pass with nobody confirming it.
    confirmed = listing.last_confirmed_at
    assert "Asked 0" in review_stale(app, "2027-05-01")
    assert "Asked 1" in review_stale(app, "2027-05-26")
    ask = last_mail_to(email)
    assert "/listings/confirm/" in ask.body and f"/listings/{listing.id}/edit" in ask.body
    assert "Asked 0, reminded 0" in review_stale(app, "2027-05-26")  # idempotent
    review_stale(app, "2027-06-09")
    review_stale(app, "2027-06-23")
    assert last_mail_to(email).id != ask.id
    review_stale(app, "2027-11-26")
    db.session.refresh(listing)
    assert listing.is_stale and listing.is_public
    assert "Last checked on" in result_names(resident, "q=knit")
    review_stale(app, "2028-02-26")
    db.session.refresh(listing)
    assert listing.status is ListingStatus.HIDDEN and listing.last_confirmed_at == confirmed
    assert resident.get(f"/activities/{listing.id}").status_code == 404
    assert "Clapton Knit Club" not in result_names(resident, "q=knit")
