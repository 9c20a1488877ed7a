"""Two users acting at the same moment, each on their own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

DONE = "done"


def hold_after_reading(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, parties: int = 2) -> list[int]:
    """Make owner.name (a function every action calls after reading the record and before
    writing) wait until all parties have called it, so their transactions really overlap.
    Returns a list that grows by one a call: a test asserts it was reached."""
    barrier = threading.Barrier(parties, timeout=20)
    real = getattr(owner, name)
    calls: list[int] = []

    def read_then_wait(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        calls.append(1)
        barrier.wait()
        return result

    monkeypatch.setattr(owner, name, read_then_wait)
    return calls


def at_once(app: Flask, actions: list[Callable[[], object]]) -> tuple[list[int], list[object]]:
    """Run each action in its own thread and application context (so its own session and
    connection). Returns which actions finished and what the others raised."""
    outcomes: dict[int, object] = {}

    def run(n: int) -> None:
        try:
            with app.app_context():
                actions[n]()
                outcomes[n] = DONE
        except Exception as error:  # reported to the main thread, asserted by the test
            outcomes[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    finished = [n for n, outcome in outcomes.items() if outcome == DONE]
    return finished, [outcome for outcome in outcomes.values() if outcome != DONE]
