"""Find what the user named: sites, occupiers and products by id or code, numbers as typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole import clock
from voiceconsole.db.models import (
    Floor,
    Handset,
    Occupancy,
    Occupier,
    PhoneNumber,
    Product,
    Site,
    Switch,
)
from voiceconsole.domain.errors import InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.handsets import normalise_mac
from voiceconsole.domain.phone import national, to_e164

T = TypeVar("T", Site, Occupier, Product)


def site_code(text: str) -> str:
    return text.strip().upper()


def slug_code(text: str) -> str:
    return text.strip().lower()


# Ids are 32-bit: anything longer is not an id (and would overflow PostgreSQL's integer).
_MAX_ID = 2**31 - 1


def ref_id(ref: str | int) -> int:
    """The id a reference names, or -1 (no row) when it is not a plain decimal number."""
    text = str(ref).strip()
    if text.isascii() and text.isdecimal() and int(text) <= _MAX_ID:
        return int(text)
    return -1


def named(model: type[T], name: str) -> ColumnElement[bool]:
    """The row a user named, by id or by code (bound as `<name>_id` and `<name>_code`).

    Codes are never all digits (`domain.text.clean_code`), so the two cannot collide.
    """
    return or_(model.id == bindparam(f"{name}_id"), model.code == bindparam(f"{name}_code"))  # type: ignore[attr-defined]


def name_params(name: str, ref: str | int, code: str) -> dict[str, Any]:
    return {f"{name}_id": ref_id(ref), f"{name}_code": code}


async def _by_ref(session: AsyncSession, model: type[T], ref: str | int, code: str, kind: str) -> T:
    if not str(ref).strip():
        raise InvalidInput(f"no {kind} was named")
    found = await session.scalar(
        select(model).where(named(model, "ref")), name_params("ref", ref, code)
    )
    if found is None:
        raise NotFound(f"unknown {kind} {str(ref).strip()!r}")
    return found


async def site_by_ref(session: AsyncSession, ref: str | int) -> Site:
    return await _by_ref(session, Site, ref, site_code(str(ref)), "site")


async def occupier_by_ref(session: AsyncSession, ref: str | int) -> Occupier:
    return await _by_ref(session, Occupier, ref, slug_code(str(ref)), "occupier")


async def product_by_ref(session: AsyncSession, ref: str | int) -> Product:
    return await _by_ref(session, Product, ref, slug_code(str(ref)), "product")


async def floor_id_of(session: AsyncSession, site: Site, name: str) -> int:
    """The id of a site's floor by its name (`1F`)."""
    found = await session.scalar(
        select(Floor.id).where(Floor.site_id == site.id, Floor.name == name.strip())
    )
    if found is None:
        raise NotFound(f"{site.code} has no floor {name.strip()!r}")
    return found


async def switch_by_name(session: AsyncSession, hostname: str) -> Switch:
    """A switch by its hostname (as typed: case and spaces do not matter)."""
    name = hostname.strip().lower()
    if not name:
        raise InvalidInput("no switch was named")
    found = await session.scalar(select(Switch).where(Switch.hostname == name))
    if found is None:
        raise NotFound(f"unknown switch {hostname.strip()!r}")
    return found


async def occupancy_of(
    session: AsyncSession, occupier: Occupier, site: Site, *, lock: bool = False
) -> Occupancy:
    """The occupier's occupancy of the site; `lock` serialises actions on its voice services.

    On PostgreSQL the row lock makes two people working on one occupier at one site take
    turns (entitlement checks, first-time automation); SQLite's write lock already does.
    """
    query = select(Occupancy).where(
        Occupancy.occupier_id == occupier.id, Occupancy.site_id == site.id
    )
    if lock:
        query = query.with_for_update()
    found = await session.scalar(query)
    if found is None:
        raise RuleViolation(f"{occupier.name} does not occupy {site.code}; add the occupancy first")
    if found.ended_on is not None:
        # Moved out (services/move_outs.py): nothing new is given to it there.
        raise RuleViolation(
            f"{occupier.name} moved out of {site.code} on {found.ended_on.isoformat()}"
        )
    return found


async def numbers_by_ref(
    session: AsyncSession, refs: Sequence[str], site: Site | None = None, *, lock: bool = False
) -> list[PhoneNumber]:
    """The numbers named in E.164 or national form, in the order given.

    A national form is read in the site's country, or else in the country of whichever site
    holds such a number.
    """
    if not refs:
        raise InvalidInput("no numbers were given")
    countries = (
        [site.country]
        if site
        else list(await session.scalars(select(Site.country).distinct().order_by(Site.country)))
    )
    wanted: list[tuple[str, list[str]]] = []
    for ref in refs:
        if ref.strip().startswith("+") or not countries:
            wanted.append((ref, [to_e164(ref, site.country if site else None)]))
        else:
            options = []
            for country in countries:
                try:
                    options.append(to_e164(ref, country))
                except InvalidInput:
                    continue
            if not options:
                to_e164(ref, countries[0])  # raises the message for the first country
            wanted.append((ref, options))
    query = select(PhoneNumber).where(
        PhoneNumber.e164.in_([e for _, options in wanted for e in options])
    )
    if site:
        query = query.where(PhoneNumber.site_id == site.id)
    if lock:
        # Fresh rows: a number read before the lock in this session may have changed since.
        query = query.with_for_update().execution_options(populate_existing=True)
    found = {n.e164: n for n in await session.scalars(query)}
    result: list[PhoneNumber] = []
    seen: set[str] = set()
    for ref, options in wanted:
        matches = [found[e] for e in options if e in found]
        if not matches:
            where = f" at {site.code}" if site else ""
            raise NotFound(f"unknown number {ref.strip()!r}{where}")
        if len(matches) > 1:
            raise InvalidInput(f"{ref.strip()!r} matches numbers in several countries; use E.164")
        if matches[0].e164 in seen:
            raise InvalidInput(f"{national(matches[0].e164)} was given twice")
        seen.add(matches[0].e164)
        result.append(matches[0])
    return result


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere; % and _ typed by the user match themselves."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def name_search(text: str, *columns: Any) -> ColumnElement[bool]:
    """Rows whose code or name contains `text`, ignoring case (filter-as-you-type)."""
    pattern = like_pattern(text)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def site_today(site: Site, now: dt.datetime | None = None) -> dt.date:
    """Today at the site: effective dates and cooldowns follow the building's own calendar."""
    return site_today_in(site.timezone, now)


def site_today_in(timezone: str, now: dt.datetime | None = None) -> dt.date:
    return (now or clock.utcnow()).astimezone(ZoneInfo(timezone)).date()


async def handset_by_ref(session: AsyncSession, ref: str | int, *, lock: bool = False) -> Handset:
    """A handset by id or MAC (any notation; 12 digits are a MAC, not an id). `lock`
    serialises logins to it: two at once would both take its first free line key."""
    text = str(ref).strip()
    if isinstance(ref, int) or (text.isdigit() and len(text) < 12):
        query = select(Handset).where(Handset.id == int(ref))
    else:
        query = select(Handset).where(Handset.mac == normalise_mac(str(ref)))
    found = await session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound(f"no handset {ref}")
    return found
