"""Health Connect import benchmark: sleeparch against Python's sqlite3.

Generates (once, cached in /tmp/sleeparch-bench/) `Health Connect.zip` holding
`health_connect_export.db` with --years of nightly sleep sessions (default 5)
from --apps writing apps (default 3: Samsung Health, Fitbit, Oura), each night
with about 40 stage rows in shuffled order, written by
data/writers/health_connect.py. Then, in this one script:

1. Python's sqlite3 does the same job as the importer's database part: copies
   the zip entry to a temporary file, opens it read-only and fetches every row
   of the importer's own query (sessions LEFT JOIN stages), best of --repeat;
2. bench_health_connect (the C++ driver) imports the zip (detection, copy,
   quick_check, query, records in UTC), best of --repeat, in a process of its
   own, and its peak RSS in a fresh process importing once; then again with
   night assembly;
3. prints both, the ratio, and whether the targets hold (import, and import
   with assembly, < 1 s and < 64 MB peak RSS, each measured in a fresh
   process); exit 1 when they do not.

Run from the project root after a Release build:
    bash .ci/build release
    python3 bench/bench_health_connect.py
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile

GENERATOR_VERSION = 1
ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET_S = 1.0
TARGET_RSS_MB = 64.0


def _writer():
    spec = importlib.util.spec_from_file_location("health_connect_writer",
                                                  ROOT / "data" / "writers" / "health_connect.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_zip(base: pathlib.Path, years: int, apps: int, seed: int) -> tuple[pathlib.Path, int]:
    writer = _writer()
    root = base / f"health-connect-v{GENERATOR_VERSION}-{years}y-{apps}apps-{seed}"
    zip_path = root / "Health Connect.zip"
    stamp = root / "complete"
    if not stamp.exists():
        root.mkdir(parents=True, exist_ok=True)
        db = root / "health_connect_export.db"
        stage_rows = writer.write_db(db, nights=round(365.25 * years), apps=apps, seed=seed)
        writer.write_zip(db, zip_path)
        db.unlink()
        stamp.write_text(str(stage_rows) + "\n")
    return zip_path, int(stamp.read_text())


def time_python(zip_path: pathlib.Path, repeat: int) -> tuple[float, int]:
    query = _writer().SESSIONS_QUERY
    best = float("inf")
    rows = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            db = pathlib.Path(tmp) / "health_connect_export.db"
            with zipfile.ZipFile(zip_path) as z, z.open("health_connect_export.db") as src, db.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            rows = len(con.execute(query).fetchall())
            con.close()
        best = min(best, time.perf_counter() - t0)
    return best, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=str(ROOT / "build" / "release" / "bench" / "bench_health_connect"))
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--apps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20210101)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", default="/tmp/sleeparch-bench")
    args = parser.parse_args()

    zip_path, stage_rows = ensure_zip(pathlib.Path(args.cache), args.years, args.apps, args.seed)
    py_s, py_rows = time_python(zip_path, args.repeat)
    run = lambda repeat, *extra: json.loads(subprocess.run(
        [args.bin, "--repeat", str(repeat), *extra, str(zip_path)],
        check=True, capture_output=True, text=True).stdout)
    imp = run(args.repeat, "--no-assembly")
    full = run(args.repeat)
    # Peak RSS of one import in a fresh process (repeats in one process add
    # allocator fragmentation, not the import's own need).
    rss_mb = run(1, "--no-assembly")["max_rss_kb"] / 1024
    full_rss_mb = run(1)["max_rss_kb"] / 1024

    print(f"export: {zip_path} ({zip_path.stat().st_size / 1e6:.1f} MB zipped, {stage_rows} stage rows, "
          f"{args.years} years x {args.apps} apps)")
    print(f"python sqlite3 (copy + query):  {py_s * 1000:8.1f} ms  ({py_rows} rows)")
    print(f"sleeparch import:               {imp['import_s'] * 1000:8.1f} ms  ({imp['records']} records, "
          f"{imp['sources']} sources), peak RSS {rss_mb:.1f} MB")
    print(f"sleeparch import + assembly:    {full['import_assemble_s'] * 1000:8.1f} ms  ({full['nights']} nights), "
          f"peak RSS {full_rss_mb:.1f} MB")
    print(f"ratio python / import:          {py_s / imp['import_s']:.2f}x")
    # The targets hold for the import and for import + assembly (what
    # `sleeparch nights` does).
    ok = (imp["import_s"] < TARGET_S and rss_mb < TARGET_RSS_MB and full["import_assemble_s"] < TARGET_S
          and full_rss_mb < TARGET_RSS_MB)
    print(f"target import (and import + assembly) < {TARGET_S:.0f} s and < {TARGET_RSS_MB:.0f} MB peak RSS: "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
