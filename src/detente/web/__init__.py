"""The dashboard: a ledger's numbers as web pages (``detente web``, or a node's ``/dashboard/``), and the fact sheet.

Counts, holdings, item histories, integrity, notifications, inspections, detection odds, treaties and plans.

Read it in this order: ``source`` (the ledger and the numbers computed from it), ``tables`` (how every number is
shown, charted and downloaded), ``page`` (what a view returns, and how its query is read), the views (one module
each, listed in ``views``), ``app`` (the ASGI app).
"""

from detente.web.app import create_app
from detente.web.source import Source

__all__ = ["Source", "create_app"]
