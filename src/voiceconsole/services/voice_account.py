"""An occupier's voice services at one site, loaded in one query for the action at hand.

`services add` runs on every desk of a NOC; this keeps its reads to one round trip (each
round trip through aiosqlite costs a few hundred microseconds) and takes the per-occupier
lock (the occupancy row, on PostgreSQL) in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.models import (
    Occupancy,
    Occupier,
    Product,
    ProductCategory,
    ServiceAssignment,
    Site,
)
from voiceconsole.domain.errors import RuleViolation
from voiceconsole.domain.states import NumberState
from voiceconsole.services.holdings import (
    Holdings,
    active_numbers_sql,
    main_number_sql,
    numbers_in_state_sql,
    voice_quantity_sql,
)
from voiceconsole.services.lookup import (
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


def _named(model: type[Site] | type[Occupier] | type[Product], name: str) -> ColumnElement[bool]:
    # Named by id or by code; the id parameter is -1 (no row) when the name is not digits.
    return or_(model.id == bindparam(f"{name}_id"), model.code == bindparam(f"{name}_code"))


def _name_params(name: str, ref: str, code: str) -> dict[str, object]:
    text = str(ref).strip()
    return {f"{name}_id": int(text) if text.isdigit() else -1, f"{name}_code": code}


@cache
def _account_query() -> Select[Any]:
    """Built once: constructing a statement this size costs more than running it."""
    return (
        select(
            Site,
            Occupier,
            Product,
            ServiceAssignment,
            voice_quantity_sql(Occupier.id, Site.id),
            active_numbers_sql(Occupier.id, Site.id),
            numbers_in_state_sql(Occupier.id, Site.id, NumberState.RESERVED, NumberState.ACTIVE),
            main_number_sql(Occupier.id, Site.id),
        )
        .select_from(Occupancy)
        .join(Site, Site.id == Occupancy.site_id)
        .join(Occupier, Occupier.id == Occupancy.occupier_id)
        .join(Product, _named(Product, "product"))
        .outerjoin(
            ServiceAssignment,
            and_(
                ServiceAssignment.occupier_id == Occupier.id,
                ServiceAssignment.site_id == Site.id,
                ServiceAssignment.product_id == Product.id,
            ),
        )
        .where(_named(Site, "site"), _named(Occupier, "occupier"))
        .with_for_update(of=Occupancy)
    )


async def voice_account(
    session: AsyncSession, *, occupier: str, site: str, product: str
) -> VoiceAccount:
    """Load and lock the account; unknown names and a missing occupancy are refused."""
    params = (
        _name_params("site", site, site_code(site))
        | _name_params("occupier", occupier, slug_code(occupier))
        | _name_params("product", product, slug_code(product))
    )
    row = (await session.execute(_account_query(), params)).first()
    if row is None:
        # Say precisely what is wrong: each lookup raises its own message.
        place = await site_by_ref(session, site)
        holder = await occupier_by_ref(session, occupier)
        await product_by_ref(session, product)
        await occupancy_of(session, holder, place)
        raise RuntimeError("voice account not found although its parts exist")
    place, holder, item, assignment, quantity, active, allocated, main = row
    if item.category is not ProductCategory.VOICE:
        raise RuleViolation(f"{item.code} is not a voice product")
    held = Holdings(int(quantity), int(active), int(allocated), main)
    return VoiceAccount(place, holder, item, assignment, held)
