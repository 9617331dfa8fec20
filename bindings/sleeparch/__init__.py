"""sleeparch: sleep architecture from wearable exports, and before/after magnesium comparisons.

    import sleeparch as sa
    nights = sa.load(["export.zip", "Takeout/"], tz="Europe/Berlin")
    df = nights.metrics()                 # one row per night, every scalar metric
    intake = sa.read_intake("intake.csv")
    cmp = sa.compare(nights, intake)      # .table(), .summary, .warnings; repr in plain words
    sa.plot.trend(df, "deep_pct", comparison=cmp)
    html = sa.report(nights, intake, "report.html")  # the page of `sleeparch report`

The heavy work (import, night assembly, metrics, comparison) runs in the C++
core (``sleeparch._core``) with the GIL released, so threads scale.
"""
from . import _core, plot  # plot imports matplotlib only when drawing
from ._core import IoError, ParseError, UsageError
from .agree import Agreement, agree
from .cohort import load_cohort
from .comparison import Comparison, compare, serum
from .intake import Intake, link, read_intake
from .nights import NIGHT_FIELDS, STAGES, Night, NightSet, formats, load, metric_info
from .report import report
from .trial import Plan, TrialComparison, plan

__version__ = "0.1.0"

for _error in (IoError, ParseError, UsageError):
    _error.__module__ = __name__
del _error

__all__ = [
    "Agreement",
    "agree",
    "Comparison",
    "Intake",
    "IoError",
    "Night",
    "NIGHT_FIELDS",
    "NightSet",
    "ParseError",
    "STAGES",
    "UsageError",
    "compare",
    "formats",
    "link",
    "load",
    "load_cohort",
    "metric_info",
    "plot",
    "read_intake",
    "report",
    "serum",
    "Plan",
    "TrialComparison",
    "plan",
]

