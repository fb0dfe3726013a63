"""The fault suite: kill -9 at random points, races between processes, invariants after.
It reuses the switch tests' lab helpers (a `voiceconsole lab` run as a real process)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "switches"))
