"""Loading the taxonomy, the demo directory and the demo staff and referrals from the
readable files in seed/: one module a loader, the public names re-exported here."""

from navigator.seeding.answers import LONELINESS_ANSWERS, ONS4_ITEMS
from navigator.seeding.directory import directory_is_empty, load_demo_directory
from navigator.seeding.files import PEOPLE_DIR, SEED_DIR, DemoDirectoryMissing, SeedError
from navigator.seeding.people import (
    DEMO_PASSWORD_DEFAULT,
    DemoPeople,
    demo_password,
    load_demo_people,
    moved_clock,
    no_staff_accounts,
)
from navigator.seeding.taxonomy import load_taxonomy
from navigator.seeding.year import load_demo_year

__all__ = [
    "DEMO_PASSWORD_DEFAULT",
    "LONELINESS_ANSWERS",
    "ONS4_ITEMS",
    "PEOPLE_DIR",
    "SEED_DIR",
    "DemoDirectoryMissing",
    "DemoPeople",
    "SeedError",
    "demo_password",
    "directory_is_empty",
    "load_demo_directory",
    "load_demo_people",
    "load_demo_year",
    "load_taxonomy",
    "moved_clock",
    "no_staff_accounts",
]
