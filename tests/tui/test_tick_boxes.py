"""Ticked and unticked boxes differ in their text, not only in colour: the ansi themes and a
monochrome terminal lose the colour (a user marked the wrong numbers in the login dialog)."""

from __future__ import annotations

from conftest import settle
from textual.app import App, ComposeResult
from textual.widgets.selection_list import Selection

from voiceconsole.tui.screens.handset_dialogs import MarkList
from voiceconsole.tui.widgets.fields import TickBox


class Boxes(App[None]):
    def compose(self) -> ComposeResult:
        yield TickBox("voicemail", id="box")
        yield MarkList(Selection("020 7946 0005", "a"), Selection("020 7946 0006", "b"))

    def on_mount(self) -> None:
        self.theme = "ansi-dark"


def box_text(app: Boxes) -> str:
    return app.query_one(TickBox).render().plain


def marks(app: Boxes) -> list[str]:
    table = app.query_one(MarkList)
    return [table.render_line(y).text[:3] for y in range(2)]


async def test_a_tick_is_a_character() -> None:
    app = Boxes()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert "X" not in box_text(app)
        assert marks(app) == ["▐ ▌", "▐ ▌"]
        app.query_one(TickBox).focus()
        await pilot.press("space")
        assert "X" in box_text(app) and app.query_one(TickBox).has_class("-on")
        app.query_one(MarkList).focus()
        await pilot.press("space")  # marks the first number; the cursor stays
        await settle(pilot)
        assert marks(app) == ["▐X▌", "▐ ▌"]
        assert app.query_one(MarkList).selected == ["a"]
