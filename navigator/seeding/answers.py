"""Loneliness answers the written demo referrals give at each level (the benchmark loader uses them too)."""

from __future__ import annotations

# Baseline and closure answers for each loneliness level, per instrument (domain.md 3.1).
LONELINESS_ANSWERS: dict[str, dict[str, dict[str, str]]] = {
    "ucla3": {
        "high": {"lack_companionship": "often", "left_out": "often", "isolated": "often"},
        "medium": {"lack_companionship": "often", "left_out": "some_of_the_time", "isolated": "some_of_the_time"},
        "low": {
            "lack_companionship": "some_of_the_time",
            "left_out": "hardly_ever_or_never",
            "isolated": "hardly_ever_or_never",
        },
    },
    "ons_direct": {
        "high": {"lonely": "often_always"},
        "medium": {"lonely": "some_of_the_time"},
        "low": {"lonely": "occasionally"},
    },
    "cyp_loneliness": {
        "high": {"no_one_to_talk_to": "often", "left_out": "often", "alone": "often", "lonely": "often_always"},
        "medium": {
            "no_one_to_talk_to": "some_of_the_time",
            "left_out": "often",
            "alone": "some_of_the_time",
            "lonely": "some_of_the_time",
        },
        "low": {
            "no_one_to_talk_to": "hardly_ever_or_never",
            "left_out": "some_of_the_time",
            "alone": "hardly_ever_or_never",
            "lonely": "hardly_ever",
        },
    },
    "easy_read": {
        "high": {"lonely": "a_lot", "social_contact": "little_isolated"},
        "medium": {"lonely": "sometimes", "social_contact": "some_not_enough"},
        "low": {"lonely": "not_really", "social_contact": "adequate"},
    },
}
ONS4_ITEMS = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
