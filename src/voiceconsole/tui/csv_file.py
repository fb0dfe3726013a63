"""Reading a CSV file a user named in an import dialog: what can go wrong is said in words."""

from __future__ import annotations

import stat
from pathlib import Path

from voiceconsole.domain.errors import InvalidInput


def load_text(path_text: str, max_bytes: int) -> str:
    """The file's text, or a refusal saying why it cannot be read.

    Blocking: run it in a thread. Only regular files of at most `max_bytes` are read, so a
    device or a pipe never stalls the console.
    """
    path = Path(path_text.strip()).expanduser()
    limit = f"at most {max_bytes / 1e6:g} MB are imported at once: split the file"
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InvalidInput(f"{path} is a folder; give the path of a CSV file")
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"{path} is not a regular file; give the path of a CSV file")
        if info.st_size > max_bytes:
            raise InvalidInput(f"{path} is {info.st_size / 1e6:,.1f} MB; {limit}")
        with path.open("rb") as file:
            raw = file.read(max_bytes + 1)
    except OSError as err:
        raise InvalidInput(f"cannot read {path}: {err.strerror or err}") from None
    if len(raw) > max_bytes:  # it grew since
        raise InvalidInput(f"{path} is over {max_bytes / 1e6:g} MB; {limit}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text; save the CSV as UTF-8") from None
