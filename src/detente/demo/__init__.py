"""The demo, above the core: an ILLUSTRATIVE ledger, and a counterparty that can cheat.

The New START ledger of the US and Russia, 2011–2023, is built from the plans in ``data/``; the in-memory
counterparty serves verification research and the attack tests.

The names below are the public API; everything else in these modules is internal.
"""

from detente.demo.ledger import build_demo_ledger, demo_key, demo_keys
from detente.demo.plans import demo_dates
from detente.demo.simulate import Counterparty, Delivery, Fork, Observer, exchange

__all__ = [
    "Counterparty",
    "Delivery",
    "Fork",
    "Observer",
    "build_demo_ledger",
    "demo_dates",
    "demo_key",
    "demo_keys",
    "exchange",
]
