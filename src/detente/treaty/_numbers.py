"""Bounds on the whole numbers of treaty files (docs/treaty-format.md, "Numbers").

Every count, value, ceiling, attributed number and limit lies between 0 and 10^12, and every number of days between
0 and 36,525 (a century): beyond any arsenal or deadline there has been, so a larger number is a typo, not a treaty.
Counting itself is exact for any number (detente.counting); the bound is here because a limit or a weight no force
could ever reach hides the mistake that wrote it, and a deadline beyond the calendar breaks date arithmetic.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

MOST = 10**12
MOST_DAYS = 36_525


def _in_bounds(value: int, most: int, what: str) -> int:
    if value < 0:
        raise ValueError(f"{value:,} is negative: {what} is a whole number from 0")
    if value > most:
        raise ValueError(f"{value:,} is above {most:,}, the most {what} may be: a larger number is a typo")
    return value


def check_number(value: int) -> int:
    """A treaty file's whole number, refused below 0 or above 10^12 with the reason."""
    return _in_bounds(value, MOST, "a number in a treaty file")


def _days(value: int) -> int:
    return _in_bounds(value, MOST_DAYS, "a number of days (a century)")


Number = Annotated[int, Field(ge=0, json_schema_extra={"maximum": MOST}), AfterValidator(check_number)]
Positive = Annotated[int, Field(ge=1, json_schema_extra={"maximum": MOST}), AfterValidator(check_number)]
Days = Annotated[int, Field(ge=0, json_schema_extra={"maximum": MOST_DAYS}), AfterValidator(_days)]
