"""An occupier's voice services at one site, loaded in one query for the action at hand.

`services add` runs on every desk of a NOC; this keeps its reads to one round trip (each
round trip through aiosqlite costs a few hundred microseconds) and takes the per-occupier
lock (the occupancy row, on PostgreSQL) in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.models import (
    Occupancy,
    Occupier,
    Product,
    ServiceAssignment,
    Site,
)
from voiceconsole.domain.states import NumberState
from voiceconsole.services.holdings import (
    Holdings,
    active_numbers_sql,
    main_number_sql,
    numbers_in_state_sql,
    voice_quantity_sql,
)
from voiceconsole.services.lookup import (
    name_params,
    named,
    occupancy_of,
    occupier_by_ref,
    product_by_ref,
    site_by_ref,
    site_code,
    slug_code,
)


@dataclass
class VoiceAccount:
    site: Site
    occupier: Occupier
    product: Product
    assignment: ServiceAssignment | None  # the occupier's service of this product, if any
    held: Holdings


@cache
def _account_query(lock: bool) -> Select[Any]:
    """Built once: constructing a statement this size costs more than running it."""
    query = (
        select(
            Site,
            Occupier,
            Product,
            ServiceAssignment,
            voice_quantity_sql(Occupier.id, Site.id),
            active_numbers_sql(Occupier.id, Site.id),
            numbers_in_state_sql(Occupier.id, Site.id, NumberState.RESERVED, NumberState.ACTIVE),
            main_number_sql(Occupier.id, Site.id),
            numbers_in_state_sql(Occupier.id, Site.id, NumberState.PORTING_IN),
        )
        .select_from(Occupancy)
        .join(Site, Site.id == Occupancy.site_id)
        .join(Occupier, Occupier.id == Occupancy.occupier_id)
        .join(Product, named(Product, "product"))
        .outerjoin(
            ServiceAssignment,
            and_(
                ServiceAssignment.occupier_id == Occupier.id,
                ServiceAssignment.site_id == Site.id,
                ServiceAssignment.product_id == Product.id,
            ),
        )
        .where(named(Site, "site"), named(Occupier, "occupier"))
        # A moved-out occupier has no account: occupancy_of below says so.
        .where(Occupancy.ended_on.is_(None))
    )
    if lock:
        return query.with_for_update(of=Occupancy)
    return query.execution_options(populate_existing=True)


async def voice_account(
    session: AsyncSession, *, occupier: str, site: str, product: str
) -> VoiceAccount:
    """Load and lock the account; unknown names and a missing occupancy are refused."""
    params = (
        name_params("site", site, site_code(site))
        | name_params("occupier", occupier, slug_code(occupier))
        | name_params("product", product, slug_code(product))
    )
    row = (await session.execute(_account_query(lock=True), params)).first()
    if row is not None and session.bind.dialect.name == "postgresql":
        # READ COMMITTED: a statement that waited for the lock still read everything else as
        # of its own start. Read again, now that the lock is ours and the other action is done.
        row = (await session.execute(_account_query(lock=False), params)).first()
    if row is None:
        # Say precisely what is wrong: each lookup raises its own message.
        place = await site_by_ref(session, site)
        holder = await occupier_by_ref(session, occupier)
        await product_by_ref(session, product)
        await occupancy_of(session, holder, place)
        raise RuntimeError("voice account not found although its parts exist")
    place, holder, item, assignment, quantity, active, allocated, main, porting_in = row
    held = Holdings(int(quantity), int(active), int(allocated), main, int(porting_in))
    return VoiceAccount(place, holder, item, assignment, held)
