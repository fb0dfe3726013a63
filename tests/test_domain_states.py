"""Every state move domain.md allows, and a clear refusal for each one it does not."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from voiceconsole.domain.errors import RuleViolation
from voiceconsole.domain.states import NumberAction, NumberFacts, NumberState, Origin, next_state

S, A = NumberState, NumberAction
TODAY = dt.date(2026, 11, 25)

ALLOWED = {
    (S.AVAILABLE, A.ALLOCATE, Origin.POOL): S.RESERVED,
    (S.RESERVED, A.ACTIVATE, Origin.POOL): S.ACTIVE,
    (S.ACTIVE, A.DEACTIVATE, Origin.POOL): S.RESERVED,
    (S.RESERVED, A.RELEASE, Origin.POOL): S.COOLDOWN,
    (S.RESERVED, A.RELEASE, Origin.PORTED): S.PORT_OUT,
    (S.RESERVED, A.RELEASE, Origin.CUSTOM): S.PORT_OUT,
    (S.COOLDOWN, A.RECYCLE, Origin.POOL): S.AVAILABLE,
}


def _facts(
    state: NumberState, origin: Origin, cooldown_until: dt.date | None = None
) -> NumberFacts:
    return NumberFacts("+442079460123", state, origin, cooldown_until)


@pytest.mark.parametrize(("state", "action", "origin"), list(itertools.product(S, A, Origin)))
def test_state_moves(state: NumberState, action: NumberAction, origin: Origin) -> None:
    facts = _facts(state, origin, TODAY if state is S.COOLDOWN else None)
    expected = ALLOWED.get((state, action, origin)) or ALLOWED.get((state, action, Origin.POOL))
    if action is A.RELEASE and state is S.RESERVED:
        expected = ALLOWED[(state, action, origin)]
    if expected is None:
        with pytest.raises(RuleViolation) as refused:
            next_state(facts, action, TODAY)
        message = str(refused.value)
        assert message.startswith(f"cannot {action.value} 020 7946 0123: it ")
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
        with pytest.raises(RuleViolation, match="port-out"):
            next_state(_facts(S.PORT_OUT, Origin.PORTED), action, TODAY)
