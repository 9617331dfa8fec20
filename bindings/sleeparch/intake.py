"""Magnesium intake logs and linking doses to nights."""
import os

import numpy as np
import pandas as pd

from . import _core
from ._time import local_timestamp, parse_date


def read_intake(path, tz=None):
    """Reads an intake log (CSV or JSON, see the README) or an export with magnesium
    records (Apple Health) into an :class:`Intake`.

    tz: zone for clock times written without an offset; without it they take the
    offset of the nearest recorded night when linked or compared.

        intake = sa.read_intake("data/intake.csv")
    """
    return Intake(_core.read_intake(os.fspath(path), tz=tz or ""), tz=tz)


class Intake:
    """Doses (supplements, dietary intake, tag-only events) and serum results."""

    def __init__(self, log, tz=None):
        self._log = log
        self.tz = tz

    @property
    def path(self):
        return self._log.path

    @property
    def warnings(self):
        return list(self._log.warnings)

    @property
    def doses(self) -> pd.DataFrame:
        """One row per entry. ``time`` is tz-aware when the offset is known (NaT for date-only
        entries and for clock times without offset, which get the nearest night's offset
        when linked); ``local_time`` is the wall clock as written; ``date`` the date of
        date-only entries."""
        c = self._log.dose_columns()
        known = np.asarray(c["offset_known"], dtype=bool)
        times = c["time"]
        offsets = c["utc_offset_min"]
        time = [local_timestamp(t, o) if k else pd.NaT for t, o, k in zip(times, offsets, known)]
        local = [
            pd.NaT if np.isnan(t) else (local_timestamp(t, o).tz_localize(None) if k else pd.Timestamp(int(t), unit="s"))
            for t, o, k in zip(times, offsets, known)
        ]
        return pd.DataFrame(
            {
                "date": [parse_date(d) for d in c["date"]],
                "time": pd.Series(time, dtype=object if len(set(offsets)) > 1 else None),
                "local_time": pd.Series(local, dtype="datetime64[ns]"),
                "kind": c["kind"],
                "mg_elemental": c["mg_elemental"],
                "form": c["form"],
                "converted": c["converted"],
                "compound_mg": c["compound_mg"],
                "product": c["product"],
                "tags": c["tags"],
                "source": c["source"],
                "line": c["line"],
            }
        )

    @property
    def serum(self) -> pd.DataFrame:
        """Serum magnesium results with their interpretation."""
        cols = ["date", "value", "unit", "mmol_per_l", "band", "interpretation", "source", "line"]
        rows = self._log.serum
        df = pd.DataFrame(rows, columns=cols)
        df["date"] = [parse_date(d) for d in df["date"]]
        return df

    def __repr__(self):
        d = self.doses
        mg = d[d["mg_elemental"] > 0]
        text = f"<Intake {os.path.basename(self.path)} | {len(d)} entries, {len(mg)} with magnesium"
        if len(mg):
            text += f", {mg['mg_elemental'].sum():.0f} mg elemental in all"
        return text + f" | {len(self._log.serum)} serum result(s)>"


def _intake_for(nights, intake):
    if isinstance(intake, Intake):
        return intake
    return read_intake(intake, tz=nights.tz)


def link(nights, intake) -> pd.DataFrame:
    """Doses linked to nights (METRICS.md section 4), one row per night of ``nights``, as
    ``sleeparch nights --intake``: mg_elemental, dose_to_onset_min, mg_7d_mean, tags and
    above_upper_limit (supplements of that label date above 350 mg).

    intake: an :class:`Intake` or a path (read with the nights' tz).
    """
    intake = _intake_for(nights, intake)
    c = _core.link(nights._loaded, intake._log)
    idx = nights._indices
    cols = nights._loaded.columns()["columns"]
    return pd.DataFrame(
        {
            "date": [parse_date(cols["date"][i]) for i in idx],
            "source": [cols["source"][i] for i in idx],
            "is_nap": [cols["is_nap"][i] for i in idx],
            "mg_elemental": [c["mg_elemental"][i] for i in idx],
            "mg_supplement": [c["mg_supplement"][i] for i in idx],
            "dose_to_onset_min": np.array([c["dose_to_onset_min"][i] for i in idx], dtype=float),
            "mg_7d_mean": [c["mg_7d_mean"][i] for i in idx],
            "tags": [list(c["tags"][i]) for i in idx],
            "above_upper_limit": np.array([c["above_upper_limit"][i] for i in idx], dtype=bool),
        }
    )
