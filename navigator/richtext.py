"""Listing descriptions: plain text or a little HTML (paragraphs, lists, links), made
safe with nh3. Everything else is escaped or removed.

Editors mostly type plain text: blank lines make paragraphs and lines starting "- " or
"* " make a list. Text pasted from a website may carry HTML; only the allowed tags are
kept. Descriptions are cleaned when saved and again when shown, so text stored before
a rule changed is still safe.
"""

from __future__ import annotations

import html
import re

import nh3
from markupsafe import Markup, escape

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "a", "strong", "em", "b", "i"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Classes from the GOV.UK Design System, added to what is shown (never stored).
SHOWN_CLASSES = {
    "p": {"class": "govuk-body"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "a": {"class": "govuk-link"},
}
_MARKUP = re.compile(r"<\s*/?\s*(p|br|ul|ol|li|a|strong|em|b|i)\b", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-*•]\s+")


def has_markup(text: str) -> bool:
    return bool(_MARKUP.search(text or ""))


def _clean(text: str, classes: dict[str, dict[str, str]] | None = None) -> str:
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
        set_tag_attribute_values=classes or {},
    )


def clean_description(text: str) -> str:
    """What to store: plain text as typed (line endings normalised), HTML with only the allowed tags."""
    text = (text or "").replace("\r\n", "\n").strip()
    return _clean(text) if has_markup(text) else text


def _plain_to_html(text: str) -> str:
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{escape(_BULLET.sub('', line))}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append("<p>" + "<br>".join(str(escape(line.strip())) for line in lines) + "</p>")
    return "".join(blocks)


def rich_text(text: str | None) -> Markup:
    """A description as safe HTML in the GOV.UK style."""
    if not text:
        return Markup("")
    source = text if has_markup(text) else _plain_to_html(text)
    return Markup(_clean(source, SHOWN_CLASSES))


def plain_text(text: str | None) -> str:
    """A description without markup, for search and calendars."""
    if not text:
        return ""
    if not has_markup(text):
        return text
    spaced = re.sub(r"<\s*(br|/p|/li)\s*/?>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(nh3.clean(spaced, tags=set())).strip()
