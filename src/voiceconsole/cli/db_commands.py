"""`voiceconsole db ...`: the schema, backups and restores of the database itself.

These open the database as it is (empty, or ours at any revision; never another's) and
skip the login check: an older schema may not have the users table yet, and the file's
or the PostgreSQL role's own rights are what guard them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from voiceconsole.cli import check_command
from voiceconsole.cli.context import CommandTree, Context, Group, say
from voiceconsole.config import chosen_db
from voiceconsole.db import backup, migrate
from voiceconsole.db.engine import sqlite_path
from voiceconsole.domain.errors import InvalidInput
from voiceconsole.services.startup import checked_url, open_database, where


def register(cli: CommandTree) -> Group:
    """The `db` group; returned so that other modules can add their commands to it."""
    db = cli.group("db", "the database: its schema, backups and restores")
    upgrade = db.command(
        "upgrade",
        "set up an empty database or apply pending schema migrations (SQLite: backed up "
        "beside the file first; a new SQLite file is made)",
        db_upgrade,
    )
    upgrade.add_argument(
        "--pg-dump",
        type=Path,
        metavar="FILE",
        help="PostgreSQL: take a pg_dump (custom format) into FILE before migrating",
    )
    upgrade.add_argument(
        "--without-backup",
        action="store_true",
        help="PostgreSQL: migrate without a dump (you have taken one)",
    )
    revision = db.command(
        "revision", "for developers: write a migration from the model changes", db_revision
    )
    revision.add_argument("--message", "-m", required=True)
    taken = db.command(
        "backup",
        "copy the embedded (SQLite) database to FILE, online: consoles may stay open",
        db_backup,
    )
    taken.add_argument("file", type=Path, metavar="FILE", help="the backup to write (new)")
    restore = db.command(
        "restore",
        "replace the SQLite database's contents with the backup FILE, in one transaction",
        db_restore,
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="a backup by `db backup`")
    for parser in (upgrade, revision, taken, restore):
        parser.set_defaults(needs_db=False)
    check_command.register(db)  # opens the database as every command does: current schema
    return db


async def _opened(args: argparse.Namespace, *, create: bool = False) -> Context:
    db, _ = await open_database(args.db, create=create or args.create, as_is=True)
    return Context(db, args.actor or "", args.json)


def _sqlite_only(args: argparse.Namespace, postgres_way: str) -> Path:
    """The SQLite file, or one line saying how PostgreSQL does it (nothing is opened)."""
    url = checked_url(chosen_db(args.db)[0])
    path = sqlite_path(url)
    if path is None:
        raise InvalidInput(f"{where(url)} is PostgreSQL: {postgres_way} (see the README)")
    return path


async def db_upgrade(args: argparse.Namespace, _ctx: Context | None) -> None:
    ctx = await _opened(args, create=True)
    try:
        await _upgrade(args, ctx)
    finally:
        await ctx.db.close()


async def _upgrade(args: argparse.Namespace, ctx: Context) -> None:
    state = await migrate.schema_state(ctx.db.engine)
    taken: Path | None = None
    path = sqlite_path(ctx.db.url)
    if path is not None and (args.pg_dump or args.without_backup):
        raise InvalidInput(
            f"--pg-dump and --without-backup are for PostgreSQL: {where(ctx.db.url)} is "
            "backed up beside itself; nothing was changed"
        )
    if state.kind == "older" and path is not None:
        taken = backup.before_upgrade_path(path, state.head or "head")
        backup.backup_sqlite(path, taken)
        say(f"backed up {path} to {taken}")
    elif state.kind == "older":
        if args.pg_dump:
            backup.pg_dump(ctx.db.url, args.pg_dump)
            taken = args.pg_dump
            say(f"pg_dump of {where(ctx.db.url)} written to {taken}")
        elif not args.without_backup:
            raise InvalidInput(
                f"{where(ctx.db.url)} is at revision {state.revision}, this voiceconsole needs "
                f"{state.head}: take a backup first (`pg_dump --format=custom --file FILE`), "
                "then run `voiceconsole db upgrade --without-backup`, or let it take one with "
                "`--pg-dump FILE`; nothing was changed"
            )
    await migrate.upgrade(ctx.db.engine)
    revision = (await migrate.schema_state(ctx.db.engine)).revision
    was = state.revision if state.kind == "older" else None

    def text() -> None:
        if state.kind == "empty":
            print(f"set up a new database; schema is at revision {revision}")
        elif was:
            print(f"schema is at revision {revision} (was {was})")
        else:
            print(f"schema is at revision {revision}; nothing to do")

    ctx.emit({"revision": revision, "was": was, "backup": str(taken) if taken else None}, text)


async def db_revision(args: argparse.Namespace, _ctx: Context | None) -> None:
    ctx = await _opened(args)
    try:
        await migrate.make_revision(ctx.db.engine, args.message)
    finally:
        await ctx.db.close()


async def db_backup(args: argparse.Namespace, _ctx: Context | None) -> None:
    _sqlite_only(args, "back it up with `pg_dump --format=custom --file FILE DATABASE`")
    ctx = await _opened(args)
    try:
        path = sqlite_path(ctx.db.url)
        assert path is not None
        state = await migrate.schema_state(ctx.db.engine)
        if state.kind == "empty":
            raise InvalidInput(f"{where(ctx.db.url)} is empty: nothing to back up")
        backup.backup_sqlite(path, args.file)
    finally:
        await ctx.db.close()
    ctx.emit(
        {"backup": str(args.file), "revision": state.revision},
        lambda: print(f"backed up {path} (revision {state.revision}) to {args.file}"),
    )


async def db_restore(args: argparse.Namespace, _ctx: Context | None) -> None:
    _sqlite_only(args, "restore with `pg_restore --clean --if-exists --dbname DATABASE FILE`")
    # The backup is checked before the live database is opened (or made).
    restored = backup.check_backup(args.file, migrate.revisions())
    ctx = await _opened(args, create=True)
    try:
        path = sqlite_path(ctx.db.url)
        assert path is not None
        await ctx.db.engine.dispose()  # only the backup API's own connection writes
        backup.restore_sqlite(args.file, path)
    finally:
        await ctx.db.close()
    later = (
        f"; its schema is older (revision {restored.revision}): run `voiceconsole db upgrade`"
        if restored.kind == "older"
        else ""
    )
    ctx.emit(
        {"restored": str(args.file), "revision": restored.revision},
        lambda: print(f"restored {path} from {args.file} (revision {restored.revision}){later}"),
    )
