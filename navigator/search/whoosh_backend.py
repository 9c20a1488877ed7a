"""Whoosh (whoosh3) implementation of SearchBackend.

Several processes (gunicorn workers, a CLI reindex) may write at once: Whoosh
allows one writer per index directory, guarded by a file lock, so writers wait
for the lock and retry a bounded number of times (see docs/dependencies notes
in the README).
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.lang import porter2
from whoosh.searching import Searcher
from whoosh.writing import CLEAR

from navigator.search.index import Match, Progress, SearchDocument

logger = logging.getLogger(__name__)

FACET_FIELDS = ("category", "group", "day", "cost", "language", "access")
TEXT_FIELDS = ("name", "tags", "description")
INDEX_NAME = "listings"
WRITE_ATTEMPTS = 20
READ_ATTEMPTS = 10
MAX_WORDS = 12

# Words split on anything that is not a letter or digit, in any script.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

T = TypeVar("T")


def _read_retrying(read: Callable[[], T]) -> T:
    """Run a read of the index's table of contents, again if another process's commit
    removed the generation it had just found (Whoosh's own readers retry the same way;
    opening the index and reading its schema do not)."""
    for _ in range(READ_ATTEMPTS - 1):
        try:
            return read()
        except FileNotFoundError:
            time.sleep(0.02)
    return read()


def _schema() -> Schema:
    # Porter2 undoubles consonants (swimming -> swim), which the original Porter does not.
    analyzer = StemmingAnalyzer(stemfn=porter2.stem)
    fields: dict[str, Any] = {
        "id": ID(unique=True, stored=True),
        "kind": ID(stored=True),
        "name": TEXT(analyzer=analyzer, stored=True, field_boost=3.0),
        "tags": TEXT(analyzer=analyzer, field_boost=2.0),
        "description": TEXT(analyzer=analyzer),
        "latitude": STORED(),
        "longitude": STORED(),
        "starts_at": STORED(),
        "ends_at": STORED(),
        "schedule": STORED(),
        "stale": STORED(),
    }
    for facet in FACET_FIELDS:
        fields[facet] = KEYWORD(stored=True, lowercase=False, scorable=False)
    return Schema(**fields)


class WhooshBackend:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.schema = _schema()
        self._cache: tuple[int | None, dict[int, SearchDocument]] | None = None
        self._index: whoosh_index.Index | None = None
        self._ensure_index()

    # -- writing ----------------------------------------------------------
    def _ensure_index(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if _read_retrying(lambda: whoosh_index.exists_in(str(self.directory), indexname=INDEX_NAME)):
            self._add_stored_fields()
            if self._schema_is_current():
                return
            # Made before a field was added (e.g. "schedule"): writing would fail on the
            # unknown field. Start again empty; `flask search reindex` fills it from the database.
            logger.warning(
                "Search index at %s has an older schema: recreated empty, run `flask search reindex`", self.directory
            )
        # Another process may be creating it at the same moment.
        with contextlib.suppress(LockError):
            whoosh_index.create_in(str(self.directory), self.schema, indexname=INDEX_NAME)

    def _add_stored_fields(self) -> None:
        """Add fields that are only stored (e.g. "stale") to an index made before them, in
        place: documents already indexed read them as empty, so search keeps working and
        no reindex is needed."""
        try:
            index = self._open()
            stored = set(_read_retrying(lambda: index.schema).names())  # type: ignore[attr-defined]
            missing = [name for name in self.schema.names() if name not in stored]
        except Exception:  # an unreadable index is reported by doc_count() / health checks
            return
        if not missing or not all(isinstance(self.schema[name], STORED) for name in missing):
            return
        with contextlib.suppress(LockError):
            writer = index.writer(timeout=10.0, delay=0.02)
            try:
                for name in missing:
                    writer.add_field(name, self.schema[name])
            except Exception:
                writer.cancel()
                raise
            writer.commit()
            logger.info("Search index at %s: added stored fields %s", self.directory, ", ".join(missing))

    def _schema_is_current(self) -> bool:
        try:
            index = self._open()
            stored = set(_read_retrying(lambda: index.schema).names())  # type: ignore[attr-defined]
        except Exception:  # an unreadable index is reported by doc_count() / health checks
            return True
        return set(self.schema.names()) <= stored

    def _open(self) -> whoosh_index.Index:
        """The index, opened once: its readers and writers read the latest generation's
        table of contents themselves, so every search need not open the directory again."""
        if self._index is None:
            self._index = _read_retrying(lambda: whoosh_index.open_dir(str(self.directory), indexname=INDEX_NAME))
        return self._index

    def _writer(self):  # type: ignore[no-untyped-def]
        index = self._open()
        last_error: Exception | None = None
        for _ in range(WRITE_ATTEMPTS):
            try:
                return index.writer(timeout=10.0, delay=0.02)
            except LockError as error:
                last_error = error
        raise RuntimeError("The search index is busy; try again") from last_error

    def upsert(self, documents: Iterable[SearchDocument]) -> None:
        docs = list(documents)
        if not docs:
            return
        writer = self._writer()
        try:
            for doc in docs:
                writer.update_document(**self._fields(doc))
        except Exception:
            writer.cancel()
            raise
        writer.commit()

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        writer = self._writer()
        try:
            for doc_id in ids:
                writer.delete_by_term("id", doc_id)
        except Exception:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, documents: Iterable[SearchDocument], progress: Progress | None = None) -> int:
        # One writer replaces every segment at commit (CLEAR): searches keep using the
        # old generation until then, and other writers wait for the lock.
        writer = self._writer()
        count = 0
        try:
            for doc in documents:
                writer.add_document(**self._fields(doc))
                count += 1
                if progress:
                    progress(1)
        except Exception:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        return count

    @staticmethod
    def _fields(doc: SearchDocument) -> dict[str, object]:
        fields: dict[str, object] = {
            "id": doc.id,
            "kind": doc.kind,
            "name": doc.name,
            "tags": doc.tags,
            "description": doc.description,
            "latitude": doc.latitude,
            "longitude": doc.longitude,
            "starts_at": doc.starts_at,
            "ends_at": doc.ends_at,
            "schedule": doc.schedule,
            "stale": doc.stale,
        }
        for facet in FACET_FIELDS:
            fields[facet] = " ".join(doc.facets.get(facet, ()))
        return fields

    # -- reading ----------------------------------------------------------
    def doc_count(self) -> int:
        return int(self._open().doc_count())

    def match(self, text: str, *, match_all_words: bool = True) -> list[Match]:
        index = self._open()
        with index.searcher() as searcher:
            documents = self._documents(searcher)
            query = self._query(text, match_all_words)
            if isinstance(query, wq.Every):
                return [Match(doc, 0.0) for doc in documents.values()]
            hits = searcher.search(query, limit=None)
            return [Match(documents[hit.docnum], float(hit.score or 0.0)) for hit in hits]

    def _documents(self, searcher: Searcher) -> dict[int, SearchDocument]:
        """Stored fields of every document, read once per index generation.

        Reading stored fields dominates query time, and filters and facet counts
        need them for every match, so they are kept until the index changes.
        """
        generation = searcher.reader().generation()
        cached = self._cache
        if cached is None or cached[0] != generation:
            documents = {docnum: self._document(fields) for docnum, fields in searcher.reader().iter_docs()}
            cached = (generation, documents)
            self._cache = cached
        return cached[1]

    def _query(self, text: str, match_all_words: bool) -> wq.Query:
        words = [w.lower() for w in _WORD.findall(text or "")][:MAX_WORDS]
        clauses: list[wq.Query] = []
        for word in words:
            # Every text field shares one analyzer: a stop word ("with", "the") yields no
            # stems and is not indexed, so it must not be required either.
            stems = list(self.schema["name"].process_text(word, mode="query"))
            if not stems:
                continue
            maxdist = 0 if len(word) <= 3 else 1 if len(word) <= 6 else 2
            alternatives: list[wq.Query] = []
            for field in TEXT_FIELDS:
                alternatives.extend(wq.Term(field, stem) for stem in stems)
                if maxdist:
                    alternatives.append(wq.FuzzyTerm(field, word, boost=0.5, maxdist=maxdist, prefixlength=1))
            clauses.append(wq.Or(alternatives))
        if not clauses:
            return wq.Every()
        return wq.And(clauses) if match_all_words else wq.Or(clauses)

    @staticmethod
    def _document(stored: dict[str, object]) -> SearchDocument:
        facets = {facet: tuple(str(stored.get(facet) or "").split()) for facet in FACET_FIELDS}
        return SearchDocument(
            id=str(stored["id"]),
            kind=str(stored["kind"]),
            name=str(stored.get("name") or ""),
            facets=facets,
            latitude=stored.get("latitude"),  # type: ignore[arg-type]
            longitude=stored.get("longitude"),  # type: ignore[arg-type]
            starts_at=stored.get("starts_at"),  # type: ignore[arg-type]
            ends_at=stored.get("ends_at"),  # type: ignore[arg-type]
            schedule=str(stored.get("schedule") or ""),
            stale=bool(stored.get("stale")),
        )
