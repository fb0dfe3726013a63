"""The console application: shell, header, footer, command palette, themes and keymap."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual._styles_cache import StylesCache
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.command import CommandInput, CommandPalette
from textual.screen import Screen
from textual.widget import AwaitMount

from voiceconsole.config import ConsoleSettings
from voiceconsole.db.database import Database
from voiceconsole.domain.errors import NotPermitted, VoiceconsoleError
from voiceconsole.services.finder import Found, operator_name
from voiceconsole.services.permissions import Permission, Person, check_login
from voiceconsole.tui.commands import FindProvider
from voiceconsole.tui.heap import Heap
from voiceconsole.tui.live import Live
from voiceconsole.tui.permitted import allowed, who
from voiceconsole.tui.screens.returning import Revisited
from voiceconsole.tui.text import due_report_lines
from voiceconsole.tui.widgets.header import ConsoleHeader
from voiceconsole.tui.work import call_service, finish_service_calls

if TYPE_CHECKING:
    from voiceconsole.services.switch_work import Gateway


class Palette(CommandPalette):
    """Textual's command palette, with the cursor the user's settings ask for."""

    def on_mount(self) -> None:
        self.query_one(CommandInput).cursor_blink = bool(getattr(self.app, "cursor_blink", True))


class VoiceconsoleApp(App[None]):
    """`database` is an open `Database`, or a URL the app opens in its own event loop
    (snapshot tests run each app in a fresh loop)."""

    TITLE = "voiceconsole"
    # Colleagues' changes, presence and notifications (tui/live.py); the console tests turn
    # them off but where they test them, so that no heartbeat lands in a snapshot.
    LIVE = True
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {FindProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "open_sites", "Sites", id="app.sites"),
        Binding("f3", "open_activity", "Activity", id="app.activity"),
        Binding("f1", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        database: Database | str,
        *,
        actor: str,
        settings: ConsoleSettings | None = None,
        apply_due_on_start: bool = True,
        gateway: Gateway | None = None,
    ) -> None:
        super().__init__()
        # The switch gateway; None: built when first needed, for this database (simulated
        # switches are in-process simulators beside an embedded database, switches/fleet.py).
        self._gateway = gateway
        self._database = database
        self._owns_database = isinstance(database, str)
        self.db: Database = database if isinstance(database, Database) else None  # type: ignore[assignment]
        self.actor = actor
        self.settings = settings or ConsoleSettings()
        self.cursor_blink = self.settings.cursor_blink
        self.apply_due_on_start = apply_due_on_start
        self.current_site: str | None = None
        self.recent_jumps: list[Found] = []  # the palette's, most recent first (tui/commands.py)
        self._kept: dict[type[Revisited], Revisited] = {}  # see open_screen
        self._started = False  # the work after the first paint is under way
        self._heap = Heap()  # garbage collections kept short (tui/heap.py)
        self.live = Live(self)
        self.operator = "voiceconsole"
        # The person at the console (services/permissions.py); None: no users, no checks.
        self.user: Person | None = None

    async def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            self.notify(f"Unknown theme {self.settings.theme!r}; using the default.", markup=False)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        if self.db is None:
            # Never migrated from here: an older schema is `voiceconsole db upgrade`'s, with
            # its backup; one that is not ours is not touched.
            try:
                self.db = await Database.open_current(str(self._database))
            except VoiceconsoleError as refusal:
                self.exit(return_code=1, message=str(refusal))
                return
        try:
            self.user = await check_login(self.db, self.actor)
        except NotPermitted as refusal:  # the command line checked already; a race
            self.exit(message=str(refusal))
            return
        self.operator = await operator_name(self.db)
        self.title = self.operator
        self.refresh_sub_title()
        from voiceconsole.tui.screens.sites import SitesScreen

        await self.push_screen(SitesScreen())

    def on_list_table_loaded(self) -> None:
        # The start's other work waits until the first list is on screen: what it imports and
        # reads is not needed for the sites (0.1 s of a cold start). Not on a timer: one
        # still pending when the console quits at once stalls the exit.
        if not self._started:
            self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        if self._started:
            return
        self._started = True
        self._heap.start(self)
        # Only for a user who may do that work everywhere: a viewer's console changes nothing.
        if self.apply_due_on_start and self.may(Permission.SERVICES):
            self.apply_due_changes()
        if self.may(Permission.SWITCH_WORK) and not (self.user and self.user.site_bound):
            self.settle_switch_changes()
        if self.LIVE:
            self.run_worker(self.live.start, group="live-start", exit_on_error=False)

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            from voiceconsole.services.switch_work import gateway_for

            self._gateway = gateway_for(self.db.url)
        return self._gateway

    async def on_unmount(self) -> None:
        self._heap.stop()
        await self.live.stop()
        if self._owns_database and self.db is not None:
            await self.finish_work()
            await self.db.close()

    async def finish_work(self) -> None:
        """Before the database is closed: let the service calls of workers cancelled at quit
        end (tui/work.py)."""
        await asyncio.gather(*(w.wait() for w in self.workers), return_exceptions=True)
        await finish_service_calls()

    def refresh_sub_title(self) -> None:
        where = self.current_site or "all sites"
        self.sub_title = f"{where} · {who(self.user) if self.user else self.actor}"
        if self.current_site and self.live.colleagues:
            self.sub_title += f" · also here: {', '.join(self.live.colleagues)}"
        self.refresh_headers()

    def refresh_headers(self) -> None:
        """Draw the title lines again (they read the titles when drawn, watch nothing)."""
        for screen in self.screen_stack:
            for header in screen.query(ConsoleHeader):
                header.refresh()

    def may(self, permission: Permission, site: str | None = None) -> bool:
        """Whether the user may do this at `site` (default: the current site)."""
        return allowed(self.user, permission, site or self.current_site)

    def set_current_site(self, site: str | None) -> None:
        moved = site != self.current_site
        self.current_site = site
        if moved:
            self.live.colleagues = []  # those of the site left; the heartbeat brings these
            self.live.site_changed(site)
        self.refresh_sub_title()

    def apply_due_changes(self) -> None:
        """Apply scheduled service changes that have fallen due, and say what was applied."""
        # Imported here, after the first paint: the service layer is 0.1 s of a cold start.
        from voiceconsole.services.voice_services import DueReport, apply_due

        def report(due: DueReport) -> None:
            lines = due_report_lines(due)
            if lines:
                self.notify("\n".join(lines), title="Scheduled changes", markup=False)

        call_service(
            self,
            lambda: apply_due(self.db, self.actor, gateway=self.gateway),
            report,
            group="apply-due",
        )

    def settle_switch_changes(self) -> None:
        """Settle role changes a console that died left in flight, against what each switch
        shows now, and say how each ended (services/switch_changes.py)."""
        from voiceconsole.services.switch_changes import settle_abandoned

        def report(settled: list[Any]) -> None:
            if settled:
                lines = [entry.sentence() for entry in settled]
                self.notify("\n".join(lines), title="Switch changes left in flight", markup=False)

        call_service(
            self,
            lambda: settle_abandoned(self.db, self.gateway, self.actor),
            report,
            group="settle-switch-changes",
        )

    def open_screen(self, kind: type[Revisited], *args: Any, **kwargs: Any) -> AwaitMount:
        """Show the list screen `kind` for a subject (`args`): the one kept instance, refilled,
        so that a visit costs the rows and not a whole new screen. Built on first use; a
        second one, dropped when closed, only if the kept one is already open underneath
        (from a site, the palette jumps to another site)."""
        kept = self._kept.get(kind)
        if kept is None:
            kept = self._kept[kind] = kind(*args, **kwargs)
            self.install_screen(kept, name=f"kept-{kind.__name__}")
            self._heap.keep_what_exists()
        elif kept in self.screen_stack:
            return self.push_screen(kind(*args, **kwargs))
        else:
            kept.visit(*args, **kwargs)
        return self.push_screen(kept)

    def pop_screen(self) -> AwaitComplete:
        done = super().pop_screen()
        # Textual's `StylesCache.get_inner_outer` is an lru_cache on a method: its keys hold
        # the last 1,024 widgets' style caches, each with its drawn lines, long after their
        # screens closed (about 0.2 MB a screen, bench/ui.py's 200 screen opens). Rebuilt
        # at once for what is on screen.
        StylesCache.get_inner_outer.cache_clear()
        return done

    def action_open_sites(self) -> None:
        from voiceconsole.tui.screens.sites import SitesScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, SitesScreen):
            self.push_screen(SitesScreen())
        self.set_current_site(None)

    def action_open_activity(self, site: str | None = None, occupier: str | None = None) -> None:
        from voiceconsole.tui.screens.activity import ActivityScreen

        self.open_screen(ActivityScreen, site=site or self.current_site, occupier=occupier)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands, plus every action the current screen offers by key, so that
        each one is reachable from the palette even when the footer has no room for it."""
        builtin = list(super().get_system_commands(screen))
        yield from builtin
        seen = {command.title for command in builtin}
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.description in seen or binding.system:
                continue
            seen.add(binding.description)
            yield SystemCommand(
                binding.description,
                f"key {self.get_key_display(binding)}"
                + (f" · keymap id {binding.id}" if binding.id else ""),
                partial(self.run_action, binding.action, active.node),
            )

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette(id="--command-palette"))

    def action_help(self) -> None:
        """f1: the help of the screen in front (closed again by f1)."""
        from voiceconsole.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen(self.screen))
