"""Handsets and logging numbers in to them: MAC addresses, device models, the login rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from voiceconsole.domain.errors import InvalidInput, RuleViolation
from voiceconsole.domain.phone import national
from voiceconsole.domain.states import NumberState
from voiceconsole.domain.words import counted


class LoginMethod(StrEnum):
    REMOTE = "remote"  # a provisioning file, then the phone is told to re-sync
    MANUAL = "manual"  # the engineer logs in on the handset itself


class ProvisioningFormat(StrEnum):
    YEALINK_CFG = "yealink_cfg"  # <mac>.cfg, key = value lines
    POLYCOM_XML = "polycom_xml"  # <mac>.cfg, an XML document of attributes


class LineStatus(StrEnum):
    """How far a line is known to have got onto its phone, from least to most known.

    A remote line: `pending_resync` (in the file; the phone has not answered a re-sync
    request) -> `notified` (it answered; it has not been seen fetching its file, e.g. when
    another server serves the files) -> `file_fetched` (our provisioning server served it the
    file that has the line) -> `registered` (a registration check found the line registered).
    A manual line: `manual_pending` until the engineer says it is done, then `logged_in`.
    """

    LOGGED_IN = "logged_in"
    PENDING_RESYNC = "pending_resync"
    NOTIFIED = "notified"
    FILE_FETCHED = "file_fetched"
    REGISTERED = "registered"
    MANUAL_PENDING = "manual_pending"


# A remote line moves only forward through these (an answer arriving after a fetch that it
# prompted must not move the line back).
REMOTE_PROGRESS = (
    LineStatus.PENDING_RESYNC,
    LineStatus.NOTIFIED,
    LineStatus.FILE_FETCHED,
    LineStatus.REGISTERED,
)


def earlier_than(status: LineStatus) -> tuple[str, ...]:
    """The remote statuses before `status`: those a new observation may move on from."""
    return tuple(s.value for s in REMOTE_PROGRESS[: REMOTE_PROGRESS.index(status)])


class HandsetState(StrEnum):
    """Where a handset is in its life. Only a deployed one (given to an occupier) takes a
    login; faulty and retired ones have their lines logged out when they are marked."""

    IN_STOCK = "in_stock"
    DEPLOYED = "deployed"
    FAULTY = "faulty"
    RETIRED = "retired"


class SipTransport(StrEnum):
    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"


_HEX = re.compile(r"[^0-9a-fA-F]")


def normalise_mac(text: str) -> str:
    """`AA-BB-CC-00-11-22`, `aabb.cc00.1122` or `aabbcc001122` as `aa:bb:cc:00:11:22`.

    Refused: anything but 12 hex digits, and group (multicast or broadcast) addresses, which
    no handset has.
    """
    digits = _HEX.sub("", text.strip())
    stripped = re.sub(r"[\s:.\-]", "", text.strip())
    if len(digits) != 12 or len(stripped) != 12:
        raise InvalidInput(f"{text.strip()!r} is not a MAC address (12 hex digits)")
    digits = digits.lower()
    if int(digits[1], 16) & 1:
        raise InvalidInput(f"{text.strip()!r} is a group address, not a handset's MAC")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@dataclass(frozen=True)
class NumberFacts:
    """What the login rules need to know of a number."""

    e164: str
    state: NumberState
    is_main: bool
    occupier_id: int | None
    site_id: int


@dataclass(frozen=True)
class HandsetFacts:
    label: str  # how the user knows the handset: its label, else its MAC
    occupier_id: int | None
    site_id: int
    line_keys: int
    used_keys: frozenset[int]
    state: HandsetState = HandsetState.DEPLOYED


def check_login(
    number: NumberFacts,
    handset: HandsetFacts,
    *,
    logged_in_on: str | None,
    move: bool,
) -> int:
    """The line key the number takes on the handset, or a refusal that says why.

    `logged_in_on` is the handset the number is logged in to now (None: none). Logging it in
    elsewhere moves it (hot-desking), but only when the user said so (`move`).
    """
    if handset.state in (HandsetState.FAULTY, HandsetState.RETIRED):
        raise RuleViolation(
            f"{handset.label} is {handset.state.value}: it takes no login "
            "(back to stock once repaired)"
            if handset.state is HandsetState.FAULTY
            else f"{handset.label} is retired: it takes no login"
        )
    shown = national(number.e164)
    if number.state is not NumberState.ACTIVE:
        raise RuleViolation(
            f"{shown} is {number.state.value}: only an active number is logged in "
            "(activate it first)"
        )
    if number.is_main:
        raise RuleViolation(
            f"{shown} is a main number: it rings reception and is never on a handset"
        )
    if number.site_id != handset.site_id:
        raise RuleViolation(f"{shown} belongs to another site than {handset.label}")
    if handset.occupier_id is None or number.occupier_id != handset.occupier_id:
        raise RuleViolation(f"{shown} and {handset.label} belong to different occupiers")
    if logged_in_on == handset.label:
        raise RuleViolation(f"{shown} is already logged in to {handset.label}")
    if logged_in_on is not None and not move:
        raise RuleViolation(
            f"{shown} is logged in to {logged_in_on}; confirm the move to {handset.label}"
        )
    free = [key for key in range(1, handset.line_keys + 1) if key not in handset.used_keys]
    if not free:
        raise RuleViolation(
            f"{handset.label} has all its {counted(handset.line_keys, 'line key')} taken; "
            "log a number out first"
        )
    return free[0]


def check_state_change(
    label: str, now: HandsetState, to: HandsetState, *, has_occupier: bool
) -> None:
    """Which moves of a handset's life are allowed: retired is for good; a faulty phone goes
    back to stock (repaired) or is retired; deployed means given to an occupier."""
    if now is to:
        raise RuleViolation(f"{label} is already {to.value.replace('_', ' ')}")
    if now is HandsetState.RETIRED:
        raise RuleViolation(f"{label} is retired: it stays retired")
    if to is HandsetState.DEPLOYED and not has_occupier:
        raise RuleViolation(f"give {label} to an occupier to deploy it (move it)")
    if now is HandsetState.FAULTY and to is HandsetState.DEPLOYED:
        raise RuleViolation(f"{label} is faulty: put it back in stock once repaired")


def manual_instructions(steps: str, *, extension: str, pin: str) -> str:
    """The key sequence of a manual model, with the extension and PIN filled in."""
    return steps.replace("{extension}", extension).replace("{pin}", pin)
