"""A filter keystroke and the rows it brings are painted together (tui/paint.py), but a slow
or refused page never keeps the typed letter off the screen."""

from __future__ import annotations

import asyncio
from typing import Any

from conftest import settle
from rich.text import Text
from textual.app import App, ComposeResult

from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.tui.widgets.fields import FilterInput
from voiceconsole.tui.widgets.list_table import ListTable, Row

NAMES = ["alpha", "bravo", "charlie", "delta", "echo"]


class FilteredList(App[None]):
    """A filter box over a list whose pages come when the test lets them."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.gate.set()
        self.refuse = False
        self.frames: list[tuple[str, list[str]]] = []  # (filter, row keys) at each refresh

    def compose(self) -> ComposeResult:
        yield FilterInput(id="filter")
        yield ListTable(("Name",), self.load, id="names")

    def on_mount(self) -> None:
        table = self.query_one(ListTable)
        table.reload()
        display = self._display

        def recorded(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            self.frames.append((self.query_one(FilterInput).value, list(table.keys)))

        self._display = recorded  # type: ignore[method-assign]

    def on_input_changed(self) -> None:
        self.query_one(ListTable).reload()

    async def load(self, after: str | None, limit: int) -> list[Row]:
        await self.gate.wait()
        if self.refuse:
            raise VoiceconsoleError("no such list")
        typed = self.query_one(FilterInput).value
        return [(n, (Text(n),)) for n in NAMES if typed in n and (after is None or n > after)]


async def type_into_filter(app: FilteredList, pilot: Any, key: str) -> int:
    app.query_one(FilterInput).focus()
    await settle(pilot)
    before = len(app.frames)
    await pilot.press(key)
    return before


async def test_the_letter_and_its_rows_come_in_one_refresh() -> None:
    app = FilteredList()
    async with app.run_test() as pilot:
        before = await type_into_filter(app, pilot, "r")
        await settle(pilot)
        # The first refresh after the key already shows the filtered rows: no frame of the
        # letter over the old rows, none of an empty table.
        assert app.frames[before] == ("r", ["bravo", "charlie"])
        assert app._batch_count == 0


async def test_a_slow_page_does_not_hold_the_letter_back() -> None:
    app = FilteredList()
    async with app.run_test() as pilot:
        await settle(pilot)
        app.gate.clear()
        before = await type_into_filter(app, pilot, "r")
        for _ in range(100):  # the hold runs out while the page is still being read
            if any(typed == "r" for typed, _ in app.frames[before:]):
                break
            await asyncio.sleep(0.02)
        assert [typed for typed, _ in app.frames[before:]][:1] == ["r"]
        assert app._batch_count == 0
        app.gate.set()
        await settle(pilot)
        assert app.frames[-1] == ("r", ["bravo", "charlie"])


async def test_a_refused_page_lets_the_screen_paint() -> None:
    app = FilteredList()
    async with app.run_test() as pilot:
        await settle(pilot)
        app.refuse = True
        before = await type_into_filter(app, pilot, "x")
        await settle(pilot)
        assert app._batch_count == 0
        assert app.frames[before:][-1] == ("x", [])
