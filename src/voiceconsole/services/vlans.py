"""The VLAN plan of a site and the occupiers' own data VLANs: what switch port roles use."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select

from voiceconsole.db.database import Database
from voiceconsole.db.models import Occupancy, Occupier, Site
from voiceconsole.domain.errors import RuleViolation
from voiceconsole.domain.port_roles import RoleError, VlanPlan
from voiceconsole.services.lookup import occupancy_of, occupier_by_ref, site_by_ref
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.transaction import transaction

PLAN_FIELDS = ("data", "voice", "guest", "access_point", "printer")


@dataclass(frozen=True)
class SiteVlans:
    site: str
    plan: VlanPlan
    occupiers: dict[str, int]  # occupier code -> its own data VLAN here

    def to_dict(self) -> dict[str, object]:
        return {"site": self.site, **asdict(self.plan), "occupier_data_vlans": self.occupiers}


def plan_of(site: Site) -> dict[str, int]:
    return {name: getattr(site, f"{name}_vlan") for name in PLAN_FIELDS}


def _check(plan: dict[str, int], occupier_vlans: dict[str, int]) -> VlanPlan:
    """The plan, refused if any role would share a VLAN, the occupiers' own included."""
    try:
        checked = VlanPlan(**plan)
        for code, vlan in occupier_vlans.items():
            try:
                VlanPlan(**{**plan, "data": vlan})
            except RoleError as err:
                raise RoleError(f"{code}'s data VLAN {vlan}: {err}") from None
    except RoleError as err:
        raise RuleViolation(str(err)) from None
    return checked


async def _occupier_vlans(session, site_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = await session.execute(
        select(Occupier.code, Occupancy.data_vlan)
        .join(Occupancy, Occupancy.occupier_id == Occupier.id)
        .where(
            Occupancy.site_id == site_id,
            Occupancy.data_vlan.is_not(None),
            Occupancy.ended_on.is_(None),  # an occupier that moved out keeps no VLAN here
        )
        .order_by(Occupier.code)
    )
    return {code: vlan for code, vlan in rows}


async def site_vlans(db: Database, site: str) -> SiteVlans:
    async with db.read() as session:
        place = await site_by_ref(session, site)
        return SiteVlans(
            place.code, VlanPlan(**plan_of(place)), await _occupier_vlans(session, place.id)
        )


@requires(Permission.SITES)
async def set_site_vlans(db: Database, actor: str, site: str, **changes: int) -> SiteVlans:
    """Change some of a site's role VLANs. Ports keep their config until their role is set
    again; a refresh then shows them as drift."""
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise RuleViolation(f"no VLAN called {', '.join(sorted(unknown))} in a site's plan")
    async with transaction(db, actor) as tx:
        place = await site_by_ref(tx.session, site)
        before = plan_of(place)
        occupiers = await _occupier_vlans(tx.session, place.id)
        plan = _check({**before, **changes}, occupiers)
        for name in PLAN_FIELDS:
            setattr(place, f"{name}_vlan", getattr(plan, name))
        if asdict(plan) == before:
            tx.no_change()
        else:
            tx.audit(
                "site.vlans",
                f"changed the VLAN plan of {place.code}",
                site_id=place.id,
                before=before,
                after=asdict(plan),
            )
        return SiteVlans(place.code, plan, occupiers)


@requires(Permission.SERVICES)
async def set_occupier_data_vlan(
    db: Database, actor: str, *, occupier: str, site: str, vlan: int | None
) -> SiteVlans:
    """Give an occupier its own data VLAN at a site (None: back to the site's)."""
    async with transaction(db, actor) as tx:
        holder = await occupier_by_ref(tx.session, occupier)
        place = await site_by_ref(tx.session, site)
        occupancy = await occupancy_of(tx.session, holder, place, lock=True)
        occupiers = await _occupier_vlans(tx.session, place.id)
        occupiers.pop(holder.code, None)
        if vlan is not None:
            occupiers[holder.code] = vlan
        plan = _check(plan_of(place), occupiers)
        before = occupancy.data_vlan
        occupancy.data_vlan = vlan
        said = f"its own data VLAN {vlan}" if vlan is not None else "the site's data VLAN"
        tx.audit(
            "occupancy.data_vlan",
            f"{holder.code} at {place.code} uses {said}",
            site_id=place.id,
            occupier_id=holder.id,
            before={"data_vlan": before},
            after={"data_vlan": vlan},
        )
        return SiteVlans(place.code, plan, occupiers)
