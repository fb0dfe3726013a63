"""Backups of the embedded (SQLite) database, and pg_dump for PostgreSQL.

SQLite's online backup API copies a consistent snapshot while consoles are open (WAL
readers and writers go on), and a restore goes the same way into the live file: consoles
holding it open see the restored data at their next transaction, none reads a half-written
file, and no rename pulls the file from under them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from voiceconsole.db import ownership
from voiceconsole.db.engine import SQLITE_BUSY_TIMEOUT_S, describe_url, private_file
from voiceconsole.db.ownership import SchemaRefused, SchemaState


class BackupRefused(SchemaRefused):
    """A backup or restore that was not done; nothing was written or changed."""


def before_upgrade_path(live: Path, head: str) -> Path:
    """Beside the file: `voiceconsole.db.before-0011.bak`, numbered if that is taken."""
    path = live.with_name(f"{live.name}.before-{head}.bak")
    number = 2
    while path.exists():
        path = live.with_name(f"{live.name}.before-{head}.{number}.bak")
        number += 1
    return path


def backup_sqlite(live: Path, target: Path) -> None:
    """A consistent copy of `live` at `target` (which must not exist), made owner-only (it
    holds SIP secrets). Written beside the target and renamed: a failure leaves no half file."""
    if target.exists():
        raise BackupRefused(f"{target} exists already; choose a new name; nothing was written")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        private_file(partial)
        source = sqlite3.connect(live, timeout=SQLITE_BUSY_TIMEOUT_S)
        try:
            copy = sqlite3.connect(partial)
            try:
                # All pages in one step, under one read transaction: a snapshot, and writers
                # (WAL) are not held up.
                source.backup(copy)
                # One self-contained file: no -wal beside it to lose in a copy.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as err:
        partial.unlink(missing_ok=True)
        raise BackupRefused(
            f"cannot write the backup {target}: {err}; nothing was written"
        ) from None


def check_backup(backup: Path, revisions: list[str]) -> SchemaState:
    """The backup's schema state, if it is a whole voiceconsole database this code can use
    (now or after `db upgrade`); else one line why not."""
    if not backup.is_file():
        raise BackupRefused(f"no backup file at {backup}; nothing was changed")
    try:
        state = ownership.classify(ownership.sqlite_facts(backup), revisions)
    except SchemaRefused as err:
        raise BackupRefused(f"{err}") from None
    if state.kind == "newer":
        raise BackupRefused(
            f"{backup} is from a newer voiceconsole (revision {state.revision}; this one knows "
            f"up to {state.head}): upgrade voiceconsole first; nothing was changed"
        )
    if not state.ours:
        found = ", ".join(state.tables[:5]) or "no tables"
        raise BackupRefused(
            f"{backup} is not a voiceconsole database ({found}); nothing was changed"
        )
    try:
        with ownership.read_only(backup) as conn:
            verdict = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as err:
        verdict = [str(err)]
    if verdict != ["ok"]:
        raise BackupRefused(
            f"{backup} is damaged ({verdict[0]}); nothing was changed"  # first problem only
        )
    return state


def restore_sqlite(backup: Path, live: Path) -> None:
    """Copy `backup` into the live database with the backup API: one write transaction of the
    live file, waiting (busy timeout) for a writer that holds it."""
    try:
        with ownership.read_only(backup) as source:
            target = sqlite3.connect(live, timeout=SQLITE_BUSY_TIMEOUT_S)
            try:
                source.backup(target)
            finally:
                target.close()
    except sqlite3.Error as err:
        raise BackupRefused(f"cannot restore into {live}: {err}; nothing was changed") from None


def pg_dump(url: str, target: Path) -> None:
    """`pg_dump --format=custom` of the database at `url` into `target` (which must not
    exist). The password goes through the environment, never the command line."""
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupRefused(
            "pg_dump is not installed here (PostgreSQL's client tools); take a dump where it "
            "is, then run `voiceconsole db upgrade --without-backup`; nothing was changed"
        )
    if target.exists():
        raise BackupRefused(f"{target} exists already; choose a new name; nothing was changed")
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    libpq = parsed.set(drivername="postgresql", password=None, query={})
    private_file(target)
    done = subprocess.run(
        [
            program,
            "--format=custom",
            "--file",
            str(target),
            "--dbname",
            libpq.render_as_string(hide_password=False),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[0]
        raise BackupRefused(f"pg_dump of {describe_url(url)} failed: {why}; nothing was changed")
