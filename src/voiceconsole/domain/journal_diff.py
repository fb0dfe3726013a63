"""A journal entry's data before and after, as lines a person reads.

An entry stores what it changed as JSON: a record (`{"quantity": 8}`), or a list of records
(one per number of a bulk release). Read as a diff:
- a record: each field that changed, `quantity: 8 → 6`; fields that only one side has are
  said as set or removed; unchanged fields are left out;
- a list of records with an identity (a number, a label): the records are matched by it, and
  those that changed alike are said once, with the list of them ("5 numbers: 020 7946 0053,
  ...: state reserved → cooldown"), so a bulk action of thousands of numbers stays short;
- numbers in national format, occupiers by code (the data holds their ids), yes/no, none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from voiceconsole.domain.phone import national
from voiceconsole.domain.words import counted

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# What identifies a record in a list, first found wins; and what a person calls it.
IDENTITIES = {"e164": "number", "label": "floor port", "mac": "handset", "code": "item"}
LISTED = 6  # identities named per group before "and N more"


@dataclass(frozen=True)
class DiffLine:
    depth: int  # indent level
    kind: str  # "group", "changed", "set", "removed"
    text: str


def describe(before: Any, after: Any, occupiers: dict[int, str] | None = None) -> list[DiffLine]:
    """The lines that say how `after` differs from `before` (either may be None)."""
    return _Differ(occupiers or {}).any(before, after, 0)


class _Differ:
    def __init__(self, occupiers: dict[int, str]) -> None:
        self.occupiers = occupiers

    def any(self, before: Any, after: Any, depth: int) -> list[DiffLine]:
        if _records(before) or _records(after):
            identity = _identity(before or [], after or [])
            if identity:
                return self.records(before or [], after or [], identity, depth)
        if isinstance(before, list) or isinstance(after, list):
            return self.items(before or [], after or [], depth)
        if isinstance(before, dict) or isinstance(after, dict):
            return self.fields(
                before if isinstance(before, dict) else {},
                after if isinstance(after, dict) else {},
                depth,
            )
        if before == after:
            return []
        if before is None:
            return [DiffLine(depth, "set", self.value("", after))]
        if after is None:
            return [DiffLine(depth, "removed", f"{self.value('', before)} (removed)")]
        return [DiffLine(depth, "changed", f"{self.value('', before)} → {self.value('', after)}")]

    def fields(self, before: dict[str, Any], after: dict[str, Any], depth: int) -> list[DiffLine]:
        before, after = _shown(before), _shown(after)
        if before and after and not before.keys() & after.keys():
            # Two different records (the occupier's figures before, the service after):
            # each in full, not one as removed and the other as set.
            return [
                DiffLine(depth, "group", "before:"),
                *self.fields({}, before, depth + 1),
                DiffLine(depth, "group", "after:"),
                *self.fields({}, after, depth + 1),
            ]
        lines: list[DiffLine] = []
        for key in dict.fromkeys([*after, *before]):
            old, new = before.get(key), after.get(key)
            if key in before and key in after and old == new:
                continue
            name = _field_name(key)
            if _nested(old) or _nested(new):
                inner = self.any(old, new, depth + 1)
                if inner:
                    lines += [DiffLine(depth, "group", f"{name}:"), *inner]
            elif key not in before:
                lines.append(DiffLine(depth, "set", f"{name}: {self.value(key, new)}"))
            elif key not in after:
                lines.append(
                    DiffLine(depth, "removed", f"{name}: {self.value(key, old)} (removed)")
                )
            else:
                lines.append(
                    DiffLine(
                        depth, "changed", f"{name}: {self.value(key, old)} → {self.value(key, new)}"
                    )
                )
        return lines

    def records(
        self, before: list[dict[str, Any]], after: list[dict[str, Any]], identity: str, depth: int
    ) -> list[DiffLine]:
        olds = {r[identity]: r for r in before}
        news = {r[identity]: r for r in after}
        # Records that changed alike, in the order they come: one group each.
        groups: dict[tuple[str, ...], list[Any]] = {}
        for ident in dict.fromkeys([*news, *olds]):
            old, new = (
                None if r is None else {k: v for k, v in r.items() if k != identity}
                for r in (olds.get(ident), news.get(ident))
            )
            lines = self.any(old, new, depth + 1)
            if ident not in olds:
                lines = [DiffLine(depth + 1, "set", "added"), *lines]
            elif ident not in news:
                lines = [DiffLine(depth + 1, "removed", "removed")]
            key = tuple(f"{line.depth}|{line.kind}|{line.text}" for line in lines)
            groups.setdefault(key, []).append(ident)
        out: list[DiffLine] = []
        noun = IDENTITIES[identity]
        for key, idents in groups.items():
            if not key:
                continue  # records that did not change
            named = [self.value(identity, i) for i in idents[:LISTED]]
            more = f" and {len(idents) - LISTED:,} more" if len(idents) > LISTED else ""
            head = counted(len(idents), noun) if len(idents) > 1 else noun
            out.append(DiffLine(depth, "group", f"{head}: {', '.join(named)}{more}"))
            for line in key:
                level, kind, text = line.split("|", 2)
                out.append(DiffLine(int(level), kind, text))
        return out

    def items(self, before: list[Any], after: list[Any], depth: int) -> list[DiffLine]:
        """A list without identities (ranges, codes): each item added or removed."""
        lines = [DiffLine(depth, "set", self.value("", v)) for v in after if v not in before]
        lines += [
            DiffLine(depth, "removed", f"{self.value('', v)} (removed)")
            for v in before
            if v not in after
        ]
        return lines

    def value(self, key: str, value: Any) -> str:
        if key == "occupier_id":
            if value is None:
                return "none"
            return self.occupiers.get(value, "an occupier no longer on record")
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, str):
            return national(value) if E164.match(value) else value or '""'
        if isinstance(value, list):
            return ", ".join(self.value(key, v) for v in value) or "none"
        if isinstance(value, dict):
            return ", ".join(
                f"{_field_name(k)} {self.value(k, v)}" for k, v in value.items() if not _internal(k)
            )
        return str(value)


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    """A record without its internal ids (a row id means nothing to a person; occupiers are
    said by code)."""
    return {k: v for k, v in record.items() if not _internal(k)}


def _internal(key: str) -> bool:
    return key in ("id", "change") or (key.endswith("_id") and key != "occupier_id")


def _records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _nested(value: Any) -> bool:
    return isinstance(value, dict) or _records(value)


def _identity(*lists: list[dict[str, Any]]) -> str | None:
    records = [r for records in lists for r in records]
    for key in IDENTITIES:
        values = [r.get(key) for r in records]
        if all(isinstance(v, str) for v in values):
            return key
    return None


def _field_name(key: str) -> str:
    if key == "occupier_id":
        return "occupier"
    if key == "e164":
        return "number"
    return key.replace("_", " ")
