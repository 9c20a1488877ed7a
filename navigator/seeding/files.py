"""The readable files in seed/: where they are, how they are read, and what a seed refuses."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import yaml

from navigator.config import PROJECT_ROOT

SEED_DIR = PROJECT_ROOT / "seed"
PEOPLE_DIR = SEED_DIR / "people"


# The C loader when PyYAML has it: the demo files are long.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=YAML_LOADER)


def time_of_day(text: str) -> time:
    return time.fromisoformat(str(text))


class SeedError(ValueError):
    """The demo files or the database are not as the seed expects."""


class DemoDirectoryMissing(SeedError):
    """The demo referrals need the demo directory's listings, and this database has other ones."""
