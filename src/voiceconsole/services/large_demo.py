"""The large demo data set for benchmarks: 200 sites, 20,000 occupiers, 1,000,000 numbers,
50,000 floor ports. Generated deterministically (same input, same rows) with bulk inserts.

Its numbers cannot all come from the ranges reserved for fiction (there are only a few
thousand of those): they are valid-looking London 020 3xxx and New York (212) 2xx numbers,
for local benchmarks only. Never provision anything from this data set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import insert, text

from voiceconsole.db.models import (
    Floor,
    FloorPort,
    NumberRange,
    Occupancy,
    Occupier,
    OperatorSettings,
    PhoneNumber,
    Product,
    ProductCategory,
    ServiceAssignment,
    Site,
    Space,
    Switch,
    SwitchPort,
    utcnow,
)
from voiceconsole.domain.allocation import batch_shape
from voiceconsole.domain.states import MainNumberPolicy, NumberState, Origin
from voiceconsole.services.transaction import Transaction

SITES = 200
UK_SITES = 150
FLOORS_PER_SITE = 5
OCCUPIERS_PER_SITE = 100
NUMBERS_PER_SITE = 5000
SERVED_PER_SITE = 60  # occupiers per site with a voice service
PORTS_PER_SWITCH = 48
SWITCHES_PER_SITE = 6
FLOOR_PORTS_PER_SITE = 250
CHUNK = 20_000

_CITIES_UK = ["London", "Manchester", "Leeds", "Bristol", "Birmingham", "Glasgow", "Edinburgh"]
_CITIES_US = ["New York", "Boston", "Chicago", "Austin", "Seattle", "Denver", "Atlanta"]
_WORDS_A = [
    "Acme",
    "Blue",
    "Cedar",
    "Delta",
    "Echo",
    "Falcon",
    "Granite",
    "Harbour",
    "Iris",
    "Jade",
]
_WORDS_B = ["Analytics", "Legal", "Design", "Media", "Capital", "Health", "Robotics", "Studio"]


def _number(site: int, n: int) -> int:
    """The n-th number of a site, as an integer E.164 value."""
    if site < UK_SITES:
        return int(f"44203{100 + site:03d}{n:04d}")  # 020 3100 0000 ...
    return int(f"1212{200 + site - UK_SITES:03d}{n:04d}")  # (212) 200-0000 ...


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _bulk(tx: Transaction, model: Any, rows: Iterable[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        await tx.session.execute(insert(model), chunk)


async def generate(tx: Transaction, progress: Callable[[str], None]) -> None:
    now = utcnow()
    today = now.date()
    await _bulk(
        tx,
        OperatorSettings,
        [
            {
                "id": 1,
                "name": "Benchmark Workspaces",
                "default_cooldown_days": 90,
                "low_stock_threshold": 10,
            }
        ],
    )
    await _bulk(
        tx,
        Product,
        [
            {
                "id": 1,
                "code": "desk-line",
                "name": "Desk phone line",
                "category": ProductCategory.VOICE,
                "description": "",
            },
            {
                "id": 2,
                "code": "soft-line",
                "name": "Softphone line",
                "category": ProductCategory.VOICE,
                "description": "",
            },
        ],
    )
    progress("sites, floors and spaces")
    await _bulk(
        tx,
        Site,
        (
            {
                "id": s + 1,
                "code": f"S{s:03d}",
                "name": f"Benchmark {(_CITIES_UK if s < UK_SITES else _CITIES_US)[s % 7]} {s:03d}",
                "country": "GB" if s < UK_SITES else "US",
                "timezone": "Europe/London" if s < UK_SITES else "America/New_York",
                "main_number_policy": MainNumberPolicy.AUTO
                if s % 2 == 0
                else MainNumberPolicy.MANUAL,
                "cooldown_days": 90,
                "low_stock_threshold": None,
                "created_at": now,
            }
            for s in range(SITES)
        ),
    )
    await _bulk(
        tx,
        Floor,
        (
            {
                "id": s * FLOORS_PER_SITE + f + 1,
                "site_id": s + 1,
                "name": f"{f + 1}F",
                "level": f + 1,
            }
            for s in range(SITES)
            for f in range(FLOORS_PER_SITE)
        ),
    )
    occupiers = SITES * OCCUPIERS_PER_SITE
    await _bulk(
        tx,
        Occupier,
        (
            {
                "id": o + 1,
                "code": f"occ-{o:05d}",
                "name": f"{_WORDS_A[o % 10]} {_WORDS_B[(o // 10) % 8]} {o:05d}",
                "created_at": now,
            }
            for o in range(occupiers)
        ),
    )
    await _bulk(
        tx,
        Space,
        (
            {
                "id": o + 1,
                "floor_id": (o // OCCUPIERS_PER_SITE) * FLOORS_PER_SITE + (o % FLOORS_PER_SITE) + 1,
                "code": f"{o % OCCUPIERS_PER_SITE:03d}",
                "name": f"Suite {o % OCCUPIERS_PER_SITE:03d}",
                "kind": "office",
                "occupier_id": o + 1,
            }
            for o in range(occupiers)
        ),
    )
    await _bulk(
        tx,
        Occupancy,
        (
            {
                "id": o + 1,
                "occupier_id": o + 1,
                "site_id": o // OCCUPIERS_PER_SITE + 1,
                "since": today,
            }
            for o in range(occupiers)
        ),
    )
    progress("services and 1,000,000 numbers")
    await _numbers_and_services(tx, today, now)
    progress("switches and floor ports")
    await _bulk(
        tx,
        Switch,
        (
            {
                "id": s * SWITCHES_PER_SITE + w + 1,
                "site_id": s + 1,
                "hostname": f"s{s:03d}-sw{w + 1}",
                "mgmt_address": "127.0.0.1",
                "mgmt_port": 22,
                "platform": "ios",
                "model": "C9300-48P",
                "credentials_ref": "lab",
                "simulated": True,
            }
            for s in range(SITES)
            for w in range(SWITCHES_PER_SITE)
        ),
    )
    await _bulk(
        tx,
        SwitchPort,
        (
            {
                "id": sw * PORTS_PER_SWITCH + p + 1,
                "switch_id": sw + 1,
                "interface": f"GigabitEthernet1/0/{p + 1}",
                "description": "",
                "drift": False,
            }
            for sw in range(SITES * SWITCHES_PER_SITE)
            for p in range(PORTS_PER_SWITCH)
        ),
    )
    await _bulk(
        tx,
        FloorPort,
        (
            {
                "id": s * FLOOR_PORTS_PER_SITE + p + 1,
                "site_id": s + 1,
                "floor_id": s * FLOORS_PER_SITE + p // 50 + 1,
                "label": f"{p // 50 + 1}F-{p % 50 + 1:03d}",
                "switch_port_id": s * SWITCHES_PER_SITE * PORTS_PER_SWITCH + p + 1,
                "occupier_id": s * OCCUPIERS_PER_SITE + p // 5 + 1
                if p < 5 * SERVED_PER_SITE
                else None,
            }
            for s in range(SITES)
            for p in range(FLOOR_PORTS_PER_SITE)
        ),
    )
    if tx.session.bind.dialect.name == "postgresql":
        await _advance_sequences(tx)


async def _numbers_and_services(tx: Transaction, today: dt.date, now: dt.datetime) -> None:
    """Each site: one pool range; its first occupiers got services by the first-time rules."""
    assignments, holders = [], {}
    for s in range(SITES):
        uk = s < UK_SITES
        auto = uk and s % 2 == 0
        next_n = 1
        for k in range(SERVED_PER_SITE):
            occupier_id = s * OCCUPIERS_PER_SITE + k + 1
            qty = k % 8 + 1
            shape = batch_shape("GB" if uk else "US", qty, with_main=auto)
            main, size = shape.main, shape.batch_size
            assignments.append(
                {
                    "id": len(assignments) + 1,
                    "occupier_id": occupier_id,
                    "site_id": s + 1,
                    "product_id": 1,
                    "quantity": qty,
                    "start_date": today,
                    "created_at": now,
                }
            )
            for i in range(size):
                if next_n % 1000 == 0:
                    next_n += 1  # main-number candidates stay in the pool
                state = NumberState.ACTIVE if i < qty + main else NumberState.RESERVED
                holders[_number(s, next_n)] = (occupier_id, state, main == 1 and i == 0)
                next_n += 1
    await _bulk(tx, ServiceAssignment, assignments)
    await _bulk(
        tx,
        NumberRange,
        (
            {
                "id": s + 1,
                "site_id": s + 1,
                "first_e164": f"+{_number(s, 0)}",
                "last_e164": f"+{_number(s, NUMBERS_PER_SITE - 1)}",
                "size": NUMBERS_PER_SITE,
                "origin": Origin.POOL,
                "occupier_id": None,
                "imported_at": now,
                "note": "",
            }
            for s in range(SITES)
        ),
    )

    def rows() -> Iterator[dict[str, Any]]:
        for s in range(SITES):
            for n in range(NUMBERS_PER_SITE):
                value = _number(s, n)
                occupier_id, state, is_main = holders.get(
                    value, (None, NumberState.AVAILABLE, False)
                )
                yield {
                    "e164": f"+{value}",
                    "e164_value": value,
                    "site_id": s + 1,
                    "range_id": s + 1,
                    "origin": Origin.POOL,
                    "state": state,
                    "occupier_id": occupier_id,
                    "is_main": is_main,
                    "main_candidate": n % 1000 == 0,
                }

    await _bulk(tx, PhoneNumber, rows())


async def _advance_sequences(tx: Transaction) -> None:
    """Explicit ids do not move PostgreSQL's sequences; move them past the generated rows."""
    for model in (
        Site,
        Floor,
        Occupier,
        Space,
        Occupancy,
        Product,
        ServiceAssignment,
        NumberRange,
        Switch,
        SwitchPort,
        FloorPort,
    ):
        table = model.__tablename__
        await tx.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        )
