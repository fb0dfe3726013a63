"""Port-in orders: the states of an order, the moves between them, and when one is late.

An occupier bringing its numbers from another carrier (the losing carrier) asks for a date;
the order goes to that carrier (submitted), which commits to a date (agreed: the firm order
commitment, FOC) and moves the numbers on that day (completed). The carrier can refuse it
(rejected) and the occupier or the operator can withdraw it (cancelled), both with a reason.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from enum import StrEnum

from voiceconsole.domain.errors import InvalidInput, RuleViolation
from voiceconsole.domain.phone import NumberBlock, parse_block, value_of

# The most numbers one order may bring: a large DDI block, far below SQL parameter limits.
MAX_ORDER_NUMBERS = 10_000


class PortingState(StrEnum):
    REQUESTED = "requested"  # the occupier asked; the order is not with the carrier yet
    SUBMITTED = "submitted"  # sent to the losing carrier
    AGREED = "agreed"  # the carrier committed to a date (firm order commitment, FOC)
    COMPLETED = "completed"  # the numbers are the occupier's, with us
    REJECTED = "rejected"  # the losing carrier refused it
    CANCELLED = "cancelled"  # withdrawn by the operator or the occupier


OPEN = (PortingState.REQUESTED, PortingState.SUBMITTED, PortingState.AGREED)

# Where each state may be reached from. Agreed again: the carrier moved its date.
_FROM: dict[PortingState, tuple[PortingState, ...]] = {
    PortingState.SUBMITTED: (PortingState.REQUESTED,),
    PortingState.AGREED: (PortingState.SUBMITTED, PortingState.AGREED),
    PortingState.COMPLETED: (PortingState.AGREED,),
    PortingState.REJECTED: (PortingState.SUBMITTED, PortingState.AGREED),
    PortingState.CANCELLED: OPEN,
}
# Where `advance` goes when no state is named.
_NEXT = {
    PortingState.REQUESTED: PortingState.SUBMITTED,
    PortingState.SUBMITTED: PortingState.AGREED,
    PortingState.AGREED: PortingState.COMPLETED,
}
_HINT = {
    (PortingState.REQUESTED, PortingState.REJECTED): (
        "it has not been submitted to the carrier yet; cancel it instead"
    ),
    (PortingState.REQUESTED, PortingState.AGREED): "submit it to the carrier first",
    (PortingState.REQUESTED, PortingState.COMPLETED): "the carrier has not agreed a date yet",
    (PortingState.SUBMITTED, PortingState.COMPLETED): "the carrier has not agreed a date yet",
}


def next_step(current: PortingState) -> PortingState:
    """The next state in the ordinary course (requested, submitted, agreed, completed)."""
    step = _NEXT.get(current)
    if step is None:
        raise RuleViolation(f"the order is {current.value}; nothing more happens to it")
    return step


def check_move(
    current: PortingState,
    target: PortingState,
    *,
    today: dt.date,
    agreed_on: dt.date | None,
    reason: str,
) -> None:
    """Refuse a move the order's life does not allow, saying why.

    `agreed_on` is the carrier's date (given when moving to agreed; the order's own when
    completing). Completion waits for that day; rejection and cancellation need a reason.
    """
    if current not in OPEN:
        raise RuleViolation(f"the order is {current.value}; nothing more happens to it")
    if current not in _FROM[target]:
        hint = _HINT.get((current, target))
        raise RuleViolation(
            f"a {current.value} order cannot become {target.value}" + (f": {hint}" if hint else "")
        )
    if target is PortingState.AGREED:
        if agreed_on is None:
            raise InvalidInput("give the date the carrier agreed (its firm order commitment)")
        if agreed_on < today:
            raise InvalidInput(
                f"the agreed date {agreed_on.isoformat()} is in the past (today is "
                f"{today.isoformat()})"
            )
    if target is PortingState.COMPLETED and agreed_on is not None and agreed_on > today:
        raise RuleViolation(
            f"the port is agreed for {agreed_on.isoformat()}; it completes on that day, not before"
        )
    if target in (PortingState.REJECTED, PortingState.CANCELLED) and not reason.strip():
        raise InvalidInput(f"say why the order is {target.value}")


def due_date(requested_on: dt.date, agreed_on: dt.date | None) -> dt.date:
    """The day the port is expected: the carrier's date once agreed, else the one asked for."""
    return agreed_on or requested_on


def lateness(
    state: PortingState, requested_on: dt.date, agreed_on: dt.date | None, today: dt.date
) -> str | None:
    """Why an open order is late, in a few words, or None when it is not."""
    if state not in OPEN:
        return None
    due = due_date(requested_on, agreed_on)
    if due >= today:
        return None
    days = (today - due).days
    late = f"{days} day{'s' if days != 1 else ''} late"
    if state is PortingState.AGREED:
        return f"{late}: agreed for {due.isoformat()}, not completed"
    return f"{late}: asked for {due.isoformat()}, no date agreed"


# Between the two ends of a range: "..", " - ", an en dash, or "to".
_RANGE = re.compile(r"\s*(?:\.\.|\s-\s|–|\bto\b)\s*")
_ITEMS = re.compile(r"[,;\n]+")


def parse_numbers(text: str, country: str) -> list[NumberBlock]:
    """The numbers of an order, written as numbers and ranges separated by commas or lines.

    A range is `FIRST..LAST`, `FIRST - LAST` or `FIRST to LAST`; its last number may be
    written as only its last digits (`020 7946 0500..0509`). Overlaps are refused.
    """
    blocks: list[NumberBlock] = []
    for item in (i.strip() for i in _ITEMS.split(text or "")):
        if not item:
            continue
        ends = _RANGE.split(item, maxsplit=1)
        first = ends[0]
        last = ends[1] if len(ends) > 1 else None
        if last is not None:
            last = _whole_last(first, last)
        blocks.append(parse_block(first, last, country))
    if not blocks:
        raise InvalidInput("no numbers were given for the order")
    blocks.sort(key=lambda b: (len(b.first), value_of(b.first)))
    for before, after in itertools.pairwise(blocks):
        if before.overlaps(after):
            raise InvalidInput(f"{before} and {after} overlap; give each number once")
    total = sum(b.size for b in blocks)
    if total > MAX_ORDER_NUMBERS:
        raise InvalidInput(
            f"the order holds {total:,} numbers; one order brings at most {MAX_ORDER_NUMBERS:,}"
        )
    return blocks


def _whole_last(first: str, last: str) -> str:
    """'0509' after '020 7946 0500': the first number's leading digits, then these."""
    first_digits = re.sub(r"\D", "", first)
    last_digits = re.sub(r"\D", "", last)
    if last.strip().startswith("+") or len(last_digits) >= len(first_digits):
        return last
    return first_digits[: len(first_digits) - len(last_digits)] + last_digits


def blocks_text(blocks: list[NumberBlock]) -> str:
    """The order's numbers as stored: E.164 blocks, comma-separated."""
    return ",".join(b.first if b.first == b.last else f"{b.first}-{b.last}" for b in blocks)


def blocks_from_text(text: str) -> list[NumberBlock]:
    blocks = []
    for item in filter(None, text.split(",")):
        first, _, last = item.partition("-")
        blocks.append(NumberBlock(first, last or first))
    return blocks
