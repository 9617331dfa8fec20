#!/usr/bin/env python3
"""Before/after comparison: sleeparch vs scipy.stats.bootstrap.

Simulates 365 baseline + 365 treatment nights of the 10 default metrics
(AR(1) noise, seeded), times sleeparch's whole compare_periods (the
estimator of each difference of means: the larger of the per-period AR(1) and
the pooled decay-aware variance; Holm behind the primary's gate, MDE; the
sensitivity block: trend-adjusted HAC regressions and the studentised
stationary bootstrap B = 10,000 per metric with automatic block lengths, each
resample studentised by the same estimator from its moments; dose-response;
bench_compare, best of 5),
then times scipy.stats.bootstrap doing the same number of resamples of the
same difference of means for the same 10 metrics in this script (scipy
resamples single nights, not blocks, and computes only the means: it does less
work per resample), and prints the ratio.

    bash .ci/build release && python3 bench/bench_compare.py [--resamples 10000]
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[1]
METRICS = ["sol_min", "tst_min", "se_pct", "waso_min", "deep_pct", "rem_pct", "awakenings_5min",
           "sfi_per_h", "stage_shift_index", "rem_latency_min"]
LEVELS = [15, 420, 88, 30, 15, 22, 1.5, 4, 12, 90]
SCALES = [6, 35, 5, 12, 4, 4, 1, 1.5, 3, 20]


def simulate(rng, n):
    values = np.empty((n, len(METRICS)))
    for j, (level, scale) in enumerate(zip(LEVELS, SCALES)):
        e = rng.standard_normal(n + 50)
        x = np.empty(n + 50)
        x[0] = e[0]
        for i in range(1, n + 50):
            x[i] = 0.3 * x[i - 1] + e[i]
        values[:, j] = level + scale * x[50:]
    values[n // 2:, 0] -= 3  # an effect on sleep-onset latency
    return values


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nights", type=int, default=365, help="nights per period")
    ap.add_argument("--resamples", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0, help="sleeparch threads (0: all cores)")
    ap.add_argument("--binary", default=str(ROOT / "build" / "release" / "bench" / "bench_compare"))
    args = ap.parse_args()

    rng = np.random.default_rng(2024)
    values = simulate(rng, 2 * args.nights)
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "values.csv"
        with open(path, "w") as f:
            f.write(",".join(METRICS) + "\n")
            for row in values:
                f.write(",".join(repr(float(v)) for v in row) + "\n")
        proc = subprocess.run([args.binary, str(path), str(args.repeats), str(args.resamples), str(args.threads)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"bench_compare failed: {proc.stderr}")
        ours = json.loads(proc.stdout)
    assert ours["nights_baseline"] == args.nights and ours["nights_treatment"] == args.nights, ours

    base, treat = values[: args.nights], values[args.nights:]

    def diff(b, t, axis=-1):
        return np.mean(t, axis=axis) - np.mean(b, axis=axis)

    best = best_cpu = float("inf")
    scipy_ci = {}
    for _ in range(max(1, min(args.repeats, 3))):
        c0 = time.process_time()
        t0 = time.perf_counter()
        for j, name in enumerate(METRICS):
            res = stats.bootstrap((base[:, j], treat[:, j]), diff, n_resamples=args.resamples, method="percentile",
                                  vectorized=True, random_state=np.random.default_rng(j))
            scipy_ci[name] = (res.confidence_interval.low, res.confidence_interval.high)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)

    print(f"{args.nights} + {args.nights} nights, {len(METRICS)} metrics, B = {args.resamples}")
    print(f"sleeparch compare_periods (estimator + sensitivity incl. studentised stationary bootstrap): {ours['seconds']:.4f} s wall,"
          f" {ours['cpu_seconds']:.4f} s CPU  ({ours['threads'] or 'all'} thread(s), {ours['lanes']} bootstrap lanes)")
    print(f"scipy.stats.bootstrap (iid percentile, difference of means only):       {best:.4f} s wall,"
          f" {best_cpu:.4f} s CPU")
    print(f"ratio scipy / sleeparch: {best / ours['seconds']:.1f}x wall, {best_cpu / ours['cpu_seconds']:.1f}x CPU")
    print(f"target < 0.5 s for the full comparison: {'met' if ours['seconds'] < 0.5 else 'NOT met'}")
    lo, hi = ours["ci"]["sol_min"]
    slo, shi = scipy_ci["sol_min"]
    print(f"sol_min 95% CI: sleeparch [{lo:.2f}, {hi:.2f}] (blocks), scipy [{slo:.2f}, {shi:.2f}] (iid)")


if __name__ == "__main__":
    main()
