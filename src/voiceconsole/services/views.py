"""What services return: plain, frozen data, detached from the database session.

Field names follow the model, so `--json` output and the audit journal use the same words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from voiceconsole.db.models import Occupier, PhoneNumber, Product, Site
from voiceconsole.domain.phone import national
from voiceconsole.services.transaction import jsonable


class View:
    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))  # type: ignore[call-overload]


@dataclass(frozen=True)
class SiteView(View):
    id: int
    code: str
    name: str
    country: str
    timezone: str
    main_number_policy: str
    cooldown_days: int
    low_stock_threshold: int | None
    # The SIP service its handsets' lines register with (None: the console-wide registrar).
    sip_registrar: str | None = None
    sip_port: int = 5060
    sip_transport: str = "udp"
    sip_outbound_proxy: str | None = None
    sip_registration_check: bool = False
    # Days ahead the sites list warns of a pool forecast low (None: the operator's).
    forecast_warning_days: int | None = None
    # The role a floor port goes back to when its occupier moves out.
    default_port_role: str = "disabled"

    @classmethod
    def of(cls, site: Site) -> SiteView:
        return cls(
            site.id,
            site.code,
            site.name,
            site.country,
            site.timezone,
            site.main_number_policy.value,
            site.cooldown_days,
            site.low_stock_threshold,
            site.sip_registrar,
            site.sip_port,
            site.sip_transport.value,
            site.sip_outbound_proxy,
            site.sip_registration_check,
            forecast_warning_days=site.forecast_warning_days,
            default_port_role=site.default_port_role.value,
        )


@dataclass(frozen=True)
class SiteSummary(View):
    """A site with the figures the sites list shows."""

    site: SiteView
    occupiers: int
    numbers: dict[str, int]  # by state
    floor_ports: int
    low_stock: bool
    # Not low yet, but forecast low in this many days, within the warning days; else None.
    low_in_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.site.to_dict(),
            **{k: v for k, v in super().to_dict().items() if k != "site"},
        }


@dataclass(frozen=True)
class OccupierView(View):
    id: int
    code: str
    name: str
    sites: tuple[str, ...] = ()

    @classmethod
    def of(cls, occupier: Occupier, sites: tuple[str, ...] = ()) -> OccupierView:
        return cls(occupier.id, occupier.code, occupier.name, sites)


@dataclass(frozen=True)
class OccupierAtSite(View):
    """An occupier as seen from one site: its voice entitlement and numbers there."""

    id: int
    code: str
    name: str
    site: str
    voice_quantity: int
    active_numbers: int  # using a voice service (the main number is not counted)
    spare_numbers: int  # reserved, main number not counted
    main_number: str | None
    moved_out_on: dt.date | None = None  # the occupancy's end; None while it is there


@dataclass(frozen=True)
class ProductView(View):
    id: int
    code: str
    name: str
    category: str
    description: str

    @classmethod
    def of(cls, product: Product) -> ProductView:
        return cls(
            product.id, product.code, product.name, product.category.value, product.description
        )


@dataclass(frozen=True)
class NumberView(View):
    e164: str
    national: str
    site: str
    state: str
    origin: str
    occupier: str | None
    is_main: bool
    main_candidate: bool
    cooldown_until: dt.date | None
    label: str
    caller_id_override: str | None
    forward_always: str | None
    forward_busy: str | None
    forward_no_answer: str | None
    voicemail: bool
    voicemail_email: str | None
    dnd: bool
    pin_set: bool

    @classmethod
    def of(cls, number: PhoneNumber, site_code: str, occupier_code: str | None) -> NumberView:
        return cls(
            e164=number.e164,
            national=national(number.e164),
            site=site_code,
            state=number.state.value,
            origin=number.origin.value,
            occupier=occupier_code,
            is_main=number.is_main,
            main_candidate=number.main_candidate,
            cooldown_until=number.cooldown_until,
            label=number.label,
            caller_id_override=number.caller_id_override,
            forward_always=number.forward_always,
            forward_busy=number.forward_busy,
            forward_no_answer=number.forward_no_answer,
            voicemail=number.voicemail,
            voicemail_email=number.voicemail_email,
            dnd=number.dnd,
            pin_set=number.pin_hash is not None,
        )


@dataclass(frozen=True)
class ChangeView(View):
    id: int
    occupier: str
    site: str
    product: str
    new_quantity: int
    effective_on: dt.date
    status: str
    note: str


@dataclass(frozen=True)
class ServiceView(View):
    id: int
    occupier: str
    site: str
    product: str
    product_name: str
    quantity: int
    start_date: dt.date
    scheduled: tuple[ChangeView, ...] = field(default=())


@dataclass(frozen=True)
class AuditView(View):
    id: int
    at: dt.datetime
    actor: str
    action: str
    sites: tuple[str, ...]  # codes of the sites the action concerns
    occupiers: tuple[str, ...]  # codes of the occupiers it concerns
    summary: str
    before: Any
    after: Any
