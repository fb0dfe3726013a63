"""What every command gets: the open database, who acts, and how to print."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from voiceconsole.cli.output import print_json
from voiceconsole.db.database import Database
from voiceconsole.domain.errors import InvalidInput


@dataclass
class Context:
    db: Database
    actor: str
    json: bool

    def emit(self, value: Any, text: Callable[[], None]) -> None:
        """Print `value` as JSON with --json, else call `text` to print it for people."""
        if self.json:
            print_json(value)
        else:
            text()


Handler = Callable[[argparse.Namespace, Context], Awaitable[None]]

# Exit status 3: what could be done was done and said, but not all of it (a switch that
# refused, a port not changed, a phone that did not answer). Scripts must not read it as done.
EXIT_NOT_ALL_DONE = 3


class NotAllDone(Exception):
    """Raised by a command after it said what was and was not done: `main` exits 3."""


def not_all_done() -> None:
    raise NotAllDone


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def parse_datetime(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a date or time like 2026-12-01 or 2026-12-01T09:30"
        ) from None
    return value if value.tzinfo else value.astimezone()


def read_csv_text(file: Path) -> str:
    """An import file (or standard input for `-`) as text: UTF-8, a byte-order mark allowed."""
    try:
        raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        return raw.decode("utf-8-sig")
    except OSError as err:
        raise InvalidInput(f"cannot read {file}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{file} is not UTF-8 text; save the CSV as UTF-8") from None


@contextmanager
def open_csv(file: Path) -> Iterator[TextIO]:
    """An import file (or standard input for `-`) opened for reading as it goes: UTF-8, a
    byte-order mark allowed. A byte that is not UTF-8 is refused where it is read."""
    if str(file) == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        try:
            yield stream
        finally:
            stream.detach()  # standard input stays open
        return
    try:
        opened = file.open(encoding="utf-8-sig", newline="")
    except OSError as err:
        raise InvalidInput(f"cannot read {file}: {err.strerror}") from None
    with opened:
        yield opened


def say(text: str) -> None:
    """A note for the person at the terminal; stderr keeps --json output clean."""
    print(text, file=sys.stderr)


class Group:
    """A command group such as `numbers`, holding its subcommands."""

    def __init__(
        self,
        parser: argparse.ArgumentParser,
        common: argparse.ArgumentParser,
        required: bool = True,
    ) -> None:
        self._sub = parser.add_subparsers(metavar="COMMAND", required=required)
        self._common = common

    def command(self, name: str, help: str, handler: Handler) -> argparse.ArgumentParser:
        parser = self._sub.add_parser(name, help=help, description=help, parents=[self._common])
        parser.set_defaults(handler=handler)
        return parser


class CommandTree(Group):
    """The top of the command line; `group` adds a command group."""

    def group(self, name: str, help: str) -> Group:
        parser = self._sub.add_parser(name, help=help, description=help)
        return Group(parser, self._common)
