"""Phone numbers by hand: allocate, activate, deactivate, release, main number, features, lists."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import Occupancy, Occupier, PhoneNumber, Site
from voiceconsole.domain.errors import InvalidInput, RuleViolation
from voiceconsole.domain.phone import national, to_e164, value_of
from voiceconsole.domain.states import (
    NumberAction,
    NumberFacts,
    NumberState,
    Origin,
    next_state,
)
from voiceconsole.domain.text import clean_email, clean_text, parse_choice
from voiceconsole.services.handsets import log_out_numbers, provision_handsets
from voiceconsole.services.holdings import holdings
from voiceconsole.services.lookup import (
    name_search,
    numbers_by_ref,
    occupancy_of,
    occupier_by_ref,
    site_by_ref,
    site_today,
)
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.transaction import Contended, Transaction, retried, transaction
from voiceconsole.services.views import NumberView

PIN_DIGITS = 6


@dataclass(frozen=True)
class NumbersChanged:
    """The numbers an action changed, as they are now."""

    numbers: list[NumberView]

    def to_dict(self) -> dict[str, Any]:
        return {"numbers": [n.to_dict() for n in self.numbers]}


def facts(number: PhoneNumber) -> NumberFacts:
    return NumberFacts(number.e164, number.state, number.origin, number.cooldown_until)


def number_record(number: PhoneNumber) -> dict[str, Any]:
    """The fields of a number the audit journal keeps before and after a state move."""
    return {
        "e164": number.e164,
        "state": number.state,
        "occupier_id": number.occupier_id,
        "is_main": number.is_main,
        "cooldown_until": number.cooldown_until,
    }


async def views_of(session: AsyncSession, numbers: Sequence[PhoneNumber]) -> list[NumberView]:
    site_ids = {n.site_id for n in numbers}
    occupier_ids = {n.occupier_id for n in numbers if n.occupier_id}
    sites = dict(
        (await session.execute(select(Site.id, Site.code).where(Site.id.in_(site_ids)))).all()
    )
    occupiers = dict(
        (
            await session.execute(
                select(Occupier.id, Occupier.code).where(Occupier.id.in_(occupier_ids))
            )
        ).all()
    )
    return [
        NumberView.of(n, sites[n.site_id], occupiers.get(n.occupier_id) if n.occupier_id else None)
        for n in numbers
    ]


def _listing(numbers: Sequence[PhoneNumber]) -> str:
    shown = ", ".join(national(n.e164) for n in numbers[:5])
    return shown + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


async def _record_move(
    tx: Transaction,
    action: str,
    verb: str,
    numbers: list[PhoneNumber],
    before: list[dict[str, Any]],
) -> NumbersChanged:
    """The audit entry of a state move; it concerns every holder before and after the move."""
    await tx.session.flush()
    views = await views_of(tx.session, numbers)
    holders = {v.occupier for v in views if v.occupier}
    subjects = {(n.site_id, n.occupier_id) for n in numbers}
    subjects |= {(n.site_id, b["occupier_id"]) for n, b in zip(numbers, before, strict=True)}
    tx.audit(
        action,
        f"{verb} {_listing(numbers)}" + (f" ({', '.join(sorted(holders))})" if holders else ""),
        subjects=subjects,
        before=before,
        after=[number_record(n) for n in numbers],
    )
    return NumbersChanged(views)


@requires(Permission.NUMBERS)
@retried
async def allocate_numbers(
    db: Database, actor: str, refs: Sequence[str], *, occupier: str, site: str
) -> NumbersChanged:
    """Allocate particular numbers to an occupier (special numbers, a chosen range)."""
    async with transaction(db, actor) as tx:
        place = await site_by_ref(tx.session, site)
        holder = await occupier_by_ref(tx.session, occupier)
        await occupancy_of(tx.session, holder, place, lock=True)
        numbers = await numbers_by_ref(tx.session, refs, place, lock=True)
        before = [number_record(n) for n in numbers]
        today = site_today(place)
        for number in numbers:
            number.state = next_state(facts(number), NumberAction.ALLOCATE, today)
            number.occupier_id = holder.id
        return await _record_move(tx, "numbers.allocate", "allocated", numbers, before)


async def _held(tx: Transaction, refs: Sequence[str], site: str | None) -> list[PhoneNumber]:
    """The numbers, locked in the one lock order: their holders' occupancies first, then the
    numbers (allocation takes them in that order too; the other way round, two colleagues'
    actions could each wait for the other)."""
    place = await site_by_ref(tx.session, site) if site else None
    seen = await numbers_by_ref(tx.session, refs, place)
    holders = sorted({(n.occupier_id, n.site_id) for n in seen if n.occupier_id is not None})
    for occupier_id, site_id in holders:
        await tx.session.execute(
            select(Occupancy.id)
            .where(Occupancy.occupier_id == occupier_id, Occupancy.site_id == site_id)
            .with_for_update()
        )
    numbers = await numbers_by_ref(tx.session, refs, place, lock=True)
    if {(n.occupier_id, n.site_id) for n in numbers if n.occupier_id is not None} - set(holders):
        # A colleague gave a number to another holder between the read and the locks: its
        # occupancy cannot be locked now without breaking the order. Start again.
        raise Contended("a number changed holder while its occupancy was being locked")
    return numbers


@requires(Permission.NUMBERS)
@retried
async def activate_numbers(
    db: Database, actor: str, refs: Sequence[str], *, site: str | None = None
) -> NumbersChanged:
    """Put reserved numbers in service; each needs a free voice service of its occupier."""
    async with transaction(db, actor) as tx:
        numbers = await _held(tx, refs, site)
        before = [number_record(n) for n in numbers]
        by_holder: dict[tuple[int, int], list[PhoneNumber]] = defaultdict(list)
        for number in numbers:
            next_state(facts(number), NumberAction.ACTIVATE)
            if number.occupier_id is None:
                raise RuleViolation(
                    f"cannot activate {national(number.e164)}: it is held by the operator, "
                    "not an occupier; allocate it to an occupier first"
                )
            by_holder[(number.occupier_id, number.site_id)].append(number)
        for (occupier_id, site_id), group in by_holder.items():
            await _check_entitlement(tx.session, occupier_id, site_id, group)
        for number in numbers:
            number.state = NumberState.ACTIVE
        return await _record_move(tx, "numbers.activate", "activated", numbers, before)


async def _check_entitlement(
    session: AsyncSession, occupier_id: int, site_id: int, activating: list[PhoneNumber]
) -> None:
    occupier = await session.get_one(Occupier, occupier_id)
    site = await session.get_one(Site, site_id)
    await occupancy_of(session, occupier, site, lock=True)
    held = await holdings(session, occupier_id, site_id)
    wanted = sum(1 for n in activating if not n.is_main)
    if held.active + wanted > held.voice_quantity:
        raise RuleViolation(
            f"no free voice service for {occupier.name} at {site.code}: "
            f"QTY {held.voice_quantity}, {held.active} active, {wanted} more asked for"
        )


@requires(Permission.NUMBERS)
@retried
async def deactivate_numbers(
    db: Database, actor: str, refs: Sequence[str], *, site: str | None = None
) -> NumbersChanged:
    """Take active numbers out of service; they stay with their occupier as spares. A number
    on a handset is logged out of it first."""
    async with transaction(db, actor) as tx:
        numbers = await _held(tx, refs, site)
        before, handsets = await _records_logging_out(tx, numbers)
        for number in numbers:
            number.state = next_state(facts(number), NumberAction.DEACTIVATE)
        changed = await _record_move(tx, "numbers.deactivate", "deactivated", numbers, before)
    await provision_handsets(db, handsets)
    return changed


async def _records_logging_out(
    tx: Transaction, numbers: Sequence[PhoneNumber]
) -> tuple[list[dict[str, Any]], list[int]]:
    """The numbers as they were (for the audit entry), each logged out of its handset first;
    and the handsets to provision again once the action is committed."""
    out = await log_out_numbers(tx.session, [n.id for n in numbers])
    records = [
        {**number_record(n), **({"handset": out[n.id].handset} if n.id in out else {})}
        for n in numbers
    ]
    return records, [where.handset_id for where in out.values()]


def reset_features(number: PhoneNumber) -> None:
    """A pool number goes back clean: the next occupier inherits no label, forwarding or PIN."""
    number.label = ""
    number.caller_id_override = None
    number.forward_always = number.forward_busy = number.forward_no_answer = None
    number.voicemail = False
    number.voicemail_email = None
    number.dnd = False
    number.pin_hash = None


@requires(Permission.NUMBERS)
@retried
async def release_numbers(
    db: Database, actor: str, refs: Sequence[str], *, site: str | None = None
) -> NumbersChanged:
    """Give reserved numbers up: pool numbers cool down, ported and custom ones await port-out."""
    async with transaction(db, actor) as tx:
        numbers = await _held(tx, refs, site)
        before, handsets = await _records_logging_out(tx, numbers)
        sites = {
            s.id: s
            for s in await tx.session.scalars(
                select(Site).where(Site.id.in_({n.site_id for n in numbers}))
            )
        }
        for number in numbers:
            place = sites[number.site_id]
            today = site_today(place)
            number.state = next_state(facts(number), NumberAction.RELEASE, today)
            number.is_main = False
            if number.state is NumberState.COOLDOWN:
                number.occupier_id = None
                number.cooldown_until = today + dt.timedelta(days=place.cooldown_days)
                reset_features(number)
        changed = await _record_move(tx, "numbers.release", "released", numbers, before)
    await provision_handsets(db, handsets)
    return changed


async def recycle_due_numbers(
    tx: Transaction, due_by: Callable[[Site], dt.date]
) -> list[PhoneNumber]:
    """Return numbers whose cooldown has ended (by `due_by` of their site) to their pools,
    inside the caller's action."""
    query = (
        select(PhoneNumber, Site)
        .join(Site, Site.id == PhoneNumber.site_id)
        .where(PhoneNumber.state == NumberState.COOLDOWN)
        .with_for_update(of=PhoneNumber)
    )
    recycled = []
    for number, place in (await tx.session.execute(query)).all():
        day = due_by(place)
        if number.cooldown_until is not None and number.cooldown_until > day:
            continue
        number.state = next_state(facts(number), NumberAction.RECYCLE, day)
        number.cooldown_until = None
        recycled.append(number)
    return recycled


@requires(Permission.NUMBERS)
@retried
async def nominate_main(db: Database, actor: str, ref: str, *, occupier: str) -> NumbersChanged:
    """Make one of the occupier's numbers its main number at that site.

    The main number is active and uses no voice service. A previous main number becomes an
    ordinary spare (reserved).
    """
    async with transaction(db, actor) as tx:
        holder = await occupier_by_ref(tx.session, occupier)
        (number,) = await _held(tx, [ref], None)  # its holder's occupancy, then the number
        place = await tx.session.get_one(Site, number.site_id)
        refusal = f"cannot make {national(number.e164)} the main number of {holder.name}: "
        if number.state is NumberState.AVAILABLE:
            raise RuleViolation(refusal + "it is available; allocate it to them first")
        if number.state not in (NumberState.RESERVED, NumberState.ACTIVE):
            raise RuleViolation(refusal + f"it is {number.state.value}")
        if number.occupier_id != holder.id:
            raise RuleViolation(refusal + "it belongs to another occupier")
        if number.is_main:
            raise RuleViolation(
                f"{national(number.e164)} is already the main number of {holder.name}"
            )
        await occupancy_of(tx.session, holder, place, lock=True)
        previous = await tx.session.scalar(
            select(PhoneNumber)
            .where(PhoneNumber.occupier_id == holder.id, PhoneNumber.site_id == place.id)
            .where(PhoneNumber.is_main.is_(True))
        )
        changed = [number] + ([previous] if previous else [])
        before = [number_record(n) for n in changed]
        if previous:
            previous.is_main = False
            previous.state = NumberState.RESERVED
            await tx.session.flush()  # the one-main-number index must see the old one go first
        number.is_main = True
        number.state = NumberState.ACTIVE
        return await _record_move(tx, "numbers.nominate_main", "made main number:", changed, before)


UNSET: Any = object()


def _pin_hash(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, 100_000)
    return f"pbkdf2_sha256$100000${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    _, rounds, salt, digest = stored.split("$")
    check = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(rounds))
    return secrets.compare_digest(check.hex(), digest)


@dataclass(frozen=True)
class ConfigureResult:
    number: NumberView
    new_pin: str | None  # shown once, never stored in clear

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number.to_dict(), "new_pin": self.new_pin}


@requires(Permission.NUMBERS)
@retried
async def configure_number(
    db: Database,
    actor: str,
    ref: str,
    *,
    label: str = UNSET,
    caller_id_override: str | None = UNSET,
    forward_always: str | None = UNSET,
    forward_busy: str | None = UNSET,
    forward_no_answer: str | None = UNSET,
    voicemail: bool = UNSET,
    voicemail_email: str | None = UNSET,
    dnd: bool = UNSET,
    reset_pin: bool = False,
) -> ConfigureResult:
    """Set a held number's label and features. An empty value clears a setting.

    The caller-ID override must be another number of the same occupier at the same site:
    presenting somebody else's number would be spoofing.
    """
    async with transaction(db, actor) as tx:
        (number,) = await numbers_by_ref(tx.session, [ref], lock=True)
        place = await tx.session.get_one(Site, number.site_id)
        if (
            number.state not in (NumberState.RESERVED, NumberState.ACTIVE)
            or number.occupier_id is None
        ):
            raise RuleViolation(
                f"cannot configure {national(number.e164)}: it is {number.state.value}; "
                "only numbers held by an occupier have features"
            )
        (before_view,) = await views_of(tx.session, [number])
        before = before_view.to_dict()
        changes: dict[str, Any] = {}
        if label is not UNSET:
            changes["label"] = clean_text(label or "", "label", required=False)
        for key, value in (
            ("forward_always", forward_always),
            ("forward_busy", forward_busy),
            ("forward_no_answer", forward_no_answer),
        ):
            if value is not UNSET:
                changes[key] = to_e164(value, place.country, same_country=False) if value else None
        if caller_id_override is not UNSET:
            changes["caller_id_override"] = await _own_number(
                tx.session, number, caller_id_override, place
            )
        if voicemail is not UNSET:
            changes["voicemail"] = bool(voicemail)
        if voicemail_email is not UNSET:
            changes["voicemail_email"] = clean_email(voicemail_email) if voicemail_email else None
        if dnd is not UNSET:
            changes["dnd"] = bool(dnd)
        new_pin = None
        if reset_pin:
            new_pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
            number.pin_hash = _pin_hash(new_pin)
        if not changes and not reset_pin:
            raise InvalidInput("nothing to configure was given")
        for key, value in changes.items():
            setattr(number, key, value)
        (view,) = await views_of(tx.session, [number])
        after = view.to_dict()
        changed = [k for k in after if before[k] != after[k] and k != "pin_set"]
        if not changed and not reset_pin:
            tx.no_change()  # asked for what is already so
            return ConfigureResult(view, None)
        # The PIN itself never reaches the journal; that it was reset does.
        tx.audit(
            "numbers.configure",
            f"configured {national(number.e164)}: "
            + ", ".join(changed + (["PIN reset"] if reset_pin else [])),
            site_id=number.site_id,
            occupier_id=number.occupier_id,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed} | ({"pin_reset": True} if reset_pin else {}),
        )
        return ConfigureResult(view, new_pin)


async def _own_number(
    session: AsyncSession, number: PhoneNumber, value: str | None, place: Site
) -> str | None:
    if not value:
        return None
    e164 = to_e164(value, place.country)
    if e164 == number.e164:
        raise InvalidInput(
            f"{national(e164)} is the number itself; a caller-ID override must be another of "
            "the occupier's numbers"
        )
    owner = await session.scalar(
        select(PhoneNumber.occupier_id).where(
            PhoneNumber.e164 == e164,
            PhoneNumber.site_id == place.id,
            PhoneNumber.state.in_((NumberState.RESERVED, NumberState.ACTIVE)),
        )
    )
    if owner != number.occupier_id:
        raise RuleViolation(
            f"caller ID {national(e164)} is not a number of the same occupier at {place.code}"
        )
    return e164


_DIGITS = re.compile(r"\D")


def _search_clause(search: str) -> Any:
    """Match a number typed in part, national ('020 7946') or E.164 ('+44 20 7946'), or a label."""
    text = search.strip()
    digits = _DIGITS.sub("", text)
    if text.startswith("0") and digits:
        digits = digits[1:]  # the national trunk prefix is not part of E.164
    clauses = [name_search(text, PhoneNumber.label)]
    if digits:
        clauses.append(PhoneNumber.e164.like(f"%{digits}%"))
    return or_(*clauses)


def _e164_value(e164: str) -> int:
    """The paging key of the last number of a page (as `list_numbers` returned it)."""
    if not (e164.startswith("+") and e164[1:].isascii() and e164[1:].isdecimal()):
        raise InvalidInput(f"{e164!r} is not an E.164 number such as +442079460123")
    return value_of(e164)


async def list_numbers(
    db: Database,
    *,
    site: str | None = None,
    occupier: str | None = None,
    state: str | None = None,
    origin: str | None = None,
    search: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> list[NumberView]:
    """Numbers in numeric order, filtered; page with `after` (the last E.164 of a page)."""
    async with db.read() as session:
        query = select(PhoneNumber).order_by(PhoneNumber.e164_value)
        if site:
            query = query.where(PhoneNumber.site_id == (await site_by_ref(session, site)).id)
        if occupier:
            query = query.where(
                PhoneNumber.occupier_id == (await occupier_by_ref(session, occupier)).id
            )
        if state:
            query = query.where(PhoneNumber.state == parse_choice(NumberState, state, "state"))
        if origin:
            query = query.where(PhoneNumber.origin == parse_choice(Origin, origin, "origin"))
        if search:
            query = query.where(_search_clause(search))
        if after:
            query = query.where(PhoneNumber.e164_value > _e164_value(after))
        if limit:
            query = query.limit(limit)
        numbers = list(await session.scalars(query))
        return await views_of(session, numbers)


async def show_number(db: Database, ref: str) -> NumberView:
    async with db.read() as session:
        (number,) = await numbers_by_ref(session, [ref])
        (view,) = await views_of(session, [number])
        return view
