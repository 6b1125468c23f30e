"""A party's node: its ledger as a C2SP tiled log, a witness and mirror of each peer's log, and the exchange."""

__all__: list[str] = []
