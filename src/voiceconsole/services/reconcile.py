"""Reconciliation: does each occupier have, at each site, what its voice services say?

Per occupier and site it sets side by side the voice quantity, the active numbers, the
numbers logged in to handsets, the handsets, and the floor ports with the voice role, and
names each mismatch with the thing it is about.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    Floor,
    FloorPort,
    Handset,
    HandsetLine,
    Occupancy,
    Occupier,
    PhoneNumber,
    Site,
    SwitchPort,
)
from voiceconsole.domain.phone import national
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.domain.states import NumberState
from voiceconsole.services.holdings import voice_quantity_sql
from voiceconsole.services.lookup import site_by_ref


@dataclass(frozen=True)
class Finding:
    kind: str  # a word scripts can match: see KINDS
    subject: str  # the number (E.164), handset or figure it is about
    text: str
    # A handset's finding: its MAC, and the floor port (and that port's floor) it is on, for
    # the console to open what the finding names.
    mac: str | None = None
    port: str | None = None
    floor: str | None = None


STATUS_WORDS = {
    "pending_resync": "waiting for its phone to re-sync",
    "notified": "told to its phone, which was not seen fetching it",
    "manual_pending": "waiting for the engineer to log it in on the phone",
}
# A line the phone was seen to take: fetched from our server, registered, or a manual login
# the engineer confirmed.
CONFIRMED = {"logged_in", "file_fetched", "registered"}

KINDS = {
    "active_not_on_handset": "an active number on no handset",
    "handset_on_data_port": "a handset on a port without the voice role",
    "over_entitlement": "more active numbers than the voice services allow",
    "spare_unused": "a spare number nobody uses while a voice service goes unused",
    "line_not_confirmed": "a login not confirmed by the phone or the engineer",
}


@dataclass
class Reconciliation:
    occupier: str
    site: str
    voice_quantity: int = 0
    active_numbers: int = 0
    logged_in: int = 0
    handsets: int = 0
    voice_ports: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "clean": self.clean}


async def reconcile(
    db: Database, *, site: str | None = None, occupier: str | None = None
) -> list[Reconciliation]:
    """One reconciliation per occupancy (of one site, or one occupier, or all)."""
    async with db.read() as session:
        query = (
            select(
                Occupier.id,
                Occupier.code,
                Site.id,
                Site.code,
                voice_quantity_sql(Occupier.id, Site.id),
            )
            .join(Occupancy, Occupancy.occupier_id == Occupier.id)
            .join(Site, Site.id == Occupancy.site_id)
            .where(Occupancy.ended_on.is_(None))  # nothing is expected of one that moved out
            .order_by(Site.code, Occupier.code)
        )
        if site:
            query = query.where(Site.id == (await site_by_ref(session, site)).id)
        if occupier:
            query = query.where(Occupier.code == occupier.strip())
        results = []
        for occupier_id, occupier_code, site_id, site_code, quantity in await session.execute(
            query
        ):
            results.append(
                await _one(session, occupier_id, occupier_code, site_id, site_code, int(quantity))
            )
        return results


async def _one(session, occupier_id: int, occupier: str, site_id: int, site: str, quantity: int):  # type: ignore[no-untyped-def]
    found = Reconciliation(occupier, site, voice_quantity=quantity)
    numbers = (
        await session.execute(
            select(PhoneNumber.id, PhoneNumber.e164, PhoneNumber.state, PhoneNumber.is_main)
            .where(PhoneNumber.occupier_id == occupier_id, PhoneNumber.site_id == site_id)
            .order_by(PhoneNumber.e164_value)
        )
    ).all()
    # number id -> (its line's status, the MAC of the handset it is logged in to)
    lines = {
        number_id: (status, mac)
        for number_id, status, mac in await session.execute(
            select(HandsetLine.number_id, HandsetLine.status, Handset.mac)
            .join(Handset, Handset.id == HandsetLine.handset_id)
            .where(HandsetLine.number_id.in_([n.id for n in numbers] or [-1]))
        )
    }
    handsets = (
        await session.execute(
            select(
                Handset.label,
                Handset.mac,
                SwitchPort.role,
                SwitchPort.observed_role,
                FloorPort.label,
                Floor.name,
            )
            .outerjoin(FloorPort, FloorPort.id == Handset.floor_port_id)
            .outerjoin(Floor, Floor.id == FloorPort.floor_id)
            .outerjoin(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
            .where(Handset.occupier_id == occupier_id, Handset.site_id == site_id)
        )
    ).all()
    found.voice_ports = int(
        await session.scalar(
            select(func.count())
            .select_from(FloorPort)
            .join(SwitchPort, SwitchPort.id == FloorPort.switch_port_id)
            .where(
                FloorPort.occupier_id == occupier_id,
                FloorPort.site_id == site_id,
                SwitchPort.role == SwitchPortRole.VOICE,
            )
        )
        or 0
    )
    found.handsets = len(handsets)
    for number_id, e164, state, is_main in numbers:
        if is_main:
            continue
        if state is NumberState.ACTIVE:
            found.active_numbers += 1
            status, mac = lines.get(number_id, (None, None))
            if status is None:
                found.findings.append(
                    Finding(
                        "active_not_on_handset",
                        e164,
                        f"{national(e164)} is active but on no handset",
                    )
                )
            else:
                found.logged_in += 1
                if status not in CONFIRMED:
                    waiting = STATUS_WORDS.get(status, status.replace("_", " "))
                    found.findings.append(
                        Finding(
                            "line_not_confirmed", e164, f"{national(e164)} is {waiting}", mac=mac
                        )
                    )
    # Spares are normal (UK batches of 5); one is a finding only while the entitlement has
    # room for it: the occupier pays for a line it is not getting.
    room = quantity - found.active_numbers
    for number_id, e164, state, is_main in numbers:
        if room <= 0:
            break
        if state is NumberState.RESERVED and not is_main and number_id not in lines:
            found.findings.append(
                Finding(
                    "spare_unused",
                    e164,
                    f"{national(e164)} is a spare nobody uses, with a service unused",
                )
            )
            room -= 1
    if found.active_numbers > quantity:
        found.findings.append(
            Finding(
                "over_entitlement",
                f"{found.active_numbers}/{quantity}",
                f"{found.active_numbers} active numbers for a voice quantity of {quantity}",
            )
        )
    for label, mac, role, observed, port, floor in handsets:
        name = label or mac
        if port is None:
            continue  # not known where it is plugged in: nothing to compare
        seen = observed or role
        if seen is not SwitchPortRole.VOICE:
            said = seen.value if seen else "no role"
            found.findings.append(
                Finding(
                    "handset_on_data_port",
                    name,
                    f"{name} is on {port}, which has {said}",
                    mac=mac,
                    port=port,
                    floor=floor,
                )
            )
    return found
