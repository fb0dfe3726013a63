"""Every state move domain.md allows, and a clear refusal for each one it does not."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from voiceconsole.domain.errors import RuleViolation
from voiceconsole.domain.states import NumberAction, NumberFacts, NumberState, Origin, next_state

S, A = NumberState, NumberAction
TODAY = dt.date(2026, 11, 25)


def _expected(state: NumberState, action: NumberAction, origin: Origin) -> NumberState | None:
    """domain.md's moves; ported and custom numbers never go to anyone else or back to a pool."""
    if origin is not Origin.POOL and action in (A.ALLOCATE, A.RECYCLE):
        return None
    release_to = S.COOLDOWN if origin is Origin.POOL else S.PORT_OUT
    return {
        (S.AVAILABLE, A.ALLOCATE): S.RESERVED,
        (S.RESERVED, A.ACTIVATE): S.ACTIVE,
        (S.ACTIVE, A.DEACTIVATE): S.RESERVED,
        (S.RESERVED, A.RELEASE): release_to,
        (S.COOLDOWN, A.RECYCLE): S.AVAILABLE,
    }.get((state, action))


def _facts(
    state: NumberState, origin: Origin, cooldown_until: dt.date | None = None
) -> NumberFacts:
    return NumberFacts("+442079460123", state, origin, cooldown_until)


@pytest.mark.parametrize(("state", "action", "origin"), list(itertools.product(S, A, Origin)))
def test_state_moves(state: NumberState, action: NumberAction, origin: Origin) -> None:
    facts = _facts(state, origin, TODAY if state is S.COOLDOWN else None)
    expected = _expected(state, action, origin)
    if expected is None:
        with pytest.raises(RuleViolation) as refused:
            next_state(facts, action, TODAY)
        assert str(refused.value).startswith(f"cannot {action.value} 020 7946 0123: it ")
    else:
        assert next_state(facts, action, TODAY) is expected


def test_release_of_an_active_number_says_to_deactivate_first() -> None:
    with pytest.raises(RuleViolation, match="deactivate it first"):
        next_state(_facts(S.ACTIVE, Origin.POOL), A.RELEASE, TODAY)


def test_cooldown_ends_only_when_due() -> None:
    later = TODAY + dt.timedelta(days=1)
    with pytest.raises(RuleViolation, match="cooldown runs until 2026-11-26"):
        next_state(_facts(S.COOLDOWN, Origin.POOL, later), A.RECYCLE, TODAY)
    assert next_state(_facts(S.COOLDOWN, Origin.POOL, later), A.RECYCLE, later) is S.AVAILABLE


def test_cooling_number_cannot_be_allocated_and_says_until_when() -> None:
    with pytest.raises(RuleViolation, match="in cooldown until 2026-11-25"):
        next_state(_facts(S.COOLDOWN, Origin.POOL, TODAY), A.ALLOCATE, TODAY)


def test_port_out_is_final() -> None:
    for action in A:
        with pytest.raises(RuleViolation, match=r"held for port-out|brought in for"):
            next_state(_facts(S.PORT_OUT, Origin.PORTED), action, TODAY)


def test_a_menu_says_why_an_action_does_not_fit_the_numbers_chosen() -> None:
    from voiceconsole.domain.states import NumberAction as A
    from voiceconsole.domain.states import NumberState as S
    from voiceconsole.domain.states import Origin as O
    from voiceconsole.domain.states import why_not_all

    pool_active = {(S.ACTIVE, O.POOL)}
    assert why_not_all(A.DEACTIVATE, pool_active) is None
    assert (
        why_not_all(A.RELEASE, pool_active) == "cannot be released while active; deactivate first"
    )
    assert why_not_all(A.ALLOCATE, pool_active) == "cannot be allocated while active"
    # Mixed: one kind that does not fit is enough.
    mixed = {(S.RESERVED, O.POOL), (S.AVAILABLE, O.POOL)}
    assert why_not_all(A.ACTIVATE, mixed) == "cannot be activated while available; allocate first"
    assert why_not_all(A.ALLOCATE, {(S.AVAILABLE, O.PORTED)}) == (
        "ported numbers belong to their occupier"
    )
    # Each action allowed on its own states, as next_state allows it.
    for action, state in (
        (A.ALLOCATE, S.AVAILABLE),
        (A.ACTIVATE, S.RESERVED),
        (A.RELEASE, S.RESERVED),
        (A.RECYCLE, S.COOLDOWN),
    ):
        assert why_not_all(action, {(state, O.POOL)}) is None
