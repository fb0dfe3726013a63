"""The pool forecast as pure arithmetic: how fast a site's pool is taken, what comes back from
cooldown and when, and the day the pool falls below a limit.

The model is deliberately simple, so that a person can check it by hand:

- **rate**: the numbers that left `available` over the last `WINDOW_DAYS` days, spread evenly
  over them (numbers a day; a week is 7 of them). Numbers that left and came back are counted
  when they left: the rate is what is taken, not what is taken net of returns.
- **returns**: numbers now cooling down come back on their `cooldown_until` day (a cooldown
  already over comes back today: the next `services apply-due` returns it).
- the pool on day `t` (days after today) is `available - rate * t + returned(t)`; it is
  below a limit on the first day that value is under the limit. Numbers released in future
  and future imports are not guessed at.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WINDOW_DAYS = 90  # the journal read for the rate: the last 90 days
DAYS_A_WEEK = 7
# Looking further than this is not a forecast: "not within 10 years" is said as no date.
HORIZON_DAYS = 3650


def next_batch(batch_size: int | None) -> int:
    """The fewest numbers the next first-time service can take: a UK batch of 5, elsewhere 1
    (a service of QTY 1, no batches)."""
    return batch_size or 1


def daily_rate(taken: Iterable[tuple[dt.date, int]], today: dt.date) -> float:
    """Numbers taken a day: those taken in the `WINDOW_DAYS` days up to and including today
    (from today - 89 days), over `WINDOW_DAYS`. Older ones do not count."""
    first = today - dt.timedelta(days=WINDOW_DAYS - 1)
    return sum(n for day, n in taken if first <= day <= today) / WINDOW_DAYS


def weekly(rate_a_day: float) -> float:
    return rate_a_day * DAYS_A_WEEK


def returning_by_date(
    cooldown_until: Iterable[tuple[dt.date | None, int]], today: dt.date
) -> list[tuple[dt.date, int]]:
    """Cooling numbers by the day they come back, in date order; one whose cooldown is over
    (or has no end date) comes back today."""
    by_day: dict[dt.date, int] = {}
    for day, n in cooldown_until:
        back = today if day is None or day < today else day
        by_day[back] = by_day.get(back, 0) + n
    return sorted(by_day.items())


def level_on(
    available: int,
    rate_a_day: float,
    returning: Sequence[tuple[dt.date, int]],
    today: dt.date,
    day: dt.date,
) -> float:
    """The pool expected on `day` (at its end), as the model says."""
    t = (day - today).days
    back = sum(n for d, n in returning if d <= day)
    return available - rate_a_day * t + back


def first_day_below(
    available: int,
    rate_a_day: float,
    returning: Sequence[tuple[dt.date, int]],
    today: dt.date,
    limit: int,
) -> dt.date | None:
    """The first day the pool is expected under `limit` (today if it already is), or None if
    not within `HORIZON_DAYS`.

    Between two returns the pool falls in a straight line, so each stretch is solved rather
    than walked day by day: from a level L on day s, it is under the limit from day
    s + floor((L - limit) / rate) + 1.
    """
    level = float(available) + sum(n for d, n in returning if d <= today)
    if level < limit:
        return today
    start = 0
    events = [((d - today).days, n) for d, n in returning if d > today]
    for end, back in [*events, (HORIZON_DAYS + 1, 0)]:
        if rate_a_day > 0:
            # Under the limit on the first day t with level - rate * (t - start) < limit.
            t = start + math.floor((level - limit) / rate_a_day + 1e-9) + 1
            if t < end:
                return today + dt.timedelta(days=t) if t <= HORIZON_DAYS else None
        level -= rate_a_day * (end - start)
        level += back
        start = end
    return None


def history(
    available: int,
    changes: Iterable[tuple[dt.date, int]],
    points: Sequence[dt.date],
) -> list[int]:
    """The pool at the end of each day in `points` (past days), worked back from `available`
    now: undo every change (+ into available, - out of it) made after that day."""
    changes = list(changes)
    return [available - sum(n for day, n in changes if day > point) for point in points]


@dataclass(frozen=True)
class PoolOutlook:
    """What the forecast says of one site's pool, today."""

    today: dt.date
    available: int
    taken_in_window: int  # numbers that left available in the last WINDOW_DAYS days
    rate_a_week: float
    returning: tuple[tuple[dt.date, int], ...]  # cooldown numbers back, by date
    low_limit: int  # below this the pool is LOW (the threshold, never under the next batch)
    next_batch: int  # below this the next first-time service cannot be served: SHORT
    low_on: dt.date | None  # the first day under low_limit (today: already low)
    short_on: dt.date | None  # the first day under next_batch (today: already short)

    def days_to(self, day: dt.date | None) -> int | None:
        return None if day is None else (day - self.today).days


def outlook(
    *,
    today: dt.date,
    available: int,
    taken: Iterable[tuple[dt.date, int]],
    cooling: Iterable[tuple[dt.date | None, int]],
    low_limit: int,
    next_batch_size: int,
) -> PoolOutlook:
    taken = list(taken)
    rate = daily_rate(taken, today)
    first = today - dt.timedelta(days=WINDOW_DAYS - 1)
    returning = tuple(returning_by_date(cooling, today))
    return PoolOutlook(
        today=today,
        available=available,
        taken_in_window=sum(n for day, n in taken if first <= day <= today),
        rate_a_week=weekly(rate),
        returning=returning,
        low_limit=low_limit,
        next_batch=next_batch_size,
        low_on=first_day_below(available, rate, returning, today, low_limit),
        short_on=first_day_below(available, rate, returning, today, next_batch_size),
    )


def warns(outlook: PoolOutlook, warning_days: int) -> bool:
    """Whether the sites list warns ahead: not low today, but low within `warning_days`."""
    days = outlook.days_to(outlook.low_on)
    return days is not None and 0 < days <= warning_days


def projection(outlook: PoolOutlook, points: Sequence[dt.date]) -> list[float]:
    """The pool the model expects at the end of each future day in `points` (never below 0)."""
    rate = outlook.rate_a_week / DAYS_A_WEEK
    return [
        max(0.0, level_on(outlook.available, rate, outlook.returning, outlook.today, p))
        for p in points
    ]


BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], top: float | None = None) -> str:
    """One character a value, ▁ for 0 (or the least) to █ for `top` (or the most)."""
    if not values:
        return ""
    high = max(top if top is not None else max(values), 1e-9)
    return "".join(
        BARS[min(len(BARS) - 1, max(0, round(v / high * (len(BARS) - 1))))] for v in values
    )
