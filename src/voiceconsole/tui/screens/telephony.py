"""placeholder"""

from textual.screen import Screen


class TelephonyScreen(Screen[None]):
    def __init__(self, site: str, *, occupier: str | None = None, search: str | None = None):
        super().__init__()
