"""The demo, above the core: an ILLUSTRATIVE New START ledger of the US and Russia, 2011–2023, built from the plans
in ``data/``, and an in-memory counterparty that can cheat, for verification research and the attack tests.

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
