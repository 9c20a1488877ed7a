"""Change between paired screens, checked against domain.md's worked examples (3.3, 3.5, 3.7, 7.2)."""

from __future__ import annotations

import pytest

from navigator.screening import get_instrument
from navigator.screening.change import often_always_table, pair_change, paired_scores


def test_ucla3_worked_example_falls_three_points_and_counts_as_improved():
    # domain.md 3.3: Often, Some of the time, Often = 8; then Some, Hardly ever, Some = 5.
    change = pair_change(
        get_instrument("ucla3"),
        {"lack_companionship": "often", "left_out": "some_of_the_time", "isolated": "often"},
        {"lack_companionship": "some_of_the_time", "left_out": "hardly_ever_or_never", "isolated": "some_of_the_time"},
    )
    total = change.total
    assert (total.baseline, total.follow_up, total.change) == (8, 5, -3)
    assert total.improved is True and total.direction == "better"
    assert (total.baseline_band, total.follow_up_band) == ("lonely (local convention)", "not lonely (local convention)")


def test_ucla3_no_change_or_a_missing_item_is_not_improved():
    same = {"lack_companionship": "often", "left_out": "often", "isolated": "often"}
    assert pair_change(get_instrument("ucla3"), same, same).total.improved is False
    missing = {"lack_companionship": "often", "left_out": "declined", "isolated": "often"}
    total = pair_change(get_instrument("ucla3"), same, missing).total
    assert total.follow_up is None and total.change is None and total.improved is None


def test_direct_question_moving_out_of_often_always():
    # domain.md 3.2: baseline "Often/always", follow-up "Some of the time": moved out.
    change = pair_change(get_instrument("ons_direct"), {"lonely": "often_always"}, {"lonely": "some_of_the_time"})
    assert change.moved_out_of_often_always and not change.moved_into_often_always
    assert change.measures == ()
    back = pair_change(get_instrument("ons_direct"), {"lonely": "never"}, {"lonely": "often_always"})
    assert back.moved_into_often_always and not back.moved_out_of_often_always
    unclassified = pair_change(get_instrument("ons_direct"), {"lonely": "often_always"}, {"lonely": "declined"})
    assert not unclassified.moved_out_of_often_always and unclassified.often_always_after is None


def test_ons4_worked_example_changes_each_item_and_a_fall_in_anxiety_is_better():
    # domain.md 3.7: 4/6/5/7 then 6/7/7/4: +2/+1/+2/-3, all improvements.
    items = ("life_satisfaction", "worthwhile", "happiness", "anxiety")
    change = pair_change(
        get_instrument("ons4"),
        dict(zip(items, ("4", "6", "5", "7"), strict=True)),
        dict(zip(items, ("6", "7", "7", "4"), strict=True)),
    )
    assert [(m.measure, m.change, m.direction) for m in change.measures] == [
        ("Life satisfaction", 2, "better"),
        ("Worthwhile", 1, "better"),
        ("Happiness", 2, "better"),
        ("Anxiety", -3, "better"),
    ]
    assert all(m.improved for m in change.measures)
    anxiety = change.measures[3]
    assert (anxiety.baseline_band, anxiety.follow_up_band) == ("high", "medium")


def test_djg6_worked_example_with_subscales():
    # domain.md 3.5: emotional 2 + social 2 = total 4 (moderately lonely); then all "No"/"Yes" = 0.
    instrument = get_instrument("djg6")
    emotional, social = [i.code for i in instrument.items[:3]], [i.code for i in instrument.items[3:]]
    before = dict(zip(emotional, ("yes", "more_or_less", "no"), strict=True)) | dict(
        zip(social, ("no", "more_or_less", "yes"), strict=True)
    )
    after = dict.fromkeys(emotional, "no") | dict.fromkeys(social, "yes")
    change = pair_change(instrument, before, after)
    assert [(m.measure, m.baseline, m.follow_up, m.change) for m in change.measures] == [
        ("Total", 4, 0, -4),
        ("Emotional", 2, 0, -2),
        ("Social", 2, 0, -2),
    ]
    assert change.total.direction == "better"


def test_lsns6_higher_is_less_isolated():
    instrument = get_instrument("lsns6")
    low = {item.code: item.options[0].value for item in instrument.items}
    high = {item.code: item.options[-1].value for item in instrument.items}
    change = pair_change(instrument, low, high)
    assert change.total.change > 0 and change.total.direction == "better" and change.total.improved


def test_children_s_set_total_and_direct_question_apart():
    # domain.md 3.4: 2 + 3 + 2 = 7, direct question "Some of the time".
    change = pair_change(
        get_instrument("cyp_loneliness"),
        {
            "no_one_to_talk_to": "some_of_the_time",
            "left_out": "often",
            "alone": "some_of_the_time",
            "lonely": "often_always",
        },
        {
            "no_one_to_talk_to": "hardly_ever_or_never",
            "left_out": "often",
            "alone": "some_of_the_time",
            "lonely": "some_of_the_time",
        },
    )
    assert (change.total.baseline, change.total.follow_up, change.total.change) == (7, 6, -1)
    assert change.moved_out_of_often_always


def test_paired_change_of_domain_7_2_is_not_the_unpaired_difference():
    # domain.md 7.2: 120 baselines, mean 7.1; 50 followed up, baseline mean 6.4, follow-up mean 5.6.
    paired_baselines = [6] * 30 + [7] * 20  # mean 6.4
    follow_ups = [5] * 20 + [6] * 30  # mean 5.6
    pairs = list(zip(paired_baselines, follow_ups, strict=True))
    # The 70 without a follow-up bring everyone's baseline mean to 7.1: (320 + 532) / 120.
    without = [8] * 56 + [6] * 14
    assert sum(without) == 532
    summary = paired_scores(pairs, without)
    assert summary.pairs == 50 and summary.without_follow_up == 70
    assert summary.baseline_mean == pytest.approx(6.4) and summary.follow_up_mean == pytest.approx(5.6)
    assert summary.mean_change == pytest.approx(-0.8)
    assert summary.everyone_baseline_mean == pytest.approx(7.1)
    assert summary.unpaired_difference == pytest.approx(-1.5)  # what an unpaired comparison would claim
    assert summary.without_follow_up_baseline_mean == pytest.approx(7.6)
    assert summary.improved == sum(1 for b, f in pairs if f <= b - 1)


def test_often_always_two_by_two_table_of_domain_7_2():
    # 50 pairs: 22 often/always at baseline, 12 at follow-up; 13 moved out, 3 moved in.
    pairs = [(True, True)] * 9 + [(True, False)] * 13 + [(False, True)] * 3 + [(False, False)] * 25
    table = often_always_table(pairs)
    assert (table.pairs, table.at_baseline, table.at_follow_up) == (50, 22, 12)
    assert (table.moved_out, table.moved_in) == (13, 3)
