"""Entry point: `voiceconsole [COMMAND] [--db URL] [--actor NAME] [--json]`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy import exc as sa_exc

from voiceconsole import __version__
from voiceconsole.cli.context import (
    EXIT_NOT_ALL_DONE,
    CommandTree,
    Context,
    NotAllDone,
    say,
)
from voiceconsole.config import (
    ENV_DB,
    ENV_LAB,
    SettingsError,
    chosen_db,
    console_log_path,
    load_console_settings,
)
from voiceconsole.db.database import Database
from voiceconsole.db.engine import private_file
from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.services.acting import acting_as
from voiceconsole.services.permissions import check_login
from voiceconsole.services.startup import first_line, open_database, where

EXIT_REFUSED = 1


def _common_options(defaults_suppressed: bool) -> argparse.ArgumentParser:
    """--db, --actor and --json, accepted before or after the command."""
    common = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if defaults_suppressed else None
    common.add_argument(
        "--db",
        default=default,
        help=f"SQLAlchemy URL or SQLite file (default: ${ENV_DB}, else the embedded database)",
    )
    common.add_argument(
        "--actor", default=default, help="who acts, for the audit journal (default: login name)"
    )
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if defaults_suppressed else False,
        help="machine-readable output",
    )
    common.add_argument(
        "--create",
        action="store_true",
        default=argparse.SUPPRESS if defaults_suppressed else False,
        help="make the SQLite file named by --db or $VOICECONSOLE_DB if it does not exist "
        "(without it, a file that does not exist is refused: a mistyped path must not look "
        "like an empty estate)",
    )
    return common


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; without `commands`, only what starting the console takes
    (the command modules import most of the service layer: 0.3 s of a cold start)."""
    parser = argparse.ArgumentParser(
        prog="voiceconsole",
        description="Run the Ethernet voice services of flexible-workspace occupiers.",
        parents=[_common_options(False)],
    )
    parser.add_argument("--version", action="version", version=f"voiceconsole {__version__}")
    parser.add_argument(
        "--lab",
        action="store_true",
        help="reach simulated switches over SSH where `voiceconsole lab` serves them "
        "(default: in-process simulators)",
    )
    if not commands:
        return parser
    from voiceconsole.cli import (
        catalogue_commands,
        db_commands,
        handset_commands,
        lab_command,
        number_commands,
        pool_commands,
        port_commands,
        porting_commands,
        provisioning_commands,
        reconcile_command,
        service_commands,
        switch_commands,
        user_commands,
        web_command,
    )

    tree = CommandTree(parser, _common_options(True), required=False)
    db_commands.register(tree)
    catalogue_commands.register(tree)
    number_commands.register(tree)
    pool_commands.register(tree)
    service_commands.register(tree)
    port_commands.register(tree)
    porting_commands.register(tree)
    switch_commands.register(tree)
    handset_commands.register(tree)
    provisioning_commands.register(tree)
    reconcile_command.register(tree)
    user_commands.register(tree)
    lab_command.register(tree)
    web_command.register(tree)
    return parser


async def run_console(db: Database, actor: str) -> None:
    # Imported here so that plain commands do not pay for loading Textual.
    from voiceconsole.tui.app import VoiceconsoleApp

    try:
        settings = load_console_settings()
    except SettingsError as err:
        raise VoiceconsoleError(str(err)) from None
    # Failures the console shows as a dialog keep their traceback here, not on screen.
    log_file = console_log_path()
    private_file(log_file)
    logging.basicConfig(
        filename=log_file,
        level=logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    # What is loaded by now (Python, SQLAlchemy, Textual, the console's code) lives as long as
    # the process: keep the garbage collector from walking it again on every full collection,
    # each a 100-200 ms freeze of the screen on the build machine (bench/ui.py).
    gc.freeze()
    app = VoiceconsoleApp(db, actor=actor, settings=settings)
    try:
        await app.run_async()
    finally:
        await app.finish_work()  # before the caller closes the database


def _has_a_screen() -> bool:
    """A terminal, or a browser: `voiceconsole web` runs each session's console on pipes,
    with Textual told (TEXTUAL_DRIVER) to draw for the browser."""
    return (sys.stdin.isatty() and sys.stdout.isatty()) or bool(os.environ.get("TEXTUAL_DRIVER"))


async def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if not getattr(args, "needs_db", True):  # `lab`: switches only, no database to open
        await args.handler(args, None)
        return 0
    db, first_start = await open_database(args.db, create=args.create)
    if first_start:
        say(first_start)
    try:
        actor = await acting_as(db, args.actor)
        # Reads are not checked one by one: an unknown or disabled login does not start.
        await check_login(db, actor)
        if getattr(args, "handler", None) is None:
            if _has_a_screen():
                await run_console(db, actor)
            else:
                # A script or pipe gets the commands rather than a screen it cannot show.
                build_parser().print_help()
                url, embedded = chosen_db(args.db)
                print(f"\ndata: {where(url)}" + (" (embedded default)" if embedded else ""))
                print("(the console opens when voiceconsole runs in a terminal)")
            return 0
        await args.handler(args, Context(db, actor, args.json))
        return 0
    finally:
        await db.close()


CONSOLE_FLAGS = {"--json", "--lab", "--create"}
CONSOLE_OPTIONS = {"--db", "--actor"}  # each followed by its value


def _names_a_command(argv: Sequence[str]) -> bool:
    """Whether `argv` holds more than the console's own options: a command, --help,
    --version, or something the full parser must refuse."""
    value_next = False
    for arg in argv:
        if value_next:
            value_next = False
        elif arg in CONSOLE_OPTIONS:
            value_next = True
        elif arg not in CONSOLE_FLAGS and arg.partition("=")[0] not in CONSOLE_OPTIONS:
            return True
    return value_next  # an option without its value: the full parser says so


def _not_utf8(argv: Sequence[str]) -> str | None:
    """The first argument that is not UTF-8 text (Python hands such bytes on as surrogates,
    which fail much later, deep in a database driver)."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg.encode("utf-8", "replace").decode("utf-8")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    bad = _not_utf8(sys.argv[1:] if argv is None else argv)
    if bad is not None:
        print(f"voiceconsole: error: an argument is not UTF-8 text: {bad!r}", file=sys.stderr)
        return EXIT_REFUSED
    given = sys.argv[1:] if argv is None else argv
    parser = build_parser(commands=_names_a_command(given))
    args = parser.parse_args(given)
    if args.lab:
        # An environment variable, so that `voiceconsole web` sessions inherit it too.
        os.environ[ENV_LAB] = "1"
    try:
        return asyncio.run(_run(args, parser))
    except VoiceconsoleError as err:
        print(f"voiceconsole: error: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except NotAllDone:
        return EXIT_NOT_ALL_DONE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `head`) has gone; that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (sa_exc.DBAPIError, OSError) as err:
        if os.environ.get("VOICECONSOLE_DEBUG"):
            raise
        print(
            f"voiceconsole: error: database or system failure: {first_line(err)}", file=sys.stderr
        )
        return EXIT_REFUSED


if __name__ == "__main__":
    raise SystemExit(main())
