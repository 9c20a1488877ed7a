"""The freshness schedule (domain.md 5.5, issue 5): owners are asked to confirm their
listings, reminded, then the listing is ranked lower and hidden; a one-click signed link
confirms it. Run with a controlled clock through `review_stale` and the CLI command."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import (
    AuditEntry,
    Freshness,
    FreshnessNotice,
    Listing,
    ListingKind,
    ListingStatus,
    OutboxMessage,
)
from navigator.services.freshness import review_stale
from tests.directory.pages import Page

START = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)  # when the listing was last confirmed
LINK = re.compile(r"http://localhost(/listings/confirm/\S+)")


def at(**delta: int) -> datetime:
    return START + relativedelta(**delta)  # type: ignore[arg-type]


@pytest.fixture
def listing(staff, make_listing, frozen_now):
    """A published listing of the staff fixture's organisation, whose editor gets the mail."""
    frozen_now(START)
    return make_listing("Clapton Lunch Club", organisation_id=staff["organisation"].id, description="Hot lunches")


def mails(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == address).order_by(OutboxMessage.id)))


def all_mail_count() -> int:
    return int(db.session.scalar(select(func.count(OutboxMessage.id))) or 0)


def link_in(message: OutboxMessage) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def fresh(listing: Listing) -> Listing:
    db.session.expire_all()
    found = db.session.get(Listing, listing.id)
    assert found is not None
    return found


def search_names(client, q: str = "lunch") -> list[str]:
    return Page(client.get("/search", query_string={"q": q})).names


def run(frozen_now, moment: datetime):
    frozen_now(moment)
    return review_stale()


def test_nothing_happens_before_six_months(listing, staff, frozen_now):
    summary = run(frozen_now, at(months=6) - timedelta(minutes=1))

    assert str(summary).startswith("Asked 0, reminded 0, urgent 0, stale 0, hidden 0")
    assert all_mail_count() == 0
    assert fresh(listing).freshness is Freshness.CURRENT
    assert db.session.scalar(select(func.count(FreshnessNotice.id))) == 0


def test_the_whole_schedule_once_each_then_confirming_by_link(app, client, listing, staff, frozen_now):
    editor = staff["editor"].email
    moderator = staff["moderator"].email

    # 6 months: one mail asking the owner to check, with a confirm link and an update link.
    assert run(frozen_now, at(months=6)).steps[Freshness.ASKED] == 1
    review_stale()  # running twice sends nothing twice
    [asked] = mails(editor)
    assert asked.subject == "Please check your listing: Clapton Lunch Club"
    assert "last confirmed on 6 January 2025" in asked.body
    assert f"http://localhost/listings/{listing.id}/edit" in asked.body
    first_link = link_in(asked)
    assert fresh(listing).freshness is Freshness.ASKED

    # Reminders at +2 and +4 weeks, not before.
    run(frozen_now, at(months=6, days=13))
    assert len(mails(editor)) == 1
    run(frozen_now, at(months=6, weeks=2))
    review_stale()
    assert [m.subject for m in mails(editor)][1:] == ["Reminder: please check your listing: Clapton Lunch Club"]
    run(frozen_now, at(months=6, weeks=4))
    review_stale()
    last = mails(editor)[-1]
    assert last.subject == "Last reminder: please check your listing: Clapton Lunch Club"
    assert (
        "If nobody confirms it, it will be shown lower in search results from 6 January 2026, "
        "and hidden from the directory from 6 April 2026." in last.body
    )
    assert len(mails(editor)) == 3
    assert fresh(listing).freshness is Freshness.URGENT

    # 12 months: ranked lower with a badge, no mail; still public.
    assert run(frozen_now, at(months=12)).steps[Freshness.STALE] == 1
    assert len(mails(editor)) == 3
    assert fresh(listing).freshness is Freshness.STALE
    detail = Page(client.get(f"/activities/{listing.id}"))
    assert detail.status == 200
    assert "Last checked on 6 January 2025" in detail.main_text

    # 15 months: hidden from the public, never deleted; owner and moderator told.
    summary = run(frozen_now, at(months=15))
    review_stale()
    assert summary.steps[Freshness.HIDDEN] == 1
    hidden = fresh(listing)
    assert (hidden.status, hidden.freshness) == (ListingStatus.HIDDEN, Freshness.HIDDEN)
    assert client.get(f"/activities/{listing.id}").status_code == 404
    assert search_names(client) == []
    assert mails(editor)[-1].subject == "Hidden from the directory: Clapton Lunch Club"
    [told] = mails(moderator)
    assert "Clapton Lunch Club (Clapton Lunch Club Collective), last confirmed on 6 January 2025" in told.body
    assert "http://localhost/moderation/freshness" in told.body
    assert len(mails(editor)) == 4
    stages = db.session.scalars(select(FreshnessNotice.stage).where(FreshnessNotice.listing_id == listing.id)).all()
    assert sorted(stage.value for stage in stages) == sorted(["asked", "reminded", "urgent", "stale", "hidden"])

    # The first link has expired (60 days); the one in the last mail confirms, on POST.
    expired = Page(client.get(first_link))
    assert expired.status == 400
    assert "This link has expired" in expired.main_text
    link = link_in(mails(editor)[-1])
    frozen_now(at(months=15, days=1))
    page = Page(client.get(link))
    assert page.status == 200
    assert "Is Clapton Lunch Club still correct?" in page.h1s
    assert "It is hidden from the directory until someone confirms it." in page.main_text
    buttons = [node.text() for node in page.root.find_all("button")]
    assert "Yes, this is still correct" in buttons
    assert page.link("Update it") == f"/listings/{listing.id}/edit"
    assert fresh(listing).status is ListingStatus.HIDDEN  # looking changes nothing

    done = Page(client.post(link))
    assert done.status == 200
    assert "Listing confirmed" in done.main_text
    back = fresh(listing)
    assert (back.status, back.freshness) == (ListingStatus.PUBLISHED, Freshness.CURRENT)
    assert back.last_confirmed_at == at(months=15, days=1)
    assert back.last_confirmed_by_id == staff["editor"].id
    assert client.get(f"/activities/{listing.id}").status_code == 200
    assert search_names(client) == ["Clapton Lunch Club"]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.record_id == str(listing.id)).order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None and entry.new_values is not None
    assert entry.new_values["freshness"] == "current" and entry.new_values["status"] == "published"
    assert entry.reason == f"Confirmed still correct with the link emailed to {editor}"

    # The same link again: already used, a clear page, nothing changes.
    again = Page(client.post(link))
    assert again.status == 200
    assert "This listing has already been confirmed" in again.h1s
    assert fresh(listing).last_confirmed_at == at(months=15, days=1)

    # The schedule starts again from the confirmation.
    before = all_mail_count()
    run(frozen_now, at(months=21))
    assert all_mail_count() == before
    run(frozen_now, at(months=21, days=1))
    assert mails(editor)[-1].subject == "Please check your listing: Clapton Lunch Club"


def test_opening_the_link_does_not_confirm(client, listing, staff, frozen_now):
    run(frozen_now, at(months=6))
    link = link_in(mails(staff["editor"].email)[0])
    frozen_now(at(months=6, days=3))

    for _ in range(3):
        assert client.get(link).status_code == 200
        client.head(link)

    after = fresh(listing)
    assert after.last_confirmed_at == START
    assert after.freshness is Freshness.ASKED


def test_an_old_link_stops_working_once_the_listing_is_confirmed(client, listing, staff, frozen_now):
    run(frozen_now, at(months=6))
    run(frozen_now, at(months=6, weeks=2))
    first, reminder = (link_in(message) for message in mails(staff["editor"].email))
    frozen_now(at(months=6, weeks=3))
    assert client.post(reminder).status_code == 200

    old = Page(client.get(first))
    assert "This listing has already been confirmed" in old.h1s
    assert "It was last confirmed on 27 July 2025" in old.main_text
    Page(client.post(first))
    assert fresh(listing).last_confirmed_at == at(months=6, weeks=3)


@pytest.mark.parametrize("token", ["nonsense", "x" * 300, "eyJsaXN0aW5nIjoiMSJ9.abc.def"])
def test_a_bad_link_gets_a_clear_page(client, token):
    for response in (client.get(f"/listings/confirm/{token}"), client.post(f"/listings/confirm/{token}")):
        page = Page(response)
        assert page.status == 400
        assert "There is a problem with this link" in page.h1s
        assert "This link is not valid" in page.main_text


def test_a_link_for_an_archived_listing_explains(client, listing, staff, frozen_now):
    run(frozen_now, at(months=6))
    link = link_in(mails(staff["editor"].email)[0])
    fresh(listing).status = ListingStatus.ARCHIVED
    db.session.commit()

    page = Page(client.post(link))
    assert page.status == 400
    assert "This listing is no longer in the directory" in page.main_text
    assert fresh(listing).status is ListingStatus.ARCHIVED


def test_steps_overdue_together_send_only_the_latest_mail(staff, make_listing, frozen_now):
    frozen_now(START)
    late = make_listing("Late Lunch Club", organisation_id=staff["organisation"].id)
    frozen_now(START - relativedelta(months=3))
    very_late = make_listing("Very Late Lunch Club", organisation_id=staff["organisation"].id)

    # The first run, 13 months after the first was confirmed (16 for the second).
    summary = run(frozen_now, at(months=13))

    subjects = sorted(m.subject for m in mails(staff["editor"].email))
    assert subjects == [
        "Hidden from the directory: Very Late Lunch Club",
        "Last reminder: please check your listing: Late Lunch Club",
    ]
    urgent = next(m for m in mails(staff["editor"].email) if m.subject.startswith("Last reminder"))
    assert "It is now shown lower in search results" in urgent.body
    assert fresh(late).freshness is Freshness.STALE
    assert fresh(very_late).status is ListingStatus.HIDDEN
    assert summary.steps[Freshness.ASKED] == 2  # recorded as taken, without their mails
    assert summary.mails == 3  # two to the editor, one to the moderator
    assert len(mails(staff["moderator"].email)) == 1
    assert review_stale().mails == 0


def test_a_listing_with_no_editors_mails_the_organisation(make_org, make_listing, frozen_now):
    frozen_now(START)
    org = make_org("Stamford Hill Chess", contact_email="chess@example.org")
    make_listing("Chess evening", organisation_id=org.id)

    run(frozen_now, at(months=6))

    assert [m.subject for m in mails("chess@example.org")] == ["Please check your listing: Chess evening"]


def test_moderator_hidden_listings_are_left_alone(listing, frozen_now):
    # Hidden by a moderator for another reason: the schedule does not touch it.
    fresh(listing).status = ListingStatus.HIDDEN
    db.session.commit()

    summary = run(frozen_now, at(months=16))

    assert summary.mails == 0
    assert fresh(listing).freshness is Freshness.CURRENT


def test_an_ended_event_is_archived(app, client, staff, make_listing, frozen_now):
    frozen_now(START)
    ended = make_listing("Winter Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=2))
    coming = make_listing("Spring Fair", kind=ListingKind.EVENT, starts_in=timedelta(days=30))

    summary = run(frozen_now, START + timedelta(days=3))

    assert summary.archived == 1
    assert fresh(ended).status is ListingStatus.ARCHIVED
    assert fresh(coming).status is ListingStatus.PUBLISHED
    indexed = {match.document.id for match in app.extensions["search"].match("")}
    assert indexed == {str(coming.id)}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == str(ended.id))).one()
    assert entry.reason == "The event has ended"
    assert run(frozen_now, START + timedelta(days=4)).archived == 0


def test_editors_confirm_from_their_listing_page(listing, staff, login_as, frozen_now):
    frozen_now(at(months=13))
    review_stale()
    assert fresh(listing).freshness is Freshness.STALE
    client = login_as(staff["editor"])

    response = client.post(f"/listings/{listing.id}/confirm", data={"next": f"/activities/{listing.id}"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/activities/{listing.id}"
    page = Page(client.get(response.headers["Location"]))
    assert "You confirmed Clapton Lunch Club is still correct" in page.main_text
    assert "Last checked on" not in page.main_text
    confirmed = fresh(listing)
    assert confirmed.freshness is Freshness.CURRENT
    assert confirmed.last_confirmed_by_id == staff["editor"].id
    assert confirmed.last_confirmed_at == at(months=13)


def test_editors_cannot_confirm_other_organisations_listings(staff, make_listing, login_as, frozen_now):
    frozen_now(START)
    other = make_listing("Someone else's club")
    client = login_as(staff["editor"])

    assert client.post(f"/listings/{other.id}/confirm").status_code == 404
    assert fresh(other).last_confirmed_by_id is None
    # An off-site "next" is ignored.
    mine = make_listing("Mine", organisation_id=staff["organisation"].id)
    response = client.post(f"/listings/{mine.id}/confirm", data={"next": "//evil.example.org/"})
    assert response.headers["Location"] == f"/listings/{mine.id}"


def test_the_command_runs_the_schedule_and_can_run_again(app, listing, staff, frozen_now):
    frozen_now(at(months=6))
    runner = app.test_cli_runner()

    first = runner.invoke(args=["listings", "review-stale"])
    second = runner.invoke(args=["listings", "review-stale"])

    assert first.exit_code == 0, first.output
    assert "Asked 1, reminded 0, urgent 0, stale 0, hidden 0, events archived 0; 1 mails queued." in first.output
    assert second.exit_code == 0, second.output
    assert "Asked 0" in second.output and "0 mails queued" in second.output
    assert len(mails(staff["editor"].email)) == 1


def test_the_periods_are_settings(app, listing, staff, frozen_now, monkeypatch):
    monkeypatch.setitem(app.config, "FRESHNESS_ASK_AFTER_MONTHS", 3)
    monkeypatch.setitem(app.config, "FRESHNESS_REMINDER_WEEKS", (1,))
    run(frozen_now, at(months=3))
    run(frozen_now, at(months=3, weeks=1))

    assert [m.subject.split(":")[0] for m in mails(staff["editor"].email)] == [
        "Please check your listing",
        "Last reminder",
    ]


def test_settings_out_of_order_are_refused(app, listing, monkeypatch, frozen_now):
    monkeypatch.setitem(app.config, "FRESHNESS_HIDE_AFTER_MONTHS", 10)
    frozen_now(at(months=16))

    result = app.test_cli_runner().invoke(args=["listings", "review-stale"])

    assert result.exit_code != 0
    assert "must come in order" in result.output
    assert all_mail_count() == 0


def test_the_command_can_run_as_of_a_later_date_for_a_demo(app, listing, staff, frozen_now, monkeypatch):
    frozen_now(START)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["listings", "review-stale", "--as-of", "2026-01-07"])

    assert result.exit_code == 0, result.output
    assert "Running as of 2026-01-07 (demo)." in result.output
    assert "urgent 1, stale 1, hidden 0" in result.output
    assert fresh(listing).freshness is Freshness.STALE
    monkeypatch.setenv("NAVIGATOR_ENV", "production")
    refused = runner.invoke(args=["listings", "review-stale", "--as-of", "2027-01-07"])
    assert refused.exit_code != 0
    assert "not available in production" in refused.output
    assert fresh(listing).status is ListingStatus.PUBLISHED
