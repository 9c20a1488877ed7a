"""Nobody referred is lost (issue 18): many people referred at the same moment through a
real server, each form sent twice at once as by a double-click. Every referral is stored
exactly once, nobody sees an error, and both clicks end on the same confirmation page.
Runs on the test session's database: SQLite here, PostgreSQL in CI's second run."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from navigator.extensions import db
from navigator.models import Person, Referral
from tests.factories import PASSWORD, make_user
from tests.live_server import Answer, Browser, live_server
from tests.referrals.helpers import self_referral_data, staff_referral_data

pytestmark = pytest.mark.slow

STAFF_PEOPLE = 30  # from three referrers of one team, ten each
SELF_REFERRALS = 20  # each resident in their own browser
KEY = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"')
REFERENCE = re.compile(r"CN-\d{4}-\d{6}")


def form_key(page: Answer) -> str:
    match = KEY.search(page.text)
    assert match, "the form carries its idempotency key"
    return match.group(1)


def all_at_once(sends: list[Any]) -> list[Answer]:
    """Send every request at the same moment, each from its own thread."""
    start = threading.Barrier(len(sends), timeout=60)
    answers: list[Answer | BaseException | None] = [None] * len(sends)

    def run(n: int) -> None:
        try:
            start.wait()
            answers[n] = sends[n]()
        except BaseException as error:  # reported below
            answers[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    failures = [answer for answer in answers if not isinstance(answer, Answer)]
    assert not failures, failures
    return [answer for answer in answers if isinstance(answer, Answer)]


def test_fifty_people_referred_at_the_same_moment_with_double_clicks_are_each_stored_once(
    app: Flask, staff: dict[str, Any], tmp_path: Path
):
    team = staff["team"]
    referrers = [staff["referrer"]] + [make_user("referrer", teams=[team]) for _ in range(2)]
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]

    with live_server(database_url, tmp_path) as base:
        pairs: list[tuple[str, list[Any]]] = []  # (family name, the two clicks)
        for n, referrer in enumerate(referrers):
            browser = Browser(base)
            browser.sign_in(referrer.email, PASSWORD)
            for m in range(STAFF_PEOPLE // len(referrers)):
                family = f"Sametime-Staff-{n}-{m}"
                page = browser.get("/referrals/new")
                data = staff_referral_data(
                    team.id,
                    key=form_key(page),
                    given_name="Ada",
                    family_name=family,
                    nhs_number="",
                    csrf_token=browser.csrf_token("/referrals/new"),
                )
                click = (lambda b, d: lambda: b.post("/referrals/new", d))(browser, data)
                pairs.append((family, [click, click]))
        for n in range(SELF_REFERRALS):
            browser = Browser(base)
            family = f"Sametime-Self-{n}"
            page = browser.get("/ask-for-help")
            data = self_referral_data(
                key=form_key(page), family_name=family, csrf_token=browser.csrf_token("/ask-for-help")
            )
            click = (lambda b, d: lambda: b.post("/ask-for-help", d))(browser, data)
            pairs.append((family, [click, click]))

        answers = all_at_once([click for _, clicks in pairs for click in clicks])

    server_errors = [answer for answer in answers if answer.status >= 500]
    assert not server_errors, [(a.status, a.url) for a in server_errors[:3]]
    db.session.expire_all()
    for index, (family, _) in enumerate(pairs):
        first, second = answers[2 * index], answers[2 * index + 1]
        for answer in (first, second):
            assert answer.status == 200, (family, answer.status, answer.url, answer.text[:300])
            assert answer.url.endswith(("/submitted", "/ask-for-help/sent")), (family, answer.url)
        stored = db.session.scalars(select(Referral).join(Person).where(Person.family_name == family)).all()
        assert len(stored) == 1, f"{family} stored {len(stored)} times"
        # Both clicks show the reference of the one referral stored.
        assert REFERENCE.findall(first.text)[:1] == REFERENCE.findall(second.text)[:1] == [stored[0].reference]

    total = STAFF_PEOPLE + SELF_REFERRALS
    assert db.session.scalar(select(func.count(Referral.id))) == total
    assert db.session.scalar(select(func.count(func.distinct(Referral.reference)))) == total
