"""The first-time automation rules of domain.md as pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiceconsole.domain.allocation import (
    PoolNumber,
    automation_skip_reason,
    batch_shape,
    lowest_run,
    pick_numbers,
)


@pytest.mark.parametrize(
    ("qty", "main", "allocated", "spare"),
    [
        # Every example of domain.md.
        (1, True, 5, 3),
        (4, True, 5, 0),
        (5, True, 10, 4),
        (5, False, 5, 0),
        (12, True, 15, 2),
        # And the edges around them.
        (1, False, 5, 4),
        (4, False, 5, 1),
        (6, False, 10, 4),
        (9, True, 10, 0),
        (10, True, 15, 4),
    ],
)
def test_uk_batches_of_five(qty: int, main: bool, allocated: int, spare: int) -> None:
    shape = batch_shape("GB", qty, with_main=main)
    assert shape.batch_size == allocated
    assert shape.main == (1 if main else 0)
    assert shape.spare == spare


@pytest.mark.parametrize("country", ["US", "FR", "DE", "IE"])
@pytest.mark.parametrize("qty", [1, 4, 5, 7, 12])
def test_other_countries_get_exactly_qty_and_no_main(country: str, qty: int) -> None:
    shape = batch_shape(country, qty, with_main=True)
    assert (shape.batch_size, shape.main, shape.spare) == (qty, 0, 0)


def test_batch_arithmetic_in_words() -> None:
    assert (
        batch_shape("GB", 7, True).describe()
        == "QTY 7 + main number 1 = 8, rounded up to a batch of 10"
    )
    assert batch_shape("GB", 4, True).describe() == "QTY 4 + main number 1 = 5, a whole batch of 5"
    assert (
        batch_shape("GB", 5, False).describe()
        == "QTY 5, a whole batch of 5; a main number is still to be nominated"
    )
    assert (
        batch_shape("GB", 3, False).describe()
        == "QTY 3, rounded up to a batch of 5; a main number is still to be nominated"
    )
    assert batch_shape("US", 7, False).describe() == ("exactly 7 (no batches in US)")


@given(qty=st.integers(1, 10_000), main=st.booleans())
def test_batch_arithmetic_property(qty: int, main: bool) -> None:
    shape = batch_shape("GB", qty, main)
    assert shape.batch_size % 5 == 0
    assert qty + shape.main <= shape.batch_size < qty + shape.main + 5
    assert shape.spare >= 0


def test_automation_runs_only_the_first_time() -> None:
    assert automation_skip_reason(0, 0) is None
    upgrade = automation_skip_reason(3, 5)
    assert upgrade is not None and upgrade.startswith("upgrade")
    special = automation_skip_reason(0, 10)
    assert special is not None and special.startswith("special numbers: 10 numbers")


def _pool(values: list[int], candidates: set[int] = frozenset()) -> list[PoolNumber]:  # type: ignore[assignment]
    return [PoolNumber(f"+44207946{v:04d}", v in candidates) for v in values]


def _n(v: int) -> str:
    return f"+44207946{v:04d}"


def test_pick_prefers_the_lowest_contiguous_run() -> None:
    # 1, 2 | 4, 5, 6, 7, 8 | 10: a run of 5 starts at 4.
    pick = pick_numbers(_pool([1, 2, 4, 5, 6, 7, 8, 10]), batch_shape("GB", 4, True))
    assert pick is not None
    assert pick.main == _n(4)
    assert pick.others == tuple(_n(v) for v in (5, 6, 7, 8))


def test_pick_takes_lowest_numbers_when_no_run_is_long_enough() -> None:
    pick = pick_numbers(_pool([1, 3, 5, 7, 9, 11]), batch_shape("GB", 5, False))
    assert pick is not None and pick.all == tuple(_n(v) for v in (1, 3, 5, 7, 9))


def test_main_number_comes_from_the_candidates() -> None:
    pick = pick_numbers(_pool([0, 1, 2, 3, 4, 5, 100], {0, 100}), batch_shape("GB", 4, True))
    assert pick is not None
    assert pick.main == _n(0)
    assert pick.others == tuple(_n(v) for v in (1, 2, 3, 4))


def test_candidates_are_kept_for_main_numbers() -> None:
    pick = pick_numbers(_pool([0, 1, 2, 3, 4, 5, 6], {0}), batch_shape("GB", 5, False))
    assert pick is not None and _n(0) not in pick.all


def test_candidates_fill_a_batch_when_nothing_else_is_left() -> None:
    pick = pick_numbers(_pool([0, 1, 2, 3, 100], {0, 100}), batch_shape("GB", 5, False))
    assert pick is not None and set(pick.all) == {_n(v) for v in (0, 1, 2, 3, 100)}


def test_short_pool_gives_nothing() -> None:
    assert pick_numbers(_pool([1, 2, 3, 4]), batch_shape("GB", 4, True)) is None


def test_activated_and_spare_split() -> None:
    shape = batch_shape("GB", 2, True)
    pick = pick_numbers(_pool(list(range(1, 11))), shape)
    assert pick is not None
    activated, spare = pick.split(shape.quantity)
    assert pick.main == _n(1)
    assert activated == (_n(2), _n(3))
    assert spare == (_n(4), _n(5))


def test_lowest_run() -> None:
    assert lowest_run([1, 2, 3], 3) == 0
    assert lowest_run([1, 3, 4, 5], 3) == 1
    assert lowest_run([1, 3, 5], 2) is None
    assert lowest_run([], 1) is None


pools = st.lists(st.integers(0, 999), min_size=0, max_size=80, unique=True).flatmap(
    lambda values: st.tuples(
        st.just(sorted(values)), st.sets(st.sampled_from(values)) if values else st.just(set())
    )
)


@given(
    pool=pools, qty=st.integers(1, 30), main=st.booleans(), country=st.sampled_from(["GB", "US"])
)
def test_pick_never_returns_a_number_twice_or_outside_the_pool(
    pool: tuple[list[int], set[int]], qty: int, main: bool, country: str
) -> None:
    values, candidates = pool
    shape = batch_shape(country, qty, main)
    pick = pick_numbers(_pool(values, candidates), shape)
    if len(values) < shape.batch_size:
        assert pick is None
        return
    assert pick is not None
    picked = pick.all
    assert len(picked) == len(set(picked)) == shape.batch_size
    assert set(picked) <= {_n(v) for v in values}
    assert (pick.main is not None) == bool(shape.main)
    if shape.main and candidates:
        assert pick.main == _n(min(candidates))
