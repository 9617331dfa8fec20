"""Writes data/apple_health/export.zip: the simulated person's nights as an Apple Health
export holds them (FORMATS.md, Apple Health), with `apple_health_export/export.xml` and
`apple_health_export/export_cda.xml` inside, as the Health app writes them.

Sources, as in a real export where several writers record the same nights:
- the Watch ("Anna’s Apple Watch"): every night and nap as runs of 30-s stages
  (Awake, AsleepCore for N1/N2, AsleepDeep, AsleepREM) inside its own InBed record, with
  `HKTimeZone` metadata; it stays on the charger on a few nights (never the DST one). Its firmware is
  updated on the DST weekend, and from then on it also writes one generic
  AsleepUnspecified record over its own stages (as newer firmware does);
- the iPhone: InBed only, from the bedtime schedule, on main nights;
- AutoSleep (a third-party app): AsleepUnspecified from sleep onset to the final
  awakening, split at long awakenings, on the nights and naps the Watch recorded;
- a food-logging app: HKQuantityTypeIdentifierDietaryMagnesium per logged meal over
  the last weeks.
Around them, a few heart-rate and step samples a day stand for the bulk of a real
export. Dates carry the offset in force at each instant (+0100, then +0200 after
2025-03-30), so one night spans the DST change. The file also has the defects real
exports have: the iOS 16 DTD with an ATTLIST missing its closing `>`, and a stray
U+000B in one heart-rate record. Output is deterministic for the seed.
"""

from __future__ import annotations

import datetime as dt
import io
import pathlib
import random
import zipfile
import zoneinfo

WATCH = "Anna’s Apple Watch"
PHONE = "Anna’s iPhone"
APP = "AutoSleep"
FOOD_APP = "Lose It!"
STAGE_VALUE = {"W": "Awake", "N1": "AsleepCore", "N2": "AsleepCore", "N3": "AsleepDeep", "R": "AsleepREM"}
# The Watch is left on the charger on about this share of the nights.
CHARGER_SHARE = 0.04
# Food logging covers the last part of the period.
FOOD_LOG_DAYS = 35
ZIP_TIME = (2025, 5, 26, 8, 0, 0)

DTD = """<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth                   CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex                 CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType                     CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse   CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!-- Note: Any Records that appear as children of a correlation also appear as top-level records in this document. -->
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
]>
"""

CDA = """<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <realmCode code="US"/>
 <title>Health Data</title>
</ClinicalDocument>
"""


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class Writer:
    def __init__(self, tz: zoneinfo.ZoneInfo):
        self.tz = tz
        self.lines: list[tuple[int, str]] = []  # (sort time, element text)

    def stamp(self, utc: int) -> str:
        return dt.datetime.fromtimestamp(utc, dt.timezone.utc).astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S %z")

    def record(self, rtype: str, source: str, version: str, device: str | None, start: int, end: int,
               created: int, value: str, unit: str | None = None, metadata: dict | None = None) -> None:
        attrs = f'type="{rtype}" sourceName="{_esc(source)}" sourceVersion="{_esc(version)}"'
        if device:
            attrs += f' device="{_esc(device)}"'
        if unit:
            attrs += f' unit="{unit}"'
        attrs += (f' creationDate="{self.stamp(created)}" startDate="{self.stamp(start)}"'
                  f' endDate="{self.stamp(end)}" value="{value}"')
        if metadata:
            children = "".join(f'  <MetadataEntry key="{k}" value="{_esc(v)}"/>\n' for k, v in metadata.items())
            self.lines.append((start, f" <Record {attrs}>\n{children} </Record>\n"))
        else:
            self.lines.append((start, f" <Record {attrs}/>\n"))


def _device(name: str, model: str, hardware: str, software: str, address: int) -> str:
    return (f"<<HKDevice: 0x{address:x}>, name:{name}, manufacturer:Apple Inc., model:{model}, "
            f"hardware:{hardware}, software:{software}>")


def _runs(night) -> list[tuple[int, int, str]]:
    """Consecutive epochs of one stage as (start, end, stage)."""
    out = []
    t = night.start_utc
    for s in night.stages:
        if out and out[-1][2] == s and out[-1][1] == t:
            out[-1] = (out[-1][0], t + night.epoch_s, s)
        else:
            out.append((t, t + night.epoch_s, s))
        t += night.epoch_s
    return out


def _sleep_spans(runs: list[tuple[int, int, str]], split_wake_s: int) -> list[tuple[int, int]]:
    """Sleep onset to final awakening, split at awakenings of at least split_wake_s."""
    spans: list[tuple[int, int]] = []
    for start, end, stage in runs:
        if stage == "W":
            continue
        if spans and start - spans[-1][1] < split_wake_s:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def build_xml(person, rng: random.Random) -> str:
    tz = zoneinfo.ZoneInfo(person.tz_name)
    w = Writer(tz)
    sleep_type = "HKCategoryTypeIdentifierSleepAnalysis"
    value = "HKCategoryValueSleepAnalysis"
    dst_day = dt.date(2025, 3, 30)
    phone_device = _device("iPhone", "iPhone", "iPhone15,2", "18.3", 0x300E1A8C0)
    for night in person.nights:
        runs = _runs(night)
        start, end = night.start_utc, night.end_utc
        local_start = dt.datetime.fromtimestamp(start, tz).date()
        updated = local_start >= dst_day
        version = "11.4" if updated else "11.3"
        watch_device = _device("Apple Watch", "Watch", "Watch7,3", version, 0x300E1B2A0)
        meta = {"HKTimeZone": person.tz_name}
        crosses_dst = (dt.datetime.fromtimestamp(start, tz).utcoffset()
                       != dt.datetime.fromtimestamp(end, tz).utcoffset())
        # Never on the charger over the DST change: that night is the one worth having.
        worn = rng.random() >= CHARGER_SHARE or night.is_nap or crosses_dst
        if not night.is_nap:
            # The iPhone's bedtime schedule: in bed around the simulated night.
            in_bed = start - rng.randint(2, 15) * 60
            out_bed = end + rng.randint(0, 10) * 60
            w.record(sleep_type, PHONE, "18.3", phone_device, in_bed, out_bed, out_bed + 60,
                     value + "InBed")
        if not worn:
            continue
        created = end + rng.randint(60, 1800)
        w.record(sleep_type, WATCH, version, watch_device, start, end, created, value + "InBed",
                 metadata=meta)
        for r_start, r_end, stage in runs:
            w.record(sleep_type, WATCH, version, watch_device, r_start, r_end, created,
                     value + STAGE_VALUE[stage], metadata=meta)
        spans = _sleep_spans(runs, 20 * 60)
        if updated and spans:
            w.record(sleep_type, WATCH, version, watch_device, spans[0][0], spans[-1][1], created,
                     value + "AsleepUnspecified", metadata=meta)
        app_created = end + rng.randint(1800, 7200)
        for s_start, s_end in _sleep_spans(runs, 10 * 60):
            # AutoSleep works on minutes.
            a_start, a_end = s_start - s_start % 60, s_end - s_end % 60
            if a_end > a_start:
                w.record(sleep_type, APP, "6.14.0", None, a_start, a_end, app_created,
                         value + "AsleepUnspecified")

    # The bulk of a real export: heart rate every two hours, steps four times a day.
    first = person.nights[0].start_utc - 86400
    last = person.nights[-1].start_utc + 86400
    day_start = first - first % 86400
    stray_done = False
    for day in range(day_start, last, 86400):
        watch_device = _device("Apple Watch", "Watch", "Watch7,3", "11.3", 0x300E1B2A0)
        for h in range(0, 24, 2):
            t = day + h * 3600 + rng.randint(0, 3599)
            bpm = str(rng.randint(52, 96))
            if not stray_done and day >= day_start + 40 * 86400:
                bpm = "7\x0b1"  # the stray U+000B some exports carry
                stray_done = True
            w.record("HKQuantityTypeIdentifierHeartRate", WATCH, "11.3", watch_device, t, t, t + 120, bpm,
                     unit="count/min", metadata={"HKMetadataKeyHeartRateMotionContext": "0"})
        for h in (9, 13, 17, 20):
            t = day + h * 3600 + rng.randint(0, 3599)
            w.record("HKQuantityTypeIdentifierStepCount", PHONE, "18.3", phone_device, t, t + 600, t + 660,
                     str(rng.randint(100, 2500)), unit="count")

    # Dietary magnesium from the food log: one record per logged meal.
    last_day = dt.datetime.fromtimestamp(person.nights[-1].start_utc, tz).date()
    for k in range(FOOD_LOG_DAYS):
        day = last_day - dt.timedelta(days=FOOD_LOG_DAYS - k)
        for hour, low, high in ((8, 40, 90), (13, 70, 160), (19, 80, 180)):
            if rng.random() < 0.15:
                continue  # meal not logged
            t = int(dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)), tz).timestamp())
            w.record("HKQuantityTypeIdentifierDietaryMagnesium", FOOD_APP, "16.2.1", None, t, t, t + 300,
                     f"{rng.uniform(low, high):.1f}", unit="mg")

    w.lines.sort(key=lambda item: item[0])
    export_date = w.stamp(person.nights[-1].end_utc + 86400)
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n' + DTD +
            '<HealthData locale="de_DE">\n'
            f' <ExportDate value="{export_date}"/>\n'
            ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1988-06-14" '
            'HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" '
            'HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" '
            'HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" '
            'HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n')
    return head + "".join(text for _, text in w.lines) + "</HealthData>\n"


def write(person, outdir: pathlib.Path, rng: random.Random) -> None:
    folder = outdir / "apple_health"
    folder.mkdir(parents=True, exist_ok=True)
    xml = build_xml(person, rng).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in (("apple_health_export/export.xml", xml),
                           ("apple_health_export/export_cda.xml", CDA.encode("utf-8"))):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data, compresslevel=9)
    (folder / "export.zip").write_bytes(buffer.getvalue())
