"""The occupier screen's export dialog: a proposed file name that follows the choices, the
file written in a worker and said in a toast, a refusal kept in the dialog."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import press, settle, typed

from voiceconsole.tui.screens.export_dialog import ExportDialog
from voiceconsole.tui.screens.occupier import OccupierScreen
from voiceconsole.tui.widgets.fields import TextInput

DAY = "2026-11-19"  # the frozen clock's


def dialog_on(occupier: str, site: str, *keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(OccupierScreen(occupier, site))
        await press(pilot, "e", *keys)

    return run_before


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def _toasts(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def test_export_dialog_all_three_into_a_directory(make_app, snap_compare):
    """(As it opens: the gallery.) All three kinds in CSV: the name is a directory's."""
    keys = ("enter", "down", "down", "down", "enter", "tab", "enter", "down", "enter")
    assert snap_compare(
        make_app(), run_before=dialog_on("acme-analytics", "LON1", *keys), terminal_size=(80, 24)
    )


async def test_export_numbers_then_all_three_of_every_site(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path / "here"  # the console's database is in tmp_path
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog_on("acme-analytics", "LON1")(pilot)
        assert isinstance(app.screen, ExportDialog)
        path = app.screen.query_one("#path", TextInput)
        assert path.value == f"acme-analytics-LON1-numbers-{DAY}.csv"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, OccupierScreen)
        written = tmp_path / f"acme-analytics-LON1-numbers-{DAY}.csv"
        assert _toasts(app) == [f"Wrote 5 numbers to {written.name}"]
        rows = _rows(written)
        assert [r["national"] for r in rows] == [f"020 7946 000{i}" for i in range(5)]
        assert rows[0]["main"] == "yes" and rows[0]["label"] == "Reception"

        # All three, every site: the name becomes a directory's, and follows the choices.
        await press(pilot, "e", "enter", "down", "down", "down", "enter")
        await press(pilot, "tab", "enter", "down", "enter")
        path = app.screen.query_one("#path", TextInput)
        assert path.value == f"acme-analytics-{DAY}"
        assert "Directory" in str(app.screen.query_one("#path-label").render())
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, OccupierScreen)
        folder = tmp_path / f"acme-analytics-{DAY}"
        assert sorted(p.name for p in folder.iterdir()) == [
            f"acme-analytics-{kind}-{DAY}.csv" for kind in ("handsets", "numbers", "ports")
        ]
        assert len(_rows(folder / f"acme-analytics-numbers-{DAY}.csv")) == 7  # LON1 and NYC1
        assert {r["site"] for r in _rows(folder / f"acme-analytics-ports-{DAY}.csv")} == {
            "LON1",
            "NYC1",
        }
        assert _toasts(app)[-1].startswith("Wrote 7 numbers to ")


async def test_a_path_that_cannot_be_written_is_refused_in_the_dialog(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path / "here"  # the console's database is in tmp_path
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await dialog_on("acme-analytics", "LON1", "tab", "tab", "tab")(pilot)
        path = app.screen.query_one("#path", TextInput)
        assert path.has_focus
        path.value = ""
        await press(pilot, *typed("missing/x.csv"), "enter")
        assert isinstance(app.screen, ExportDialog)
        status = str(app.screen.query_one("#dialog-status").render())
        assert status.startswith("Refused: cannot write missing/x.csv")
        # The user mends the path and exports; the typed name is kept while choices change.
        path.value = ""
        await press(pilot, *typed("mine.json"), "shift+tab", "enter", "down", "enter")
        assert path.value == "mine.json"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, OccupierScreen)
        document = json.loads((tmp_path / "mine.json").read_text(encoding="utf-8"))
        assert (document["site"], len(document["numbers"])) == ("LON1", 5)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json"]
