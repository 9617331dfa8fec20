#!/usr/bin/env python3
"""Generates sleeparch's bundled sample: one synthetic person's nights and
magnesium intake, written in the export formats sleeparch reads.

Nothing here is real data. The person lives in Europe/Berlin (so the sample
crosses the 2025-03-30 DST change), sleeps about seven hours with a
weekend delay, naps now and then, and starts magnesium glycinate on
2025-03-03. Sleep is simulated as 30-s epochs of NREM-REM cycles (deep sleep
front-loaded, REM growing through the night, brief awakenings), with
night-to-night AR(1) variation. During supplementation the simulated person
falls asleep a few minutes faster and has slightly more deep sleep: a small
built-in association for the comparison to find (or not), not a claim about
magnesium.

    python3 data/generate.py            # rewrites data/ (deterministic for the seed)
    python3 data/generate.py --seed 7 --out /tmp/sample

Every writer in data/writers/*.py is called as write(person, outdir, rng).
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib.util
import math
import pathlib
import random
import shutil
import zoneinfo

TZ_NAME = "Europe/Berlin"
FIRST_WAKE_DATE = dt.date(2025, 1, 6)
NIGHTS = 140
MAGNESIUM_START = dt.date(2025, 3, 3)  # evening of the first dose
MAGNESIUM_STOP = dt.date(2025, 5, 18)
EPOCH_S = 30


@dataclasses.dataclass
class SimNight:
    start_utc: int  # lights off, UTC seconds
    offset_min: int  # UTC offset in force at start_utc
    epoch_s: int
    stages: list  # 'W', 'N1', 'N2', 'N3', 'R' per epoch
    is_nap: bool
    tz_name: str

    @property
    def end_utc(self) -> int:
        return self.start_utc + self.epoch_s * len(self.stages)


@dataclasses.dataclass
class SimDose:
    time_utc: int
    offset_min: int
    mg_elemental: float
    form: str
    compound_mg: float | None
    product: str
    tags: list


@dataclasses.dataclass
class Person:
    seed: int
    tz_name: str
    nights: list  # SimNight, by start time; main sleeps and naps
    doses: list  # SimDose, by time
    magnesium_start: dt.date
    magnesium_stop: dt.date


def _offset_min(tz: zoneinfo.ZoneInfo, utc_seconds: int) -> int:
    moment = dt.datetime.fromtimestamp(utc_seconds, dt.timezone.utc).astimezone(tz)
    return int(moment.utcoffset().total_seconds() // 60)


def _local_to_utc(tz: zoneinfo.ZoneInfo, day: dt.date, hours: float) -> int:
    base = dt.datetime.combine(day, dt.time(0, 0), tz) + dt.timedelta(hours=hours)
    # Re-localise so that times past a DST change get the right offset.
    naive = base.replace(tzinfo=None)
    return int(naive.replace(tzinfo=tz).timestamp())


def _night_stages(rng: random.Random, sol_min: float, sleep_min: float, deep_boost: float) -> list:
    """Lights-off to lights-on as 30-s epochs."""
    epochs = ["W"] * max(1, round(sol_min * 2))
    remaining = sleep_min * 2
    cycle = 0
    while remaining > 0:
        cycle += 1
        length = rng.gauss(92, 10) * 2
        n3_share = max(0.0, 0.32 - 0.09 * (cycle - 1) + deep_boost + rng.gauss(0, 0.03))
        rem_share = min(0.45, 0.10 + 0.07 * (cycle - 1) + rng.gauss(0, 0.02))
        n1 = rng.randint(2, 8)
        n3 = round(length * n3_share)
        rem = max(0, round(length * rem_share)) if cycle > 1 or rng.random() < 0.8 else 0
        n2 = max(4, round(length - n1 - n3 - rem))
        block = ["N1"] * n1 + ["N2"] * (n2 // 2) + ["N3"] * n3 + ["N2"] * (n2 - n2 // 2) + ["R"] * rem
        # Brief awakenings, more of them late in the night.
        for _ in range(rng.choices([0, 1, 2], weights=[5, 3, 1 + cycle])[0]):
            at = rng.randrange(len(block))
            block[at : at + rng.randint(1, 6)] = ["W"] * rng.randint(1, 6)
        take = min(len(block), math.ceil(remaining))
        epochs += block[:take]
        remaining -= take
    epochs += ["W"] * rng.randint(1, 16)  # lying awake before getting up
    return epochs


def simulate(seed: int = 20250106) -> Person:
    rng = random.Random(seed)
    tz = zoneinfo.ZoneInfo(TZ_NAME)
    nights, doses = [], []
    ar = 0.0
    for k in range(NIGHTS):
        wake_date = FIRST_WAKE_DATE + dt.timedelta(days=k)
        evening = wake_date - dt.timedelta(days=1)
        on_mg = MAGNESIUM_START <= evening <= MAGNESIUM_STOP
        weekend = evening.weekday() in (4, 5)  # Friday and Saturday nights
        ar = 0.5 * ar + rng.gauss(0, 1)
        bedtime_h = 22.9 + (1.1 if weekend else 0.0) + 0.35 * ar + rng.gauss(0, 0.25)
        tags = []
        if rng.random() < (0.25 if weekend else 0.08):
            tags.append("alcohol")
        if rng.random() < 0.15:
            tags.append("exercise")
        if rng.random() < 0.10:
            tags.append("caffeine")
        sol = max(1.0, rng.lognormvariate(math.log(13.0 if not on_mg else 10.0), 0.5))
        if "caffeine" in tags:
            sol += 8
        sleep_min = max(240.0, rng.gauss(430 + (25 if weekend else 0), 35) - 10 * ar)
        deep_boost = (0.02 if on_mg else 0.0) - (0.03 if "alcohol" in tags else 0.0)
        start = _local_to_utc(tz, evening, bedtime_h)
        stages = _night_stages(rng, sol, sleep_min, deep_boost)
        nights.append(SimNight(start, _offset_min(tz, start), EPOCH_S, stages, False, TZ_NAME))
        if on_mg and rng.random() < 0.92:  # a few forgotten evenings
            t = start - int(rng.uniform(30, 90) * 60)
            doses.append(SimDose(t, _offset_min(tz, t), round(1500 * 0.141, 1), "glycinate", 1500.0,
                                 "Magnesium Bisglycinate 1500 mg", sorted(tags)))
        # Weekend and occasional afternoon naps on the wake date.
        if rng.random() < (0.30 if wake_date.weekday() >= 5 else 0.06):
            nap_start = _local_to_utc(tz, wake_date, rng.uniform(13.5, 16.0))
            nap = ["W"] * rng.randint(4, 14) + ["N1"] * rng.randint(2, 6) + ["N2"] * rng.randint(20, 60)
            nap += ["W"] * rng.randint(1, 6)
            nights.append(SimNight(nap_start, _offset_min(tz, nap_start), EPOCH_S, nap, True, TZ_NAME))
    nights.sort(key=lambda n: n.start_utc)
    doses.sort(key=lambda d: d.time_utc)
    return Person(seed, TZ_NAME, nights, doses, MAGNESIUM_START, MAGNESIUM_STOP)


def write_truth(person: Person, outdir: pathlib.Path) -> None:
    """The simulated hypnograms themselves, one plain hypnogram file per sleep."""
    folder = outdir / "hypnograms"
    folder.mkdir(parents=True, exist_ok=True)
    for n in person.nights:
        tz = dt.timezone(dt.timedelta(minutes=n.offset_min))
        start = dt.datetime.fromtimestamp(n.start_utc, tz)
        end = dt.datetime.fromtimestamp(n.end_utc, tz)
        name = end.date().isoformat() + ("-nap" if n.is_nap else "") + ".txt"
        lines = [f"# start: {start.isoformat()}", "# source: simulated truth", f"# epoch: {n.epoch_s}"]
        (folder / name).write_text("\n".join(lines + n.stages) + "\n")


def main() -> None:
    here = pathlib.Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=20250106)
    ap.add_argument("--out", type=pathlib.Path, default=here)
    args = ap.parse_args()
    person = simulate(args.seed)
    out = args.out
    for sub in ("hypnograms", "apple_health", "fitbit", "oura", "intake.csv"):
        p = out / sub
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    write_truth(person, out)
    for writer in sorted((here / "writers").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"sleeparch_writer_{writer.stem}", writer)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.write(person, out, random.Random(f"{args.seed}-{writer.stem}"))
    print(f"wrote {len(person.nights)} sleeps and {len(person.doses)} doses to {out}")


if __name__ == "__main__":
    main()
