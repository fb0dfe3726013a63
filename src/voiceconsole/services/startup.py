"""Opening the chosen database, shared by the command line and the console."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from voiceconsole.config import ENV_DB, chosen_db
from voiceconsole.db import migrate, ownership
from voiceconsole.db.database import Database
from voiceconsole.db.engine import describe_url, normalise_url, sqlite_path
from voiceconsole.db.models import OperatorSettings, Site
from voiceconsole.domain.errors import InvalidInput, VoiceconsoleError


def where(url: str) -> str:
    """The database in words, without a password."""
    return describe_url(url)


def checked_url(url: str) -> str:
    """The URL made whole, or one line saying why it is not a database URL this console can
    use (a bad port, an unknown dialect, a driver that is not installed)."""
    try:
        normal = normalise_url(url)
        make_url(normal).get_dialect()  # imports the dialect: an unknown one fails here
    except (ValueError, sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as err:
        raise InvalidInput(f"{where(url)} is not a database URL: {first_line(err)}") from None
    backend = make_url(normal).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise InvalidInput(
            f"{where(url)}: voiceconsole keeps its data in SQLite or PostgreSQL, not {backend}"
        )
    return normal


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


async def never_seeded(db: Database) -> bool:
    """No operator settings and no site: nothing was ever loaded (or a first start that was
    killed midway, whose one transaction left nothing)."""
    async with db.read() as session:
        sites = await session.scalar(select(func.count()).select_from(Site))
        operator = await session.scalar(select(func.count()).select_from(OperatorSettings))
        return not sites and not operator


async def open_database(
    option: str | None, *, create: bool = False, as_is: bool = False
) -> tuple[Database, str | None]:
    """Open the chosen database for use: it must be ours and at the newest revision (an older
    one is refused, saying to run `voiceconsole db upgrade`; a foreign one is refused
    unchanged). On the very first start of the embedded default it is set up and seeded from
    the sample data; the second value then says so, for the user.

    A SQLite file named by --db or $VOICECONSOLE_DB that does not exist is refused unless
    `create` (`--create`, `db upgrade`): over SSH a mistyped path would otherwise open a new,
    empty database, and the operator would see an estate with no sites at all. `--create`
    also sets up such a new (or empty) file.

    `as_is` (the `db` commands): empty or ours at any revision; nothing set up or seeded."""
    url, embedded = chosen_db(option)
    path = sqlite_path(checked_url(url))
    if path is not None and not create and not path.exists() and (as_is or not embedded):
        named_by = "--db" if option else f"${ENV_DB}" if not embedded else "the embedded default"
        raise VoiceconsoleError(
            f"no database at {path.resolve()} (from {named_by}); nothing was created. "
            "Check the path, or add --create to make a new database there"
        )
    db = _engine(url)
    try:
        state = await _state(db, url)
        if as_is:
            ownership.require_ours(db.url, state)
            return db, None
        sets_up = state.kind == "empty" and path is not None and (embedded or create)
        if sets_up:
            await migrate.upgrade(db.engine)
        else:
            if state.kind == "empty" and path is None:  # say so before `db upgrade` would
                await migrate.not_a_maintenance_database(db.engine, db.url)
            ownership.require_current(db.url, state)
        # A first start killed while seeding (one transaction) left an empty database.
        first_start = embedded and (sets_up or await never_seeded(db))
    except BaseException:
        await db.close()
        raise
    if not first_start:
        return db, None
    assert path is not None
    # Imported here: the seeding code loads most of the service layer, and a console's start
    # waits for every module it imports.
    from voiceconsole.services.seed import load_sample_data

    try:
        loaded = await load_sample_data(db, "sample-data")
        admin = await _first_admin(db)
    except BaseException:
        # Leave no empty database behind: the next start must try the first start again.
        await db.close()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        raise
    said = f"First start: created {path} and loaded the sample data ({loaded.describe()})."
    if admin:
        said += f" {admin} is its first user, an admin (see `voiceconsole users`)."
    return db, said


def _engine(url: str) -> Database:
    try:
        return Database(url)
    except ImportError as err:
        raise InvalidInput(
            f"{where(url)}: its driver is not installed ({err.name or err}); "
            "use postgresql+asyncpg:// or a SQLite file"
        ) from None


async def _state(db: Database, url: str) -> ownership.SchemaState:
    """The database's schema state; the first connection, so where a URL that names no
    reachable database (refused, unreachable, wrong password, no such database or role, a
    port out of range) ends in one line, never with the password."""
    try:
        return await migrate.schema_state(db.engine)
    except (OSError, ValueError, OverflowError, sa_exc.DBAPIError, sa_exc.ArgumentError) as err:
        raise VoiceconsoleError(
            f"cannot open the database ({where(url)}): {first_line(err)}"
        ) from None


async def _first_admin(db: Database) -> str | None:
    """The embedded default's first user: the OS login, as admin, so that whoever started it
    can add colleagues (and is not locked out once they do). None for a login that is not a
    valid user name: the installation then stays without users, unchecked."""
    from voiceconsole.services.transaction import default_actor
    from voiceconsole.services.users import add_user, check_login_name

    try:
        login = check_login_name(default_actor())
    except InvalidInput:
        return None
    await add_user(db, login, login=login, role="admin")
    return login
