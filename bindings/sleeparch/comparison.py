"""The before/after comparison (METRICS.md section 5) and serum interpretation."""
import datetime
import textwrap

import numpy as np
import pandas as pd

from . import _core
from .intake import _intake_for

_PERIODS = ("baseline", "washout", "treatment", "post")


def _range(value, what):
    """"A..B", a (first, last) pair of dates/strings/None, or None -> "A..B" / ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        first, last = value
    except (TypeError, ValueError):
        raise _core.UsageError(f"{what}: expected 'YYYY-MM-DD..YYYY-MM-DD' or a (first, last) pair") from None

    def side(d):
        if d is None:
            return ""
        if isinstance(d, datetime.datetime):
            d = d.date()
        return d.isoformat() if isinstance(d, datetime.date) else str(d)

    return f"{side(first)}..{side(last)}"


def compare(
    nights,
    intake=None,
    baseline=None,
    treatment=None,
    post=None,
    washout=7,
    metrics=None,
    seed=_core.default_compare_seed,
    resamples=10000,
    primary="sol_min",
    source=None,
    all_sources=False,
    threads=0,
    design=None,
    key=None,
):
    """Did sleep change after starting magnesium? As ``sleeparch compare``.

    With ``design="plan.json"`` (a plan from ``sa.plan``/``sleeparch plan``; ``key``: the key
    of a blinded plan) the randomised trial is analysed instead (METRICS.md section 7) and a
    ``TrialComparison`` is returned, as ``sleeparch compare --design``.

    Periods come from the intake log unless both ``baseline`` and ``treatment`` are given
    (``"2025-01-06..2025-02-28"`` or a ``(first, last)`` pair). ``washout``: nights from the
    first dose left out; ``metrics``: names (default: sa.compare's ten); ``seed`` and
    ``resamples``: the bootstrap sensitivity interval; ``primary``: the metric reported
    without Holm adjustment (``sol_min``). ``source``: the one source whose nights are
    compared (default: the one with the most nights among those in both periods);
    ``all_sources=True`` keeps every source and adjusts for source and epoch length.

        cmp = sa.compare(nights, "data/intake.csv")
        cmp.table()[["metric", "diff", "ci_low", "ci_high", "verdict"]]

    The result describes an association; it never says magnesium caused a change.
    """
    if design is not None:
        from .trial import compare_design

        return compare_design(nights, intake, design, key=key, metrics=metrics, primary=primary, source=source,
                              seed=seed)
    log = _intake_for(nights, intake)._log if intake is not None else None
    result = _core.compare(
        nights._loaded,
        log,
        baseline=_range(baseline, "baseline"),
        treatment=_range(treatment, "treatment"),
        post=_range(post, "post"),
        washout=int(washout),
        metrics=[metrics] if isinstance(metrics, str) else list(metrics or []),
        seed=int(seed),
        resamples=int(resamples),
        primary=primary or "",
        source=source or "",
        all_sources=bool(all_sources),
        threads=int(threads),
    )
    return Comparison(result)


class Comparison:
    """The comparison's result: ``table()``, ``periods``, ``warnings``, ``serum``, ``summary``
    (the closing paragraph) and ``to_dict()`` (the structure of ``compare --format json``)."""

    def __init__(self, result: dict):
        self._result = result

    def to_dict(self) -> dict:
        """Everything, as ``sleeparch compare --format json`` gives it (undefined numbers as None)."""
        import copy

        return copy.deepcopy(self._result)

    def table(self) -> pd.DataFrame:
        """One row per metric, the columns of the JSON ``metrics`` entries (None -> NaN)."""
        rows = self._result["metrics"]
        df = pd.DataFrame(rows)
        for col in df.columns:
            if col in ("metric", "unit", "verdict", "sentence", "dose_response", "sensitivity", "primary"):
                continue
            df[col] = pd.to_numeric(df[col].astype(object).where(df[col].notna(), np.nan))
        return df

    @property
    def periods(self) -> dict:
        """name -> {"first", "last" (datetime.date or None), "nights"}."""
        out = {}
        for name in _PERIODS:
            p = self._result[name]
            out[name] = {
                "first": datetime.date.fromisoformat(p["first"]) if p["first"] else None,
                "last": datetime.date.fromisoformat(p["last"]) if p["last"] else None,
                "nights": p["nights"],
            }
        return out

    def sensitivity(self) -> pd.DataFrame:
        """One row per metric and sensitivity analysis (trend_adjusted, tag_adjusted,
        all_sources, bootstrap): estimate, ci_low, ci_high, p, n, covariates. Never the verdict."""
        rows = []
        for m in self._result["metrics"]:
            for name, s in m.get("sensitivity", {}).items():
                rows.append({"metric": m["metric"], "analysis": name, **s})
        df = pd.DataFrame(rows, columns=["metric", "analysis", "ok", "n", "estimate", "ci_low", "ci_high", "p", "covariates"])
        for col in ("estimate", "ci_low", "ci_high", "p"):
            df[col] = pd.to_numeric(df[col].astype(object).where(df[col].notna(), np.nan))
        return df

    @property
    def primary(self) -> str:
        return self._result["primary"]

    @property
    def source(self):
        """The source compared (None with all_sources or when no source spans both periods)."""
        return self._result["source"]

    @property
    def sources(self) -> list:
        """Nights per source in baseline and treatment, and whether they were compared."""
        return [dict(s) for s in self._result["sources"]]

    @property
    def warnings(self):
        return list(self._result["warnings"])

    @property
    def serum(self):
        return [dict(s) for s in self._result["serum"]]

    @property
    def summary(self) -> str:
        return self._result["summary"]

    def __repr__(self):
        r = self._result
        lines = [
            "Before/after magnesium: "
            + ("periods from the intake log" if r["periods_from_log"] else "periods as given"),
            "",
        ]
        for name in _PERIODS:
            p = r[name]
            if p["first"] is None and p["last"] is None and not p["nights"]:
                continue
            lines.append(f"  {name:<10} {p['first'] or '...'} .. {p['last'] or '...'}  {p['nights']} nights")
        if r["all_sources"]:
            lines.append("  sources: all kept, estimates adjusted for source and epoch length")
        elif r["source"]:
            lines.append(f"  source compared: {r['source']}")
        else:
            lines.append("  no source recorded nights in both periods: not comparable")
        for s in r["sources"]:
            if not s["compared"]:
                lines.append(f"  left out: {s['source']} ({s['baseline']} baseline, {s['treatment']} treatment nights)")
        lines += ["", "In plain words:"]
        for m in sorted(r["metrics"], key=lambda m: not m["primary"]):
            text = ("Primary: " if m["primary"] else "") + m["sentence"]
            lines.append(textwrap.fill(text, 96, initial_indent="- ", subsequent_indent="  "))
        sens = [m for m in r["metrics"] if m.get("sensitivity")]
        if sens:
            lines += ["", "Sensitivity (not the verdict): estimate (95% CI)"]
            for m in sens:
                parts = []
                for name, s in m["sensitivity"].items():
                    if s["ok"]:
                        parts.append(f"{name} {s['estimate']:.1f} ({s['ci_low']:.1f} to {s['ci_high']:.1f})")
                lines.append(textwrap.fill(f"{m['metric']}: " + "; ".join(parts), 96, initial_indent="- ", subsequent_indent="  "))
        if r["serum"]:
            lines += ["", "Serum magnesium:"]
            for s in r["serum"]:
                lines.append(
                    textwrap.fill(f"{s['date']}: {s['interpretation']}", 96, initial_indent="- ", subsequent_indent="  ")
                )
        if r["warnings"]:
            lines += ["", "Warnings:"]
            for w in r["warnings"]:
                lines.append(textwrap.fill(w, 96, initial_indent="- ", subsequent_indent="  "))
        lines += ["", textwrap.fill(r["summary"], 96)]
        return "\n".join(lines)


def serum(value, unit="mmol/L") -> dict:
    """What a serum magnesium result means, as ``sleeparch serum VALUE UNIT``:
    value, unit, mmol_per_l, band ("below_range", "low_normal", "adequate") and
    the interpretation in plain words.

        sa.serum(0.80, "mmol/L")["band"]  # 'low_normal'
    """
    return dict(_core.serum(float(value), str(unit)))
