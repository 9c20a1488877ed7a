"""How screenings read on the case pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from navigator.models import Screening, TimePoint
from navigator.screening import DECLINED, DECLINED_LABEL, Instrument, Item, UnknownInstrument, get_instrument
from navigator.screening.change import IMPROVEMENT_POINTS, MeasureChange
from navigator.services.referrals import Pair


@dataclass
class ScreeningRow:
    """One screen as the case page shows it: score and band, or the answer for
    categorical questions, and every item's answer."""

    screening: Screening
    name: str
    score: str
    band: str
    answers: list[tuple[str, str]] = field(default_factory=list)


def _screening_row(screening: Screening) -> ScreeningRow:
    try:
        instrument: Instrument | None = get_instrument(screening.instrument_code)
    except UnknownInstrument:
        instrument = None
    if instrument is None:
        return ScreeningRow(screening, screening.instrument_code, _number(screening.score), screening.band or "")
    answers = []
    labels = {}
    for item in instrument.items:
        label = _answer_label(item, screening.answers.get(item.code))
        answers.append((item.text, label))
        labels[item.code] = label
    details = screening.details or {}
    subscores = details.get("subscores") or {}
    subscore_bands = details.get("subscore_bands") or {}
    score, band = _number(screening.score), screening.band or ""
    if screening.score is None and subscores:
        # ONS4: each item is its own measure, never summed.
        score = "; ".join(f"{_words(code)} {_number(value)}" for code, value in subscores.items())
        band = "; ".join(f"{_words(code)} {subscore_bands.get(code) or '–'}" for code in subscores)
    elif subscores:
        parts = [
            f"{_words(code)} {_number(value)}" + (f" ({subscore_bands[code]})" if subscore_bands.get(code) else "")
            for code, value in subscores.items()
        ]
        band = "; ".join(part for part in [band, *parts] if part)
    elif screening.score is None and details.get("categories"):
        score = "; ".join(labels[code] for code in details["categories"] if code in labels)
        if details.get("chronic_loneliness"):
            band = "Often/always (chronic loneliness)"
    return ScreeningRow(screening, instrument.name, score, band, answers)


def _number(value: object) -> str:
    return "–" if value is None else str(value)


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def time_point_label(screening: Screening) -> str:
    """When the screen falls for comparison, and for a baseline who took it."""
    label = screening.time_point.label
    if screening.time_point is TimePoint.BASELINE:
        if not screening.episode_baseline:
            instead = "the navigator’s" if screening.at_referral else "an earlier"
            return f"{label} (not used: {instead} screen is the baseline)"
        return f"{label} ({'referrer, at referral' if screening.at_referral else 'navigator, first conversation'})"
    return label


@dataclass
class PairRow:
    """A later screen beside the baseline it is compared with: what changed, in words."""

    name: str
    time_point: str
    baseline_on: datetime
    follow_up_on: datetime
    lines: list[str]
    comparable: bool
    mode_change_reason: str
    proxy: bool


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "0"


def _measure_line(measure: MeasureChange, *, local_flag: bool) -> str:
    before, after = _number(measure.baseline), _number(measure.follow_up)
    if measure.change is None:
        return f"{measure.measure}: {before} → {after} (no change worked out: a score is missing)"
    line = f"{measure.measure}: {before} → {after} ({_signed(measure.change)}, {measure.direction})"
    if measure.baseline_band and measure.follow_up_band and measure.baseline_band != measure.follow_up_band:
        line += f"; {measure.baseline_band} → {measure.follow_up_band}"
    if local_flag and measure.improved:
        line += f"; improved by at least {IMPROVEMENT_POINTS} point (local convention)"
    return line


def pair_row(pair: Pair) -> PairRow:
    instrument = get_instrument(pair.follow_up.instrument_code)
    change = pair.change
    lines = [
        _measure_line(measure, local_flag=measure.measure == "Total" and instrument.code in LOCAL_IMPROVEMENT_RULE)
        for measure in change.measures
    ]
    if instrument.direct_question_item is not None:
        item = instrument.item(instrument.direct_question_item)
        before = _answer_label(item, pair.baseline.answers.get(item.code))
        after = _answer_label(item, pair.follow_up.answers.get(item.code))
        line = f"“{item.text}” {before} → {after}"
        if change.moved_out_of_often_always:
            line += ": moved out of “Often/always”"
        elif change.moved_into_often_always:
            line += ": moved into “Often/always”"
        lines.append(line)
    return PairRow(
        name=instrument.name,
        time_point=pair.follow_up.time_point.label,
        baseline_on=pair.baseline.recorded_at,
        follow_up_on=pair.follow_up.recorded_at,
        lines=lines,
        comparable=bool(pair.follow_up.comparable),
        mode_change_reason=pair.follow_up.mode_change_reason,
        proxy=pair.baseline.proxy or pair.follow_up.proxy,
    )


# The instruments whose "improved" flag is the local ≥1-point convention (domain.md 3.1).
LOCAL_IMPROVEMENT_RULE = ("ucla3", "cyp_loneliness")


def _answer_label(item: Item, value: object) -> str:
    if value is None:
        return "No answer"
    if value == DECLINED:
        return DECLINED_LABEL
    option = item.option(str(value))
    return option.label if option else str(value)
