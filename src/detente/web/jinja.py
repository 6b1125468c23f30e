"""The Jinja2 environment of every page and the fact sheet: HTML escaped everywhere, an undefined name an error."""

from __future__ import annotations

import functools

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from detente.web.tables import raw, shown


@functools.cache
def templates() -> Environment:
    """The templates in ``detente/web/templates``, with the filters ``shown`` (a number as shown) and ``raw``."""
    env = Environment(
        loader=PackageLoader("detente.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["shown"] = shown
    env.filters["raw"] = raw
    return env
