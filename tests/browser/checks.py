"""What every page visited in the browser suite must pass: axe-core's WCAG 2.2 AA rules, no
sideways scrolling at the width tried, a name for every form control, no form inside
another (the HTML parser drops the inner one, so its button submits the outer form), no
duplicate ids, and no errors in the console."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import ConsoleMessage, Error, Page, Response

from navigator.config import PROJECT_ROOT

AXE_SOURCE = (PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FORM_TAG = re.compile(r"<form[\s>]", re.IGNORECASE)

# Every visible control's accessible name, worked out as a browser does for the common cases.
UNNAMED_CONTROLS = """() => {
  const text = (node) => (node ? node.textContent : '').replace(/\\s+/g, ' ').trim();
  const unnamed = [];
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button')) {
    const labelledBy = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map((id) => text(document.getElementById(id))).join(' ').trim();
    const name = (el.getAttribute('aria-label') || '').trim() || labelledBy
      || Array.from(el.labels || []).map(text).join(' ').trim()
      || (el.tagName === 'BUTTON' ? text(el) : '')
      || (['submit', 'button', 'reset'].includes(el.type) ? (el.value || '').trim() : '')
      || (el.getAttribute('title') || '').trim();
    if (!name) unnamed.push(el.outerHTML.slice(0, 160));
  }
  return unnamed;
}"""

DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
}"""

SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return results.violations.map((v) => ({id: v.id, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""


@dataclass
class Checker:
    """Watches one page: its console, and the HTML of each document it loads."""

    page: Page
    width: int
    console_errors: list[str] = field(default_factory=list)
    documents: list[Response] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"{self.page.url}: {error}"))
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{self.page.url}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.documents.append(response)

    def raw_html(self) -> str:
        for response in reversed(self.documents):
            if response.status < 300 or response.status >= 400:
                try:
                    return response.text()
                except Error:  # a response Chromium no longer holds
                    return ""
        return ""

    def check(self, label: str = "") -> None:
        """Assert the page now shown passes every check; `label` says which state it is in."""
        page = self.page
        page.wait_for_load_state("load")
        where = f"{page.url} {label}".strip()
        assert page.evaluate("() => document.documentElement.lang") == "en", where
        assert page.title(), f"no title: {where}"
        raw = self.raw_html()
        if raw:
            forms_in_html = len(FORM_TAG.findall(raw))
            forms_in_dom = page.evaluate("() => document.forms.length")
            assert forms_in_dom == forms_in_html, (
                f"a form is nested in another ({forms_in_html} in the HTML, {forms_in_dom} kept): {where}"
            )
        assert page.evaluate("() => document.querySelectorAll('form form').length") == 0, where
        assert page.evaluate(DUPLICATE_IDS) == [], f"duplicate ids on {where}"
        assert page.evaluate(UNNAMED_CONTROLS) == [], f"controls without a name on {where}"
        overflow = page.evaluate(SIDEWAYS_SCROLL)
        assert overflow <= 0, f"scrolls sideways by {overflow}px at {self.width}px: {where}"
        violations = self.axe()
        assert violations == [], f"axe on {where}: {violations}"
        self.assert_no_console_errors()
        self.checked.append(where)

    def axe(self) -> list[dict[str, Any]]:
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) allows it.
            self.page.evaluate(AXE_SOURCE)
        return list(self.page.evaluate(AXE_RUN, AXE_TAGS))

    def assert_no_console_errors(self) -> None:
        assert self.console_errors == [], self.console_errors
