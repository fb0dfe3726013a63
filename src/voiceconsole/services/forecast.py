"""The pool forecast: each site's allocation rate read from the journal, its cooldown numbers
coming back, its open port-ins, and the day its pool is expected to run low and short.

The arithmetic is `domain.forecast`; this module gathers its facts with bounded reads:

- **Numbers taken** are read from the journal's last `WINDOW_DAYS` days only. Two actions
  take numbers out of `available`, and each says how many in its `after`:
  `services.add` (the first-time automation: its `allocated` list) and `numbers.allocate`
  (a list of the numbers allocated; only available numbers can be allocated). The lengths are
  taken in SQL, so no JSON is shipped. The window is found by the journal's time index, then
  the site's entries by (site, entry id): the oldest entry of the window's day before bounds
  the ids, since ids grow with time (a transaction is never a day long).
- **Numbers added** (only for the site screen's chart of the past weeks): `numbers.import`
  of pool numbers (`after.total`) and `services.apply_due` (its `recycled` list, across sites:
  each number is matched to its site in `phone_numbers`, where numbers never change site).
- **Cooling numbers** by their `cooldown_until`; **open port-ins** from `porting_orders`.
  Numbers held for a port-in belong to their occupier: they never join the pool and are
  shown only as context.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import (
    AuditEntry,
    AuditSubject,
    NumberRange,
    Occupier,
    OperatorSettings,
    PhoneNumber,
    PortingOrder,
    Site,
)
from voiceconsole.domain.allocation import BATCH_SIZES
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.domain.forecast import (
    WINDOW_DAYS,
    PoolOutlook,
    history,
    next_batch,
    outlook,
    projection,
    warns,
)
from voiceconsole.domain.porting import OPEN
from voiceconsole.domain.states import NumberState
from voiceconsole.services.lookup import site_by_ref, site_today
from voiceconsole.services.permissions import Permission, requires
from voiceconsole.services.transaction import transaction
from voiceconsole.services.views import View

DEFAULT_WARNING_DAYS = 30
DEFAULT_LOW_STOCK = 10  # as services.sites: the operator's threshold when none is set
CHART_WEEKS = 12  # the weeks shown each side of today on the site screen

# The actions that take numbers out of `available`, and where their `after` lists them.
TAKING = ("services.add", "numbers.allocate")


def _taken_count(dialect: str) -> Any:
    """How many numbers an entry of `TAKING` took, from its JSON, in SQL."""
    if dialect == "postgresql":
        listed = "CASE a.action WHEN 'services.add' THEN a.after -> 'allocated' ELSE a.after END"
        return literal_column(
            f"CASE WHEN jsonb_typeof({listed}) = 'array' THEN jsonb_array_length({listed}) END"
        )
    return literal_column(
        "CASE a.action WHEN 'services.add' THEN json_array_length(a.after, '$.allocated') "
        "ELSE json_array_length(a.after) END"
    )


def _local_day(at: dt.datetime, zone: ZoneInfo) -> dt.date:
    return at.astimezone(zone).date()


async def _first_id_since(session: AsyncSession, since: dt.datetime) -> int | None:
    """A lower bound of the ids of the entries made since `since` (see the module's note)."""
    return await session.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.at >= since - dt.timedelta(days=1))
        .order_by(AuditEntry.at)
        .limit(1)
    )


def _window_start(today: dt.date, zone: ZoneInfo) -> dt.datetime:
    first = today - dt.timedelta(days=WINDOW_DAYS - 1)
    return dt.datetime.combine(first, dt.time(), zone)


async def _taken(
    session: AsyncSession, sites: Sequence[Site], now: dt.datetime | None
) -> dict[int, list[tuple[dt.date, int]]]:
    """Per site, the numbers taken from its pool by day (its own calendar) in the window."""
    taken: dict[int, list[tuple[dt.date, int]]] = {s.id: [] for s in sites}
    if not sites:
        return taken
    zones = {s.id: ZoneInfo(s.timezone) for s in sites}
    since = min(_window_start(site_today(s, now), zones[s.id]) for s in sites)
    first_id = await _first_id_since(session, since)
    if first_id is None:
        return taken
    entry = AuditEntry.__table__.alias("a")
    subjects = (
        select(AuditSubject.site_id, AuditSubject.audit_id)
        .where(AuditSubject.site_id.in_(list(zones)), AuditSubject.audit_id >= first_id)
        .distinct()  # an entry may name a site twice (with two occupiers)
        .subquery()
    )
    rows = await session.execute(
        select(subjects.c.site_id, entry.c.at, _taken_count(session.bind.dialect.name))
        .join(entry, entry.c.id == subjects.c.audit_id)
        .where(entry.c.action.in_(TAKING), entry.c.at >= since)
    )
    for site_id, at, n in rows:
        if n:
            taken[site_id].append((_local_day(at, zones[site_id]), int(n)))
    return taken


async def _cooling(
    session: AsyncSession, site_ids: Sequence[int]
) -> dict[int, list[tuple[dt.date | None, int]]]:
    cooling: dict[int, list[tuple[dt.date | None, int]]] = {i: [] for i in site_ids}
    if site_ids:
        for site_id, until, n in await session.execute(
            select(PhoneNumber.site_id, PhoneNumber.cooldown_until, func.count())
            .where(PhoneNumber.site_id.in_(site_ids), PhoneNumber.state == NumberState.COOLDOWN)
            .group_by(PhoneNumber.site_id, PhoneNumber.cooldown_until)
        ):
            cooling[site_id].append((until, n))
    return cooling


async def _operator(session: AsyncSession) -> tuple[int, int]:
    """The operator's low-stock threshold and forecast warning days."""
    row = (
        await session.execute(
            select(OperatorSettings.low_stock_threshold, OperatorSettings.forecast_warning_days)
        )
    ).first()
    if row is None:
        return DEFAULT_LOW_STOCK, DEFAULT_WARNING_DAYS
    return (
        row[0] or DEFAULT_LOW_STOCK,  # as the sites list's LOW reads it (0: the default)
        row[1] if row[1] is not None else DEFAULT_WARNING_DAYS,
    )


def low_limit(site: Site, operator_threshold: int) -> int:
    """LOW below this: the site's threshold (else the operator's), never under the next batch."""
    threshold = (
        site.low_stock_threshold if site.low_stock_threshold is not None else operator_threshold
    )
    return max(threshold, BATCH_SIZES.get(site.country, 0))


def warning_days(site: Site, operator_days: int) -> int:
    return site.forecast_warning_days if site.forecast_warning_days is not None else operator_days


async def outlooks(
    session: AsyncSession,
    sites: Sequence[Site],
    available: dict[int, int],
    *,
    now: dt.datetime | None = None,
    operator_threshold: int | None = None,
    taken: dict[int, list[tuple[dt.date, int]]] | None = None,
) -> dict[int, PoolOutlook]:
    """Each site's outlook, given its available numbers (the sites list has counted them)."""
    if operator_threshold is None:
        operator_threshold, _ = await _operator(session)
    if taken is None:
        taken = await _taken(session, sites, now)
    cooling = await _cooling(session, [s.id for s in sites])
    return {
        s.id: outlook(
            today=site_today(s, now),
            available=available[s.id],
            taken=taken[s.id],
            cooling=cooling[s.id],
            low_limit=low_limit(s, operator_threshold),
            next_batch_size=next_batch(BATCH_SIZES.get(s.country)),
        )
        for s in sites
    }


# The sites list's figure per database (its engine, for as long as it is open) and site, with
# what it was worked out from: the site's newest journal entry (every change to its numbers,
# cooldowns and settings writes one, whichever console made it), its available numbers, its
# settings, its day and the operator's settings. A filter keystroke or a refresh reads these
# few facts (an index probe a site) and works out again only the sites whose facts changed.
_WARNINGS: weakref.WeakKeyDictionary[Any, dict[int, tuple[tuple[Any, ...], int | None]]] = (
    weakref.WeakKeyDictionary()
)


async def _newest_entries(session: AsyncSession, site_ids: Sequence[int]) -> dict[int, int | None]:
    newest = (
        select(func.max(AuditSubject.audit_id))
        .where(AuditSubject.site_id == Site.id)
        .scalar_subquery()
    )
    rows = await session.execute(select(Site.id, newest).where(Site.id.in_(site_ids)))
    return dict(rows.all())  # type: ignore[arg-type]


async def warnings(
    session: AsyncSession,
    sites: Sequence[Site],
    available: dict[int, int],
    *,
    now: dt.datetime | None = None,
) -> dict[int, int | None]:
    """Per site, the days until its pool is forecast LOW when that is within its warning days
    (and it is not low already), else None: the sites list's warning ahead."""
    if not sites:
        return {}
    operator_threshold, operator_days = await _operator(session)
    newest = await _newest_entries(session, [s.id for s in sites])
    known = _WARNINGS.setdefault(session.bind, {})
    keys = {
        s.id: (
            newest.get(s.id),
            available[s.id],
            site_today(s, now),
            s.low_stock_threshold,
            s.forecast_warning_days,
            operator_threshold,
            operator_days,
        )
        for s in sites
    }
    stale = [s for s in sites if known.get(s.id, ((),))[0] != keys[s.id]]
    if stale:
        found = await outlooks(
            session, stale, available, now=now, operator_threshold=operator_threshold
        )
        for s in stale:
            days = found[s.id].days_to(found[s.id].low_on)
            ahead = days if warns(found[s.id], warning_days(s, operator_days)) else None
            known[s.id] = (keys[s.id], ahead)
    return {s.id: known[s.id][1] for s in sites}


@dataclass(frozen=True)
class PortIn(View):
    occupier: str
    state: str
    requested_on: dt.date
    agreed_on: dt.date | None
    numbers: int


@dataclass(frozen=True)
class WeekPoint(View):
    week_ending: dt.date
    available: float
    forecast: bool  # a projection, not a reading of the journal


@dataclass(frozen=True)
class PoolForecast(View):
    """One site's pool forecast (`voiceconsole pool forecast`, the site screen's chart)."""

    site: str
    country: str
    today: dt.date
    available: int
    taken_last_90_days: int
    rate_a_week: float  # numbers taken a week, over the last 90 days
    returning: list[dict[str, Any]]  # [{"on": date, "numbers": n}] from cooldown
    low_limit: int
    next_batch: int
    low_on: dt.date | None
    days_to_low: int | None
    short_on: dt.date | None
    days_to_short: int | None
    warning_days: int
    warning: bool  # not low yet, but forecast low within warning_days
    port_ins: list[PortIn]
    porting_in_numbers: int  # held for open port-ins: the occupiers', never the pool's
    weeks: list[WeekPoint]


async def _added(
    session: AsyncSession, site: Site, since: dt.datetime
) -> list[tuple[dt.date, int]]:
    """Numbers that came into the site's pool since `since`, by day: pool imports and cooldown
    returns (for the chart of the past weeks)."""
    zone = ZoneInfo(site.timezone)
    first_id = await _first_id_since(session, since)
    if first_id is None:
        return []
    ids = (
        select(AuditSubject.audit_id)
        .where(AuditSubject.site_id == site.id, AuditSubject.audit_id >= first_id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(AuditEntry.action, AuditEntry.at, AuditEntry.after).where(
            AuditEntry.id.in_(ids),
            AuditEntry.action.in_(("numbers.import", "services.apply_due")),
            AuditEntry.at >= since,
        )
    )
    added: list[tuple[dt.date, int]] = []
    for action, at, after in rows:
        if not isinstance(after, dict):
            continue
        if action == "numbers.import" and after.get("origin") == "pool":
            added.append((_local_day(at, zone), int(after.get("total") or 0)))
        elif action == "services.apply_due" and after.get("recycled"):
            here = await session.scalar(
                select(func.count()).where(
                    PhoneNumber.site_id == site.id, PhoneNumber.e164.in_(after["recycled"])
                )
            )
            if here:
                added.append((_local_day(at, zone), int(here)))
    return added


async def _port_ins(session: AsyncSession, site: Site) -> tuple[list[PortIn], int]:
    sizes = (
        select(NumberRange.porting_order_id, func.sum(NumberRange.size).label("numbers"))
        .group_by(NumberRange.porting_order_id)
        .subquery()
    )
    rows = await session.execute(
        select(PortingOrder, Occupier.code, sizes.c.numbers)
        .join(Occupier, Occupier.id == PortingOrder.occupier_id)
        .outerjoin(sizes, sizes.c.porting_order_id == PortingOrder.id)
        .where(PortingOrder.site_id == site.id, PortingOrder.state.in_(OPEN))
        .order_by(PortingOrder.requested_on, PortingOrder.id)
    )
    orders = [
        PortIn(code, order.state.value, order.requested_on, order.agreed_on, int(numbers or 0))
        for order, code, numbers in rows
    ]
    held = await session.scalar(
        select(func.count()).where(
            PhoneNumber.site_id == site.id, PhoneNumber.state == NumberState.PORTING_IN
        )
    )
    return orders, int(held or 0)


def _week_ends(today: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """The chart's points: today and the CHART_WEEKS weeks before it; then each week after."""
    past = [today - dt.timedelta(weeks=w) for w in range(CHART_WEEKS, -1, -1)]
    future = [today + dt.timedelta(weeks=w) for w in range(1, CHART_WEEKS + 1)]
    return past, future


async def pool_forecast(db: Database, site: str, *, now: dt.datetime | None = None) -> PoolForecast:
    """The forecast of one site's pool, with its weeks past (from the journal) and ahead."""
    async with db.read() as session:
        place = await site_by_ref(session, site)
        available = (
            await session.scalar(
                select(func.count()).where(
                    PhoneNumber.site_id == place.id, PhoneNumber.state == NumberState.AVAILABLE
                )
            )
            or 0
        )
        operator_threshold, operator_days = await _operator(session)
        taken = await _taken(session, [place], now)
        found = (
            await outlooks(
                session,
                [place],
                {place.id: available},
                now=now,
                operator_threshold=operator_threshold,
                taken=taken,
            )
        )[place.id]
        past, future = _week_ends(found.today)
        zone = ZoneInfo(place.timezone)
        # The chart's weeks (84 days) are inside the 90 days read for the rate.
        since = dt.datetime.combine(past[0] + dt.timedelta(days=1), dt.time(), zone)
        added = await _added(session, place, since)
        orders, porting = await _port_ins(session, place)
    changes = [(day, -n) for day, n in taken[place.id]] + added
    levels = history(available, changes, past)
    expected = projection(found, future)
    days = warning_days(place, operator_days)
    return PoolForecast(
        site=place.code,
        country=place.country,
        today=found.today,
        available=available,
        taken_last_90_days=found.taken_in_window,
        rate_a_week=round(found.rate_a_week, 1),
        returning=[{"on": day, "numbers": n} for day, n in found.returning],
        low_limit=found.low_limit,
        next_batch=found.next_batch,
        low_on=found.low_on,
        days_to_low=found.days_to(found.low_on),
        short_on=found.short_on,
        days_to_short=found.days_to(found.short_on),
        warning_days=days,
        warning=warns(found, days),
        port_ins=orders,
        porting_in_numbers=porting,
        weeks=[WeekPoint(d, float(v), False) for d, v in zip(past, levels, strict=True)]
        + [WeekPoint(d, round(v, 1), True) for d, v in zip(future, expected, strict=True)],
    )


async def pool_forecasts(db: Database, *, now: dt.datetime | None = None) -> list[PoolForecast]:
    """Every site's forecast, in code order."""
    async with db.read() as session:
        codes = list(await session.scalars(select(Site.code).order_by(Site.code)))
    return [await pool_forecast(db, code, now=now) for code in codes]


def check_warning_days(value: int | None) -> int | None:
    """Days ahead the sites list warns of a pool forecast low; None: the operator's."""
    if value is not None and not 0 <= int(value) <= 3650:
        raise InvalidInput("the forecast warning must be between 0 and 3650 days")
    return None if value is None else int(value)


@requires(Permission.SETTINGS)
async def set_operator_warning_days(db: Database, actor: str, days: int) -> int:
    """The operator-wide forecast warning (days), for the sites without their own."""
    value = check_warning_days(days)
    if value is None:
        raise InvalidInput("give the operator's forecast warning in days")
    async with transaction(db, actor) as tx:
        settings = await tx.session.scalar(select(OperatorSettings).with_for_update())
        if settings is None:
            settings = OperatorSettings(name="voiceconsole")
            tx.session.add(settings)
        before = settings.forecast_warning_days
        if before == value:
            tx.no_change()
            return value
        settings.forecast_warning_days = value
        tx.audit(
            "operator.edit",
            f"forecast warning: {before if before is not None else DEFAULT_WARNING_DAYS} -> "
            f"{value} days before a pool is forecast low",
            before={"forecast_warning_days": before},
            after={"forecast_warning_days": value},
        )
    return value
