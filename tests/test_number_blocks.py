"""A site's numbers as blocks: runs of look-alike numbers, split by anything that tells one
number from its neighbours, merged across scans, paged, filtered."""

from __future__ import annotations

import pytest
from helpers import ACTOR, london, uk_world

from voiceconsole.db.database import Database
from voiceconsole.services import number_blocks, numbers
from voiceconsole.services.number_blocks import list_number_blocks
from voiceconsole.services.voice_services import add_services


async def _world(db: Database) -> None:
    """acme: main 0000 (a candidate), 0001-0004 active, 0002 labelled; pool 0005-0099."""
    await uk_world(db, candidates=[0])
    await add_services(db, ACTOR, occupier="acme", site="LON1", product="desk-line", quantity=4)
    await numbers.configure_number(db, ACTOR, london(2), label="[bold]Desk[/]")


def _shown(blocks: list[number_blocks.NumberBlockView]) -> list[tuple[str, str, int, str]]:
    return [(b.first.e164, b.last, b.size, b.first.state) for b in blocks]


EVERYTHING = [
    (london(0), london(0), 1, "active"),  # the main number stands alone
    (london(1), london(1), 1, "active"),
    (london(2), london(2), 1, "active"),  # labelled: alone
    (london(3), london(4), 2, "active"),
    (london(5), london(99), 95, "available"),
]


@pytest.mark.parametrize("scan", [number_blocks.SCAN, 7, 1])
async def test_blocks_are_the_same_whatever_the_scan_size(db, monkeypatch, scan) -> None:
    await _world(db)
    monkeypatch.setattr(number_blocks, "SCAN", scan)
    assert _shown(await list_number_blocks(db, site="LON1")) == EVERYTHING


async def test_pages_follow_on_without_splitting_a_block(db, monkeypatch) -> None:
    await _world(db)
    monkeypatch.setattr(number_blocks, "SCAN", 3)
    pages, after = [], None
    while True:
        page = await list_number_blocks(db, site="LON1", after=after, limit=2)
        pages.append(_shown(page))
        if len(page) < 2:
            break
        after = page[-1].last
    assert pages == [EVERYTHING[:2], EVERYTHING[2:4], EVERYTHING[4:]]


async def test_filters_and_the_first_number_in_full(db) -> None:
    await _world(db)
    assert _shown(await list_number_blocks(db, site="LON1", state="available")) == EVERYTHING[4:]
    assert _shown(await list_number_blocks(db, site="LON1", search="7946 0050")) == [
        (london(50), london(50), 1, "available")
    ]
    held = await list_number_blocks(db, site="LON1", occupier="acme")
    assert [b.first.label for b in held] == ["", "", "[bold]Desk[/]", ""]
    assert held[0].first.is_main and held[0].first.occupier == "acme"
