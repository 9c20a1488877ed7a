"""Small-number suppression (domain.md 6.8), for every table the report shows or downloads.

A count from 1 to the threshold (REPORT_SUPPRESS_UP_TO, default 7) is not shown ("fewer
than 8"); zero may be. A total and the other cells of its row or column must not give a
suppressed count away, so more cells are hidden (secondary suppression) until, in every
row and column that has a total:

- no suppressed entry is alone;
- when the total is shown, the suppressed cells together add up to more than the
  threshold (their sum can be worked out, so it must not itself be a small number), and
  not to a sum that only one set of small numbers makes (all 1, or all at the threshold);
- no suppressed count can be worked out from the equations of all rows and columns
  together: a linear programme (scipy) finds the least and the most each hidden cell could
  be, given every shown figure, the totals and that a small count is 1 to the threshold;
  when both are the same another cell is hidden.

Rates and means over a suppressed count are not shown either (see `rate_shown`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

Position = tuple[int, int]


@dataclass(frozen=True)
class Shown:
    """One figure as the page and the CSV show it."""

    value: int | None  # None: hidden
    primary: bool = False  # a small count
    secondary: bool = False  # hidden so that small counts cannot be worked out

    @property
    def hidden(self) -> bool:
        return self.primary or self.secondary


@dataclass
class CountGrid:
    """Counts by row and column with the totals a table shows. `row_totals`: a total at the
    end of each row (the row's cells add up to it); `column_totals`: a total row."""

    counts: list[list[int]]
    row_totals: bool = True
    column_totals: bool = True
    # The figures after suppression: the cells, then the totals.
    shown: list[list[Shown]] = field(default_factory=list)
    row_total_shown: list[Shown] = field(default_factory=list)
    column_total_shown: list[Shown] = field(default_factory=list)
    grand_total_shown: Shown | None = None


def is_small(count: int, threshold: int) -> bool:
    return 1 <= count <= threshold


def suppress(
    counts: Sequence[Sequence[int]], threshold: int, *, row_totals: bool = True, column_totals: bool = True
) -> CountGrid:
    """Counts with primary and secondary suppression applied, totals included."""
    rows = [list(row) for row in counts]
    grid = CountGrid(rows, row_totals=row_totals, column_totals=column_totals)
    matrix = _with_totals(rows, row_totals, column_totals)
    primary = {p for p in _positions(matrix) if is_small(_at(matrix, p), threshold)}
    hidden = set(primary)
    lines = _lines(len(rows), len(rows[0]) if rows else 0, row_totals, column_totals)
    _hide_until_safe(matrix, lines, primary, hidden, threshold)

    def show(p: Position) -> Shown:
        value = _at(matrix, p)
        return Shown(None if p in hidden else value, primary=p in primary, secondary=p in hidden - primary)

    height, width = len(rows), len(rows[0]) if rows else 0
    grid.shown = [[show((i, j)) for j in range(width)] for i in range(height)]
    if row_totals:
        grid.row_total_shown = [show((i, width)) for i in range(height)]
    if column_totals:
        grid.column_total_shown = [show((height, j)) for j in range(width)]
    if row_totals and column_totals:
        grid.grand_total_shown = show((height, width))
    return grid


def rate_shown(numerator: Shown | int, denominator: Shown | int, threshold: int) -> float | None:
    """A proportion, or None when either count is hidden or small (domain.md 6.8) or the
    denominator is zero."""
    top = _value(numerator, threshold)
    bottom = _value(denominator, threshold)
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def base_shown(base: int, threshold: int) -> bool:
    """A mean or median over `base` people may be shown: not a small number, not zero."""
    return base > threshold


def _value(figure: Shown | int, threshold: int) -> int | None:
    if isinstance(figure, Shown):
        return figure.value
    return None if is_small(figure, threshold) else figure


# -- the rules ---------------------------------------------------------------------------------


def _with_totals(rows: list[list[int]], row_totals: bool, column_totals: bool) -> list[list[int]]:
    matrix = [row + ([sum(row)] if row_totals else []) for row in rows]
    if column_totals and matrix:
        matrix.append([sum(column) for column in zip(*matrix, strict=True)])
    return matrix


def _positions(matrix: list[list[int]]) -> Iterable[Position]:
    return ((i, j) for i, row in enumerate(matrix) for j in range(len(row)))


def _at(matrix: list[list[int]], p: Position) -> int:
    return matrix[p[0]][p[1]]


@dataclass(frozen=True)
class _Line:
    """A row or column whose cells add up to its total (the last position)."""

    cells: tuple[Position, ...]
    total: Position

    @property
    def positions(self) -> tuple[Position, ...]:
        return (*self.cells, self.total)


def _lines(height: int, width: int, row_totals: bool, column_totals: bool) -> list[_Line]:
    lines = []
    total_row = height if column_totals else None
    total_column = width if row_totals else None
    if row_totals:
        for i in [*range(height), *([total_row] if total_row is not None else [])]:
            lines.append(_Line(tuple((i, j) for j in range(width)), (i, width)))
    if column_totals:
        for j in [*range(width), *([total_column] if total_column is not None else [])]:
            lines.append(_Line(tuple((i, j) for i in range(height)), (height, j)))
    return lines


def _line_needs_more(
    matrix: list[list[int]], line: _Line, primary: set[Position], hidden: set[Position], t: int
) -> bool:
    inside = [p for p in line.positions if p in hidden]
    if not inside:
        return False
    if len(inside) == 1:
        return True
    if line.total in hidden:
        return False
    cells = [p for p in line.cells if p in hidden]
    total = sum(_at(matrix, p) for p in cells)
    if total <= t:
        return True
    all_small = all(p in primary for p in cells)
    return all_small and total in (len(cells), len(cells) * t)


def _hide_another(matrix: list[list[int]], line: _Line, hidden: set[Position]) -> bool:
    """Hide the smallest shown non-zero cell of the line (a total only when no cell is left)."""
    choices = [p for p in line.positions if p not in hidden and _at(matrix, p) > 0]
    if not choices:
        return False
    hidden.add(min(choices, key=lambda p: (p == line.total, _at(matrix, p))))
    return True


def _hide_until_safe(
    matrix: list[list[int]], lines: list[_Line], primary: set[Position], hidden: set[Position], t: int
) -> None:
    for _ in range(len(matrix) * len(matrix[0]) + 1 if matrix else 0):
        changed = False
        for line in lines:
            while _line_needs_more(matrix, line, primary, hidden, t) and _hide_another(matrix, line, hidden):
                changed = True
        if changed:
            continue
        pinned = next(iter(worked_out(matrix, lines, primary, hidden, t, first=True)), None)
        if pinned is None:
            return
        owner = next(line for line in lines if pinned in line.positions)
        if not _hide_another(matrix, owner, hidden) and not any(
            _hide_another(matrix, line, hidden) for line in lines if pinned in line.positions
        ):
            return


def worked_out(
    matrix: Sequence[Sequence[int]],
    lines: Sequence[_Line],
    primary: set[Position],
    hidden: set[Position],
    t: int,
    *,
    first: bool = False,
) -> list[Position]:
    """The hidden figures someone could work out exactly from everything shown: each hidden
    figure's least and greatest possible value given the totals' equations, that a small
    count is 1 to `t` and that any other count is 0 or more. `first`: stop at the first one
    found (the one the full list would start with)."""
    unknowns = sorted(p for p in hidden if any(p in line.positions for line in lines))
    if not unknowns or not lines:
        return []
    index = {p: k for k, p in enumerate(unknowns)}
    equations, constants = [], []
    for line in lines:
        if not any(p in index for p in line.positions):
            continue
        row = np.zeros(len(unknowns))
        constant = 0.0
        for p in line.positions:
            sign = -1.0 if p == line.total else 1.0
            if p in index:
                row[index[p]] += sign
            else:
                constant -= sign * matrix[p[0]][p[1]]
        equations.append(row)
        constants.append(constant)
    bounds = [(1, t) if p in primary else (0, None) for p in unknowns]
    a_eq = sparse.csr_array(np.array(equations))  # mostly zeros: the solver reads it as it is
    values = np.array([matrix[p[0]][p[1]] for p in unknowns], dtype=float)
    unproven = set(range(len(unknowns)))

    def solve(objective: np.ndarray) -> np.ndarray | None:
        """A solution; every figure it gives another value than the real one cannot be
        worked out (the real figures are a solution too), so it is proven free."""
        result = linprog(objective, A_eq=a_eq, b_eq=constants, bounds=bounds, method="highs")
        if result.status != 0:
            return None
        unproven.difference_update([k for k in unproven if abs(result.x[k] - values[k]) > 0.5])
        return result.x

    # A few solves pushing every hidden figure up, down and in mixed directions prove most
    # of them free; only the rest are checked one by one (least value, then greatest), and
    # each of those solves proves free any other figure it moves as well.
    chooser = np.random.default_rng(len(unknowns))
    directions = [np.ones(len(unknowns)), -np.ones(len(unknowns))]
    directions += [chooser.choice([-1.0, 1.0], len(unknowns)) for _ in range(4)]
    for direction in directions:
        solve(direction)
        if not unproven:
            return []
    # Then push all the figures still unproven away from their real values at once (up from
    # a lower bound, else down), for as long as that proves some free.
    lowest = np.array([low for low, _ in bounds], dtype=float)
    while unproven:
        before = len(unproven)
        direction = np.zeros(len(unknowns))
        for k in unproven:
            direction[k] = -1.0 if values[k] <= lowest[k] else 1.0
        solve(direction)
        if len(unproven) == before:
            break
    found = []
    for k in sorted(unproven):
        if k not in unproven:
            continue
        objective = np.zeros(len(unknowns))
        objective[k] = 1.0
        low = solve(objective)
        high = solve(-objective) if k in unproven else None
        if low is not None and high is not None and abs(high[k] - low[k]) < 0.5:
            found.append(unknowns[k])
            if first:
                break
    return found


def lines_of(height: int, width: int, *, row_totals: bool = True, column_totals: bool = True) -> list[_Line]:
    """The rows and columns with totals of a table this shape (for tests that try to
    recover hidden figures)."""
    return _lines(height, width, row_totals, column_totals)
