"""Site telephony: one site's number inventory, filtered, with ranges shown compactly, and the
actions on numbers (allocate, activate, deactivate, release, main number, configure, import).

Consecutive numbers that look alike are one row (a range); `x` shows one number per row.
Actions apply to the marked numbers (space marks), or else to the highlighted row. Each action
is one service call; refusals are shown in words, in the dialog that made them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Select, Static

from voiceconsole.domain.phone import value_of
from voiceconsole.domain.states import NumberAction, NumberState, Origin, why_not_all
from voiceconsole.services.changes import Change
from voiceconsole.services.number_blocks import NumberBlockView, list_number_blocks
from voiceconsole.services.numbers import list_numbers, show_number
from voiceconsole.services.occupiers import list_occupiers_at
from voiceconsole.services.permissions import Permission
from voiceconsole.services.sites import list_sites
from voiceconsole.services.views import NumberView, OccupierAtSite, SiteSummary
from voiceconsole.tui.live import touching
from voiceconsole.tui.permitted import Guarded, not_yours
from voiceconsole.tui.screens.marking import MarkingKeys
from voiceconsole.tui.screens.number_configure import ConfigureDialog
from voiceconsole.tui.screens.number_dialogs import (
    ActionsMenu,
    AllocateDialog,
    MainNumberDialog,
    MoveDialog,
    NumberDialog,
)
from voiceconsole.tui.screens.number_import import ImportNumbersScreen
from voiceconsole.tui.screens.number_rows import (
    MAX_PER_ACTION,
    Chosen,
    Marks,
    block_numbers,
    cells,
    detail,
    numbers_text,
    occupier_options,
    range_text,
)
from voiceconsole.tui.screens.returning import Revisited
from voiceconsole.tui.text import plain, toast
from voiceconsole.tui.widgets.fields import FilterInput
from voiceconsole.tui.widgets.footer import ConsoleFooter
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.widgets.list_table import ListTable, Row
from voiceconsole.tui.work import call_service

COLUMNS = (
    ("", 1),
    "Number",  # as wide as its longest range: 19 for most, 23 across 10,000-blocks
    ("Count", 7),
    "State",
    "Main",
    ("Occupier", 16),
    ("Label", 16),
    "Origin",
    ("Features", 10, 1),  # gives way first: the detail line below shows them in full
)

# action, words in the actions menu
MENU = (
    ("allocate", "Allocate to an occupier…"),
    ("activate", "Activate…"),
    ("deactivate", "Deactivate…"),
    ("release", "Release…"),
    ("nominate_main", "Make the main number…"),
    ("configure", "Configure…"),
    ("import_numbers", "Import a range or CSV file…"),
    ("toggle_mark", "Mark / unmark"),
    ("clear_marks", "Clear all marks"),
    ("toggle_ranges", "Ranges / one number per row"),
)

# How far (in pages) to read on to find the row that was highlighted before a reload.
RESTORE_PAGES = 20


class NumberTable(ListTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Actions", id="telephony.actions"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, opens=True, **kwargs)  # Enter opens the actions menu


class TelephonyScreen(Guarded, MarkingKeys, Revisited):
    HELP_TITLE = "Telephony"
    PURPOSE = (
        "The numbers of a site, by state and occupier: allocate, activate, deactivate, "
        "release, nominate a main number, configure, import. Mark rows with space for a bulk "
        "action."
    )
    WORDS = (
        "available",
        "reserved",
        "active",
        "cooldown",
        "port out",
        "porting in",
        "origin",
        "main number",
        "marked",
    )
    CSS_PATH = ["lists.tcss", "telephony.tcss"]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_mark", "Mark", id="telephony.mark"),
        Binding("slash", "focus_search", "Search", id="telephony.search", show=False),
        Binding("escape", "back", "Back", id="telephony.back"),
        Binding("shift+down", "extend_marks", "Mark down", id="telephony.extend", show=False),
        Binding("ctrl+a", "mark_shown", "Mark all shown", id="telephony.mark_shown", show=False),
        Binding("a", "allocate", "Allocate", id="telephony.allocate", show=False),
        Binding("e", "activate", "Activate", id="telephony.activate", show=False),
        Binding("d", "deactivate", "Deactivate", id="telephony.deactivate", show=False),
        Binding("r", "release", "Release", id="telephony.release", show=False),
        Binding("m", "nominate_main", "Main number", id="telephony.main", show=False),
        Binding("c", "configure", "Configure", id="telephony.configure", show=False),
        Binding("i", "import_numbers", "Import", id="telephony.import", show=False),
        Binding("x", "toggle_ranges", "Ranges", id="telephony.ranges", show=False),
        Binding("u", "clear_marks", "Clear marks", id="telephony.clear_marks", show=False),
        Binding("ctrl+r", "reload", "Refresh", id="telephony.refresh", show=False),
    ]
    NEEDS: ClassVar[dict[str, Permission]] = {
        "allocate": Permission.NUMBERS,
        "activate": Permission.NUMBERS,
        "deactivate": Permission.NUMBERS,
        "release": Permission.NUMBERS,
        "nominate_main": Permission.NUMBERS,
        "configure": Permission.NUMBERS,
        "import_numbers": Permission.NUMBERS,
    }

    def __init__(self, site: str, *, occupier: str | None = None, search: str | None = None):
        super().__init__()
        self._subject(site, occupier, search)

    def _subject(self, site: str, occupier: str | None, search: str | None) -> None:
        self.site = site.strip().upper()
        # site-wide filters; the occupier filter starts set when opened from an occupier
        self.filters: dict[str, str | None] = {
            "occupier": occupier,
            "state": None,
            "origin": None,
            "search": search,
        }
        self.ranges = True  # consecutive look-alike numbers as one row
        self.summary: SiteSummary | None = None
        self.blocks: dict[str, NumberBlockView] = {}  # row key (last number) -> its block
        self.marked = Marks()  # never more than MAX_PER_ACTION numbers
        self._restore: tuple[int, int] | None = None  # (number to show again, pages left)

    def compose(self) -> ComposeResult:
        yield ConsoleHeader()
        yield Static(plain(f"{self.site} telephony", "bold"), classes="screen-title", id="title")
        with Horizontal(id="filters"):
            yield FilterInput("Number or label", value=self.filters["search"] or "", id="search")
            yield Select(
                [(s.value, s.value) for s in NumberState],
                prompt="any state",
                id="state-filter",
                compact=True,
            )
            yield Select(
                [(o.value, o.value) for o in Origin],
                prompt="any origin",
                id="origin-filter",
                compact=True,
            )
            yield Select[str]([], prompt="any occupier", id="occupier-filter", compact=True)
        yield NumberTable(COLUMNS, self.load, id="numbers")
        yield Static("", id="detail")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.refill()

    def visit(self, site: str, *, occupier: str | None = None, search: str | None = None) -> None:
        self._subject(site, occupier, search)
        self.query_one("#title", Static).update(plain(f"{self.site} telephony", "bold"))
        with self.prevent(FilterInput.Changed, Select.Changed):
            self.query_one("#search", FilterInput).value = search or ""
            for name in ("state", "origin", "occupier"):
                self.query_one(f"#{name}-filter", Select).clear()
        self.refill()

    def refill(self) -> None:
        app: Any = self.app
        app.set_current_site(self.site)
        self.refresh_figures()
        call_service(
            self,
            lambda: list_occupiers_at(app.db, self.site, moved_out=True),
            self._show_occupiers,
            group="occupiers",
            exclusive=True,
        )
        self.table.reload()
        self.table.focus()

    def on_screen_resume(self) -> None:
        self.app.set_current_site(self.site)  # type: ignore[attr-defined]

    def changes_arrived(self, changes: list[Change]) -> None:
        if touching(changes, self.site):
            self.table.refresh_window()
            self.refresh_figures()

    @property
    def table(self) -> NumberTable:
        return self.query_one(NumberTable)

    # --- what is shown -------------------------------------------------------------------

    def refresh_figures(self) -> None:
        app: Any = self.app
        call_service(
            self,
            lambda: list_sites(app.db, self.site),
            self._show_figures,
            group="figures",
            exclusive=True,
        )

    def _show_figures(self, found: list[SiteSummary]) -> None:
        title = self.query_one("#title", Static)
        self.summary = next((s for s in found if s.site.code == self.site), None)
        if self.summary is None:
            title.update(plain(f"{self.site}: no such site", "bold red"))
            return
        counts = self.summary.numbers
        figures = " · ".join(f"{n:,} {state}" for state, n in counts.items() if n)
        text = Text()
        text.append(f"{self.site} telephony", style="bold")
        text.append(f"  {figures or 'no numbers yet: press i to import'}")
        if self.summary.low_stock:
            text.append("  LOW POOL", style="bold red")
        title.update(text)

    def _show_occupiers(self, found: list[OccupierAtSite]) -> None:
        select = self.query_one("#occupier-filter", Select)
        occupier = self.filters["occupier"]
        with self.prevent(Select.Changed):
            # An occupier filtered by that is no longer here is still shown.
            select.set_options(occupier_options(found, keep=occupier))
            if occupier:
                select.value = occupier

    async def load(self, after: str | None, limit: int) -> list[Row]:
        app: Any = self.app
        filters = {**self.filters, "search": (self.filters["search"] or "").strip() or None}
        if self.ranges:
            blocks = await list_number_blocks(
                app.db, site=self.site, after=after, limit=limit, **filters
            )
        else:
            views = await list_numbers(app.db, site=self.site, after=after, limit=limit, **filters)
            blocks = [NumberBlockView(v, v.e164, 1) for v in views]
        if after is None:
            self.blocks = {}
        self.blocks.update((b.last, b) for b in blocks)
        return [(b.last, cells(b, self._mark(b))) for b in blocks]

    def _mark(self, block: NumberBlockView) -> str:
        inside = self.marked.inside(block)
        return "" if not inside else "●" if inside == block.size else "◐"

    def _redraw_marks(self) -> None:
        for key in self.table.keys:
            if block := self.blocks.get(key):
                self.table.update_cell(key, 0, plain(self._mark(block), "bold"))
        self._show_detail()

    def highlighted(self) -> NumberBlockView | None:
        key = self.table.selected_key
        return self.blocks.get(key) if key else None

    def _show_detail(self) -> None:
        """The highlighted row in full, then the marks (or a hint), a line each."""
        block = self.highlighted()
        text = Text()
        text.append_text(detail(block) if block else plain("No numbers match.", "dim"))
        text.append("\n")
        if self.marked:
            text.append(
                f"Marked {len(self.marked):,}, actions apply to them (esc clears): "
                + self.marked.summary(),
                style="bold",
            )
        else:
            shown = "x: one number per row" if self.ranges else "x: ranges"
            text.append(f"space marks · enter: actions · {shown}", style="dim")
        self.query_one("#detail", Static).update(text)
        self.query_one(ConsoleHeader).show_marks(len(self.marked))

    def on_list_table_row_highlighted(self) -> None:
        self._show_detail()

    def on_list_table_loaded(self, event: ListTable.Loaded) -> None:
        self._restore_cursor()
        self._show_detail()

    def _restore_cursor(self) -> None:
        """After a reload, put the cursor back on the number it was on, reading on if need be."""
        if self._restore is None:
            return
        wanted, pages = self._restore
        for index, key in enumerate(self.table.keys):
            if value_of(key) >= wanted:
                self.table.move_cursor(row=index)
                self._restore = None
                return
        if self.table.exhausted or pages <= 0 or not self.table.row_count:
            self._restore = None
            return
        self._restore = (wanted, pages - 1)
        self.table.move_cursor(row=self.table.row_count - 1)  # the table reads the next page

    def reload(self, *, keep_place: bool = True, figures: bool = True) -> None:
        """Read the list again; `figures`: the site's counts too (not after a filter changed,
        which changes the list but not the site)."""
        block = self.highlighted()
        self._restore = (
            (value_of(block.first.e164), RESTORE_PAGES) if keep_place and block else None
        )
        self.table.reload()
        if figures:
            self.refresh_figures()

    # --- filters -------------------------------------------------------------------------

    def on_input_changed(self, event: FilterInput.Changed) -> None:
        if event.input.id == "search":
            self.filters["search"] = event.value
            self.reload(keep_place=False, figures=False)

    def on_input_submitted(self) -> None:
        self.table.focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else str(event.value)
        name = (event.select.id or "").removesuffix("-filter")
        if name in self.filters and self.filters[name] != value:
            self.filters[name] = value
            self.reload(keep_place=False, figures=False)

    def action_focus_search(self) -> None:
        self.set_focus(self.query_one("#search", FilterInput))  # at once, for typed-ahead keys

    def action_reload(self) -> None:
        self.reload()

    def action_toggle_ranges(self) -> None:
        self.ranges = not self.ranges
        self.reload()

    # --- marks ---------------------------------------------------------------------------

    def row_item(self, key: str) -> NumberBlockView | None:
        return self.blocks.get(key)

    def is_marked(self, item: NumberBlockView) -> bool:
        return self.marked.inside(item) == item.size

    def marks_changed(self) -> None:
        self._show_detail()

    def set_mark(self, block: NumberBlockView, on: bool) -> bool:
        """Mark (or unmark) every number of `block`; False, after saying why, when that would
        be more numbers than one action takes."""
        inside = self.marked.inside(block)
        if not on:
            self.marked.remove(block_numbers(block))
        elif inside < block.size:
            if block.size > MAX_PER_ACTION:
                self.refuse(
                    f"This range holds {block.size:,} numbers; one action takes at most "
                    f"{MAX_PER_ACTION:,}. Press x to list one number per row and mark fewer."
                )
                return False
            if (total := len(self.marked) - inside + block.size) > MAX_PER_ACTION:
                self.refuse(
                    f"Marking {range_text(block.first.e164, block.last)} would make {total:,} "
                    f"marked numbers; one action takes at most {MAX_PER_ACTION:,}. Act on the "
                    f"{len(self.marked):,} marked first, or press esc to clear the marks."
                )
                return False
            self.marked.add(block_numbers(block), block.first)
        self.table.update_cell(block.last, 0, plain(self._mark(block), "bold"))
        return True

    def action_clear_marks(self) -> None:
        self.marked.clear()
        self._redraw_marks()

    # --- actions -------------------------------------------------------------------------

    def chosen(self) -> Chosen | None:
        """The marked numbers, or the highlighted row's; None (after saying why) if too many.

        The count is checked before any number is listed: a row may be a range of 100,000.
        """
        block = self.highlighted()
        if self.marked:
            size = len(self.marked)
        elif block is not None:
            size = block.size
        else:
            self.notify("No number is highlighted.", severity="warning", markup=False)
            return None
        if size > MAX_PER_ACTION:
            self.refuse(
                f"{size:,} numbers are chosen; one action takes at most "
                f"{MAX_PER_ACTION:,}. Mark fewer: x lists one number per row."
            )
            return None
        if self.marked:
            return self.marked.chosen()
        assert block is not None
        return Chosen.of(dict.fromkeys(block_numbers(block), block.first))

    def _one(self, what: str) -> str | None:
        """The one number an action on a single number is about."""
        chosen = self.chosen()
        if chosen is None:
            return None
        if len(chosen) != 1:
            self.refuse(
                f"{what} takes one number; {len(chosen):,} are chosen "
                f"({numbers_text(chosen.numbers, most=2)}). Press x to list one number per "
                "row, or esc to clear the marks."
            )
            return None
        return chosen.numbers[0]

    def refuse(self, why: str) -> None:
        """An action refused before any dialog opened, and why."""
        self.notify(why, title="Refused", severity="error", markup=False)

    def open_dialog(self, dialog: NumberDialog | ImportNumbersScreen) -> None:
        def closed(said: str | None) -> None:
            self.after_action(said, unsure=dialog.unsure)

        self.app.push_screen(dialog, closed)

    def after_action(self, said: str | None, *, unsure: bool = False) -> None:
        """A dialog closed: say what was done, forget the marks, show the numbers as now.

        `unsure`: cancelled after a write failed midway; it may have been done, so the
        numbers are read again (the marks stay).
        """
        if said is None:
            if unsure:
                self.reload()
            return
        toast(self, said)
        self.marked.clear()
        self.reload()

    def on_list_table_row_selected(self, event: ListTable.RowSelected) -> None:
        self.action_menu()

    def action_menu(self) -> None:
        keys = {
            b.binding.action: self.app.get_key_display(b.binding)
            for b in self.active_bindings.values()
        }
        block = self.highlighted()
        if self.marked:
            about = f"{len(self.marked):,} marked: {self.marked.summary()}"
        elif block:
            about = detail(block).plain
        else:
            about = "No number is highlighted."
        why = self._why_not(block)
        app: Any = self.app
        for name in why.keys() | self.NEEDS.keys():
            if not self.permitted(name):  # the role first: the state would not help
                why[name] = not_yours(app.user, self.NEEDS[name])
        actions = [(name, words, keys.get(name, ""), why.get(name)) for name, words in MENU]
        self.app.push_screen(ActionsMenu(about, actions), self._menu_chosen)

    def _why_not(self, block: NumberBlockView | None) -> dict[str, str | None]:
        """Why each action of the menu cannot be taken on the marked numbers (or the
        highlighted row's) as they are, by the rules the services apply."""
        if self.marked:
            kinds, size = self.marked.kinds(), len(self.marked)
        elif block is not None:
            kinds = {(NumberState(block.first.state), Origin(block.first.origin))}
            size = block.size
        else:
            none = "no number is highlighted"
            return dict.fromkeys(("allocate", "activate", "deactivate", "release"), none) | {
                "nominate_main": none,
                "configure": none,
                "toggle_mark": none,
                "clear_marks": "nothing is marked",
            }
        held = all(state in (NumberState.RESERVED, NumberState.ACTIVE) for state, _ in kinds)
        one = None if size == 1 else "one number at a time"
        return {
            "allocate": why_not_all(NumberAction.ALLOCATE, kinds),
            "activate": why_not_all(NumberAction.ACTIVATE, kinds),
            "deactivate": why_not_all(NumberAction.DEACTIVATE, kinds),
            "release": why_not_all(NumberAction.RELEASE, kinds),
            "nominate_main": one or (None if held else "only an occupier's number can be"),
            "configure": one or (None if held else "only an occupier's numbers have features"),
            "clear_marks": None if self.marked else "nothing is marked",
        }

    async def _menu_chosen(self, action: str | None) -> None:
        if action:
            await self.run_action(action)

    def action_allocate(self) -> None:
        if chosen := self.chosen():
            self.open_dialog(AllocateDialog(self.site, chosen, self.filters["occupier"]))

    def _move(self, move: str) -> None:
        if chosen := self.chosen():
            days = self.summary.site.cooldown_days if self.summary else 90
            self.open_dialog(MoveDialog(move, self.site, chosen, cooldown_days=days))

    def action_activate(self) -> None:
        self._move("activate")

    def action_deactivate(self) -> None:
        self._move("deactivate")

    def action_release(self) -> None:
        self._move("release")

    def action_nominate_main(self) -> None:
        e164 = self._one("Making a main number")
        if e164 is None:
            return
        app: Any = self.app

        async def facts() -> tuple[NumberView, str | None]:
            number = await show_number(app.db, e164)
            if number.occupier is None:
                return number, None
            found = await list_occupiers_at(
                app.db, self.site, search=number.occupier, moved_out=True
            )
            return number, next((o.main_number for o in found if o.code == number.occupier), None)

        def ask(found: tuple[NumberView, str | None]) -> None:
            number, current = found
            if number.occupier is None:
                self.refuse(
                    f"{number.national} is {number.state}, held by no occupier: allocate it "
                    "to an occupier first."
                )
                return
            self.open_dialog(MainNumberDialog(number, current))

        call_service(self, facts, ask)

    def action_configure(self) -> None:
        e164 = self._one("Configure")
        if e164 is None:
            return
        app: Any = self.app

        def ask(number: NumberView) -> None:
            if number.occupier is None:
                # The service would refuse it too; say so before showing a form.
                self.refuse(
                    f"{number.national} is {number.state}: only numbers held by an occupier "
                    "have features."
                )
                return
            self.open_dialog(ConfigureDialog(number))

        call_service(self, lambda: show_number(app.db, e164), ask)

    def action_import_numbers(self) -> None:
        # Never preset the occupier: importing pool numbers straight to one must be a choice.
        self.open_dialog(ImportNumbersScreen(self.site))
