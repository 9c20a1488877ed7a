"""`flask reports extract` (issue 10, domain.md 6.8): the pseudonymised extract for analysts,
run through the CLI against a small hand-built dataset whose names, contact details and notes
are distinctive, so that a leak of any of them would be seen."""

from __future__ import annotations

import csv
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from navigator.extensions import db
from navigator.models import AuditAction, AuditEntry, Person, Referral, Screening
from navigator.reports.periods import parse_period
from navigator.reports.sections import section_of
from navigator.reports.service import settings, table_csv
from navigator.reports.sql import Filters
from navigator.services import referrals as service
from navigator.services.referrals.submission import PersonDetails
from tests.factories import clock_at
from tests.reports.conftest import UCLA_5, Journey, at

# Written out here, not imported: a column added to the extract must be added here on purpose.
REFERRAL_COLUMNS = [
    "person_pseudonym",
    "referral_pseudonym",
    "re_referral",
    "received_in_period",
    "submitted_date",
    "age_band",
    "ward_code",
    "source_code",
    "source_team",
    "entered_by_proxy",
    "needs",
    "interpreter_needed",
    "state",
    "decision",
    "decision_date",
    "rejection_reason",
    "first_contact_date",
    "first_contact_working_days",
    "engaged_date",
    "first_activity_date",
    "first_activity_days",
    "closed_date",
    "closure_reason",
    "follow_up_due",
    "follow_up_not_obtained_reason",
]
SCREEN_COLUMNS = [
    "person_pseudonym",
    "referral_pseudonym",
    "screen_pseudonym",
    "baseline_screen_pseudonym",
    "instrument_code",
    "instrument_version",
    "scoring_version",
    "mode",
    "time_point",
    "occasion",
    "episode_baseline",
    "at_referral",
    "proxy",
    "comparable",
    "complete",
    "screen_age_band",
    "recorded_date",
    "total_score",
    "often_always",
    "item_scores",
    "subscores",
    "answers",
]

ZEPHYRINE = PersonDetails(
    given_name="Zephyrine",
    family_name="Quillfeather",
    date_of_birth=date(1951, 7, 23),
    nhs_number="4857773457",
    phone="020 7946 0321",
    email="zephyrine.quillfeather@example.net",
    address="17 Marrowbone Mews, Lower Clapton",
    postcode="E8 1DY",
    preferred_contact_times="Mornings before the Wurlitzer recital",
    languages=["en"],
)
TYPED = {
    "reason": "Xanthippe reason: lost her allotment and stopped going out.",
    "what_matters": "Brambleberry choir rehearsals on Thursdays.",
    "risk_detail": "",
}
# Everything typed into the dataset that must appear in no file.
SECRETS = [
    "Zephyrine",
    "Quillfeather",
    "Cordelia",
    "Fennimore",
    "Marguerite",
    "Thistlewood",
    "Bartholomew",
    "Quince",
    "Outofperiod",
    "1951-07-23",
    "23/07/1951",
    "1948-03-14",
    "1983-02-11",
    "E8 1DY",
    "E81DY",
    "4857773457",
    "020 7946",
    "zephyrine.quillfeather",
    "Marrowbone",
    "Wurlitzer",
    "Xanthippe",
    "Brambleberry",
    "Gramophone case note",
    "Harpsichord closure summary",
    "Vexillology clinic",
    "Ornithopter assessment",
    "Tamarind duplicate note",
    "CN-",
    "Nadia Navigator",
    "Rita Referrer",
    "Lena Lead",
    "example.org",
    "example.net",
]


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def run(app, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["reports", "extract", *args])


def extract_audit() -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.record_type == "impact_report", AuditEntry.action == AuditAction.EXPORT)
        )
    )


@pytest.fixture
def dataset(journey: Journey) -> dict[str, Referral]:
    """In 2026 quarter 2 (April to June), London time:

    - first: Zephyrine (NHS number), team, Mon 13 Apr; accepted that day; reached Wed 15 Apr
      (2 working days) with a baseline UCLA-3 of 8, often/always; first session Mon 20 Apr
      (7 days); 3-month review 14 Jul (UCLA-3 5); closed 20 Jul (goals met).
    - again: Zephyrine again, team, Wed 20 May; rejected as a duplicate on 21 May.
    - waiting: Cordelia, team, Mon 20 Apr; still awaiting triage.
    - redirected: Marguerite, other team, Tue 2 Jun; redirected on 3 Jun.
    - earlier: Bartholomew, team, Mon 30 Mar (quarter 1); accepted Wed 1 Apr.
    - later: Outofperiod, team, Thu 2 Jul (quarter 3): not in the extract.
    """
    staff = journey.staff
    first = journey.submit("2026-04-13T08:00:00", person=ZEPHYRINE, **TYPED)
    journey.accept(first, "2026-04-13T10:00:00")
    journey.contact(first, "2026-04-15T09:00:00")
    journey.attend(first, "2026-04-20T12:00:00", regularly=True)
    with clock_at(at("2026-05-01T10:00:00")):
        service.add_case_note(first.id, by=staff["navigator"], text="Gramophone case note about her neighbour.")
    journey.review(first, "2026-07-14T10:00:00", {"ucla3": UCLA_5, "ons_direct": {"lonely": "some_of_the_time"}})
    with clock_at(at("2026-07-20T10:00:00")):
        service.close_referral(
            first.id,
            by=staff["navigator"],
            reason="goals_met",
            summary="Harpsichord closure summary: joined the choir.",
            follow_up_not_obtained_reason="declined",
        )

    again = journey.submit("2026-05-20T08:00:00", person=ZEPHYRINE, **TYPED)
    with clock_at(at("2026-05-21T08:00:00")):
        service.reject_referral(again.id, by=staff["lead"], reason="duplicate", note="Tamarind duplicate note")

    waiting = journey.submit("2026-04-20T08:00:00", given_name="Cordelia", family_name="Fennimore")

    redirected = journey.submit(
        "2026-06-02T08:00:00",
        other_team=True,
        given_name="Marguerite",
        family_name="Thistlewood",
        date_of_birth=date(1983, 2, 11),
    )
    with clock_at(at("2026-06-03T08:00:00")):
        service.redirect_referral(
            redirected.id, by=staff["lead"], service="Vexillology clinic", reason="Ornithopter assessment"
        )

    earlier = journey.submit("2026-03-30T08:00:00", given_name="Bartholomew", family_name="Quince")
    journey.accept(earlier, "2026-04-01T10:00:00")

    later = journey.submit("2026-07-02T08:00:00", given_name="Outofperiod", family_name="Person")
    return {
        "first": first,
        "again": again,
        "waiting": waiting,
        "redirected": redirected,
        "earlier": earlier,
        "later": later,
    }


def by_day(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["submitted_date"]: row for row in rows}


def test_the_extract_has_one_row_a_referral_the_report_counts_with_codes_dates_and_waits(app, dataset, tmp_path):
    out = tmp_path / "extract"
    result = run(app, "--period", "2026Q2", str(out))
    assert result.exit_code == 0, result.output
    assert "5 referrals, 4 screens" in result.output
    assert sorted(path.name for path in out.iterdir()) == ["referrals.csv", "screens.csv", "summary.csv"]

    rows = by_day(read(out / "referrals.csv"))
    assert sorted(rows) == ["2026-03-30", "2026-04-13", "2026-04-20", "2026-05-20", "2026-06-02"]  # not July's
    first, again = rows["2026-04-13"], rows["2026-05-20"]
    ward = db.session.get(Person, dataset["first"].person_id).ward_code
    assert ward
    assert first | {"person_pseudonym": "", "referral_pseudonym": ""} == {
        "person_pseudonym": "",
        "referral_pseudonym": "",
        "re_referral": "false",
        "received_in_period": "true",
        "submitted_date": "2026-04-13",
        "age_band": "65_79",  # 74 when referred
        "ward_code": ward,
        "source_code": "adult_social_care",
        "source_team": "Hackney Adult Social Care North",
        "entered_by_proxy": "false",
        "needs": "loneliness;bereavement",
        "interpreter_needed": "false",
        "state": "closed",
        "decision": "accepted",
        "decision_date": "2026-04-13",
        "rejection_reason": "",
        "first_contact_date": "2026-04-15",
        "first_contact_working_days": "2",
        "engaged_date": "2026-04-15",
        "first_activity_date": "2026-04-20",
        "first_activity_days": "7",
        "closed_date": "2026-07-20",
        "closure_reason": "goals_met",
        "follow_up_due": first["follow_up_due"],
        "follow_up_not_obtained_reason": "declined",
    }
    assert first["follow_up_due"].startswith("2026-07-")
    # The same person referred twice has one pseudonym; the second is a re-referral.
    assert again["person_pseudonym"] == first["person_pseudonym"]
    assert again["referral_pseudonym"] != first["referral_pseudonym"]
    assert (again["re_referral"], again["decision"], again["rejection_reason"]) == ("true", "rejected", "duplicate")
    assert len({row["person_pseudonym"] for row in rows.values()}) == 4
    assert all(len(row["person_pseudonym"]) == 64 for row in rows.values())
    redirected = rows["2026-06-02"]
    assert (redirected["decision"], redirected["decision_date"], redirected["rejection_reason"]) == (
        "redirected",
        "2026-06-03",
        "",
    )
    assert (redirected["source_team"], redirected["age_band"]) == ("City Mental Health Team", "25_49")
    waiting = rows["2026-04-20"]
    assert (waiting["state"], waiting["decision"], waiting["decision_date"]) == ("submitted", "", "")
    # Received in March, accepted in April: counted by the quarter's decisions.
    earlier = rows["2026-03-30"]
    assert (earlier["received_in_period"], earlier["decision"], earlier["decision_date"]) == (
        "false",
        "accepted",
        "2026-04-01",
    )


def test_screens_carry_their_pairs_scores_and_codes(app, dataset, tmp_path):
    out = tmp_path / "extract"
    assert run(app, "--period", "2026Q2", str(out)).exit_code == 0
    referrals = by_day(read(out / "referrals.csv"))
    screens = read(out / "screens.csv")
    first = referrals["2026-04-13"]
    assert {row["referral_pseudonym"] for row in screens} == {first["referral_pseudonym"]}
    assert {row["person_pseudonym"] for row in screens} == {first["person_pseudonym"]}
    found = {(row["instrument_code"], row["time_point"]): row for row in screens}
    assert sorted(found) == [
        ("ons_direct", "baseline"),
        ("ons_direct", "three_month"),
        ("ucla3", "baseline"),
        ("ucla3", "three_month"),
    ]
    baseline, follow_up = found["ucla3", "baseline"], found["ucla3", "three_month"]
    assert (baseline["total_score"], follow_up["total_score"]) == ("8", "5")
    assert (baseline["episode_baseline"], baseline["baseline_screen_pseudonym"]) == ("true", "")
    assert follow_up["baseline_screen_pseudonym"] == baseline["screen_pseudonym"]
    assert (follow_up["comparable"], follow_up["proxy"], follow_up["occasion"]) == ("true", "false", "review")
    assert (baseline["recorded_date"], follow_up["recorded_date"]) == ("2026-04-15", "2026-07-14")
    assert (baseline["instrument_version"], baseline["scoring_version"], baseline["mode"]) == (
        "1",
        "ucla3/1",
        "self-completed",
    )
    assert baseline["item_scores"] == "lack_companionship=3;left_out=2;isolated=3"
    direct_before, direct_after = found["ons_direct", "baseline"], found["ons_direct", "three_month"]
    assert (direct_before["often_always"], direct_after["often_always"]) == ("true", "false")
    assert (direct_before["answers"], direct_after["answers"]) == ("lonely=often_always", "lonely=some_of_the_time")
    assert direct_before["total_score"] == ""
    stored = db.session.scalars(select(Screening.id)).all()
    assert len(stored) == 4 and all(str(screen_id) not in (out / "screens.csv").read_text() for screen_id in stored)


def test_no_name_contact_detail_date_of_birth_reference_or_typed_text_reaches_any_file(app, dataset, tmp_path):
    out = tmp_path / "extract"
    assert run(app, "--period", "2026Q2", str(out)).exit_code == 0
    assert header(out / "referrals.csv") == REFERRAL_COLUMNS
    assert header(out / "screens.csv") == SCREEN_COLUMNS
    people = db.session.scalars(select(Person)).all()
    ids = [str(referral.id) for referral in dataset.values()] + [referral.id.hex for referral in dataset.values()]
    keys = [person.person_key for person in people]
    for path in out.iterdir():
        content = path.read_text(encoding="utf-8")
        for secret in [*SECRETS, *ids, *keys]:
            assert secret.lower() not in content.lower(), f"{secret!r} is in {path.name}"
    # Only the extract's owner may read its files.
    for path in [out, *out.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_a_different_key_gives_different_pseudonyms_and_the_same_key_the_same(app, dataset, tmp_path, monkeypatch):
    assert run(app, "--period", "2026Q2", str(tmp_path / "one")).exit_code == 0
    assert run(app, "--period", "2026Q2", str(tmp_path / "two")).exit_code == 0
    monkeypatch.setitem(app.config, "REPORT_EXTRACT_KEY", "another-key-for-another-project")
    result = run(app, "--period", "2026Q2", str(tmp_path / "three"))
    assert result.exit_code == 0, result.output
    one, two, three = (read(tmp_path / name / "referrals.csv") for name in ("one", "two", "three"))
    assert one == two
    for column in ("person_pseudonym", "referral_pseudonym"):
        assert not {row[column] for row in one} & {row[column] for row in three}
    strip = ("person_pseudonym", "referral_pseudonym")
    assert [{k: v for k, v in row.items() if k not in strip} for row in one] == [
        {k: v for k, v in row.items() if k not in strip} for row in three
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026Q9"], "Enter a quarter like 2026Q3"),
        (["--period", "2099Q1"], "has not started yet"),
        (["--from", "2026-06", "--to", "2026-01"], "The last month must be the same as or after the first month"),
        (["--from", "2026-01"], "Enter both the first and the last month"),
        (["--period", "2026Q2", "--from", "2026-01", "--to", "2026-02"], "either --period or --from and --to"),
        ([], "Give the period"),
    ],
)
def test_a_period_that_cannot_be_extracted_is_refused_with_a_clear_message(app, tmp_path, args, message):
    out = tmp_path / "extract"
    result = run(app, *args, str(out))
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists() and extract_audit() == []


def test_a_range_of_months_and_the_rolling_year_work_too(app, dataset, tmp_path):
    result = run(app, "--from", "2026-05", "--to", "2026-06", str(tmp_path / "months"))
    assert result.exit_code == 0, result.output
    assert sorted(by_day(read(tmp_path / "months" / "referrals.csv"))) == ["2026-05-20", "2026-06-02"]
    result = run(app, "--period", "rolling", str(tmp_path / "rolling"))
    assert result.exit_code == 0, result.output


def test_existing_files_are_refused_unless_forced_and_a_file_is_not_a_directory(app, dataset, tmp_path):
    out = tmp_path / "extract"
    assert run(app, "--period", "2026Q2", str(out)).exit_code == 0
    (out / "referrals.csv").write_text("kept")
    refused = run(app, "--period", "2026Q2", str(out))
    assert refused.exit_code != 0
    assert "already has referrals.csv, screens.csv, summary.csv" in refused.output and "--force" in refused.output
    assert (out / "referrals.csv").read_text() == "kept"
    forced = run(app, "--period", "2026Q2", "--force", str(out))
    assert forced.exit_code == 0, forced.output
    assert len(read(out / "referrals.csv")) == 5
    assert len(extract_audit()) == 2  # the refused run wrote nothing and was not audited

    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    result = run(app, "--period", "2026Q2", str(a_file))
    assert result.exit_code != 0 and "is a file" in result.output
    missing = run(app, "--period", "2026Q2", str(tmp_path / "nowhere" / "extract"))
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_the_extract_is_audited_with_its_period_and_counts_never_its_content(app, dataset, tmp_path):
    assert run(app, "--period", "2026Q2", str(tmp_path / "extract")).exit_code == 0
    [entry] = extract_audit()
    assert entry.user_id is None and entry.record_id == "2026Q2" and entry.referral_id is None
    values = dict(entry.new_values or {})
    fingerprint = values.pop("key_fingerprint")
    values.pop("run_by")
    assert values == {"period": "2026Q2", "extract": "pseudonymised", "referrals": 5, "screens": 4}
    assert len(fingerprint) == 12
    assert entry.reason == "flask reports extract"


def test_the_summary_is_the_reports_table_with_primary_and_secondary_suppression(app, dataset, tmp_path, monkeypatch):
    # Counts of 1 hidden: the team's April (2 referrals), May (1), and the other team's June (1).
    monkeypatch.setitem(app.config, "REPORT_SUPPRESS_UP_TO", 1)
    assert run(app, "--period", "2026Q2", str(tmp_path / "extract")).exit_code == 0
    summary = (tmp_path / "extract" / "summary.csv").read_bytes().decode("utf-8")
    period = parse_period("2026Q2", None, None, date(2026, 12, 3))
    [table] = [
        table
        for table in section_of("referrals-by-source-team").build(period, Filters(), settings())
        if table.key == "referrals-by-source-team"
    ]
    assert summary == table_csv(table)
    rows = list(csv.reader(summary.splitlines()))
    assert rows[0] == ["Source team", "Apr 2026", "May 2026", "Jun 2026", "Total"]
    team = next(row for row in rows if row[0] == "Hackney Adult Social Care North")
    assert team[2] == "fewer than 2"  # primary: one referral in May
    assert "hidden" in team  # secondary: April's 2 or the total would give May away


def test_cells_that_a_spreadsheet_would_run_are_escaped(app, dataset, tmp_path):
    dataset["redirected"].team.name = "=HYPERLINK(1)"
    db.session.commit()
    assert run(app, "--period", "2026Q2", str(tmp_path / "extract")).exit_code == 0
    rows = by_day(read(tmp_path / "extract" / "referrals.csv"))
    assert rows["2026-06-02"]["source_team"] == "'=HYPERLINK(1)"


def test_production_refuses_the_development_key(app, dataset, tmp_path, monkeypatch):
    from navigator.config import DEV_REPORT_EXTRACT_KEY

    monkeypatch.setenv("NAVIGATOR_ENV", "production")
    monkeypatch.setitem(app.config, "REPORT_EXTRACT_KEY", DEV_REPORT_EXTRACT_KEY)
    result = run(app, "--period", "2026Q2", str(tmp_path / "extract"))
    assert result.exit_code != 0 and "Set REPORT_EXTRACT_KEY" in result.output
    monkeypatch.setitem(app.config, "REPORT_EXTRACT_KEY", app.config["PERSON_KEY_SECRET"])
    result = run(app, "--period", "2026Q2", str(tmp_path / "extract"))
    assert result.exit_code != 0 and "must differ from PERSON_KEY_SECRET" in result.output
    assert not (tmp_path / "extract").exists() and extract_audit() == []
    monkeypatch.setitem(app.config, "REPORT_EXTRACT_KEY", "a-real-key-set-by-the-deployment")
    assert run(app, "--period", "2026Q2", str(tmp_path / "extract")).exit_code == 0
