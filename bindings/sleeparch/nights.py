"""Loading exports into nights; per-night metrics and hypnograms as pandas objects."""
import datetime
import os

import numpy as np
import pandas as pd

from . import _core
from ._time import fixed_zone, local_column, local_timestamp, parse_date

#: Stage codes of ``Night.hypnogram_array``: code -> long name.
STAGES = {code: name for code, name, _short in _core.stages()}
_SHORT = {code: short for code, _name, short in _core.stages()}
_METRICS = _core.scalar_metrics()
#: The night-row schema: (name, kind, description), the columns of ``NightSet.metrics()``
#: in order, as ``sleeparch nights --format csv`` (and the JSON, which adds ``transitions``).
NIGHT_FIELDS = [f for f in _core.night_fields() if f[1] not in ("transitions", "cycles")]
_INSTANTS = ("onset_local", "final_wake_local", "midpoint_local")


def metric_info() -> pd.DataFrame:
    """The metric table: every scalar metric with its unit, the definition it uses
    (METRICS.md section 2), decimals shown, display name, position in the default
    comparison (0: not compared by default), stage-share flag and caveat."""
    df = pd.DataFrame(_METRICS).rename(columns={"name": "metric"})
    return df[["metric", "unit", "description", "decimals", "display", "compare_default", "share", "caveat"]]


def formats() -> pd.DataFrame:
    """The importers, in the order they are offered a file, and how each recognises its format."""
    return pd.DataFrame(_core.formats(), columns=["format", "reads", "recognised_by"])


def _paths(paths):
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return [os.fspath(p) for p in paths]


def _day(value, what):
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise _core.UsageError(f"{what}: expected YYYY-MM-DD, got {value!r}") from None


def load(
    paths,
    tz=None,
    source=None,
    naps=False,
    input_format=None,
    epoch=None,
    start=None,
    column=None,
    stage_map=None,
    restless_as_asleep=False,
    session_gap=60,
    from_date=None,
    to_date=None,
):
    """Reads exports (files, folders, zips) into a :class:`NightSet`, as ``sleeparch nights`` does.

    paths: one path or a list; folders are walked and zips read without extracting.
    tz: time zone for formats without offsets (Fitbit, EDF+, plain hypnograms): an IANA
        name ("Europe/Berlin") or an offset ("+01:00"). The CLI's ``--tz``.
    source: preferred source(s) when several recorded the same night, most preferred
        first (``--source``). naps: include naps (``--naps``).
    input_format: read every file with this importer instead of detecting (``--input-format``).
    epoch, start, column, stage_map: plain hypnograms (``--epoch``, ``--start``, ``--column``,
        ``--stage-map`` as a dict such as ``{"0": "W", "5": "R"}``).
    from_date, to_date: first/last label date kept (``--from``/``--to``).

        nights = sa.load("data/apple_health/export.zip", tz="Europe/Berlin")

    Raises ParseError (a ValueError) naming file:line: field for bad input.
    """
    options = _core_options(tz, source, input_format, epoch, start, column, stage_map, restless_as_asleep, session_gap)
    loaded = _core.load(_paths(paths), **options)
    return NightSet(loaded, _select(loaded, naps, from_date, to_date), tz=tz)


def _core_options(tz=None, source=None, input_format=None, epoch=None, start=None, column=None, stage_map=None,
                  restless_as_asleep=False, session_gap=60):
    """load()'s keyword arguments as _core.load takes them."""
    return {
        "tz": tz or "",
        "input_format": input_format or "",
        "epoch_s": int(epoch or 0),
        "start": start or "",
        "column": column or "",
        "stage_map": {str(k): str(v) for k, v in (stage_map or {}).items()},
        "restless_as_asleep": bool(restless_as_asleep),
        "prefer": [source] if isinstance(source, str) else list(source or []),
        "session_gap_min": int(session_gap),
    }


def _select(loaded, naps=False, from_date=None, to_date=None):
    """Indices of the nights kept: main sleeps (naps too when asked) within the dates."""
    lo, hi = _day(from_date, "from_date"), _day(to_date, "to_date")
    cols = loaded.columns()["columns"] if (lo or hi or not naps) else {}
    dates = cols["date"] if (lo or hi) else None
    nap = cols["is_nap"] if not naps else None
    keep = []
    for i in range(len(loaded)):
        if nap is not None and nap[i]:
            continue
        if dates is not None:
            d = datetime.date.fromisoformat(dates[i])
            if (lo and d < lo) or (hi and d > hi):
                continue
        keep.append(i)
    return keep


class NightSet:
    """Nights assembled from exports (one source per night), each with its metrics.

    ``len()``, iteration and indexing give :class:`Night` objects; a slice gives a
    NightSet. Linking and the comparison use every night that was assembled (as
    the CLI does), whatever this set selects.
    """

    def __init__(self, loaded, indices, tz=None):
        self._loaded = loaded
        self._indices = list(indices)
        self.tz = tz

    def __len__(self):
        return len(self._indices)

    def __iter__(self):
        return (Night(self._loaded, i) for i in self._indices)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return NightSet(self._loaded, self._indices[key], tz=self.tz)
        return Night(self._loaded, self._indices[key])

    @property
    def warnings(self):
        """Import and assembly warnings, "file:line: message"."""
        return list(self._loaded.warnings)

    @property
    def imported(self):
        """(file, format) of every file read."""
        return list(self._loaded.imported)

    @property
    def skipped(self):
        """(file, reason) of files in folders/zips that no importer recognised."""
        return list(self._loaded.skipped)

    def metrics(self) -> pd.DataFrame:
        """One row per night: label date, source, every scalar metric, clock times.

        The columns are the night-row schema (``sa.NIGHT_FIELDS``), the same names and
        order as ``sleeparch nights --format csv``: onset_local, final_wake_local,
        midpoint_local, window_start_local and window_end_local are tz-aware Timestamps
        at each night's own UTC offset (object dtype when the offset changes across
        nights, as at a DST change). NaN where a metric is undefined.
        """
        got = self._loaded.columns()
        cols, offsets = got["columns"], got["offsets"]
        idx = np.asarray(self._indices, dtype=np.int64)

        def pick(name):
            v = cols[name]
            return np.asarray(v)[idx] if isinstance(v, np.ndarray) else [v[i] for i in idx]

        data = {}
        for name, kind, _desc in NIGHT_FIELDS:
            if kind == "text" and name == "date":
                data[name] = [parse_date(d) for d in pick(name)]
            elif kind == "flag":
                data[name] = np.asarray(pick(name), dtype=bool)
            elif kind == "instant":
                data[name] = local_column(pick(name), np.asarray(offsets[name])[idx])
            elif kind == "text_list":
                data[name] = [list(v) for v in pick(name)]
            else:
                data[name] = pick(name)
        return pd.DataFrame(data)

    def summary(self) -> pd.DataFrame:
        """Per-metric summaries over these nights (``sleeparch nights --summary``).

        One row per scalar metric, indexed by name: n (nights where it is
        defined), mean, sd, median, q1, q3, iqr (numpy's default quantiles).
        """
        s = self._loaded.summary(self._indices)
        return pd.DataFrame(s["metrics"]).set_index("metric")

    def transitions(self) -> pd.DataFrame:
        """Stage transitions summed over these nights (30-s epochs), from row to column."""
        cats = _core.transition_categories()
        tr = self._loaded.summary(self._indices)["transitions"]
        return pd.DataFrame(tr, index=pd.Index(cats, name="from"), columns=pd.Index(cats, name="to"))

    def regularity(self) -> dict:
        """Sleep regularity over the main sleeps among these nights (METRICS.md §3).

        sri (Sleep Regularity Index) with sri_day_pairs compared, onset_sd_min
        and midpoint_sd_min (circular SDs of local clock times), social_jetlag_h
        (free-day minus work-day mean midpoint; free days Saturday and Sunday)
        with free_nights and work_nights. NaN where undefined.
        """
        return dict(self._loaded.summary(self._indices)["regularity"])

    def __repr__(self):
        if not self._indices:
            return "<NightSet | 0 nights>"
        dates = self._loaded.columns()["columns"]["date"]
        first, last = dates[self._indices[0]], dates[self._indices[-1]]
        naps = sum(1 for n in self if n.is_nap)
        sources = sorted({n.source for n in self})
        return (
            f"<NightSet | {len(self)} nights ({naps} naps) {first}..{last} | "
            f"{len(sources)} source(s): {', '.join(sources)}>"
        )


class Night:
    """One sleep period from one source: segments covering [window_start, window_end).

    Times are UTC instants shown at the UTC offset in force at the night's start.
    """

    def __init__(self, loaded, index):
        self._loaded = loaded
        self._index = index
        self._info = loaded.night(index)

    date = property(lambda self: parse_date(self._info["date"]), doc="Label date (local wake-up date)")
    source = property(lambda self: self._info["source"], doc='Source label: "name (format)"')
    source_version = property(lambda self: self._info["source_version"])
    is_nap = property(lambda self: self._info["is_nap"])
    summary_only = property(lambda self: self._info["summary_only"], doc="Stage totals only, no hypnogram")
    utc_offset_min = property(lambda self: self._info["utc_offset_min"])
    epoch_s = property(lambda self: self._info["epoch_s"], doc="Native epoch length, 0 when unknown")
    files = property(lambda self: list(self._info["files"]), doc="Files the night's records came from")
    dropped_sources = property(lambda self: list(self._info["dropped_sources"]))
    vendor = property(
        lambda self: dict(self._info["vendor"]),
        doc="The file's own totals and scores (tst_min, deep_min, light_min, rem_min, wake_min, "
        "sol_min, se_pct, score; NaN where the file states none), beside ours from the hypnogram",
    )

    @property
    def tz(self) -> datetime.timezone:
        return fixed_zone(self.utc_offset_min)

    @property
    def window_start(self):
        return local_timestamp(self._info["window_start"], self.utc_offset_min)

    @property
    def window_end(self):
        return local_timestamp(self._info["window_end"], self.utc_offset_min)

    def segments(self) -> pd.DataFrame:
        """The night as assembled: start, end (tz-aware), stage, minutes."""
        info, tz = self._info, self.tz
        start = pd.to_datetime(info["segment_start"], unit="s", utc=True).tz_convert(tz)
        end = pd.to_datetime(info["segment_end"], unit="s", utc=True).tz_convert(tz)
        return pd.DataFrame(
            {
                "start": start,
                "end": end,
                "stage": [STAGES[int(c)] for c in info["segment_stage"]],
                "minutes": (info["segment_end"] - info["segment_start"]) / 60.0,
            }
        )

    def hypnogram_array(self, epoch=30) -> np.ndarray:
        """Stage codes (int8, see ``sa.STAGES``) on a grid of ``epoch`` seconds from the window
        start; each epoch takes the stage at its midpoint."""
        return self._loaded.epochs(self._index, int(epoch))

    def hypnogram(self, epoch=30) -> pd.DataFrame:
        """The hypnogram on ``epoch``-second epochs: start (tz-aware), stage name, stage code
        and the integer stage as in :meth:`hypnogram_array`.

            night.hypnogram(epoch=30).stage.value_counts()
        """
        codes = self.hypnogram_array(epoch)
        w0 = int(self._info["window_start"])
        starts = pd.to_datetime(w0 + np.arange(len(codes), dtype=np.int64) * int(epoch), unit="s", utc=True)
        return pd.DataFrame(
            {
                "start": starts.tz_convert(self.tz),
                "stage": pd.Categorical([STAGES[int(c)] for c in codes], categories=list(STAGES.values())),
                "code": [_SHORT[int(c)] for c in codes],
                "value": codes,
            }
        )

    def sleep_statistics(self) -> dict:
        """Every scalar metric by name (NaN where undefined), plus onset_local,
        final_wake_local and midpoint_local as tz-aware Timestamps, the 6x6 30-s
        transition counts, and ``notes``: why a metric is NaN where the night alone does
        not say it (see :meth:`cycles`)."""
        m = dict(self._loaded.metrics(self._index))
        off = m.pop("utc_offset_min")
        m.pop("cycles")
        for name in _INSTANTS:
            m[name] = local_timestamp(m[name], off)
        cats = _core.transition_categories()
        m["transitions"] = pd.DataFrame(m["transitions"], index=cats, columns=cats)
        return m

    def cycles(self) -> pd.DataFrame:
        """The NREM-REM cycles counted by ``nrem_cycles`` (Luna's HYPNO rules), one row each:
        start, end (tz-aware), nrem_min, rem_min, and complete (its NREM period is followed
        by a REM period). Empty when the night has no cycle or ``nrem_cycles`` is NaN (the
        reason is in ``sleep_statistics()["notes"]``).

            night.cycles().assign(minutes=lambda c: (c.end - c.start).dt.total_seconds() / 60)
        """
        c = self._loaded.metrics(self._index)["cycles"]
        return pd.DataFrame(
            {
                "start": pd.to_datetime(c["start"], unit="s", utc=True).tz_convert(self.tz),
                "end": pd.to_datetime(c["end"], unit="s", utc=True).tz_convert(self.tz),
                "nrem_min": np.asarray(c["nrem_min"], dtype=float),
                "rem_min": np.asarray(c["rem_min"], dtype=float),
                "complete": np.asarray(c["complete"], dtype=bool),
            }
        )

    def __repr__(self):
        m = self._loaded.metrics(self._index)
        w0, w1 = self.window_start, self.window_end
        kind = "nap" if self.is_nap else "night"
        text = f"<Night {self._info['date']} {kind} | {self.source} | {w0:%H:%M}-{w1:%H:%M} {w0:%z}"
        if self.summary_only:
            text += " | totals only"
        text += f" | TIB {m['tib_min']:.0f} min, TST {m['tst_min']:.0f} min"
        if m["tst_min"] > 0:
            text += f", SE {m['se_pct']:.1f}%"
        if m["staged_fraction"] > 0:
            text += f", deep {m['deep_pct']:.1f}%, REM {m['rem_pct']:.1f}%"
        return text + ">"
