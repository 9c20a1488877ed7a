"""Search speed at 10,000 listings: index build, then searches with facet counts.

Run with `make bench`. Prints medians and 95th percentiles; not part of `make test`.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from navigator.geo.postcodes import Place
from navigator.search.engine import SearchRequest, run_search
from navigator.search.index import SearchDocument
from navigator.search.whoosh_backend import WhooshBackend

LISTINGS = 10_000
WORDS = [
    "lunch",
    "club",
    "coffee",
    "morning",
    "walking",
    "group",
    "choir",
    "english",
    "conversation",
    "carers",
    "support",
    "art",
    "craft",
]
# Everyday filler vocabulary, so each query word matches a realistic share of listings.
FILLER = [f"word{n}" for n in range(3000)]
CATEGORIES = ["lunch-clubs", "coffee-mornings", "walking-groups", "music-choirs", "esol-english-conversation"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
QUERIES = ["", "lunch club", "lonch clb", "walking", "english conversation carers", "choir"]


def documents(rng: random.Random):
    for n in range(LISTINGS):
        yield SearchDocument(
            id=str(uuid.UUID(int=rng.getrandbits(128))),
            kind=rng.choice(["activity", "activity", "event", "space"]),
            name=" ".join(rng.sample(WORDS, 3)).title() + f" {n}",
            description=" ".join(rng.choices(FILLER, k=40) + rng.sample(WORDS, 2)),
            tags=" ".join(rng.sample(WORDS, 4)),
            facets={
                "category": tuple(rng.sample(CATEGORIES, 2)),
                "day": (rng.choice(DAYS),),
                "cost": (rng.choice(["free", "low", "paid"]),),
                "language": ("en",),
                "access": ("step-free",) if rng.random() < 0.5 else (),
                "group": (),
            },
            latitude=51.54 + rng.uniform(-0.03, 0.03),
            longitude=-0.06 + rng.uniform(-0.05, 0.05),
        )


def main() -> None:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        backend = WhooshBackend(Path(tmp) / "index")
        started = time.perf_counter()
        backend.rebuild(documents(rng))
        print(f"build {LISTINGS} listings: {time.perf_counter() - started:.1f} s")
        place = Place("E8 1DY", 51.545320, -0.057953)
        for label, extra in [("words + facets", {}), ("words + facets + distance", {"place": place, "within": 1.0})]:
            timings = []
            for _ in range(5):
                for q in QUERIES:
                    request = SearchRequest(q=q, filters={"day": ("tuesday",)}, **extra)  # type: ignore[arg-type]
                    started = time.perf_counter()
                    run_search(backend, request)
                    timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{label}: median {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
