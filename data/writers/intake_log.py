"""Writes data/intake.csv: the simulated person's magnesium log in sleeparch's
intake-log format (README, "Intake log"), as a person would type it.

Each dose is written with its local clock time and UTC offset; doses logged as
a compound mass are written as amount_mg + form so the reader converts them
(METRICS.md section 4). One serum result a week before the first dose shows
the lab-result row.
"""

from __future__ import annotations

import csv
import datetime as dt
import pathlib
import random

HEADER = ["date", "time", "kind", "mg_elemental", "amount_mg", "form", "product", "tags", "value", "unit"]


def _local(time_utc: int, offset_min: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(time_utc, dt.timezone.utc) + dt.timedelta(minutes=offset_min)


def _offset(offset_min: int) -> str:
    sign = "+" if offset_min >= 0 else "-"
    m = abs(offset_min)
    return f"{sign}{m // 60:02d}:{m % 60:02d}"


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def write(person, outdir: pathlib.Path, rng: random.Random) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    rows = []
    doses = sorted(person.doses, key=lambda d: d.time_utc)
    if doses:
        first = _local(doses[0].time_utc, doses[0].offset_min).date()
        serum_day = first - dt.timedelta(days=7)
        serum_value = round(rng.uniform(0.78, 0.84), 2)
        rows.append([serum_day.isoformat(), "", "serum", "", "", "", "", "", f"{serum_value:.2f}", "mmol/L"])
    for d in doses:
        local = _local(d.time_utc, d.offset_min)
        row = [local.date().isoformat(), local.strftime("%H:%M") + _offset(d.offset_min), ""]
        if d.compound_mg is not None:
            row += ["", _number(d.compound_mg), d.form]
        else:
            row += [_number(d.mg_elemental), "", d.form or ""]
        row += [d.product or "", ";".join(d.tags), "", ""]
        rows.append(row)
    rows.sort(key=lambda r: (r[0], r[1]))
    path = outdir / "intake.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        f.write("# Magnesium intake log (sleeparch intake-log format; see README).\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
