#!/usr/bin/env python3
"""Per-night metrics: sleeparch vs YASA's Hypnogram.sleep_statistics.

Generates 100,000 nights of 30-s hypnograms (seeded), times sleeparch's
compute_metrics over all of them (bench_metrics, best of 3), times YASA on a
sample of the same nights in this same script, checks that both agree on TST
for the sample, and prints the per-night speed ratio.

    bash .ci/build release && python3 bench/bench_metrics.py [--nights 100000] [--yasa-sample 300]
"""
import argparse
import json
import pathlib
import struct
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]


def make_nights(n, rng):
    nights = []
    for _ in range(n):
        length = int(rng.integers(800, 1100))
        runs = rng.integers(1, 30, size=length)
        stages = rng.choice(5, size=length, p=[0.1, 0.05, 0.5, 0.15, 0.2])
        codes = np.repeat(stages, runs)[:length].astype(np.uint8)
        nights.append(codes)
    return nights


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nights", type=int, default=100_000)
    ap.add_argument("--yasa-sample", type=int, default=300)
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "bench" / "bench_metrics"))
    args = ap.parse_args()

    rng = np.random.default_rng(2024)
    nights = make_nights(args.nights, rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "nights.bin"
        with open(path, "wb") as f:
            f.write(struct.pack("<I", len(nights)))
            for codes in nights:
                f.write(struct.pack("<I", len(codes)))
                f.write(codes.tobytes())
        ours = json.loads(subprocess.run([args.binary, str(path)], check=True, capture_output=True, text=True).stdout)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import yasa

        labels = np.array(["WAKE", "N1", "N2", "N3", "REM"])
        sample = nights[: args.yasa_sample]
        hypnos = [yasa.Hypnogram(labels[c].tolist(), freq="30s") for c in sample]
        t0 = time.perf_counter()
        stats = [h.sleep_statistics() for h in hypnos]
        yasa_s = time.perf_counter() - t0
    for codes, st in zip(sample, stats):
        tst = float(np.count_nonzero(codes != 0)) / 2
        if abs(float(st["TST"]) - tst) > 1e-9:
            sys.exit(f"YASA and the sample disagree on TST ({st['TST']} vs {tst}): not the same nights")

    ours_per_night = ours["seconds"] / ours["nights"]
    yasa_per_night = yasa_s / len(sample)
    print(f"sleeparch: {ours['nights']} nights in {ours['seconds']:.3f} s = {ours['nights_per_second']:,.0f} nights/s")
    print(f"YASA {yasa.__version__} Hypnogram.sleep_statistics: {len(sample)} nights in {yasa_s:.3f} s = "
          f"{len(sample) / yasa_s:,.0f} nights/s")
    print(f"ratio: sleeparch is {yasa_per_night / ours_per_night:,.0f}x faster per night (goal >= 200x)")


if __name__ == "__main__":
    main()
