"""What an occupier holds at a site: voice entitlement, active numbers, allocated numbers, main.

Each figure is one SQL expression, used alone (to check a rule) or correlated (in lists).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.models import PhoneNumber, Product, ProductCategory, ServiceAssignment
from voiceconsole.domain.states import NumberState

HELD_STATES = (NumberState.RESERVED, NumberState.ACTIVE)


def voice_quantity_sql(occupier_id: Any, site_id: Any) -> ScalarSelect[int]:
    """The voice entitlement: the quantities of the occupier's voice services at the site."""
    return (
        select(func.coalesce(func.sum(ServiceAssignment.quantity), 0))
        .join(Product, Product.id == ServiceAssignment.product_id)
        .where(
            ServiceAssignment.occupier_id == occupier_id,
            ServiceAssignment.site_id == site_id,
            Product.category == ProductCategory.VOICE,
        )
        .scalar_subquery()
    )


def _holder(occupier_id: Any, site_id: Any) -> list[ColumnElement[bool]]:
    return [PhoneNumber.occupier_id == occupier_id, PhoneNumber.site_id == site_id]


def _numbers_but_main_sql(occupier_id: Any, site_id: Any, state: NumberState) -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(*_holder(occupier_id, site_id), PhoneNumber.state == state)
        .where(PhoneNumber.is_main.is_(False))
        .scalar_subquery()
    )


def active_numbers_sql(occupier_id: Any, site_id: Any) -> ScalarSelect[int]:
    """Active numbers that use a voice service: every active number but the main number."""
    return _numbers_but_main_sql(occupier_id, site_id, NumberState.ACTIVE)


def numbers_in_state_sql(occupier_id: Any, site_id: Any, *states: NumberState) -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(*_holder(occupier_id, site_id), PhoneNumber.state.in_(states))
        .scalar_subquery()
    )


def spare_numbers_sql(occupier_id: Any, site_id: Any) -> ScalarSelect[int]:
    """Reserved numbers other than the main number (a main number out of service is no spare)."""
    return _numbers_but_main_sql(occupier_id, site_id, NumberState.RESERVED)


def main_number_sql(occupier_id: Any, site_id: Any) -> ScalarSelect[str]:
    return (
        select(PhoneNumber.e164)
        .where(*_holder(occupier_id, site_id), PhoneNumber.is_main.is_(True))
        .scalar_subquery()
    )


@dataclass(frozen=True)
class Holdings:
    voice_quantity: int
    active: int  # active numbers using a voice service (the main number excluded)
    allocated: int  # reserved or active, main number included
    main_number: str | None
    porting_in: int = 0  # held for an open port-in order

    @property
    def free_services(self) -> int:
        return self.voice_quantity - self.active


async def holdings(session: AsyncSession, occupier_id: int, site_id: int) -> Holdings:
    row = (
        await session.execute(
            select(
                voice_quantity_sql(occupier_id, site_id),
                active_numbers_sql(occupier_id, site_id),
                numbers_in_state_sql(occupier_id, site_id, *HELD_STATES),
                main_number_sql(occupier_id, site_id),
                numbers_in_state_sql(occupier_id, site_id, NumberState.PORTING_IN),
            )
        )
    ).one()
    return Holdings(int(row[0]), int(row[1]), int(row[2]), row[3], int(row[4]))
