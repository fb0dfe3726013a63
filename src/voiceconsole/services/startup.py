"""Opening the chosen database, shared by the command line and the console."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

from voiceconsole.config import chosen_db
from voiceconsole.db.database import Database
from voiceconsole.db.engine import normalise_url, sqlite_path
from voiceconsole.domain.errors import VoiceconsoleError
from voiceconsole.services.seed import load_sample_data


def where(url: str) -> str:
    """The database in words, without a password."""
    path = sqlite_path(normalise_url(url))
    return f"SQLite file {path}" if path else url.split("@")[-1]


def first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err)
    return text.strip().splitlines()[0] if text.strip() else type(err).__name__


def describe_failure(err: BaseException) -> str:
    """An unexpected failure in words for the person at the console (no traceback)."""
    if isinstance(err, sa_exc.DBAPIError | sa_exc.OperationalError):
        return f"The database failed: {first_line(err)}"
    if isinstance(err, OSError):
        return f"A system call failed: {first_line(err)}"
    return (
        f"Something went wrong that the console did not expect ({type(err).__name__}: "
        f"{first_line(err)}). Nothing was half-written: each action is one transaction."
    )


async def open_database(option: str | None) -> tuple[Database, str | None]:
    """Open (and migrate) the chosen database. On the very first start of the embedded default
    it is seeded from the sample data; the second value then says so, for the user."""
    url, embedded = chosen_db(option)
    path = sqlite_path(normalise_url(url))
    first_start = embedded and path is not None and not path.exists()
    try:
        db = await Database.open(url)
    except (OSError, sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.ArgumentError) as err:
        raise VoiceconsoleError(
            f"cannot open the database ({where(url)}): {first_line(err)}"
        ) from None
    if not first_start:
        return db, None
    assert path is not None
    try:
        loaded = await load_sample_data(db, "sample-data")
    except BaseException:
        # Leave no empty database behind: the next start must try the first start again.
        await db.close()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        raise
    return db, f"First start: created {path} and loaded the sample data ({loaded.describe()})."
