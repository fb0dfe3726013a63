"""One search box for everything: sites, occupiers, phone numbers, floor ports and handsets.

The console's command palette asks this as the user types, so each kind is one small,
indexed-or-limited query, and the whole answer is capped. What the user jumped to lately
comes first, then what is at the site they are at, then the rest: each kind's query puts
them first too, so that the cap never drops them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    Floor,
    FloorPort,
    Handset,
    Occupancy,
    Occupier,
    OperatorSettings,
    PhoneNumber,
    Site,
)
from voiceconsole.domain.phone import national, search_prefixes
from voiceconsole.services.lookup import like_pattern, name_search

# How many jumps the palette remembers: enough for the few things worked on at once.
RECENT_JUMPS = 5


@dataclass(frozen=True)
class Found:
    kind: str  # "site", "occupier", "number", "floor port", "handset"
    ref: str  # what the console opens: a site or occupier code, an E.164, a port label, a MAC
    text: str  # what the user sees
    site: str | None  # the site it belongs to, where it has one
    floor: str | None = None  # a floor port's floor: the grid opens on it
    occupier: str | None = None  # a handset's holder: its panel opens (none: in stock)

    @property
    def key(self) -> tuple[str, str, str | None]:
        """The same thing found again, though its text may have changed since."""
        return (self.kind, self.ref, self.site)


def remembered(recent: Sequence[Found], jump: Found) -> list[Found]:
    """The recent jumps after `jump`: most recent first, each once, a handful."""
    return [jump, *(f for f in recent if f.key != jump.key)][:RECENT_JUMPS]


async def find(
    db: Database,
    text: str,
    limit: int = 8,
    *,
    here: str | None = None,
    recent: Sequence[Found] = (),
) -> list[Found]:
    """Up to `limit` matches of each kind for `text`: the `recent` jumps that match first
    (most recent first), then those at the site `here`, then the rest."""
    text = text.strip()
    if not text:
        return []
    first = _First(here, recent)
    async with db.read() as session:
        found = [
            *await _sites(session, text, limit, first),
            *await _occupiers(session, text, limit, first),
            *await _numbers(session, text, limit, first),
            *await _floor_ports(session, text, limit, first),
            *await _handsets(session, text, limit, first),
        ]
    # Stable: each kind keeps its own order within a rank.
    return sorted(found, key=lambda f: first.rank(f.key))


@dataclass(frozen=True)
class _First:
    """What goes first: the recent jumps, then the site the user is at."""

    here: str | None
    recent: Sequence[Found]

    def rank(self, key: tuple[str, str, str | None]) -> tuple[int, bool]:
        """Sorts before: a more recent jump, then a thing at the site the user is at."""
        keys = [f.key for f in self.recent]
        recency = keys.index(key) if key in keys else len(keys)
        return (recency, key[2] != self.here)

    def order(self, kind: str, ref: Any) -> list[ColumnElement[Any]]:
        """ORDER BY terms for a query of `kind` whose `ref` column names the thing found."""
        jumps = [and_(Site.code == f.site, ref == f.ref) for f in self.recent if f.kind == kind]
        terms: list[ColumnElement[Any]] = [or_(false(), *jumps).desc()] if jumps else []
        if self.here:
            terms.append((Site.code == self.here).desc())
        return terms


async def _sites(session: AsyncSession, text: str, limit: int, first: _First) -> list[Found]:
    rows = await session.execute(
        select(Site.code, Site.name)
        .where(name_search(text, Site.code, Site.name))
        .order_by(*first.order("site", Site.code), Site.code)
        .limit(limit)
    )
    return [Found("site", code, f"{code} {name}", code) for code, name in rows]


async def _occupiers(session: AsyncSession, text: str, limit: int, first: _First) -> list[Found]:
    # An occupier is opened at one of its sites, so each occupancy is a hit of its own.
    rows = await session.execute(
        select(Occupier.code, Occupier.name, Site.code)
        .join(Occupancy, Occupancy.occupier_id == Occupier.id)
        .join(Site, Site.id == Occupancy.site_id)
        .where(name_search(text, Occupier.code, Occupier.name))
        .order_by(*first.order("occupier", Occupier.code), Occupier.code, Site.code)
        .limit(limit)
    )
    return [Found("occupier", code, f"{name} at {site}", site) for code, name, site in rows]


async def _numbers(session: AsyncSession, text: str, limit: int, first: _First) -> list[Found]:
    countries = list(await session.scalars(select(Site.country).distinct()))
    prefixes = search_prefixes(text, countries)
    if not prefixes:
        return []
    query = (
        select(PhoneNumber.e164, Site.code, Occupier.code)
        .join(Site, Site.id == PhoneNumber.site_id)
        .outerjoin(Occupier, Occupier.id == PhoneNumber.occupier_id)
    )
    # The recent jumps that match are asked for by name: the ranges below stop at `limit`.
    jumps = [
        f.ref
        for f in first.recent
        if f.kind == "number" and any(f.ref.startswith(p) for p in prefixes)
    ]
    rows = list(await session.execute(query.where(PhoneNumber.e164.in_(jumps)))) if jumps else []
    for prefix in prefixes:
        # One range per prefix in e164 order: the unique index answers it, no sort; again
        # within the site the user is at, which a long range would otherwise push out.
        in_range = query.where(PhoneNumber.e164 >= prefix, PhoneNumber.e164 < prefix + ":")
        wheres = [in_range, in_range.where(Site.code == first.here)] if first.here else [in_range]
        for where in wheres:
            rows += await session.execute(where.order_by(PhoneNumber.e164).limit(limit))
    unique = {e164: (e164, site, holder) for e164, site, holder in rows}.values()
    shown = sorted(unique, key=lambda n: (first.rank(("number", n[0], n[1])), len(n[0]), n[0]))
    return [
        Found("number", e164, f"{national(e164)}" + (f" ({holder})" if holder else ""), site)
        for e164, site, holder in shown[:limit]
    ]


async def _floor_ports(session: AsyncSession, text: str, limit: int, first: _First) -> list[Found]:
    rows = await session.execute(
        select(FloorPort.label, Site.code, Floor.name)
        .join(Site, Site.id == FloorPort.site_id)
        .outerjoin(Floor, Floor.id == FloorPort.floor_id)
        .where(name_search(text, FloorPort.label))
        .order_by(*first.order("floor port", FloorPort.label), Site.code, FloorPort.label)
        .limit(limit)
    )
    return [
        Found("floor port", label, f"{site} {label}", site, floor=floor)
        for label, site, floor in rows
    ]


# A MAC as people type it: hex digits, maybe in groups split by colons, dashes or dots.
_MAC_TYPED = re.compile(r"[0-9a-fA-F]{2,}(?:[:.\-][0-9a-fA-F]+)*[:.\-]?")


def mac_digits(text: str) -> str | None:
    """The hex digits of a MAC, whole or in part, as typed (`02:CC:01`, `02cc.0101`), else
    None. Digits alone are a MAC only when all twelve are there: fewer are a phone number."""
    if not _MAC_TYPED.fullmatch(text):
        return None
    digits = re.sub(r"[:.\-]", "", text).lower()
    if len(digits) < 4 or (digits.isdecimal() and ":" not in text and len(digits) != 12):
        return None
    return digits


async def _handsets(session: AsyncSession, text: str, limit: int, first: _First) -> list[Found]:
    """Handsets by label, by the floor port they are on, or by MAC in any written form."""
    matches = name_search(text, Handset.label, FloorPort.label)
    if digits := mac_digits(text):
        bare_mac = func.replace(Handset.mac, ":", "")
        matches = or_(matches, bare_mac.like(like_pattern(digits), escape="\\"))
    rows = await session.execute(
        select(Handset.mac, Handset.label, FloorPort.label, Site.code, Occupier.code)
        .join(Site, Site.id == Handset.site_id)
        .outerjoin(Occupier, Occupier.id == Handset.occupier_id)
        .outerjoin(FloorPort, FloorPort.id == Handset.floor_port_id)
        .where(matches)
        .order_by(*first.order("handset", Handset.mac), Site.code, Handset.label, Handset.mac)
        .limit(limit)
    )
    return [
        Found("handset", mac, handset_text(site, label, mac, port, holder), site, occupier=holder)
        for mac, label, port, site, holder in rows
    ]


def handset_text(site: str, label: str, mac: str, port: str | None, holder: str | None) -> str:
    """`LON1 Acme desk 1 · 02:cc:01:01:00:01 · 1F-001 (acme-analytics)`"""
    words = [f"{site} {label}" if label else site, mac, *([port] if port else [])]
    return " · ".join(words) + f" ({holder or 'no occupier'})"


async def operator_name(db: Database) -> str:
    async with db.read() as session:
        return await session.scalar(select(OperatorSettings.name)) or "voiceconsole"
