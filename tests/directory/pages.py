"""Reading rendered pages the way a user sees them: a tiny DOM built with the
standard library's HTML parser, and helpers for the directory's search page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

from werkzeug.test import TestResponse

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements that break a line when rendered, so their text never runs together.
BREAKS = {"br", "p", "li", "div", "dt", "dd", "h1", "h2", "h3", "h4", "ul", "ol", "dl", "tr", "td", "th"}


def squash(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        parts: list[str] = []
        self._collect(parts)
        return squash("".join(parts))

    def _collect(self, parts: list[str]) -> None:
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag not in ("script", "style", "svg"):
                if child.tag in BREAKS:
                    parts.append(" ")
                child._collect(parts)
                if child.tag in BREAKS:
                    parts.append(" ")

    def iter(self):  # type: ignore[no-untyped-def]
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if cls is not None and cls not in node.classes:
                continue
            if any(node.attrs.get(name.rstrip("_")) != value for name, value in attrs.items()):
                continue
            found.append(node)
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {name: value or "" for name, value in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


@dataclass
class Result:
    name: str
    href: str
    kind: str
    distance: str
    text: str


class Page:
    """A rendered HTML page."""

    def __init__(self, response: TestResponse) -> None:
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)
        builder = _Builder()
        builder.feed(self.html)
        builder.close()
        self.root = builder.root

    # -- whole page -------------------------------------------------------
    @property
    def title(self) -> str:
        head = self.root.find("head")
        assert head is not None, "page has no <head>"
        title = head.find("title")
        return title.text() if title else ""

    @property
    def h1s(self) -> list[str]:
        return [node.text() for node in self.root.find_all("h1")]

    @property
    def text(self) -> str:
        body = self.root.find("body")
        return (body or self.root).text()

    @property
    def main_text(self) -> str:
        main = self.root.find("main")
        return (main or self.root).text()

    def links(self) -> list[tuple[str, str]]:
        return [(node.attrs.get("href", ""), node.text()) for node in self.root.find_all("a")]

    def link(self, text: str) -> str:
        """The href of the only link whose visible text contains `text`."""
        hrefs = [href for href, label in self.links() if text in label]
        assert len(hrefs) == 1, f"expected one link containing {text!r}, found {hrefs}"
        return hrefs[0]

    @property
    def footer_text(self) -> str:
        """The site footer's text (a <footer>, or the GOV.UK footer block)."""
        footer = self.root.find("footer") or self.root.find(cls="govuk-footer")
        return footer.text() if footer else ""

    # -- search page ------------------------------------------------------
    @property
    def results_heading(self) -> str:
        node = self.root.find("h2", id="results-heading")
        assert node is not None, "no results heading"
        return node.text()

    def _result_nodes(self, section: str) -> list[Node]:
        if section == "main":
            lists = self.root.find_all("ul", **{"aria-labelledby": "results-heading"})
            return [li for ul in lists for li in ul.find_all("li", cls="app-result")]
        heading = next(
            (h for h in self.root.find_all("h2") if h.text().startswith("Nearest to")),
            None,
        )
        if heading is None or heading.parent is None:
            return []
        siblings = [c for c in heading.parent.children if isinstance(c, Node)]
        after = siblings[siblings.index(heading) + 1 :]
        return [li for node in after if node.tag == "ul" for li in node.find_all("li", cls="app-result")]

    def _result(self, node: Node) -> Result:
        link = node.find("a")
        assert link is not None
        tag = node.find("strong", cls="govuk-tag")
        distance = next(
            (s.text() for s in node.find_all("strong") if "govuk-tag" not in s.classes),
            "",
        )
        return Result(link.text(), link.attrs["href"], tag.text() if tag else "", distance, node.text())

    @property
    def results(self) -> list[Result]:
        return [self._result(node) for node in self._result_nodes("main")]

    @property
    def names(self) -> list[str]:
        return [result.name for result in self.results]

    @property
    def nearest(self) -> list[Result]:
        return [self._result(node) for node in self._result_nodes("nearest")]

    def facet(self, name: str) -> dict[str, tuple[str, int, bool]]:
        """code -> (label, count, checked) for one facet's checkboxes."""
        options: dict[str, tuple[str, int, bool]] = {}
        for box in self.root.find_all("input", type="checkbox", name=name):
            label = self.root.find("label", **{"for": box.attrs["id"]})
            assert label is not None
            match = re.fullmatch(r"(.*) \((\d+)\)", label.text())
            assert match, f"facet label without a count: {label.text()!r}"
            options[box.attrs["value"]] = (match.group(1), int(match.group(2)), "checked" in box.attrs)
        return options

    def counts(self, name: str) -> dict[str, int]:
        return {code: count for code, (_, count, _) in self.facet(name).items()}

    def facet_legends(self) -> list[str]:
        """The filters' legends (not the search's own "When" and "Date")."""
        return [
            node.text() for facet in self.root.find_all("details", cls="app-facet") for node in facet.find_all("legend")
        ]

    def input_value(self, name: str) -> str:
        node = self.root.find("input", name=name)
        assert node is not None, f"no input named {name}"
        return node.attrs.get("value", "")

    def date_typed(self, name: str) -> str:
        """The day, month and year boxes named NAME-day... as YYYY-MM-DD (not padded)."""
        day, month, year = (self.input_value(f"{name}-{part}") for part in ("day", "month", "year"))
        return f"{year}-{month.zfill(2) if month else ''}-{day.zfill(2) if day else ''}"

    def selected_option(self, name: str) -> str | None:
        """The option chosen in a select, or the radio checked, named NAME."""
        select = self.root.find("select", name=name)
        if select is None:
            radios = [node for node in self.root.find_all("input", name=name) if node.attrs.get("type") == "radio"]
            assert radios, f"no select or radios named {name}"
            checked = [node.attrs.get("value", "") for node in radios if "checked" in node.attrs]
            return checked[0] if checked else None
        chosen = [o.attrs.get("value", "") for o in select.find_all("option") if "selected" in o.attrs]
        return chosen[0] if chosen else None

    def field_error(self, field_id: str) -> str | None:
        node = self.root.find("p", cls="govuk-error-message", id=f"{field_id}-error")
        return node.text().removeprefix("Error:").strip() if node else None

    @property
    def error_summary(self) -> list[tuple[str, str]]:
        summary = self.root.find("div", cls="govuk-error-summary")
        if summary is None:
            return []
        return [(a.attrs.get("href", ""), a.text()) for a in summary.find_all("a")]

    @property
    def insets(self) -> list[str]:
        return [node.text() for node in self.root.find_all("div", cls="govuk-inset-text")]

    @property
    def filter_tags(self) -> list[tuple[str, str]]:
        """The "Selected filters" links: (href, visible text)."""
        node = self.root.find("ul", cls="app-filter-tags")
        if node is None:
            return []
        return [(a.attrs.get("href", ""), a.text()) for a in node.find_all("a")]


def search_url(href: str) -> str:
    """A link or Location from the search page ("?q=lunch") as a path the test client can get.

    Browsers resolve a query-only reference against the current page; Werkzeug's test
    client does not, so resolve it here as a browser would.
    """
    absolute = urljoin("http://localhost/search", href)
    parts = urlsplit(absolute)
    return parts.path + ("?" + parts.query if parts.query else "")


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(search_url(href)).query, keep_blank_values=True)
