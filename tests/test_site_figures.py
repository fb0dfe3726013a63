"""The sites list's figures, read from range sizes and the non-available numbers, agree with
counting every number (after the sample data's imports, allocations, releases, cooldowns)."""

from __future__ import annotations

from sqlalchemy import func, select

from voiceconsole.db.database import Database
from voiceconsole.db.models import PhoneNumber, Site
from voiceconsole.domain.states import NumberState
from voiceconsole.services import sites
from voiceconsole.services.seed import load_sample_data


async def test_sites_figures_agree_with_counting_every_number(db: Database) -> None:
    await load_sample_data(db, "sample-data")
    async with db.read() as session:
        counted: dict[str, dict[str, int]] = {}
        for code, state, n in await session.execute(
            select(Site.code, PhoneNumber.state, func.count())
            .join(PhoneNumber, PhoneNumber.site_id == Site.id)
            .group_by(Site.code, PhoneNumber.state)
        ):
            counted.setdefault(code, dict.fromkeys((s.value for s in NumberState), 0))
            counted[code][state.value] = n
    listed = {s.site.code: s.numbers for s in await sites.list_sites(db)}
    assert {code: listed[code] for code in counted} == counted
    assert {s for s, by_state in counted.items() if by_state["cooldown"]}  # not all available
    # A page and a filter read the same figures.
    first = await sites.list_sites(db, limit=2)
    assert [s.numbers for s in first] == [listed[s.site.code] for s in first]
    assert all(listed[s.site.code] == s.numbers for s in await sites.list_sites(db, "lon"))
