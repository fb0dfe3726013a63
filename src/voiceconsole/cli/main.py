"""Entry point: `voiceconsole [COMMAND] [--db URL] [--actor NAME] [--json]`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from sqlalchemy import exc as sa_exc

from voiceconsole import __version__
from voiceconsole.cli import catalogue_commands, number_commands, service_commands
from voiceconsole.cli.context import CommandTree, Context, say
from voiceconsole.config import ENV_DB, chosen_db
from voiceconsole.db.database import Database
from voiceconsole.db.engine import normalise_url, sqlite_path
from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.services.seed import load_sample_data
from voiceconsole.services.transaction import check_actor, default_actor

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
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voiceconsole",
        description="Run the Ethernet voice services of flexible-workspace occupiers.",
        parents=[_common_options(False)],
    )
    parser.add_argument("--version", action="version", version=f"voiceconsole {__version__}")
    tree = CommandTree(parser, _common_options(True), required=False)
    catalogue_commands.register(tree)
    number_commands.register(tree)
    service_commands.register(tree)
    return parser


def _where(url: str) -> str:
    path = sqlite_path(normalise_url(url))
    return f"SQLite file {path}" if path else url.split("@")[-1]


async def open_database(option: str | None) -> Database:
    """Open (and migrate) the chosen database; on the very first start of the embedded default,
    seed it from the sample data and say so."""
    url, embedded = chosen_db(option)
    path = sqlite_path(normalise_url(url))
    first_start = embedded and path is not None and not path.exists()
    try:
        db = await Database.open(url)
    except (OSError, sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.ArgumentError) as err:
        raise VoiceconsoleError(
            f"cannot open the database ({_where(url)}): {_first_line(err)}"
        ) from None
    if first_start:
        try:
            loaded = await load_sample_data(db, "sample-data")
        except BaseException:
            # Leave no empty database behind: the next start must try the first start again.
            await db.close()
            for suffix in ("", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            raise
        say(f"First start: created {path} and loaded the sample data ({loaded.describe()}).")
    return db


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__


async def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    db = await open_database(args.db)
    try:
        if getattr(args, "handler", None) is None:
            parser.print_help()
            url, embedded = chosen_db(args.db)
            print(f"\ndata: {_where(url)}" + (" (embedded default)" if embedded else ""))
            return 0
        actor = args.actor if args.actor is not None else default_actor()
        ctx = Context(db, check_actor(actor), args.json)
        await args.handler(args, ctx)
        return 0
    finally:
        await db.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_run(args, parser))
    except VoiceconsoleError as err:
        print(f"voiceconsole: error: {err}", file=sys.stderr)
        return EXIT_REFUSED
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
            f"voiceconsole: error: database or system failure: {_first_line(err)}", file=sys.stderr
        )
        return EXIT_REFUSED


if __name__ == "__main__":
    raise SystemExit(main())
