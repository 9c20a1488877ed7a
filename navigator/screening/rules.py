"""Scoring rules: pure functions from (instrument, answers) to a ScreeningResult.

Each rule implements one missing-data convention from domain.md section 3 and reads
everything else (option codes, bands, subscales) from the instrument's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from navigator.screening.model import (
    DECLINED,
    OFTEN_ALWAYS,
    Answers,
    Band,
    Instrument,
    ScreeningResult,
    band_for,
    validate_answers,
)

LOCAL_BAND_NOTE = "Band is a local convention, not a published cut-off; report the score distribution too."
NOT_CLASSIFIED_NOTE = "Direct question not classified: no answer or declined."


@dataclass(frozen=True)
class _Reading:
    """Validated answers: the option value per item (None when unanswered or declined)."""

    values: dict[str, str | None]
    unanswered: tuple[str, ...]
    declined: tuple[str, ...]


def _read(instrument: Instrument, answers: Answers) -> _Reading:
    validate_answers(instrument, answers)
    values: dict[str, str | None] = {}
    unanswered: list[str] = []
    declined: list[str] = []
    for item in instrument.items:
        value = answers.get(item.code)
        if value is None:
            unanswered.append(item.code)
            values[item.code] = None
        elif value == DECLINED:
            declined.append(item.code)
            values[item.code] = None
        else:
            values[item.code] = value
    return _Reading(values, tuple(unanswered), tuple(declined))


def _item_scores(instrument: Instrument, reading: _Reading) -> dict[str, int | None]:
    scores: dict[str, int | None] = {}
    for item in instrument.items:
        if not item.is_scored:
            continue
        value = reading.values[item.code]
        option = item.option(value) if value is not None else None
        scores[item.code] = option.score if option is not None else None
    return scores


def _categories(instrument: Instrument, reading: _Reading) -> dict[str, str | None]:
    return {item.code: reading.values[item.code] for item in instrument.items if not item.is_scored}


def _chronic_loneliness(instrument: Instrument, reading: _Reading) -> bool | None:
    if instrument.direct_question_item is None:
        return None
    value = reading.values[instrument.direct_question_item]
    return None if value is None else value == OFTEN_ALWAYS


def _subscores(instrument: Instrument, item_scores: dict[str, int | None]) -> dict[str, int | None]:
    """Subscale totals; a subscale is missing if any of its items is missing."""
    members: dict[str, list[int | None]] = {}
    for item in instrument.items:
        if item.subscale is not None:
            members.setdefault(item.subscale, []).append(item_scores.get(item.code))
    return {name: _sum_if_all(scores) for name, scores in members.items()}


def _sum_if_all(scores: list[int | None]) -> int | None:
    if not scores or any(score is None for score in scores):
        return None
    return sum(score for score in scores if score is not None)


def _label(bands: tuple[Band, ...], score: int | None) -> str | None:
    band = band_for(bands, score)
    return band.display_label if band is not None else None


def _result(
    instrument: Instrument,
    reading: _Reading,
    *,
    score: int | None = None,
    subscores: dict[str, int | None] | None = None,
    subscore_bands: dict[str, str | None] | None = None,
    item_scores: dict[str, int | None] | None = None,
    notes: list[str] | None = None,
) -> ScreeningResult:
    band = band_for(instrument.bands, score)
    chronic = _chronic_loneliness(instrument, reading)
    all_notes = list(instrument.result_notes)
    if reading.unanswered:
        all_notes.append("No answer: " + ", ".join(reading.unanswered) + ".")
    if reading.declined:
        all_notes.append("Declined: " + ", ".join(reading.declined) + ".")
    all_notes.extend(notes or [])
    if band is not None and band.local_convention:
        all_notes.append(LOCAL_BAND_NOTE)
    if instrument.direct_question_item is not None and chronic is None:
        all_notes.append(NOT_CLASSIFIED_NOTE)
    return ScreeningResult(
        instrument_code=instrument.code,
        scoring_version=instrument.scoring_version,
        score=score,
        band=band.display_label if band is not None else None,
        subscores=subscores or {},
        subscore_bands=subscore_bands or {},
        item_scores=item_scores or {},
        categories=_categories(instrument, reading),
        complete=not reading.unanswered,
        chronic_loneliness=chronic,
        unanswered_items=reading.unanswered,
        declined_items=reading.declined,
        notes=tuple(all_notes),
    )


def categorical(instrument: Instrument, answers: Answers) -> ScreeningResult:
    """No numeric score: record the answers (ONS direct question, Easy Read)."""
    return _result(instrument, _read(instrument, answers))


def sum_when_all_answered(instrument: Instrument, answers: Answers) -> ScreeningResult:
    """Sum of the scored items, left empty unless every scored item has a score; never
    prorated (UCLA-3, CYP set, LSNS-6). Subscales follow the same rule."""
    reading = _read(instrument, answers)
    item_scores = _item_scores(instrument, reading)
    total = _sum_if_all(list(item_scores.values()))
    notes = []
    if total is None:
        notes.append(f"Total left empty: all {len(item_scores)} scored items are needed; no prorating.")
    subscores = _subscores(instrument, item_scores)
    subscore_bands = {name: _label(instrument.subscale_bands, value) for name, value in subscores.items()}
    return _result(
        instrument,
        reading,
        score=total,
        subscores=subscores,
        subscore_bands=subscore_bands if instrument.subscale_bands else {},
        item_scores=item_scores,
        notes=notes,
    )


def count_allowing_one_missing(instrument: Instrument, answers: Answers) -> ScreeningResult:
    """DJG-6 authors' manual: the total is missing if more than one item is missing; with
    one missing it is the count over the others. A subscale is missing if any item is."""
    reading = _read(instrument, answers)
    item_scores = _item_scores(instrument, reading)
    available = [score for score in item_scores.values() if score is not None]
    missing = len(item_scores) - len(available)
    notes = []
    total: int | None
    if missing == 0:
        total = sum(available)
    elif missing == 1:
        total = sum(available)
        notes.append(f"Total counted over the {len(available)} answered items (one item missing).")
    else:
        total = None
        notes.append("Total left empty: more than one item missing.")
    subscores = _subscores(instrument, item_scores)
    subscore_bands = {name: _label(instrument.subscale_bands, value) for name, value in subscores.items()}
    return _result(
        instrument,
        reading,
        score=total,
        subscores=subscores,
        subscore_bands=subscore_bands,
        item_scores=item_scores,
        notes=notes,
    )


def band_each_item(instrument: Instrument, answers: Answers) -> ScreeningResult:
    """Each item is its own measure, banded on its own; never summed or averaged (ONS4).
    An unanswered item is left out for that item only."""
    reading = _read(instrument, answers)
    item_scores = _item_scores(instrument, reading)
    subscore_bands = {item.code: _label(item.bands, item_scores[item.code]) for item in instrument.items}
    return _result(
        instrument,
        reading,
        subscores=dict(item_scores),
        subscore_bands=subscore_bands,
        item_scores=item_scores,
    )
