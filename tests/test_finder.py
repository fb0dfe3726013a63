"""The palette's finder: numbers however they are written, handsets, and what ranks first."""

from __future__ import annotations

import pytest

from voiceconsole.db.database import Database
from voiceconsole.domain.phone import search_prefixes, to_e164
from voiceconsole.services.finder import RECENT_JUMPS, Found, find, remembered
from voiceconsole.services.handsets import add_handset

INDIGO_DESK = "02:cc:01:02:00:0d"  # Indigo desk 1, indigo-health at LON1 on 2F-013 (sample data)


@pytest.fixture
def db(seeded: Database) -> Database:
    return seeded


def of_kind(found: list[Found], kind: str) -> list[Found]:
    return [f for f in found if f.kind == kind]


@pytest.mark.parametrize(
    "typed",
    [
        "+44 (0)20 7946 0001",
        "0044 20 7946 0001",
        "020-7946-0001",
        "020.7946.0001",
        "020 7946 0001",
        "(020) 7946 0001",
        "+44 20 7946 0001",
        "+442079460001",
        "02079460001",
    ],
)
async def test_a_number_is_found_however_it_is_written(db: Database, typed: str) -> None:
    # The same forms the CLI takes (numbers_by_ref reads them with to_e164).
    assert to_e164(typed, "GB") == "+442079460001"
    numbers = of_kind(await find(db, typed), "number")
    assert [n.ref for n in numbers] == ["+442079460001"]
    assert numbers[0].text.startswith("020 7946 0001")


@pytest.mark.parametrize(
    "typed", ["+44 (0)20 7946 000", "0044 20 7946 000", "020-7946-000", "020.7946.000"]
)
async def test_part_of_a_number_is_found_however_it_is_written(db: Database, typed: str) -> None:
    numbers = of_kind(await find(db, typed), "number")
    assert numbers[0].ref == "+442079460000"
    assert "+442079460001" in [n.ref for n in numbers]


@pytest.mark.parametrize(
    ("typed", "countries", "prefix"),
    [
        ("+44 (0)20 79", ["GB"], "+442079"),
        ("0044 20 79", ["GB"], "+442079"),
        ("011 44 20 79", ["US"], "+442079"),
        ("(212) 555-01", ["US"], "+121255501"),
        ("1 212 555", ["US"], "+1212555"),
    ],
)
def test_search_prefixes_read_international_and_bracketed_forms(
    typed: str, countries: list[str], prefix: str
) -> None:
    assert prefix in search_prefixes(typed, countries)


def test_no_prefix_starts_with_a_zero() -> None:
    # "0044 ..." read as E.164 without its "+", or as a national number, finds nothing.
    assert search_prefixes("0044 20 7946", ["GB"]) == ["+44207946"]


async def test_the_current_site_ranks_first(db: Database) -> None:
    # 1F-001 is a floor port at LDS1 and at LON1; LDS1 sorts first by name.
    assert [p.site for p in of_kind(await find(db, "1F-001"), "floor port")] == ["LDS1", "LON1"]
    found = await find(db, "1F-001", here="LON1")
    assert [f.site for f in found] == ["LON1", "LON1", "LDS1"]  # the port, its handset, then LDS1
    assert found[0] == Found("floor port", "1F-001", "LON1 1F-001", "LON1", floor="1F")


async def test_the_current_sites_numbers_are_not_capped_away(db: Database) -> None:
    # Most sample numbers are +44...: LDS1's 0113 numbers fill the first 8 in E.164 order.
    assert {n.site for n in of_kind(await find(db, "+44"), "number")} == {"LDS1"}
    numbers = of_kind(await find(db, "+44", here="MAN1"), "number")
    assert len(numbers) == 8
    assert {n.site for n in numbers} == {"MAN1"}


async def test_recent_jumps_that_match_come_first_most_recent_first(db: Database) -> None:
    port = Found("floor port", "1F-005", "LDS1 1F-005", "LDS1", floor="1F")
    number = Found("number", "+441614960001", "0161 496 0001", "MAN1")
    recent = remembered(remembered([], port), number)
    assert recent == [number, port]
    # At LON1, "1F-00" finds more LON1 ports than the cap: the recent LDS1 port still shows.
    found = await find(db, "1F-00", here="LON1", recent=recent)
    assert (found[0].kind, found[0].ref, found[0].site) == ("floor port", "1F-005", "LDS1")
    assert {f.site for f in found[1:]} == {"LON1"}
    # Only the number matches "+44 161 496 000": the recent port does not show.
    found = await find(db, "+44 161 496 000", here="LON1", recent=recent)
    assert [f.ref for f in found[:2]] == ["+441614960001", "+441614960000"]
    assert all(f.kind == "number" for f in found)


def test_recent_jumps_are_kept_once_each_and_a_handful() -> None:
    jumps = [Found("site", f"S{i}", f"S{i}", f"S{i}") for i in range(RECENT_JUMPS + 2)]
    recent: list[Found] = []
    for jump in jumps:
        recent = remembered(recent, jump)
    recent = remembered(recent, Found("site", "S3", "S3 renamed", "S3"))
    assert [f.ref for f in recent] == ["S3", "S6", "S5", "S4", "S2"]


@pytest.mark.parametrize(
    "typed",
    [INDIGO_DESK, "02-CC-01-02-00-0D", "02cc.0102.000d", "02cc0102000d", "cc:01:02", "indigo desk"],
)
async def test_a_handset_is_found_by_mac_or_label(db: Database, typed: str) -> None:
    (handset,) = of_kind(await find(db, typed), "handset")
    assert (handset.ref, handset.site, handset.occupier) == (INDIGO_DESK, "LON1", "indigo-health")
    assert handset.text == f"LON1 Indigo desk 1 · {INDIGO_DESK} · 2F-013 (indigo-health)"


async def test_a_handset_is_found_by_its_floor_port_and_in_stock_without_occupier(
    db: Database,
) -> None:
    assert [h.ref for h in of_kind(await find(db, "2F-013"), "handset")] == [INDIGO_DESK]
    await add_handset(db, "qa", mac="02:cc:09:00:00:01", model="yealink-t54w", site="MAN1")
    (spare,) = of_kind(await find(db, "02cc09"), "handset")
    assert (spare.site, spare.occupier) == ("MAN1", None)
    assert spare.text == "MAN1 · 02:cc:09:00:00:01 (no occupier)"


async def test_digits_alone_are_a_number_not_part_of_a_mac(db: Database) -> None:
    assert of_kind(await find(db, "0102"), "handset") == []
