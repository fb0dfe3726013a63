"""Occupiers and their occupancy of sites."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import Occupancy, Occupier, Site
from voiceconsole.domain.errors import Conflict, InvalidInput
from voiceconsole.domain.text import clean_code, clean_text, slugify
from voiceconsole.services.holdings import (
    active_numbers_sql,
    main_number_sql,
    spare_numbers_sql,
    voice_quantity_sql,
)
from voiceconsole.services.lookup import (
    name_search,
    occupancy_of,
    occupier_by_ref,
    site_by_ref,
    site_today,
)
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.transaction import transaction
from voiceconsole.services.views import OccupierAtSite, OccupierView


@requires(Permission.OCCUPIERS)
async def create_occupier(
    db: Database,
    actor: str,
    *,
    name: str,
    code: str | None = None,
    site: str | None = None,
    since: dt.date | None = None,
) -> OccupierView:
    """A new occupier, occupying `site` from `since` (default: today at the site) if given."""
    name = clean_text(name, "occupier name")
    code = clean_code(code, "occupier code", max_len=64) if code else slugify(name)
    async with transaction(db, actor) as tx:
        if await tx.session.scalar(select(Occupier.id).where(Occupier.code == code)):
            raise Conflict(f"an occupier with code {code!r} already exists; give another --code")
        occupier = Occupier(code=code, name=name)
        tx.session.add(occupier)
        sites: tuple[str, ...] = ()
        place = None
        if site:
            place = await site_by_ref(tx.session, site)
            await tx.session.flush()
            tx.session.add(
                Occupancy(
                    occupier_id=occupier.id, site_id=place.id, since=since or site_today(place)
                )
            )
            sites = (place.code,)
        await tx.session.flush()
        view = OccupierView.of(occupier, sites)
        tx.audit(
            "occupier.create",
            f"created occupier {code}" + (f" at {sites[0]}" if sites else ""),
            site_id=place.id if place else None,
            occupier_id=occupier.id,
            after=view,
        )
    return view


@requires(Permission.OCCUPIERS)
async def edit_occupier(db: Database, actor: str, ref: str, *, name: str) -> OccupierView:
    name = clean_text(name, "occupier name")
    async with transaction(db, actor) as tx:
        occupier = await occupier_by_ref(tx.session, ref)
        before = {"code": occupier.code, "name": occupier.name}
        if name == occupier.name:
            tx.no_change()  # nothing to record
            return OccupierView.of(occupier, await _sites_of(tx.session, occupier.id))
        occupier.name = name
        tx.audit(
            "occupier.edit",
            f"renamed occupier {occupier.code}",
            occupier_id=occupier.id,
            before=before,
            after={"code": occupier.code, "name": name},
        )
        return OccupierView.of(occupier, await _sites_of(tx.session, occupier.id))


@requires(Permission.OCCUPIERS)
async def add_occupancy(
    db: Database, actor: str, *, occupier: str, site: str, since: dt.date | None = None
) -> OccupierView:
    """`occupier` occupies `site` from `since` (default: today there). One that moved out
    and comes back gets its occupancy again, from the new date, as a first-timer: its old
    services ended with the move-out, and a port-out number it kept is not used again."""
    async with transaction(db, actor) as tx:
        holder = await occupier_by_ref(tx.session, occupier)
        place = await site_by_ref(tx.session, site)
        start = since or site_today(place)
        earlier = await tx.session.scalar(
            select(Occupancy)
            .where(Occupancy.occupier_id == holder.id, Occupancy.site_id == place.id)
            .with_for_update()
        )
        before = None
        if earlier is not None and earlier.ended_on is None:
            raise Conflict(f"{holder.name} already occupies {place.code}")
        if earlier is not None:
            assert earlier.ended_on is not None
            if start <= earlier.ended_on:
                raise InvalidInput(
                    f"{holder.name} moved out of {place.code} on "
                    f"{earlier.ended_on.isoformat()}; it can come back after that day"
                )
            before = {"since": earlier.since, "ended_on": earlier.ended_on}
            earlier.since, earlier.ended_on, earlier.data_vlan = start, None, None
        else:
            tx.session.add(Occupancy(occupier_id=holder.id, site_id=place.id, since=start))
        tx.audit(
            "occupancy.create",
            f"{holder.code} occupies {place.code} from {start.isoformat()}"
            + (" again" if before else ""),
            site_id=place.id,
            occupier_id=holder.id,
            before=before,
            after={"occupier": holder.code, "site": place.code, "since": start},
        )
        await tx.session.flush()
        return OccupierView.of(holder, await _sites_of(tx.session, holder.id))


@requires(Permission.OCCUPIERS)
async def edit_occupancy(
    db: Database, actor: str, *, occupier: str, site: str, since: dt.date
) -> OccupierView:
    """Correct the date from which an occupier occupies a site."""
    async with transaction(db, actor) as tx:
        holder = await occupier_by_ref(tx.session, occupier)
        place = await site_by_ref(tx.session, site)
        occupancy = await occupancy_of(tx.session, holder, place, lock=True)
        before = {"occupier": holder.code, "site": place.code, "since": occupancy.since}
        occupancy.since = since
        tx.audit(
            "occupancy.edit",
            f"{holder.code} occupies {place.code} from {since.isoformat()}",
            site_id=place.id,
            occupier_id=holder.id,
            before=before,
            after={**before, "since": since},
        )
        return OccupierView.of(holder, await _sites_of(tx.session, holder.id))


async def _sites_of(session, occupier_id: int) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return tuple(
        await session.scalars(
            select(Site.code)
            .join(Occupancy, Occupancy.site_id == Site.id)
            .where(Occupancy.occupier_id == occupier_id, Occupancy.ended_on.is_(None))
            .order_by(Site.code)
        )
    )


def _page(
    query: Select[Any], search: str | None, after: str | None, limit: int | None
) -> Select[Any]:
    """Filter as you type, in code order, one page after the code `after` (keyset paging)."""
    query = query.order_by(Occupier.code)
    if search:
        query = query.where(name_search(search, Occupier.code, Occupier.name))
    if after:
        query = query.where(Occupier.code > after)
    return query.limit(limit) if limit else query


async def list_occupiers(
    db: Database, *, search: str | None = None, after: str | None = None, limit: int | None = None
) -> list[OccupierView]:
    """Occupiers in code order, with the sites they occupy; page with `after` (a code)."""
    async with db.read() as session:
        query = _page(select(Occupier), search, after, limit)
        occupiers = list(await session.scalars(query))
        sites: dict[int, list[str]] = {o.id: [] for o in occupiers}
        for occupier_id, code in await session.execute(
            select(Occupancy.occupier_id, Site.code)
            .join(Site, Site.id == Occupancy.site_id)
            .where(Occupancy.occupier_id.in_(sites), Occupancy.ended_on.is_(None))
            .order_by(Site.code)
        ):
            sites[occupier_id].append(code)
    return [OccupierView.of(o, tuple(sites[o.id])) for o in occupiers]


async def list_occupiers_at(
    db: Database,
    site: str,
    *,
    search: str | None = None,
    after: str | None = None,
    limit: int | None = None,
    moved_out: bool = False,
) -> list[OccupierAtSite]:
    """The occupiers of one site with their voice quantity, numbers and main number.

    `moved_out`: also those that have moved out (`moved_out_on` says when), whose port-out
    numbers are still theirs; pickers of whom to give something leave them out."""
    async with db.read() as session:
        place = await site_by_ref(session, site)
        query = (
            select(
                Occupier.id,
                Occupier.code,
                Occupier.name,
                voice_quantity_sql(Occupier.id, place.id),
                active_numbers_sql(Occupier.id, place.id),
                spare_numbers_sql(Occupier.id, place.id),
                main_number_sql(Occupier.id, place.id),
                Occupancy.ended_on,
            )
            .join(Occupancy, Occupancy.occupier_id == Occupier.id)
            .where(Occupancy.site_id == place.id)
        )
        if not moved_out:
            query = query.where(Occupancy.ended_on.is_(None))
        rows = (await session.execute(_page(query, search, after, limit))).all()
    return [
        OccupierAtSite(r[0], r[1], r[2], place.code, int(r[3]), int(r[4]), int(r[5]), r[6], r[7])
        for r in rows
    ]
