"""Use cases: one async function per thing a user does, one transaction each.

The TUI and the CLI call these same functions. Each mutation writes exactly one audit entry
(who, when, what, before -> after) inside its own transaction.
"""
