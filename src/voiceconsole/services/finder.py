"""One search box for everything: sites, occupiers, phone numbers and floor ports.

The console's command palette asks this as the user types, so each kind is one small,
indexed-or-limited query, and the whole answer is capped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    FloorPort,
    Occupancy,
    Occupier,
    OperatorSettings,
    PhoneNumber,
    Site,
)
from voiceconsole.domain.phone import national, search_prefixes
from voiceconsole.services.lookup import name_search


@dataclass(frozen=True)
class Found:
    kind: str  # "site", "occupier", "number", "floor port"
    ref: str  # what the console opens: a site or occupier code, an E.164, a floor port label
    text: str  # what the user sees
    site: str | None  # the site it belongs to, where it has one


async def find(db: Database, text: str, limit: int = 8) -> list[Found]:
    """Up to `limit` matches of each kind for `text`."""
    text = text.strip()
    if not text:
        return []
    found: list[Found] = []
    async with db.read() as session:
        for code, name in await session.execute(
            select(Site.code, Site.name)
            .where(name_search(text, Site.code, Site.name))
            .order_by(Site.code)
            .limit(limit)
        ):
            found.append(Found("site", code, f"{code} {name}", code))
        # An occupier is opened at one of its sites, so each occupancy is a hit of its own.
        for code, name, site in await session.execute(
            select(Occupier.code, Occupier.name, Site.code)
            .join(Occupancy, Occupancy.occupier_id == Occupier.id)
            .join(Site, Site.id == Occupancy.site_id)
            .where(name_search(text, Occupier.code, Occupier.name))
            .order_by(Occupier.code, Site.code)
            .limit(limit)
        ):
            found.append(Found("occupier", code, f"{name} at {site}", site))
        countries = list(await session.scalars(select(Site.country).distinct()))
        prefixes = search_prefixes(text, countries)
        numbers: list[tuple[str, str, str | None]] = []
        for prefix in prefixes:
            # One range per prefix in e164 order: the unique index answers it, no sort.
            numbers += (
                await session.execute(
                    select(PhoneNumber.e164, Site.code, Occupier.code)
                    .join(Site, Site.id == PhoneNumber.site_id)
                    .outerjoin(Occupier, Occupier.id == PhoneNumber.occupier_id)
                    .where(PhoneNumber.e164 >= prefix, PhoneNumber.e164 < prefix + ":")
                    .order_by(PhoneNumber.e164)
                    .limit(limit)
                )
            ).all()
        for e164, site, holder in sorted(numbers, key=lambda n: (len(n[0]), n[0]))[:limit]:
            owner = f" ({holder})" if holder else ""
            found.append(Found("number", e164, f"{national(e164)}{owner}", site))
        for label, site in await session.execute(
            select(FloorPort.label, Site.code)
            .join(Site, Site.id == FloorPort.site_id)
            .where(name_search(text, FloorPort.label))
            .order_by(Site.code, FloorPort.label)
            .limit(limit)
        ):
            found.append(Found("floor port", label, f"{site} {label}", site))
    return found


async def operator_name(db: Database) -> str:
    async with db.read() as session:
        return await session.scalar(select(OperatorSettings.name)) or "voiceconsole"
