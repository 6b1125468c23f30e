"""The inspection game under inspector leadership: when legal behaviour is the inspectee's best reply.

The model (after R. Avenhaus, B. von Stengel and S. Zamir, "Inspection games", in *Handbook of Game Theory with
Economic Applications*, vol. 3, ch. 51, Elsevier, 2002; and R. Avenhaus and M. J. Canty, *Compliance
Quantified*, Cambridge University Press, 1996). Payoffs are the inspectee's, in one common unit, with legal
behaviour and no alarm as zero:

- violate and be caught (probability p, the detection probability): ``−b``, the sanction;
- violate and not be caught (probability 1 − p): ``+g``, the gain from the violation;
- behave legally: nothing, except that with false-alarm probability α an alarm is raised anyway, costing ``h``.

So violating is worth ``(1 − p) g − p b`` and behaving legally ``−α h``. Under *inspector leadership* the inspector
announces and commits to the inspection scheme — hence to p and α — before the inspectee acts; the inspectee
replies to that announcement. Legal behaviour is then a best reply exactly when

    (1 − p) g − p b ≤ −α h,   that is   p ≥ p* = (g + α h) / (g + b).

At equality the inspectee is indifferent; the leadership solution takes the follower to act as the leader wants
(legally), as is usual for leader–follower equilibria. Without false alarms the threshold is ``g / (g + b)``:
the more a violation gains and the less a detection costs, the more probable detection must be. Without
commitment (both moving at once) the equilibrium has the inspectee violating with positive probability; this
module does not compute that game, only the leadership condition.

If ``p*`` exceeds 1 (a false alarm costs the inspectee more than a sanction: ``α h > b``), no inspection scheme
with that false-alarm rate deters, and the functions say so rather than return a probability above one.

Detection probabilities become inspections through :mod:`detente.verification.detection`: the smallest sample of
items at a site, or the smallest number of independent inspections a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from detente.errors import Location, StatisticsError
from detente.verification.detection import (
    check_probability,
    exact_number,
    inspections_needed,
    sample_size,
)


def _amount(name: str, value: object, positive: bool = False) -> Fraction:
    """An amount as an exact fraction (a float as the decimal it prints as)."""
    number = exact_number(name, value)
    if number < 0 or (positive and number == 0):
        bound = "above 0" if positive else "0 or more"
        raise StatisticsError(f"must be {bound}, got {float(number):g}", Location(field=name))
    return number


@dataclass(frozen=True)
class Game:
    """One inspection game: the inspectee's gain ``g``, the sanction ``b``, and the false-alarm rate and cost.

    ``gain`` must be above 0 (a violation that gains nothing needs no deterring); ``sanction``, ``false_alarm_cost``
    ≥ 0; ``false_alarm_rate`` in [0, 1].
    """

    gain: float
    sanction: float
    false_alarm_rate: float = 0.0
    false_alarm_cost: float = 0.0

    def __post_init__(self) -> None:
        _amount("gain g", self.gain, positive=True)
        _amount("sanction b", self.sanction)
        check_probability("false-alarm rate", self.false_alarm_rate)
        _amount("false-alarm cost", self.false_alarm_cost)

    def _exact_violation(self, detection: float | Fraction) -> Fraction:
        p = check_probability("detection probability p", detection)
        return (1 - p) * _amount("gain g", self.gain) - p * _amount("sanction b", self.sanction)

    def _exact_legal(self) -> Fraction:
        alpha = check_probability("false-alarm rate", self.false_alarm_rate)
        return -alpha * _amount("false-alarm cost", self.false_alarm_cost)

    def violation_payoff(self, detection: float | Fraction) -> float:
        """The inspectee's expected payoff from violating: ``(1 − p) g − p b``."""
        return float(self._exact_violation(detection))

    def legal_payoff(self) -> float:
        """The inspectee's expected payoff from behaving legally: ``−α h``."""
        return float(self._exact_legal())

    @property
    def exact_threshold(self) -> Fraction:
        """``p* = (g + α h) / (g + b)`` as an exact fraction (floats read as the decimals they print as)."""
        g, b = _amount("gain g", self.gain), _amount("sanction b", self.sanction)
        return (g - self._exact_legal()) / (g + b)

    @property
    def threshold(self) -> float:
        """``p* = (g + α h) / (g + b)``, the smallest detection probability that deters (may exceed 1)."""
        return float(self.exact_threshold)

    @property
    def deterrable(self) -> bool:
        """Whether some detection probability (at most 1) makes legal behaviour a best reply."""
        return self.exact_threshold <= 1

    def deters(self, detection: float | Fraction) -> bool:
        """Whether legal behaviour is the inspectee's best reply to detection probability p (ties: legal)."""
        return self._exact_violation(detection) <= self._exact_legal()

    def minimum_detection(self) -> Fraction:
        """The smallest detection probability that deters, exactly; StatisticsError if none at most 1 does."""
        if not self.deterrable:
            raise StatisticsError(
                f"no detection probability deters: it would have to be {self.threshold:.3f} > 1",
                Location(field="false-alarm cost"),
                "a false alarm costs the inspectee more than a sanction; lower the false-alarm rate or raise b",
            )
        return self.exact_threshold

    def minimum_sample(self, population: int, violations: int) -> int:
        """Fewest items of N to examine (M in violation) whose detection probability deters."""
        return sample_size(population, violations, self.minimum_detection()).exact

    def minimum_inspections(self, per_inspection: float) -> int:
        """Fewest independent inspections, each detecting with ``per_inspection``, that together deter."""
        return inspections_needed(per_inspection, self.minimum_detection())
