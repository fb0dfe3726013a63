"""placeholder"""

from textual.screen import ModalScreen


class ManageServicesDialog(ModalScreen[None]):
    def __init__(self, occupier: str, site: str):
        super().__init__()
