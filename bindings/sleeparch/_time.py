"""UTC seconds plus a UTC offset in minutes -> tz-aware pandas Timestamps.

The core stores every instant as UTC seconds with the offset in force; this
builds the Timestamps here rather than through pybind11's chrono caster,
which yields naive local datetimes.
"""
import datetime
import math

import pandas as pd

_ZONES: dict = {}


def fixed_zone(offset_min: int) -> datetime.timezone:
    offset_min = int(offset_min)
    zone = _ZONES.get(offset_min)
    if zone is None:
        zone = _ZONES[offset_min] = datetime.timezone(datetime.timedelta(minutes=offset_min))
    return zone


def local_timestamp(utc_seconds, offset_min):
    """A Timestamp at the fixed offset, or NaT for None/NaN."""
    if utc_seconds is None or (isinstance(utc_seconds, float) and math.isnan(utc_seconds)):
        return pd.NaT
    return pd.Timestamp(int(utc_seconds), unit="s", tz="UTC").tz_convert(fixed_zone(offset_min))


def local_column(utc_seconds, offsets) -> pd.Series:
    """Per-row Timestamps at each row's own offset (object dtype when offsets differ)."""
    values = [local_timestamp(float(t), o) for t, o in zip(utc_seconds, offsets)]
    return pd.Series(values, dtype=object if len(set(int(o) for o in offsets)) > 1 else None)


def parse_date(text):
    return datetime.date.fromisoformat(text) if text else None
