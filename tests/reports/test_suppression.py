"""Small-number suppression (domain.md 6.8): counts 1 to the threshold hidden, and enough
other figures hidden that no small count can be worked out from the rest."""

from __future__ import annotations

import random

import pytest

from navigator.reports.suppression import is_small, lines_of, rate_shown, suppress, worked_out

T = 7


def hidden_positions(grid):
    """Positions (in the table with its totals) that the grid hides, and the primary ones."""
    height, width = len(grid.counts), len(grid.counts[0])
    shown = {(i, j): grid.shown[i][j] for i in range(height) for j in range(width)}
    shown |= {(i, width): cell for i, cell in enumerate(grid.row_total_shown)}
    shown |= {(height, j): cell for j, cell in enumerate(grid.column_total_shown)}
    if grid.grand_total_shown is not None:
        shown[(height, width)] = grid.grand_total_shown
    return {p for p, cell in shown.items() if cell.hidden}, {p for p, cell in shown.items() if cell.primary}


def full_matrix(counts):
    rows = [[*row, sum(row)] for row in counts]
    return [*rows, [sum(column) for column in zip(*rows, strict=True)]]


def test_counts_up_to_the_threshold_are_hidden_and_zero_is_shown():
    grid = suppress([[0, 3, 40], [8, 7, 50]], T)
    assert grid.shown[0][0].value == 0 and not grid.shown[0][0].hidden
    assert grid.shown[0][1].primary and grid.shown[1][1].primary
    assert grid.shown[1][0].value is None or grid.shown[1][0].value == 8


def test_a_lone_small_count_in_a_row_cannot_be_worked_out_from_its_total():
    # Row 0: 3 of 53. Showing 50 and the total 53 would give the 3 away.
    grid = suppress([[3, 50], [20, 30]], T)
    hidden, primary = hidden_positions(grid)
    assert (0, 0) in primary
    row = [p for p in hidden if p[0] == 0]
    column = [p for p in hidden if p[1] == 0]
    assert len(row) >= 2 and len(column) >= 2
    assert worked_out(full_matrix(grid.counts), lines_of(2, 2), primary, hidden, T) == []


def test_two_small_counts_whose_sum_is_small_are_protected_too():
    # 1 and 2 hidden in a row of 3 + 40: their sum, 3, is itself a small number.
    grid = suppress([[1, 2, 40]], T, column_totals=False)
    hidden, _ = hidden_positions(grid)
    assert (0, 2) in hidden or (0, 3) in hidden


def test_small_counts_that_only_one_way_add_up_are_protected():
    # Two hidden counts adding up to 14 can only be 7 and 7.
    grid = suppress([[7, 7, 40]], T, column_totals=False)
    hidden, _ = hidden_positions(grid)
    assert len(hidden) >= 3


@pytest.mark.parametrize("seed", range(25))
def test_no_hidden_count_can_be_recovered_from_the_others(seed):
    """Try to recover each hidden figure: the least and the most it could be, given every
    shown figure and total, and that a small count is 1 to 7. They never meet."""
    chooser = random.Random(seed)
    height, width = chooser.randint(1, 5), chooser.randint(1, 5)
    counts = [[chooser.choice([0, 1, 2, 3, 5, 7, 8, 9, 12, 20, 40]) for _ in range(width)] for _ in range(height)]
    grid = suppress(counts, T)
    hidden, primary = hidden_positions(grid)
    matrix = full_matrix(counts)
    assert primary == {p for p in hidden if is_small(matrix[p[0]][p[1]], T)}
    assert worked_out(matrix, lines_of(height, width), primary, hidden, T) == []


def test_the_recovery_attempt_itself_works_when_only_primary_cells_are_hidden():
    """The attack used above does recover a small count when nothing else is hidden."""
    matrix = full_matrix([[3, 50], [20, 30]])
    assert worked_out(matrix, lines_of(2, 2), {(0, 0)}, {(0, 0)}, T) == [(0, 0)]


def test_rates_over_small_or_hidden_counts_are_not_shown():
    grid = suppress([[3, 50], [20, 30]], T)
    assert rate_shown(grid.shown[0][0], 53, T) is None
    assert rate_shown(20, 5, T) is None
    assert rate_shown(20, 50, T) == pytest.approx(0.4)
    assert rate_shown(0, 50, T) == 0
