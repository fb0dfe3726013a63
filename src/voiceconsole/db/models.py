"""The data model (SQLAlchemy 2 typed ORM). Schema changes go through Alembic migrations."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import (
    false as sa_false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from voiceconsole import clock
from voiceconsole.domain.handsets import HandsetState, SipTransport
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.domain.porting import PortingState
from voiceconsole.domain.roles import Role
from voiceconsole.domain.states import MainNumberPolicy, NumberState, Origin


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    return clock.utcnow()


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda e: [m.value for m in e],
    )


class ProductCategory(enum.StrEnum):
    VOICE = "voice"


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    CANCELLED = "cancelled"


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class OperatorSettings(Base):
    """The one operator an installation serves, and its defaults."""

    __tablename__ = "operator_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    default_cooldown_days: Mapped[int] = mapped_column(Integer, default=90)
    # A site pool is "low" below this many available numbers (or below the next UK batch).
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=10)
    # The sites list warns this many days before a pool is forecast to run short.
    forecast_warning_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    timezone: Mapped[str] = mapped_column(String(64))
    main_number_policy: Mapped[MainNumberPolicy] = mapped_column(
        _enum(MainNumberPolicy, "main_number_policy")
    )
    cooldown_days: Mapped[int] = mapped_column(Integer, default=90)
    low_stock_threshold: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The VLANs the switch port roles use here (domain.port_roles.VlanPlan). An occupier may
    # have its own data VLAN (Occupancy.data_vlan); the rest are the building's.
    data_vlan: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    voice_vlan: Mapped[int] = mapped_column(Integer, default=200, server_default="200")
    guest_vlan: Mapped[int] = mapped_column(Integer, default=300, server_default="300")
    access_point_vlan: Mapped[int] = mapped_column(Integer, default=400, server_default="400")
    printer_vlan: Mapped[int] = mapped_column(Integer, default=500, server_default="500")
    # The site's SIP service, written into its handsets' provisioning files. No registrar:
    # the console-wide one (settings). A registration check asks the registrar, with a SIP
    # OPTIONS to each line's address, whether the line reaches a phone.
    sip_registrar: Mapped[str | None] = mapped_column(String(255), default=None)
    sip_port: Mapped[int] = mapped_column(Integer, default=5060, server_default="5060")
    sip_transport: Mapped[SipTransport] = mapped_column(
        _enum(SipTransport, "sip_transport"), default=SipTransport.UDP, server_default="udp"
    )
    sip_outbound_proxy: Mapped[str | None] = mapped_column(String(255), default=None)
    sip_registration_check: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # The role a floor port goes back to when its occupier moves out.
    default_port_role: Mapped[SwitchPortRole] = mapped_column(
        _enum(SwitchPortRole, "default_port_role"),
        default=SwitchPortRole.DISABLED,
        server_default="disabled",
    )
    # None: the operator's forecast_warning_days.
    forecast_warning_days: Mapped[int | None] = mapped_column(Integer, default=None)


class Floor(Base):
    __tablename__ = "floors"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))  # as signed in the building, e.g. "3F"
    level: Mapped[int] = mapped_column(Integer)


class Space(Base):
    """A suite, office or meeting room on a floor, optionally let to an occupier."""

    __tablename__ = "spaces"
    __table_args__ = (UniqueConstraint("floor_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floors.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="office")
    occupier_id: Mapped[int | None] = mapped_column(ForeignKey("occupiers.id"), index=True)


class Occupier(Base):
    __tablename__ = "occupiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Occupancy(Base):
    """An occupier occupying a site. Its row is also the lock for that occupier's voice there."""

    __tablename__ = "occupancies"
    __table_args__ = (UniqueConstraint("occupier_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occupier_id: Mapped[int] = mapped_column(ForeignKey("occupiers.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    since: Mapped[dt.date] = mapped_column(Date)
    # The occupier's own data VLAN at this site; None: the site's data VLAN.
    data_vlan: Mapped[int | None] = mapped_column(Integer)
    # Set when the occupier moved out (services.move_out); None while it is here.
    ended_on: Mapped[dt.date | None] = mapped_column(Date, default=None)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[ProductCategory] = mapped_column(_enum(ProductCategory, "product_category"))
    description: Mapped[str] = mapped_column(Text, default="")


class ServiceAssignment(Base):
    """A product at a quantity for an occupier at a site; voice quantity is the entitlement."""

    __tablename__ = "service_assignments"
    __table_args__ = (
        UniqueConstraint("occupier_id", "site_id", "product_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occupier_id: Mapped[int] = mapped_column(ForeignKey("occupiers.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduledChange(Base):
    """A quantity change of a service assignment, applied on or after its effective date."""

    __tablename__ = "scheduled_changes"
    __table_args__ = (
        CheckConstraint("new_quantity >= 0", name="new_quantity_not_negative"),
        Index(None, "status", "effective_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("service_assignments.id"), index=True)
    new_quantity: Mapped[int] = mapped_column(Integer)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[ChangeStatus] = mapped_column(
        _enum(ChangeStatus, "change_status"), default=ChangeStatus.PENDING
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class NumberRange(Base):
    """A block of numbers as it was imported: where the site's numbers came from."""

    __tablename__ = "number_ranges"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    first_e164: Mapped[str] = mapped_column(String(16))
    last_e164: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    origin: Mapped[Origin] = mapped_column(_enum(Origin, "number_origin"))
    occupier_id: Mapped[int | None] = mapped_column(ForeignKey("occupiers.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    # The port-in order that brings (or brought) these numbers; None for imported ranges.
    porting_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("porting_orders.id"), index=True, default=None
    )


class PortingOrder(Base):
    """Numbers an occupier brings from another carrier (a port-in), per occupier and site.

    Its numbers are in number_ranges (porting_order_id), held in state `porting_in` while
    the order is open."""

    __tablename__ = "porting_orders"
    __table_args__ = (Index(None, "site_id", "state"), Index(None, "occupier_id", "site_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    occupier_id: Mapped[int] = mapped_column(ForeignKey("occupiers.id"))
    losing_carrier: Mapped[str] = mapped_column(String(100))
    # The occupier's account with the losing carrier, which the carrier checks the order by.
    account_ref: Mapped[str] = mapped_column(String(64))
    requested_on: Mapped[dt.date] = mapped_column(Date)  # the date the occupier asked for
    agreed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)  # the FOC date
    state: Mapped[PortingState] = mapped_column(
        _enum(PortingState, "porting_state"), default=PortingState.REQUESTED
    )
    reason: Mapped[str] = mapped_column(Text, default="")  # why rejected or cancelled
    # The numbers the order covers, as E.164 blocks ("+442079460500-+442079460509,..."): the
    # record of what was asked, kept after a rejection takes the numbers out of the inventory.
    numbers: Mapped[str] = mapped_column(Text)
    number_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class MoveOut(Base):
    """An occupier leaving a site, scheduled for a date (or applied at once).

    `ports_left`: the floor ports whose switch did not take the default role when it was
    applied, kept for a retry ([{floor_port_id, label, switch, interface, role, error}])."""

    __tablename__ = "move_outs"
    __table_args__ = (
        Index(None, "status", "effective_on"),
        # One pending move-out per occupier and site.
        Index(
            "uq_move_outs_pending",
            "occupier_id",
            "site_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occupier_id: Mapped[int] = mapped_column(ForeignKey("occupiers.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[ChangeStatus] = mapped_column(
        _enum(ChangeStatus, "move_out_status"), default=ChangeStatus.PENDING
    )
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    ports_left: Mapped[list | None] = mapped_column(JSONType, default=None)  # type: ignore[type-arg]


class PhoneNumber(Base):
    __tablename__ = "phone_numbers"
    __table_args__ = (
        # The picking query: a site's available pool numbers in numeric order.
        Index(
            "ix_phone_numbers_pool", "site_id", "state", "origin", "main_candidate", "e164_value"
        ),
        Index("ix_phone_numbers_holder", "occupier_id", "site_id", "state"),
        Index("ix_phone_numbers_site_value", "site_id", "e164_value"),
        # At most one main number per occupier per site.
        Index(
            "uq_phone_numbers_main",
            "occupier_id",
            "site_id",
            unique=True,
            sqlite_where=text("is_main = 1"),
            postgresql_where=text("is_main"),
        ),
        # No ghost assignments: a free or cooling number has no holder and is no main number.
        CheckConstraint(
            "state NOT IN ('available', 'cooldown') OR (occupier_id IS NULL AND NOT is_main)",
            name="free_numbers_have_no_holder",
        ),
        CheckConstraint("NOT is_main OR occupier_id IS NOT NULL", name="main_number_has_holder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str] = mapped_column(String(16), unique=True)
    # The number as an integer: numeric order and contiguity (DDI runs) without parsing.
    e164_value: Mapped[int] = mapped_column(BigInteger)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    range_id: Mapped[int | None] = mapped_column(ForeignKey("number_ranges.id"), index=True)
    origin: Mapped[Origin] = mapped_column(_enum(Origin, "number_origin"))
    state: Mapped[NumberState] = mapped_column(_enum(NumberState, "number_state"))
    occupier_id: Mapped[int | None] = mapped_column(ForeignKey("occupiers.id"))
    is_main: Mapped[bool] = mapped_column(default=False)
    main_candidate: Mapped[bool] = mapped_column(default=False)
    cooldown_until: Mapped[dt.date | None] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200), default="")
    caller_id_override: Mapped[str | None] = mapped_column(String(16))
    forward_always: Mapped[str | None] = mapped_column(String(16))
    forward_busy: Mapped[str | None] = mapped_column(String(16))
    forward_no_answer: Mapped[str | None] = mapped_column(String(16))
    voicemail: Mapped[bool] = mapped_column(default=False)
    voicemail_email: Mapped[str | None] = mapped_column(String(254))
    dnd: Mapped[bool] = mapped_column(default=False)
    # Only a hash is kept; a reset shows the new PIN once.
    pin_hash: Mapped[str | None] = mapped_column(String(128))


class Switch(Base):
    __tablename__ = "switches"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    hostname: Mapped[str] = mapped_column(String(128), unique=True)
    mgmt_address: Mapped[str] = mapped_column(String(128))
    mgmt_port: Mapped[int] = mapped_column(Integer, default=22)
    platform: Mapped[str] = mapped_column(String(16))  # NAPALM driver name: ios, eos, junos
    model: Mapped[str] = mapped_column(String(64), default="")
    # Names an entry in the environment or the credentials file; never the secret itself.
    credentials_ref: Mapped[str] = mapped_column(String(64))
    simulated: Mapped[bool] = mapped_column(default=False)
    # domain.platforms profile code (catalyst-9300); "" when not known.
    profile: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # The SSH host key pinned for the switch (one OpenSSH line); sessions accept no other.
    host_key: Mapped[str | None] = mapped_column(Text)
    host_key_pinned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The last preflight (switches.preflight.Finding dicts; [] when ready) and when it ran.
    preflight: Mapped[list | None] = mapped_column(JSONType)  # type: ignore[type-arg]
    preflight_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SwitchPort(Base):
    __tablename__ = "switch_ports"
    __table_args__ = (UniqueConstraint("switch_id", "interface"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    switch_id: Mapped[int] = mapped_column(ForeignKey("switches.id", ondelete="CASCADE"))
    interface: Mapped[str] = mapped_column(String(64))
    role: Mapped[SwitchPortRole | None] = mapped_column(_enum(SwitchPortRole, "role"))
    observed_role: Mapped[SwitchPortRole | None] = mapped_column(
        _enum(SwitchPortRole, "observed_role")
    )
    description: Mapped[str] = mapped_column(String(200), default="")
    drift: Mapped[bool] = mapped_column(default=False)
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The last live reading (domain.port_state.PortState.as_json()): link, PoE, LLDP, MACs.
    live: Mapped[dict | None] = mapped_column(JSONType)  # type: ignore[type-arg]
    # Whether the port has PoE, as the switch's `show power inline` said; None: not read yet.
    poe: Mapped[bool | None] = mapped_column()


class SwitchChangeState(enum.StrEnum):
    IN_FLIGHT = "in_flight"  # written before the commit; settled when the switch has answered
    SETTLED = "settled"  # the console recorded the switch's answer itself
    CONFIRMED = "confirmed"  # found in place after the console died mid-way
    REVERTED = "reverted"  # found undone (or never committed) after the console died
    DRIFT = "drift"  # found neither as asked nor as before


class SwitchChange(Base):
    """A role change on one switch, written before its commit so that a console dying between
    commit and confirm leaves a record to settle against what the switch shows."""

    __tablename__ = "switch_changes"
    __table_args__ = (
        Index(None, "state", "switch_id"),
        # One change in flight per switch, whichever console: the second one is refused.
        Index(
            "uq_switch_changes_in_flight",
            "switch_id",
            unique=True,
            sqlite_where=text("state = 'in_flight'"),
            postgresql_where=text("state = 'in_flight'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    switch_id: Mapped[int] = mapped_column(ForeignKey("switches.id", ondelete="CASCADE"))
    role: Mapped[SwitchPortRole] = mapped_column(_enum(SwitchPortRole, "change_role"))
    # [{floor_port_id, switch_port_id, label, interface, before}]: `before` is the role the
    # switch showed at the last reading, to tell a revert from drift.
    ports: Mapped[list] = mapped_column(JSONType)  # type: ignore[type-arg]
    diff: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    # The console that made it (host and process id): a dead owner's change is settled at once.
    owner: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revert_deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[SwitchChangeState] = mapped_column(
        _enum(SwitchChangeState, "change_state"), default=SwitchChangeState.IN_FLIGHT
    )
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="")


class FloorPort(Base):
    """A wall socket, patched to one switch interface."""

    __tablename__ = "floor_ports"
    __table_args__ = (UniqueConstraint("site_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    floor_id: Mapped[int | None] = mapped_column(ForeignKey("floors.id"), index=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"))
    label: Mapped[str] = mapped_column(String(32))
    # One floor port per switch interface.
    switch_port_id: Mapped[int | None] = mapped_column(ForeignKey("switch_ports.id"), unique=True)
    occupier_id: Mapped[int | None] = mapped_column(ForeignKey("occupiers.id"), index=True)
    # Allocated to the operator itself (reception, meeting rooms); never with an occupier.
    operator_use: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


class DeviceModel(Base):
    """A handset model the operator supports: how many lines it takes, how it is logged in."""

    __tablename__ = "device_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    vendor: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    line_keys: Mapped[int] = mapped_column(Integer)
    # domain.handsets.LoginMethod: "remote" (provisioning file + re-sync) or "manual".
    login_method: Mapped[str] = mapped_column(String(16))
    # domain.handsets.ProvisioningFormat: "yealink_cfg", "polycom_xml"; "" for manual models.
    provisioning_format: Mapped[str] = mapped_column(String(32), default="")
    # What the engineer types on a manual model; {extension} and {pin} are filled in.
    manual_steps: Mapped[str] = mapped_column(Text, default="")


class Handset(Base):
    __tablename__ = "handsets"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    occupier_id: Mapped[int | None] = mapped_column(ForeignKey("occupiers.id"), index=True)
    model: Mapped[str] = mapped_column(String(64))  # a DeviceModel.code
    mac: Mapped[str] = mapped_column(String(17), unique=True)
    floor_port_id: Mapped[int | None] = mapped_column(ForeignKey("floor_ports.id"))
    label: Mapped[str] = mapped_column(String(200), default="")
    # Where the phone answers SIP (its re-sync NOTIFY goes there); learnt or set by hand.
    sip_address: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[HandsetState] = mapped_column(
        _enum(HandsetState, "handset_state"), default=HandsetState.DEPLOYED
    )
    # The phone's own login to the provisioning server (its user is the MAC's 12 hex
    # digits): it may fetch its own files and no other phone's. Set when the phone is staged.
    provisioning_secret: Mapped[str] = mapped_column(String(64))
    # Re-sync retries of a phone that did not answer: how many so far and when the next.
    resync_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_resync_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_resync_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    def __repr__(self) -> str:
        return f"Handset(id={self.id}, mac={self.mac!r}, state={self.state})"


class LineCredentials(Base):
    """A number's SIP login, as the operator's SIP platform knows it: written into a remote
    handset's provisioning file, never shown in the console or logged."""

    __tablename__ = "line_credentials"

    number_id: Mapped[int] = mapped_column(ForeignKey("phone_numbers.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(128))

    def __repr__(self) -> str:
        return f"LineCredentials(number_id={self.number_id}, username={self.username!r})"


class ProvisioningFetch(Base):
    """One request to the provisioning server: which phone (None: not known), which file,
    from where, and the answer. An observation, not a user action: no audit entry."""

    __tablename__ = "provisioning_fetches"
    __table_args__ = (Index(None, "handset_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    handset_id: Mapped[int | None] = mapped_column(
        ForeignKey("handsets.id", ondelete="SET NULL"), default=None
    )
    file: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)  # the HTTP status answered
    lines: Mapped[int] = mapped_column(Integer, default=0)  # lines the file carried


class HandsetLine(Base):
    """A number logged in to a handset, on one of its line keys. A number is logged in to at
    most one handset at a time (hot-desking moves it)."""

    __tablename__ = "handset_lines"
    __table_args__ = (UniqueConstraint("handset_id", "line_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handset_id: Mapped[int] = mapped_column(ForeignKey("handsets.id", ondelete="CASCADE"))
    number_id: Mapped[int] = mapped_column(ForeignKey("phone_numbers.id"), unique=True)
    line_key: Mapped[int] = mapped_column(Integer)
    # "remote" or "manual" (domain.handsets.LoginMethod)
    method: Mapped[str] = mapped_column(String(16))
    # domain.handsets.LineStatus: how far the line is known to have got onto the phone.
    status: Mapped[str] = mapped_column(String(16))
    logged_in_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    logged_in_by: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    """The append-only journal: who did what, when, with the data before and after.

    Triggers in the migration refuse UPDATE and DELETE of entries and of their subjects.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (Index(None, "actor", "id"), Index(None, "action", "id"), Index(None, "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[Any] = mapped_column(JSONType, nullable=True)
    after: Mapped[Any] = mapped_column(JSONType, nullable=True)


class AuditSubject(Base):
    """A site and/or occupier an audit entry concerns; one action can concern several
    (a bulk release, the due changes of a day), and each one's activity must show it.

    No foreign keys to sites or occupiers: the journal outlives what it talks about.
    """

    __tablename__ = "audit_subjects"
    __table_args__ = (Index(None, "site_id", "audit_id"), Index(None, "occupier_id", "audit_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit_entries.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(Integer)
    occupier_id: Mapped[int | None] = mapped_column(Integer)


class User(Base):
    """A person who may use the console, by their login (on PostgreSQL, their database role).

    Until the first user is added an installation has no users and permissions are not
    checked (`services/permissions.py`); the embedded default adds the OS login as admin.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class UserSite(Base):
    """A site an engineer is assigned to (the other roles work at every site)."""

    __tablename__ = "user_sites"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Presence(Base):
    """A console that is open, kept fresh by its heartbeat: who else is working on a site.

    One row per running console (`console_id`, random per start); a row whose heartbeat is
    older than a minute or so belongs to a console that stopped without saying so.
    """

    __tablename__ = "presence"
    __table_args__ = (Index(None, "site_id", "seen_at"),)

    console_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), default=None
    )
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Installation(Base):
    """The schema marker: one row saying this database is voiceconsole's (db/ownership.py).
    A database without it, or without this project's revision, is not opened, let alone
    migrated: a URL naming the wrong database must change nothing there."""

    __tablename__ = "voiceconsole_installation"

    product: Mapped[str] = mapped_column(String(32), primary_key=True)
    installation_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
