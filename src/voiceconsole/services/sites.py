"""Sites: create, edit, list with their pool figures."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    FloorPort,
    NumberRange,
    Occupancy,
    OperatorSettings,
    PhoneNumber,
    Site,
)
from voiceconsole.domain.errors import Conflict, InvalidInput
from voiceconsole.domain.handsets import SipTransport
from voiceconsole.domain.port_roles import SwitchPortRole
from voiceconsole.domain.states import MainNumberPolicy, NumberState
from voiceconsole.domain.text import clean_code, clean_text, parse_choice
from voiceconsole.services.forecast import DEFAULT_LOW_STOCK, check_warning_days, low_limit
from voiceconsole.services.forecast import warnings as forecast_warnings
from voiceconsole.services.lookup import name_search, site_by_ref
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.transaction import transaction
from voiceconsole.services.views import SiteSummary, SiteView

DEFAULT_COOLDOWN_DAYS = 90  # domain.md: a sound default for UK and US business numbers


def _country(value: str) -> str:
    country = value.strip().upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code with a numbering plan"
        )
    return country


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{value!r} is not a time zone name such as Europe/London") from None
    return value.strip()


def _policy(value: str | MainNumberPolicy) -> MainNumberPolicy:
    try:
        return MainNumberPolicy(value)
    except ValueError:
        raise InvalidInput(
            f"main number policy must be 'auto' or 'manual', not {value!r}"
        ) from None


def _days(value: int, what: str) -> int:
    if not 0 <= int(value) <= 3650:
        raise InvalidInput(f"the {what} must be between 0 and 3650 days")
    return int(value)


def _threshold(value: int | None) -> int | None:
    if value is not None and not 0 <= int(value) <= 1_000_000:
        raise InvalidInput("the low-stock threshold must be between 0 and 1,000,000")
    return value


@requires(Permission.SITES)
async def create_site(
    db: Database,
    actor: str,
    *,
    code: str,
    name: str,
    country: str,
    timezone: str,
    main_number_policy: str = "auto",
    cooldown_days: int | None = None,
    low_stock_threshold: int | None = None,
) -> SiteView:
    """A new site; its cooldown defaults to the operator's (90 days without settings)."""
    site = Site(
        code=clean_code(code, "site code", upper=True),
        name=clean_text(name, "site name"),
        country=_country(country),
        timezone=_timezone(timezone),
        main_number_policy=_policy(main_number_policy),
        low_stock_threshold=_threshold(low_stock_threshold),
    )
    async with transaction(db, actor) as tx:
        if await tx.session.scalar(select(Site.id).where(Site.code == site.code)):
            raise Conflict(f"a site with code {site.code!r} already exists")
        if cooldown_days is None:
            cooldown_days = (
                await tx.session.scalar(select(OperatorSettings.default_cooldown_days))
                or DEFAULT_COOLDOWN_DAYS
            )
        site.cooldown_days = _days(cooldown_days, "cooldown")
        tx.session.add(site)
        await tx.session.flush()
        view = SiteView.of(site)
        tx.audit(
            "site.create", f"created site {site.code} ({site.name})", site_id=site.id, after=view
        )
    return view


def _sip_host(value: str | None) -> str | None:
    """A registrar or proxy host name (or address); "" clears it."""
    if value is None or not value.strip():
        return None
    host = clean_text(value, "SIP host", max_len=255)
    if any(c.isspace() or c in '/@;<>"' for c in host):
        raise InvalidInput(f"{host!r} is not a host name or address")
    return host


def _sip_port(value: int) -> int:
    if not 0 < int(value) < 65536:
        raise InvalidInput("the SIP port must be between 1 and 65535")
    return int(value)


def _sip_transport(value: str) -> SipTransport:
    try:
        return SipTransport(str(value).strip().lower())
    except ValueError:
        raise InvalidInput(f"the SIP transport is udp, tcp or tls, not {value!r}") from None


_EDITABLE = {
    "name": lambda v: clean_text(v, "site name"),
    "timezone": _timezone,
    "main_number_policy": _policy,
    "cooldown_days": lambda v: _days(v, "cooldown"),
    "low_stock_threshold": _threshold,
    "sip_registrar": _sip_host,
    "sip_port": _sip_port,
    "sip_transport": _sip_transport,
    "sip_outbound_proxy": _sip_host,
    "sip_registration_check": bool,
    "forecast_warning_days": check_warning_days,
    "default_port_role": lambda v: parse_choice(SwitchPortRole, str(v), "switch port role"),
}


@requires(Permission.SITES)
async def edit_site(db: Database, actor: str, ref: str, **changes: Any) -> SiteView:
    """Change a site's name, time zone, main-number policy, cooldown, low-stock threshold,
    forecast warning days (None: the operator's), default floor-port role or SIP service
    (registrar, port, transport, outbound proxy, registration check).

    The code and country are fixed: numbers and switches hang off them.
    """
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise InvalidInput(f"cannot edit {', '.join(sorted(unknown))} of a site")
    if not changes:
        raise InvalidInput("nothing to change was given")
    cleaned = {key: _EDITABLE[key](value) for key, value in changes.items()}
    async with transaction(db, actor) as tx:
        site = await site_by_ref(tx.session, ref)
        before = SiteView.of(site)
        for key, value in cleaned.items():
            setattr(site, key, value)
        after = SiteView.of(site)
        changed = [k for k, v in after.to_dict().items() if before.to_dict()[k] != v]
        if not changed:
            tx.no_change()
            return after
        tx.audit(
            "site.edit",
            f"edited site {site.code}: {', '.join(changed)}",
            site_id=site.id,
            before=before,
            after=after,
        )
    return after


def low_stock_limit(site: Site, operator_threshold: int) -> int:
    """Below this many available numbers a pool is low: the threshold, and never below a batch."""
    return low_limit(site, operator_threshold)


async def _count_by_site(
    session: AsyncSession, site_column: Any, ids: list[int], *where: Any
) -> dict[int, int]:
    rows = await session.execute(
        select(site_column, func.count()).where(site_column.in_(ids), *where).group_by(site_column)
    )
    return dict(rows.all())  # type: ignore[arg-type]


# Every state but available: the numbers someone holds or that are on their way out. They are
# few next to a site's pool, and the pool index finds each (site, state) run directly.
_NOT_AVAILABLE = [s for s in NumberState if s is not NumberState.AVAILABLE]


async def _numbers_by_state(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, int]]:
    """How many numbers each site has in each state, without reading each available number.

    Counting a pool of 5,000 numbers row by row takes a millisecond; a page of 25 such sites
    took 30 ms, most of a filter keystroke's budget. Numbers are only ever written by an
    import (or the demo generator), whole ranges at a time, each recorded with its size, and
    are never deleted nor moved to another site. So a site's numbers are the sizes of its
    ranges (plus any number outside a range, should one ever be written), and the available
    ones are those less the numbers in every other state, which the pool index counts run by
    run. If numbers ever become deletable, this must count them again.
    """
    counts: dict[int, dict[str, int]] = {i: {s.value: 0 for s in NumberState} for i in ids}
    if not ids:
        return counts
    totals: dict[int, int] = dict.fromkeys(ids, 0)
    for site_id, size in await session.execute(
        select(NumberRange.site_id, func.sum(NumberRange.size))
        .where(NumberRange.site_id.in_(ids))
        .group_by(NumberRange.site_id)
    ):
        totals[site_id] += int(size)
    for site_id, n in await session.execute(
        select(PhoneNumber.site_id, func.count())
        .where(PhoneNumber.range_id.is_(None), PhoneNumber.site_id.in_(ids))
        .group_by(PhoneNumber.site_id)
    ):
        totals[site_id] += n
    for site_id, state, n in await session.execute(
        select(PhoneNumber.site_id, PhoneNumber.state, func.count())
        .where(PhoneNumber.site_id.in_(ids), PhoneNumber.state.in_(_NOT_AVAILABLE))
        .group_by(PhoneNumber.site_id, PhoneNumber.state)
    ):
        counts[site_id][state.value] = n
    for site_id, by_state in counts.items():
        by_state[NumberState.AVAILABLE.value] = totals[site_id] - sum(by_state.values())
    return counts


async def list_sites(
    db: Database, search: str | None = None, *, after: str | None = None, limit: int | None = None
) -> list[SiteSummary]:
    """Sites in code order with their figures; page with `after` (the last code of a page).

    Figures are read only for the sites of the page (see `_numbers_by_state`)."""
    async with db.read() as session:
        query = select(Site).order_by(Site.code)
        if search:
            query = query.where(name_search(search, Site.code, Site.name))
        if after:
            query = query.where(Site.code > after)
        if limit:
            query = query.limit(limit)
        sites = list(await session.scalars(query))
        operator_threshold = (
            await session.scalar(select(OperatorSettings.low_stock_threshold)) or DEFAULT_LOW_STOCK
        )
        ids = [s.id for s in sites]
        counts = await _numbers_by_state(session, ids)
        # The occupiers there now: one that moved out stays on record, not in the count.
        occupiers = await _count_by_site(
            session, Occupancy.site_id, ids, Occupancy.ended_on.is_(None)
        )
        ports = await _count_by_site(session, FloorPort.site_id, ids)
        ahead = await forecast_warnings(
            session, sites, {i: counts[i][NumberState.AVAILABLE.value] for i in ids}
        )
    return [
        SiteSummary(
            site=SiteView.of(s),
            occupiers=occupiers.get(s.id, 0),
            numbers=counts[s.id],
            floor_ports=ports.get(s.id, 0),
            low_stock=counts[s.id]["available"] < low_stock_limit(s, operator_threshold),
            low_in_days=ahead[s.id],
        )
        for s in sites
    ]


async def get_site(db: Database, ref: str) -> SiteView:
    async with db.read() as session:
        return SiteView.of(await site_by_ref(session, ref))
