"""The sample data: what a newcomer sees, and the large generated set's shape."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import FloorPort, PhoneNumber, Site, SwitchPort
from voiceconsole.domain.errors import RuleViolation
from voiceconsole.domain.phone import national
from voiceconsole.domain.states import NumberState, Origin
from voiceconsole.services import large_demo, numbers, occupiers, sites
from voiceconsole.services.seed import load_large_demo, load_sample_data


async def test_sample_data_has_what_the_next_issues_need(db: Database) -> None:
    loaded = await load_sample_data(db, "sample-data")
    assert loaded.sites >= 3 and loaded.occupiers >= 24 and loaded.floor_ports > 100
    summaries = {s.site.code: s for s in await sites.list_sites(db)}
    uk = [s.site for s in summaries.values() if s.site.country == "GB"]
    assert {s.main_number_policy for s in uk} == {"auto", "manual"}
    assert any(s.site.country == "US" for s in summaries.values())
    assert summaries["LDS1"].low_stock
    at_lon = {o.code: o for o in await occupiers.list_occupiers_at(db, "LON1")}
    assert at_lon["acme-analytics"].main_number == "+442079460000"  # a main-number candidate
    assert at_lon["indigo-health"].voice_quantity == 0  # some occupiers have nothing yet
    ported = await numbers.list_numbers(db, origin="ported", occupier="halcyon-legal")
    assert len(ported) == 10 and {n.state for n in ported} == {"reserved"}
    cooling = await numbers.list_numbers(db, state="cooldown")
    assert len(cooling) == 5
    # Every number is a fiction number of its site's country.
    countries = {s.site.code: s.site.country for s in summaries.values()}
    for view in await numbers.list_numbers(db):
        if countries[view.site] == "GB":
            assert national(view.e164)[:9] in {"020 7946 ", "0161 496 ", "0113 496 "}, view
        else:
            assert view.e164.startswith("+1") and "555-01" in view.national, view


async def test_sample_data_loads_all_or_nothing(db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from voiceconsole.config import sample_data_dir

    broken = tmp_path / "sample"
    shutil.copytree(sample_data_dir(), broken)
    with (broken / "actions.yaml").open("a") as handle:
        handle.write("- {activate: {numbers: [020 7946 0450]}}\n")  # an available number: refused
    with pytest.raises(RuleViolation, match="cannot activate"):
        await load_sample_data(db, "sample-data", broken)
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Site)) == 0
        assert await session.scalar(select(func.count()).select_from(PhoneNumber)) == 0


async def test_large_demo_is_deterministic_and_consistent(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real scale (1,000,000 numbers) runs in bench/; here a small copy of the same shape.
    for name, value in (
        ("SITES", 4),
        ("UK_SITES", 3),
        ("NUMBERS_PER_SITE", 1200),
        ("OCCUPIERS_PER_SITE", 20),
        ("SERVED_PER_SITE", 12),
        ("FLOOR_PORTS_PER_SITE", 40),
    ):
        monkeypatch.setattr(large_demo, name, value)
    result = await load_large_demo(db, "bench")
    assert (result.sites, result.occupiers, result.numbers, result.floor_ports) == (
        4,
        80,
        4800,
        160,
    )
    async with db.read() as session:
        states = dict(
            (
                await session.execute(
                    select(PhoneNumber.state, func.count()).group_by(PhoneNumber.state)
                )
            ).all()
        )
        ports = await session.scalar(select(func.count()).select_from(SwitchPort))
        linked = await session.scalar(
            select(func.count()).where(FloorPort.switch_port_id.is_not(None))
        )
        origins = set(await session.scalars(select(PhoneNumber.origin).distinct()))
    assert states[NumberState.AVAILABLE] > 4000 and states[NumberState.ACTIVE] > 0
    assert ports == 4 * 6 * 48 and linked == 160 and origins == {Origin.POOL}
    # The generated data obeys the rules the services enforce: the service layer can work on it.
    at_site = await occupiers.list_occupiers_at(db, "S000")
    served = [o for o in at_site if o.voice_quantity]
    assert served and all(o.active_numbers == o.voice_quantity for o in served)
    assert all(o.main_number for o in served)  # S000 is a UK site with policy auto
