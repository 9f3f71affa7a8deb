"""A piece that a lower app asks for and a higher app supplies when Django starts (its
AppConfig.ready), so that the lower one never imports the higher (architecture.md)."""


class Supplied:
    def __init__(self, what: str, supplier: str):
        self.what, self.supplier, self._piece = what, supplier, None

    def supply(self, piece) -> None:
        self._piece = piece

    def __call__(self):
        if self._piece is None:
            raise RuntimeError(f"No {self.what}: {self.supplier} supplies it when Django starts.")
        return self._piece
