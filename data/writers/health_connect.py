"""Writes an Android Health Connect export: `Health Connect.zip` holding
`health_connect_export.db`, the SQLite copy of the platform database
(FORMATS.md, "Android Health Connect export"), with Python's sqlite3.

What the database reproduces: the tables and columns sleeparch reads, in the
platform's layout (`application_info_table`, `sleep_session_record_table`
with epoch-ms times and zone offsets in seconds, `sleep_stages_table` with
`parent_key` and stage codes 0-7 whose rows are inserted out of time order,
the HRV RMSSD and resting heart-rate tables), several apps writing the same
nights, and `PRAGMA user_version` 23. Used by bench/bench_health_connect.py and
to make the fuzz seed corpus:

    python3 data/writers/health_connect.py tests/fuzz/corpus/health_connect/two_nights.db \
        --nights 2 --apps 2 --page-size 512
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import random
import sqlite3
import zipfile

SCHEMA = """
CREATE TABLE application_info_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT, package_name TEXT NOT NULL UNIQUE,
  app_name TEXT, app_icon BLOB, record_types_used TEXT);
CREATE TABLE device_info_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT, manufacturer TEXT, model TEXT,
  device_type INTEGER);
CREATE TABLE sleep_session_record_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT, uuid BLOB NOT NULL UNIQUE,
  last_modified_time INTEGER NOT NULL, client_record_id TEXT, client_record_version TEXT, device_info_id INTEGER,
  app_info_id INTEGER, recording_method INTEGER, dedupe_hash BLOB UNIQUE, start_time INTEGER NOT NULL,
  start_zone_offset INTEGER, end_time INTEGER NOT NULL, end_zone_offset INTEGER, local_date INTEGER,
  notes TEXT, title TEXT);
CREATE TABLE sleep_stages_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT, stage_start_time INTEGER NOT NULL,
  stage_end_time INTEGER NOT NULL, stage_type INTEGER NOT NULL,
  parent_key INTEGER NOT NULL REFERENCES sleep_session_record_table(row_id) ON DELETE CASCADE);
CREATE INDEX idx_sleep_stages_parent ON sleep_stages_table(parent_key);
CREATE TABLE heart_rate_variability_rmssd_record_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid BLOB NOT NULL UNIQUE, last_modified_time INTEGER NOT NULL, app_info_id INTEGER, device_info_id INTEGER,
  time INTEGER NOT NULL, zone_offset INTEGER, local_date INTEGER, heart_rate_variability_millis REAL NOT NULL);
CREATE TABLE resting_heart_rate_record_table (row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid BLOB NOT NULL UNIQUE, last_modified_time INTEGER NOT NULL, app_info_id INTEGER, device_info_id INTEGER,
  time INTEGER NOT NULL, zone_offset INTEGER, local_date INTEGER, beats_per_minute INTEGER NOT NULL);
PRAGMA user_version = 23;
"""

APPS = [
    ("com.sec.android.app.shealth", "Samsung Health"),
    ("com.fitbit.FitbitMobile", "Fitbit"),
    ("com.ouraring.oura", "Oura"),
]

# The query the importer runs (importers/src/health_connect_importer.cpp).
SESSIONS_QUERY = (
    "SELECT s.row_id, s.uuid, s.app_info_id, s.start_time, s.end_time, s.start_zone_offset, "
    "s.last_modified_time, st.stage_start_time, st.stage_end_time, st.stage_type "
    "FROM sleep_session_record_table AS s "
    "LEFT JOIN sleep_stages_table AS st ON st.parent_key = s.row_id "
    "ORDER BY s.row_id")


def night_stages(rng: random.Random) -> list[tuple[int, int]]:
    """(stage code, minutes) runs of one night: onset wake, 4-5 cycles of
    light / deep / light / REM with short awakenings, a final wake."""
    runs = [(1, rng.randint(3, 20))]
    for c in range(rng.randint(4, 5)):
        runs += [(4, rng.randint(10, 35)), (5, max(5, int(rng.gauss(45 - 10 * c, 6)))),
                 (4, rng.randint(10, 30)), (6, max(5, int(rng.gauss(12 + 7 * c, 4))))]
        for _ in range(rng.randint(1, 3)):
            runs += [(rng.choice((1, 7)), rng.randint(1, 4)), (4, rng.randint(5, 20))]
    runs.append((1, rng.randint(2, 10)))
    return runs


def write_db(path: pathlib.Path, nights: int, apps: int, seed: int = 1,
             start: dt.datetime = dt.datetime(2021, 1, 1, 22, 30, tzinfo=dt.timezone.utc),
             page_size: int = 4096) -> int:
    """Writes the database; returns the number of stage rows. A small
    page_size (512) makes small files for the fuzz corpus."""
    rng = random.Random(seed)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript(f"PRAGMA page_size = {int(page_size)}; PRAGMA journal_mode = OFF; "
                      "PRAGMA synchronous = OFF;" + SCHEMA)
    con.executemany("INSERT INTO application_info_table (row_id, package_name, app_name) VALUES (?, ?, ?)",
                    [(i + 1, p, n) for i, (p, n) in enumerate(APPS[:apps])])
    stage_rows = 0
    row = 0
    for night in range(nights):
        base = start + dt.timedelta(days=night, minutes=rng.randint(-60, 60))
        offset_s = 3600 if 3 < base.month < 11 else 0  # a rough European summer time
        for app in range(1, apps + 1):
            row += 1
            t = base + dt.timedelta(minutes=rng.randint(-10, 10))
            stages = []
            for code, minutes in night_stages(rng):
                end = t + dt.timedelta(minutes=minutes)
                stages.append((int(t.timestamp() * 1000), int(end.timestamp() * 1000), code, row))
                t = end
            rng.shuffle(stages)  # the platform does not keep them in time order
            s0 = min(s[0] for s in stages)
            s1 = max(s[1] for s in stages)
            con.execute(
                "INSERT INTO sleep_session_record_table (row_id, uuid, last_modified_time, app_info_id, "
                "start_time, start_zone_offset, end_time, end_zone_offset, local_date) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row, rng.randbytes(16), s1 + 3_600_000, app, s0, offset_s, s1, offset_s,
                 (s1 // 1000 + offset_s) // 86400))
            con.executemany("INSERT INTO sleep_stages_table (stage_start_time, stage_end_time, stage_type, "
                            "parent_key) VALUES (?, ?, ?, ?)", stages)
            stage_rows += len(stages)
            morning = s1 + 600_000
            con.execute("INSERT INTO heart_rate_variability_rmssd_record_table (uuid, last_modified_time, "
                        "app_info_id, time, zone_offset, local_date, heart_rate_variability_millis) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (rng.randbytes(16), morning, app, morning, offset_s, (morning // 1000 + offset_s) // 86400,
                         round(rng.gauss(42, 8), 2)))
            con.execute("INSERT INTO resting_heart_rate_record_table (uuid, last_modified_time, app_info_id, "
                        "time, zone_offset, local_date, beats_per_minute) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (rng.randbytes(16), morning, app, morning, offset_s, (morning // 1000 + offset_s) // 86400,
                         rng.randint(48, 62)))
    con.commit()
    con.close()
    return stage_rows


def write_zip(db: pathlib.Path, zip_path: pathlib.Path) -> None:
    """`Health Connect.zip` as the phone writes it: the database as its one entry."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(db, "health_connect_export.db")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--apps", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=4096)
    args = parser.parse_args()
    write_db(args.out, args.nights, args.apps, args.seed, page_size=args.page_size)


if __name__ == "__main__":
    main()
