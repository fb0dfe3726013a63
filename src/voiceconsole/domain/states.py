"""Number states, origins and the moves allowed between states (domain.md, "Phone numbers")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from voiceconsole.domain.errors import RuleViolation
from voiceconsole.domain.phone import national


class NumberState(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    ACTIVE = "active"
    COOLDOWN = "cooldown"
    PORT_OUT = "port_out"
    # Held for the occupier of an open porting order; becomes theirs (reserved) when the
    # port completes, and leaves the inventory if the order is rejected or cancelled.
    PORTING_IN = "porting_in"


class Origin(StrEnum):
    POOL = "pool"
    PORTED = "ported"
    CUSTOM = "custom"


class MainNumberPolicy(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


class NumberAction(StrEnum):
    ALLOCATE = "allocate"
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    RELEASE = "release"
    RECYCLE = "recycle"


# The only moves domain.md allows; everything else is refused with a reason.
_MOVES: dict[NumberAction, tuple[NumberState, ...]] = {
    NumberAction.ALLOCATE: (NumberState.AVAILABLE,),
    NumberAction.ACTIVATE: (NumberState.RESERVED,),
    NumberAction.DEACTIVATE: (NumberState.ACTIVE,),
    NumberAction.RELEASE: (NumberState.RESERVED,),
    NumberAction.RECYCLE: (NumberState.COOLDOWN,),
}

_WHY_NOT: dict[NumberState, str] = {
    NumberState.AVAILABLE: "is available in the site pool, not allocated to anyone",
    NumberState.RESERVED: "is allocated but not active",
    NumberState.ACTIVE: "is active",
    NumberState.COOLDOWN: "is in cooldown",
    NumberState.PORT_OUT: "is held for port-out and is never given to another occupier",
    NumberState.PORTING_IN: "is being ported in for its occupier and is not ours until the "
    "port completes",
}

_HINT: dict[tuple[NumberAction, NumberState], str] = {
    (NumberAction.RELEASE, NumberState.ACTIVE): "deactivate it first",
    (NumberAction.ALLOCATE, NumberState.RESERVED): "it already belongs to an occupier",
    (NumberAction.ALLOCATE, NumberState.ACTIVE): "it already belongs to an occupier",
    (NumberAction.ACTIVATE, NumberState.AVAILABLE): "allocate it to an occupier first",
    (NumberAction.ACTIVATE, NumberState.ACTIVE): "it is already active",
    (NumberAction.DEACTIVATE, NumberState.RESERVED): "it is not active",
    (NumberAction.RELEASE, NumberState.AVAILABLE): "it is not allocated",
    (NumberAction.RELEASE, NumberState.COOLDOWN): "it was already released",
}


@dataclass(frozen=True)
class NumberFacts:
    """What the state rules need to know about one number."""

    e164: str
    state: NumberState
    origin: Origin
    cooldown_until: dt.date | None = None


def next_state(
    number: NumberFacts, action: NumberAction, today: dt.date | None = None
) -> NumberState:
    """The state `action` moves `number` to, or RuleViolation saying why it may not."""
    if number.origin is not Origin.POOL and action in (NumberAction.ALLOCATE, NumberAction.RECYCLE):
        # Ported and custom numbers arrive held for their occupier and leave with it.
        raise RuleViolation(
            f"cannot {action.value} {national(number.e164)}: it is a {number.origin.value} "
            "number and belongs to the occupier it was brought in for"
        )
    if number.state not in _MOVES[action]:
        why = _WHY_NOT[number.state]
        if number.state is NumberState.COOLDOWN and number.cooldown_until:
            why = f"is in cooldown until {number.cooldown_until.isoformat()}"
        hint = _HINT.get((action, number.state))
        raise RuleViolation(
            f"cannot {action.value} {national(number.e164)}: it {why}"
            + (f"; {hint}" if hint else "")
        )
    if (
        action is NumberAction.RECYCLE
        and number.cooldown_until
        and (today is None or number.cooldown_until > today)
    ):
        raise RuleViolation(
            f"cannot recycle {national(number.e164)}: its cooldown runs until "
            f"{number.cooldown_until.isoformat()}"
        )
    return _target(number, action)


def _target(number: NumberFacts, action: NumberAction) -> NumberState:
    match action:
        case NumberAction.ALLOCATE | NumberAction.DEACTIVATE:
            return NumberState.RESERVED
        case NumberAction.ACTIVATE:
            return NumberState.ACTIVE
        case NumberAction.RELEASE:
            # A ported or custom number belongs to its occupier's identity: never recycle it.
            return NumberState.COOLDOWN if number.origin is Origin.POOL else NumberState.PORT_OUT
        case NumberAction.RECYCLE:
            return NumberState.AVAILABLE


_WHILE = {
    NumberState.AVAILABLE: "available",
    NumberState.RESERVED: "reserved",
    NumberState.ACTIVE: "active",
    NumberState.COOLDOWN: "in cooldown",
    NumberState.PORT_OUT: "held for port-out",
    NumberState.PORTING_IN: "being ported in",
}
_FIRST = {
    (NumberAction.RELEASE, NumberState.ACTIVE): "deactivate first",
    (NumberAction.ACTIVATE, NumberState.AVAILABLE): "allocate first",
}


def why_not_all(action: NumberAction, kinds: set[tuple[NumberState, Origin]]) -> str | None:
    """Why `action` cannot be taken on numbers of these (state, origin) kinds, in a few words
    for a menu, whatever their count (the rules of `next_state`, for many numbers at once);
    None when it can be taken on every one."""
    done = f"{action.value}d" if action.value.endswith("e") else f"{action.value}ed"
    for state, origin in sorted(kinds):
        if origin is not Origin.POOL and action is NumberAction.ALLOCATE:
            return f"{origin.value} numbers belong to their occupier"
        if state not in _MOVES[action]:
            first = _FIRST.get((action, state))
            return f"cannot be {done} while {_WHILE[state]}" + (f"; {first}" if first else "")
    return None
