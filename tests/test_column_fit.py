"""Column widths that give way to the view: nothing cut while there is room."""

from __future__ import annotations

from voiceconsole.tui.widgets.list_table import fit_widths

# The journal's columns: When, Actor, Action, What, Sites, Occupiers (tui/widgets/journal.py)
NATURAL = [16, 11, 21, 60, 4, 20]
NARROWEST = [None, 6, 12, 30, 0, 0]
TURNS = [0, 1, 1, 2, 3, 3]


def test_everything_whole_when_there_is_room() -> None:
    assert fit_widths(NATURAL, NARROWEST, TURNS, 132) == NATURAL


def test_the_highest_turn_gives_way_first_and_what_takes_the_width_left() -> None:
    # Occupiers narrows, then Sites and Occupiers are left out (no sliver of a few cells),
    # and only then does What narrow.
    assert fit_widths(NATURAL, NARROWEST, TURNS, 120) == [16, 11, 21, 60, 4, 8]
    assert fit_widths(NATURAL, NARROWEST, TURNS, 116) == [16, 11, 21, 60, 4, 0]
    assert fit_widths(NATURAL, NARROWEST, TURNS, 100) == [16, 11, 21, 56, 0, 0]


def test_at_80_columns_what_keeps_30_and_actor_and_action_narrow() -> None:
    widths = fit_widths(NATURAL, NARROWEST, TURNS, 80 - 2 - 12)
    assert widths == [16, 11, 13, 30, 0, 0]
    assert sum(widths) - 2 * widths.count(0) <= 66


def test_a_column_never_wider_than_its_text_nor_narrower_than_asked() -> None:
    assert fit_widths([10, 3], [None, 8], [0, 0], 5) == [10, 3]  # too wide: scrolls sideways
