"""How screenings read on the case pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from navigator.models import Screening
from navigator.screening import DECLINED, DECLINED_LABEL, Instrument, UnknownInstrument, get_instrument


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
        value = screening.answers.get(item.code)
        if value is None:
            label = "No answer"
        elif value == DECLINED:
            label = DECLINED_LABEL
        else:
            option = item.option(value)
            label = option.label if option else value
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
