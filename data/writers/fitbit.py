"""Writes data/fitbit/Takeout/Fitbit/Global Export Data/sleep-YYYY-MM-DD.json: the
simulated person's nights during the first part of the period, as a Google Takeout
of a Fitbit account holds them (FORMATS.md, Fitbit).

The person wore the Fitbit from the start until a little past the middle of the
period, then switched to an Oura ring (see oura.py, whose slice overlaps this one
so that nights recorded by both devices show up in night assembly).

What the files reproduce: arrays of stage logs, about 30 days per file and newest
first; local wall-clock times without offset; `duration` 30 s shorter than
endTime - startTime; short wake bouts (<= 3 min) in `shortData`, laid over a
`data` that carries the surrounding sleep stage through them; `levels.summary`,
`minutesAsleep` and `minutesAwake` counted from the overlaid hypnogram and
truncated to whole minutes, as Fitbit does.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import random

FOLDER = pathlib.Path("fitbit") / "Takeout" / "Fitbit" / "Global Export Data"
# Share of the nights, from the start, recorded by the Fitbit.
SHARE = 0.6
LEVEL = {"W": "wake", "N1": "light", "N2": "light", "N3": "deep", "R": "rem"}
SHORT_WAKE_EPOCHS = 6  # 3 min of 30-s epochs


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000")


def _runs(levels: list[str]) -> list[tuple[int, int, str]]:
    """Maximal runs as (first epoch, epoch count, level)."""
    runs: list[tuple[int, int, str]] = []
    for i, level in enumerate(levels):
        if runs and runs[-1][2] == level:
            first, count, _ = runs[-1]
            runs[-1] = (first, count + 1, level)
        else:
            runs.append((i, 1, level))
    return runs


def _epochs_30s(epoch_s: int, stages: list[str]) -> list[str]:
    if epoch_s % 30 != 0 or epoch_s <= 0:
        raise ValueError(f"epoch of {epoch_s} s is not a multiple of 30 s")
    return [LEVEL[s] for s in stages for _ in range(epoch_s // 30)]


def stage_log(log_id: int, start_local: dt.datetime, epoch_s: int, stages: list[str], main_sleep: bool) -> dict:
    """One Fitbit stage log (export shape) from per-epoch labels W/N1/N2/N3/R."""
    levels = _epochs_30s(epoch_s, stages)
    n = len(levels)
    runs = _runs(levels)
    # Short wake bouts between two sleep runs go to shortData; `data` keeps the
    # stage before the bout running through it.
    underlying = list(levels)
    short: list[tuple[int, int]] = []
    for k, (first, count, level) in enumerate(runs):
        if level == "wake" and 0 < k < len(runs) - 1 and count <= SHORT_WAKE_EPOCHS:
            short.append((first, count))
            for i in range(first, first + count):
                underlying[i] = underlying[first - 1]
    data = [
        {"dateTime": _iso(start_local + dt.timedelta(seconds=30 * first)), "level": level, "seconds": 30 * count}
        for first, count, level in _runs(underlying)
    ]
    short_data = [
        {"dateTime": _iso(start_local + dt.timedelta(seconds=30 * first)), "level": "wake", "seconds": 30 * count}
        for first, count in short
    ]
    summary = {}
    for level in ("deep", "light", "rem", "wake"):
        epochs = sum(1 for x in levels if x == level)
        count = sum(1 for r in runs if r[2] == level)
        summary[level] = {"count": count, "minutes": epochs // 2, "thirtyDayAvgMinutes": 0}
    asleep = sum(1 for x in levels if x != "wake")
    awake = n - asleep
    onset = next((i for i, x in enumerate(levels) if x != "wake"), n)
    last = max((i for i, x in enumerate(levels) if x != "wake"), default=-1)
    end_local = start_local + dt.timedelta(seconds=30 * n)
    return {
        "logId": log_id,
        "dateOfSleep": end_local.date().isoformat(),
        "startTime": _iso(start_local),
        "endTime": _iso(end_local),
        "duration": (30 * n - 30) * 1000,
        "minutesToFallAsleep": onset // 2,
        "minutesAsleep": asleep // 2,
        "minutesAwake": awake // 2,
        "minutesAfterWakeup": (n - 1 - last) // 2,
        "timeInBed": (30 * n) // 60,
        "efficiency": round(100 * asleep / n) if n else 0,
        "type": "stages",
        "infoCode": 0,
        "logType": "auto_detected",
        "levels": {"summary": summary, "data": data, "shortData": short_data},
        "mainSleep": main_sleep,
    }


def _local_start(night) -> dt.datetime:
    return dt.datetime.fromtimestamp(night.start_utc, dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(
        minutes=night.offset_min
    )


def write_takeout(logs: list[dict], folder: pathlib.Path, days_per_file: int = 30) -> list[pathlib.Path]:
    """Writes logs into sleep-YYYY-MM-DD.json files of `days_per_file` days, newest first inside."""
    folder.mkdir(parents=True, exist_ok=True)
    logs = sorted(logs, key=lambda log: log["startTime"])
    if not logs:
        return []
    first_day = dt.date.fromisoformat(logs[0]["dateOfSleep"])
    chunks: dict[dt.date, list[dict]] = {}
    for log in logs:
        day = dt.date.fromisoformat(log["dateOfSleep"])
        chunk = first_day + dt.timedelta(days=((day - first_day).days // days_per_file) * days_per_file)
        chunks.setdefault(chunk, []).append(log)
    paths = []
    for chunk, chunk_logs in sorted(chunks.items()):
        path = folder / f"sleep-{chunk.isoformat()}.json"
        chunk_logs.sort(key=lambda log: log["startTime"], reverse=True)
        path.write_text(json.dumps(chunk_logs, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def write(person, outdir: pathlib.Path, rng: random.Random) -> None:
    nights = sorted(person.nights, key=lambda n: n.start_utc)
    worn = nights[: int(len(nights) * SHARE)]
    log_id = 26_000_000_000 + rng.randrange(1_000_000)
    logs = []
    for night in worn:
        log_id += rng.randrange(40_000, 90_000)
        logs.append(stage_log(log_id, _local_start(night), night.epoch_s, night.stages, not night.is_nap))
    write_takeout(logs, outdir / FOLDER)
