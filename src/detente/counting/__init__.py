"""Counting a force under treaty readings, and judging the counts against limits on a date."""

from detente.counting.classes import Classes
from detente.counting.compliance import Compliance, Line, Verdict, judge
from detente.counting.readings import Reading, count_readings, parse_reading
from detente.counting.tally import Count, Tally, Violation, count

__all__ = [
    "Classes",
    "Compliance",
    "Count",
    "Line",
    "Reading",
    "Tally",
    "Verdict",
    "Violation",
    "count",
    "count_readings",
    "judge",
    "parse_reading",
]
