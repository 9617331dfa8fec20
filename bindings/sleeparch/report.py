"""The before/after report as one self-contained HTML page, as ``sleeparch report``."""
import os

from . import _core
from ._files import write_text
from .comparison import _range
from .intake import _intake_for


def report(
    nights,
    intake=None,
    path=None,
    *,
    baseline=None,
    treatment=None,
    post=None,
    washout=None,
    metrics=None,
    seed=None,
    resamples=None,
    primary=None,
    source=None,
    all_sources=False,
    threads=0,
    hypnograms=None,
    stamp=False,
    design=None,
    key=None,
) -> str:
    """The HTML page of ``sleeparch report`` for these nights: the same bytes for the same
    inputs, options and seed (inline CSS and SVG, no script, nothing fetched).

    intake: an :class:`Intake` or a path; without it (or ``baseline`` and ``treatment``)
    the page shows the nights only. The comparison options are those of
    :func:`sleeparch.compare` (None: the library's defaults); ``hypnograms``: how many to
    draw (default 14); ``stamp``: print the time of generation. ``path``: also write the
    page there (written whole, then renamed). ``design``: a plan.json (``key``: its key when
    blinded): the page shows the randomised trial (``sleeparch report --design``).

        html = sa.report(nights, "data/intake.csv", "report.html")
    """
    log = _intake_for(nights, intake)._log if intake is not None else None
    options = {
        "baseline": _range(baseline, "baseline"),
        "treatment": _range(treatment, "treatment"),
        "post": _range(post, "post"),
        "metrics": [metrics] if isinstance(metrics, str) else list(metrics or []),
        "source": source or "",
        "all_sources": bool(all_sources),
        "threads": int(threads),
        "stamp": bool(stamp),
        "design": os.fspath(design) if design is not None else "",
        "key": os.fspath(key) if key is not None else "",
    }
    for name, value in (("washout", washout), ("seed", seed), ("resamples", resamples), ("hypnograms", hypnograms)):
        if value is not None:
            options[name] = int(value)
    if primary is not None:
        options["primary"] = primary
    html, _notes = _core.report(nights._loaded, log, **options)
    if path is not None:
        write_text(path, html)
    return html
