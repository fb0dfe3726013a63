"""The console on a shared PostgreSQL database: same code, a different URL."""

from __future__ import annotations

import pytest
from conftest import press, with_db
from test_add_services_wizard import DESK_LINE, _open_occupier

from voiceconsole.config import ConsoleSettings
from voiceconsole.services.numbers import list_numbers
from voiceconsole.services.seed import load_sample_data
from voiceconsole.tui.app import VoiceconsoleApp
from voiceconsole.tui.screens.add_services import AddServicesResultScreen

pytestmark = pytest.mark.postgres


async def test_wizard_on_postgresql(postgres_url: str) -> None:
    await with_db(postgres_url, lambda db: load_sample_data(db, "sample-data"))
    app = VoiceconsoleApp(postgres_url, actor="noc-1", settings=ConsoleSettings(cursor_blink=False))
    async with app.run_test(size=(100, 34)) as pilot:
        await _open_occupier(pilot, 4, "haight")  # SFO1, a US site
        await press(pilot, "a", *DESK_LINE, "3")
        preview = app.screen.preview
        assert preview is not None and preview.arithmetic == "exactly 3 (no batches in US)"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, AddServicesResultScreen)
        assert app.screen.result.allocated == preview.allocated
    numbers = await with_db(
        postgres_url, lambda db: list_numbers(db, site="SFO1", occupier="haight-studio")
    )
    assert sorted(n.e164 for n in numbers) == sorted(preview.allocated)
    assert {n.state for n in numbers} == {"active"}
