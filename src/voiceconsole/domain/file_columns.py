"""The columns of the files voiceconsole writes and reads again, in order.

An export's numbers CSV must import again (`numbers import`), so the export and the import
share these names rather than each keeping a copy.
"""

from __future__ import annotations

# Where another file of ours reads the same thing, the name is that file's: `number` and
# `note` as `numbers import` reads them; `mac`, `model`, `floor_port`, `label`, `site` as
# `handsets import`; `label`, `interface`, `space` as `switches map --csv`.
NUMBER_COLUMNS = (
    "number",
    "national",
    "site",
    "state",
    "origin",
    "main",
    "label",
    "handset",
    "line_key",
    "porting_carrier",
    "porting_account_ref",
    "note",
)
HANDSET_COLUMNS = ("site", "mac", "model", "label", "state", "floor_port", "lines")
PORT_COLUMNS = ("site", "floor", "label", "space", "switch", "interface", "role")
