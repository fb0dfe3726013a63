"""Where things live: the embedded database, the sample data."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from platformdirs import user_data_path

ENV_DB = "VOICECONSOLE_DB"


def default_db_path() -> Path:
    return user_data_path("voiceconsole", appauthor=False) / "voiceconsole.db"


def default_db_url() -> str:
    return f"sqlite+aiosqlite:///{default_db_path()}"


def chosen_db(option: str | None) -> tuple[str, bool]:
    """The database to use and whether it is the embedded default: --db, then $VOICECONSOLE_DB."""
    if option:
        return option, False
    if os.environ.get(ENV_DB):
        return os.environ[ENV_DB], False
    return default_db_url(), True


def sample_data_dir() -> Path:
    """sample_data/ of the source tree, or the copy inside an installed wheel."""
    packaged = Path(str(resources.files("voiceconsole"))) / "sample_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "sample_data"
