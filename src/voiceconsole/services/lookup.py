"""Find what the user named: sites, occupiers and products by id or code, numbers as typed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.models import Occupancy, Occupier, PhoneNumber, Product, Site
from voiceconsole.domain.errors import InvalidInput, NotFound, RuleViolation
from voiceconsole.domain.phone import national, to_e164

T = TypeVar("T", Site, Occupier, Product)


def site_code(text: str) -> str:
    return text.strip().upper()


def slug_code(text: str) -> str:
    return text.strip().lower()


def matches_ref(model: type[T], ref: str | int, code: str) -> ColumnElement[bool]:
    """The row named by `ref`: its code, or its id when `ref` is all digits."""
    text = str(ref).strip()
    by_code = model.code == code  # type: ignore[attr-defined]
    return or_(model.id == int(text), by_code) if text.isdigit() else by_code  # type: ignore[attr-defined]


async def _by_ref(session: AsyncSession, model: type[T], ref: str | int, code: str, kind: str) -> T:
    if not str(ref).strip():
        raise InvalidInput(f"no {kind} was named")
    rows = list(await session.scalars(select(model).where(matches_ref(model, ref, code))))
    if not rows:
        raise NotFound(f"unknown {kind} {str(ref).strip()!r}")
    # An id beats a code that happens to be the same digits.
    return next((r for r in rows if str(r.id) == str(ref).strip()), rows[0])


async def site_by_ref(session: AsyncSession, ref: str | int) -> Site:
    return await _by_ref(session, Site, ref, site_code(str(ref)), "site")


async def occupier_by_ref(session: AsyncSession, ref: str | int) -> Occupier:
    return await _by_ref(session, Occupier, ref, slug_code(str(ref)), "occupier")


async def product_by_ref(session: AsyncSession, ref: str | int) -> Product:
    return await _by_ref(session, Product, ref, slug_code(str(ref)), "product")


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
        query = query.with_for_update()
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


def name_search(text: str, *columns: Any) -> ColumnElement[bool]:
    """Rows whose code or name contains `text`, ignoring case (filter-as-you-type)."""
    pattern = f"%{text.strip()}%"
    return or_(*(column.ilike(pattern) for column in columns))


def site_today(site: Site, now: dt.datetime | None = None) -> dt.date:
    """Today at the site: effective dates and cooldowns follow the building's own calendar."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(site.timezone)).date()
