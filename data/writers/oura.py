"""Writes data/oura/oura_sleep.json: the simulated person's nights during the second
part of the period as an Oura account export holds them (FORMATS.md, Oura).

The ring was worn from a little before the middle of the period (overlapping the
Fitbit slice written by fitbit.py, so that night assembly has to choose one source
for the nights both devices recorded) to the end.

What the file reproduces: `{"sleep": [...]}` of API v2 periods with `bedtime_start`
/ `bedtime_end` carrying their UTC offset, `sleep_phase_5_min` (one digit per 5 min:
1 deep, 2 light, 3 REM, 4 awake, each the most frequent stage of its ten 30-s
epochs), `sleep_phase_30_sec` on the later nights (newer rings), `type`
(`long_sleep`, `late_nap`) and a few `rest` periods that sleeparch must drop,
stage durations in seconds, and `sleep_algorithm_version`.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import pathlib
import random

# Share of the nights, from the start, before the ring was first worn.
FIRST = 0.45
# From this share of the ring's nights on, periods also carry 30-s phases.
THIRTY_SEC_FROM = 0.5
PHASE = {"N3": "1", "N1": "2", "N2": "2", "R": "3", "W": "4"}


def _iso(utc: int, offset_min: int) -> str:
    tz = dt.timezone(dt.timedelta(minutes=offset_min))
    return dt.datetime.fromtimestamp(utc, tz).isoformat()


def _phases_30s(epoch_s: int, stages: list[str]) -> str:
    if epoch_s % 30 != 0 or epoch_s <= 0:
        raise ValueError(f"epoch of {epoch_s} s is not a multiple of 30 s")
    return "".join(PHASE[s] * (epoch_s // 30) for s in stages)


def _phases_5min(phases_30s: str) -> str:
    out = []
    for i in range(0, len(phases_30s), 10):
        counts = collections.Counter(phases_30s[i : i + 10])
        # Ties go to the lower digit (deeper stage) so the output is deterministic.
        out.append(min(counts, key=lambda c: (-counts[c], c)))
    return "".join(out)


def period(night, period_id: str, with_30s: bool) -> dict:
    p30 = _phases_30s(night.epoch_s, night.stages)
    end_utc = night.start_utc + 30 * len(p30)
    seconds = {d: 30 * p30.count(d) for d in "1234"}
    local_end = dt.datetime.fromtimestamp(end_utc, dt.timezone(dt.timedelta(minutes=night.offset_min)))
    doc = {
        "id": period_id,
        "day": local_end.date().isoformat(),
        "type": "late_nap" if night.is_nap else "long_sleep",
        "bedtime_start": _iso(night.start_utc, night.offset_min),
        "bedtime_end": _iso(end_utc, night.offset_min),
        "time_in_bed": 30 * len(p30),
        "total_sleep_duration": seconds["1"] + seconds["2"] + seconds["3"],
        "deep_sleep_duration": seconds["1"],
        "light_sleep_duration": seconds["2"],
        "rem_sleep_duration": seconds["3"],
        "awake_time": seconds["4"],
        "sleep_phase_5_min": _phases_5min(p30),
        "sleep_algorithm_version": "v2",
    }
    if with_30s:
        doc["sleep_phase_30_sec"] = p30
    return doc


def _rest_period(night, period_id: str) -> dict:
    # A rest-mode day period the day before this night: no sleep, to be dropped.
    start = night.start_utc - 10 * 3600
    return {
        "id": period_id,
        "day": dt.datetime.fromtimestamp(start, dt.timezone(dt.timedelta(minutes=night.offset_min))).date().isoformat(),
        "type": "rest",
        "bedtime_start": _iso(start, night.offset_min),
        "bedtime_end": _iso(start + 1800, night.offset_min),
        "sleep_phase_5_min": "444444",
    }


def write(person, outdir: pathlib.Path, rng: random.Random) -> None:
    nights = sorted(person.nights, key=lambda n: n.start_utc)
    worn = nights[int(len(nights) * FIRST) :]
    periods = []
    for i, night in enumerate(worn):
        period_id = f"{rng.getrandbits(64):016x}"
        periods.append(period(night, period_id, with_30s=i >= len(worn) * THIRTY_SEC_FROM))
        if rng.random() < 0.05:
            periods.append(_rest_period(night, f"{rng.getrandbits(64):016x}"))
    folder = outdir / "oura"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "oura_sleep.json").write_text(json.dumps({"sleep": periods}, indent=1) + "\n", encoding="utf-8")
