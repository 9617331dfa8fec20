"""Fitbit Takeout import benchmark: sleeparch against Python's json.load.

Generates (once, cached in /tmp/sleeparch-bench/) a Takeout folder
Takeout/Fitbit/Global Export Data/ with --logs nightly stage logs (default 3,000),
about 30 per sleep-YYYY-MM-DD.json file, written by data/writers/fitbit.py from
simulated nights (realistic stage bouts, short wake bouts in shortData). Then, in
this one script:

1. Python's json.load reads every file of the folder (nothing else: no stage
   mapping, no time parsing), best of --repeat runs;
2. bench_fitbit_takeout (the C++ driver) imports the folder (detection, JSON,
   records in UTC) and assembles the nights, best of --repeat runs in-process;
3. prints both and the ratio json.load time / sleeparch time (speed-up), for the
   import alone and for import + night assembly.

Run from the project root after a Release build:
    bash .ci/build release
    python3 bench/bench_fitbit_takeout.py
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import pathlib
import random
import subprocess
import sys
import time

GENERATOR_VERSION = 1
ROOT = pathlib.Path(__file__).resolve().parent.parent


def _fitbit_writer():
    spec = importlib.util.spec_from_file_location("fitbit_writer", ROOT / "data" / "writers" / "fitbit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _night_stages(rng: random.Random) -> list[str]:
    """One night of 30-s labels: sleep-onset wake, 4-6 NREM/REM cycles with
    deep sleep early and REM late, brief awakenings, a final wake."""
    stages = ["W"] * rng.randint(6, 40)
    cycles = rng.randint(4, 6)
    for c in range(cycles):
        deep = max(0, int(rng.gauss(50 - 12 * c, 8)))
        rem = max(6, int(rng.gauss(12 + 8 * c, 5)))
        for label, n in (("N1", rng.randint(2, 10)), ("N2", rng.randint(30, 70)), ("N3", deep),
                         ("N2", rng.randint(10, 40)), ("R", rem)):
            # Break long bouts with short wakes (-> shortData) and stage flips.
            while n > 0:
                take = min(n, rng.randint(8, 40))
                stages += [label] * take
                n -= take
                if n > 0 and rng.random() < 0.35:
                    stages += ["W"] * rng.randint(1, 6)
        if rng.random() < 0.3:
            stages += ["W"] * rng.randint(7, 20)
    stages += ["W"] * rng.randint(0, 12)
    return stages


def generate(folder: pathlib.Path, logs: int, per_file: int, seed: int) -> None:
    writer = _fitbit_writer()
    rng = random.Random(seed)
    start = dt.datetime(2016, 1, 1, 23, 0)
    entries = []
    log_id = 10_000_000_000
    for i in range(logs):
        local = start + dt.timedelta(days=i, seconds=30 * rng.randint(-120, 150))
        log_id += rng.randint(40_000, 90_000)
        entries.append(writer.stage_log(log_id, local, 30, _night_stages(rng), True))
    writer.write_takeout(entries, folder, days_per_file=per_file)


def ensure_folder(base: pathlib.Path, logs: int, per_file: int, seed: int) -> pathlib.Path:
    tag = f"v{GENERATOR_VERSION}-{logs}-{per_file}-{seed}"
    root = base / f"fitbit-takeout-{tag}"
    folder = root / "Takeout" / "Fitbit" / "Global Export Data"
    stamp = root / "complete"
    if not stamp.exists():
        generate(folder, logs, per_file, seed)
        stamp.write_text(tag + "\n")
    return root


def time_json_load(files: list[pathlib.Path], repeat: int) -> tuple[float, int]:
    best = float("inf")
    count = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        count = 0
        for path in files:
            with path.open("rb") as f:
                count += len(json.load(f))
        best = min(best, time.perf_counter() - t0)
    return best, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=str(ROOT / "build" / "release" / "bench" / "bench_fitbit_takeout"))
    parser.add_argument("--logs", type=int, default=3000)
    parser.add_argument("--per-file", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", default="/tmp/sleeparch-bench")
    args = parser.parse_args()

    root = ensure_folder(pathlib.Path(args.cache), args.logs, args.per_file, args.seed)
    files = sorted((root / "Takeout" / "Fitbit" / "Global Export Data").glob("sleep-*.json"))
    size_mb = sum(p.stat().st_size for p in files) / 1e6

    py_s, py_logs = time_json_load(files, args.repeat)
    out = subprocess.run([args.bin, "--repeat", str(args.repeat), "--tz", "Europe/Berlin", str(root)],
                         check=True, capture_output=True, text=True)
    ours = json.loads(out.stdout)

    print(f"folder: {root} ({len(files)} files, {size_mb:.1f} MB, {py_logs} logs)")
    print(f"python json.load:            {py_s * 1000:8.1f} ms")
    print(f"sleeparch import:            {ours['import_s'] * 1000:8.1f} ms  "
          f"({ours['records']} records)")
    print(f"sleeparch import + assembly: {ours['import_assemble_s'] * 1000:8.1f} ms  ({ours['nights']} nights)")
    print(f"ratio json.load / import:            {py_s / ours['import_s']:.2f}x")
    print(f"ratio json.load / import + assembly: {py_s / ours['import_assemble_s']:.2f}x")
    if ours["nights"] != py_logs:
        print(f"warning: {py_logs} logs but {ours['nights']} nights", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
