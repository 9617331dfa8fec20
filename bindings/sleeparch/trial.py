"""The randomised self-trial (METRICS.md section 7): ``sa.plan(...)`` and
``sa.compare(..., design="plan.json")``.

    p = sa.plan("2027-01-04", weeks=14, seed=7, history=sa.load("export.zip"))
    p.periods            # first_night, last_night, condition, period
    p.power              # weeks, nights, smallest_p, power, mde
    p.write("plan.json") # plan.json, plan.ics, plan-intake.csv (and plan-key.json when blinded)
    trial = sa.compare(sa.load("export.zip"), "plan-intake.csv", design="plan.json")
    trial.table()[["metric", "diff", "ci_low", "ci_high", "p", "verdict"]]
"""
from __future__ import annotations

import copy
import json
import os

import numpy as np
import pandas as pd

from . import _core
from ._files import write_text

_TEXT_COLUMNS = ("metric", "unit", "verdict", "sentence", "primary", "carryover")


class Plan:
    """A plan from :func:`plan`: ``periods`` and ``power`` DataFrames, ``ics``,
    ``intake_template``, ``to_dict()`` (plan.json) and ``write(path)``."""

    def __init__(self, result: dict):
        self._result = result

    def to_dict(self) -> dict:
        """plan.json as written (the person's copy: codes A/B when blinded)."""
        return copy.deepcopy(self._result["plan"])

    @property
    def key(self):
        """The key of a blinded plan ({"codes": {"A": ...}}), else None."""
        return copy.deepcopy(self._result["key"])

    @property
    def ics(self) -> str:
        return self._result["ics"]

    @property
    def intake_template(self) -> str:
        return self._result["intake_template"]

    @property
    def periods(self) -> pd.DataFrame:
        df = pd.DataFrame(self._result["plan"]["periods"])
        for col in ("first_night", "last_night"):
            df[col] = pd.to_datetime(df[col]).dt.date
        return df

    @property
    def power(self) -> pd.DataFrame:
        return pd.DataFrame(self._result["power"], columns=["weeks", "nights", "smallest_p", "power", "mde"])

    def write(self, path: str) -> list:
        """Writes plan.json at ``path`` and PLAN.ics, PLAN-intake.csv (PLAN-key.json) beside it."""
        stem = os.path.splitext(path)[0]
        files = [(path, json.dumps(self._result["plan"], indent=2) + "\n"), (stem + ".ics", self.ics),
                 (stem + "-intake.csv", self.intake_template)]
        if self._result["key"] is not None:
            files.append((stem + "-key.json", json.dumps(self._result["key"], indent=2) + "\n"))
        for p, text in files:
            write_text(p, text)
        return [p for p, _ in files]

    def __repr__(self) -> str:
        p = self._result["plan"]
        s = p["scheme"]
        return (f"<Plan | {p['start']}..{p['last_night']}, {2 * s['pairs']} periods x {s['period_nights']} nights, "
                f"{s['possible_assignments']} assignments, smallest p {s['smallest_p']:.4f}"
                f"{', blinded' if p['blind'] else ''}>")


def plan(start, weeks=14, seed=_core.default_plan_seed, blind=False, washout=3, dose_mg=300.0, history=None,
         effect=-10.0, simulations=400) -> Plan:
    """A randomised, balanced plan of magnesium and control periods, as ``sleeparch plan``.

    ``start``: the first night (label date, ``"2027-01-04"`` or a date); ``weeks``: an even
    number from 12 (pairs of 7-night periods); ``history``: a NightSet of past nights to
    simulate the trial on (``power``: power and MDE for 8/12/16/24 weeks, SOL ``effect`` min).
    """
    start = start.isoformat() if hasattr(start, "isoformat") else str(start)
    loaded = history._loaded if history is not None else None
    return Plan(_core.plan(start, weeks=int(weeks), washout=int(washout), seed=int(seed), blind=bool(blind),
                           dose_mg=float(dose_mg), effect=float(effect), simulations=int(simulations),
                           history=loaded))


class TrialComparison:
    """``sa.compare(..., design=...)``: ``table()``, ``adherence``, ``distribution``,
    ``warnings``, ``summary`` and ``to_dict()`` (``compare --design --format json``)."""

    def __init__(self, result: dict):
        self._result = result

    def to_dict(self) -> dict:
        return copy.deepcopy(self._result)

    def table(self) -> pd.DataFrame:
        df = pd.DataFrame(self._result["metrics"])
        for col in df.columns:
            if col not in _TEXT_COLUMNS:
                df[col] = pd.to_numeric(df[col].astype(object).where(df[col].notna(), np.nan))
        return df

    @property
    def adherence(self) -> dict:
        return dict(self._result["adherence"])

    @property
    def distribution(self) -> dict:
        return dict(self._result["distribution"])

    @property
    def warnings(self) -> list:
        return list(self._result["warnings"])

    @property
    def summary(self) -> str:
        return self._result["summary"]

    def __repr__(self) -> str:
        lines = [m["sentence"] for m in self._result["metrics"] if m["primary"]]
        return "<TrialComparison>\n" + "\n".join(lines + [self.summary])


def compare_design(nights, intake, design, key=None, metrics=None, primary="sol_min", source=None,
                   seed=_core.default_compare_seed) -> TrialComparison:
    from .comparison import _intake_for

    log = _intake_for(nights, intake)._log if intake is not None else None
    return TrialComparison(_core.compare_design(
        nights._loaded, log, str(design), key=str(key) if key else "",
        metrics=[metrics] if isinstance(metrics, str) else list(metrics or []), primary=primary or "",
        source=source or "", seed=int(seed)))
