"""A site's numbers as blocks: consecutive numbers that look alike are one range, paged.

A site can hold 100,000 numbers, mostly long runs of free pool numbers; the console shows each
run as one row ("020 7946 0201-0499, 299 available"). Runs are found in SQL (gaps and
islands: within numbers that look alike, value minus row number is constant along a run), a
bounded scan at a time, so no page reads more than it must and none builds 100,000 objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from voiceconsole.db.database import Database
from voiceconsole.db.models import PhoneNumber
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.domain.text import parse_choice
from voiceconsole.services.lookup import occupier_by_ref, site_by_ref
from voiceconsole.services.numbers import _e164_value, _search_clause, views_of
from voiceconsole.services.views import NumberView, View

# Numbers read per scan: about 0.1 s on SQLite; a page repeats scans until it is full.
SCAN = 10_000
# The first scan of a page reads this many numbers per block wanted, and each further scan
# four times as many (up to SCAN): a page of a site whose numbers are in many small blocks
# reads little more than it shows, one of a site of long free runs soon reads SCAN at a time.
FIRST_SCAN_PER_BLOCK = 20


@dataclass(frozen=True)
class NumberBlockView(View):
    """`size` consecutive numbers from `first` to `last` that share state, origin, holder and
    cooldown and carry no label, feature or main-number mark (any number that does is a block
    of its own)."""

    first: NumberView
    last: str
    size: int


# A number is "plain" when nothing but its state, origin and holder tells it from its
# neighbours; only plain numbers join a block.
_PLAIN = and_(
    PhoneNumber.label == "",
    PhoneNumber.caller_id_override.is_(None),
    PhoneNumber.forward_always.is_(None),
    PhoneNumber.forward_busy.is_(None),
    PhoneNumber.forward_no_answer.is_(None),
    PhoneNumber.voicemail.is_(False),
    PhoneNumber.voicemail_email.is_(None),
    PhoneNumber.dnd.is_(False),
    PhoneNumber.is_main.is_(False),
    PhoneNumber.main_candidate.is_(False),
)


@dataclass
class _Run:
    first: int
    last: int
    size: int
    kind: tuple[Any, ...]  # state, origin, holder, cooldown, plain, length

    def continued_by(self, other: _Run) -> bool:
        return self.kind == other.kind and bool(self.kind[4]) and other.first == self.last + 1


async def list_number_blocks(
    db: Database,
    *,
    site: str,
    occupier: str | None = None,
    state: str | None = None,
    origin: str | None = None,
    search: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> list[NumberBlockView]:
    """Up to `limit` blocks of the site's numbers in numeric order, filtered as `list_numbers`;
    page with `after` (the last number of the last block of a page)."""
    async with db.read() as session:
        place = await site_by_ref(session, site)
        where = [PhoneNumber.site_id == place.id]
        if occupier:
            where.append(PhoneNumber.occupier_id == (await occupier_by_ref(session, occupier)).id)
        if state:
            where.append(PhoneNumber.state == parse_choice(NumberState, state, "state"))
        if origin:
            where.append(PhoneNumber.origin == parse_choice(Origin, origin, "origin"))
        if search:
            where.append(_search_clause(search))
        start = _e164_value(after) if after else None
        runs: list[_Run] = []
        # One block more than asked for: a block is whole once another follows it.
        size = min(SCAN, max(1, limit) * FIRST_SCAN_PER_BLOCK)
        while len(runs) <= limit:
            scanned, last_value = await _scan(session, where, start, size)
            size = min(SCAN, size * 4)
            for run in scanned:
                if runs and runs[-1].continued_by(run):
                    runs[-1].last, runs[-1].size = run.last, runs[-1].size + run.size
                else:
                    runs.append(run)
            if last_value is None:
                break
            start = last_value
        runs = runs[:limit]
        firsts = await session.scalars(
            select(PhoneNumber).where(
                PhoneNumber.site_id == place.id,
                PhoneNumber.e164_value.in_([r.first for r in runs]),
            )
        )
        views = {int(v.e164[1:]): v for v in await views_of(session, list(firsts))}
    return [NumberBlockView(views[r.first], f"+{r.last}", r.size) for r in runs]


async def _scan(
    session: AsyncSession, where: list[Any], start: int | None, size: int = SCAN
) -> tuple[list[_Run], int | None]:
    """The runs among the next `size` numbers after `start`, and the value to scan on from
    (None when the site has no more)."""
    query = select(
        PhoneNumber.e164_value.label("value"),
        PhoneNumber.state,
        PhoneNumber.origin,
        PhoneNumber.occupier_id,
        PhoneNumber.cooldown_until,
        case((_PLAIN, 1), else_=0).label("plain"),
        func.length(PhoneNumber.e164).label("digits"),
    ).where(*where)
    if start is not None:
        query = query.where(PhoneNumber.e164_value > start)
    scan = query.order_by(PhoneNumber.e164_value).limit(size).subquery()
    kind = (scan.c.state, scan.c.origin, scan.c.occupier_id, scan.c.cooldown_until)
    kind += (scan.c.plain, scan.c.digits)
    position = func.row_number().over(partition_by=kind, order_by=scan.c.value)
    # A number that is not plain is an island of its own.
    island = case((scan.c.plain == 1, scan.c.value - position), else_=scan.c.value)
    marked = select(*kind, scan.c.value, island.label("island")).subquery()
    columns = [marked.c[c.name] for c in kind]
    rows = (
        await session.execute(
            select(
                func.min(marked.c.value),
                func.max(marked.c.value),
                func.count(),
                *columns,
            )
            .group_by(*columns, marked.c.island)
            .order_by(func.min(marked.c.value))
        )
    ).all()
    runs = [_Run(int(r[0]), int(r[1]), int(r[2]), tuple(r[3:])) for r in rows]
    read = sum(r.size for r in runs)
    return runs, (max(r.last for r in runs) if read == size else None)
