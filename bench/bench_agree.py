#!/usr/bin/env python3
"""Device-vs-reference agreement: sleeparch vs YASA on the same pairs.

Simulates N pairs (default 1,000) of 8-hour nights of 30-s epochs (a reference
hypnogram in runs, and a device that re-scores 30 % of its epochs at random),
writes them as plain hypnograms with a pairs.csv, then times, best of
--repeats:
  - bench_agree: api::agree end to end (every file read) and the statistics
    alone on loaded nights (pairing, alignment, per-pair statistics, metrics,
    group with a B = 2,000 bootstrap); target: under 1 s for 1,000 pairs;
  - the CLI, `sleeparch agree --pairs pairs.csv --format json`;
  - YASA 0.8 on the same hypnograms in this process: EpochByEpochAgreement
    (per-stage scores, confusion matrices, sleep statistics) and
    SleepStatsAgreement (Bland-Altman), without YASA's bootstrap of the means
    (it does less than sleeparch).

    bash .ci/build release && python3 bench/bench_agree.py [--pairs 1000]
"""
import argparse
import json
import logging
import os
import pathlib
import subprocess
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
EPOCHS = 960  # 8 h of 30-s epochs
YASA4 = {"W": "WAKE", "L": "LIGHT", "D": "DEEP", "R": "REM"}
PSG = {"W": "W", "L": "N2", "D": "N3", "R": "R"}


def hypnogram(rng):
    out = []
    while len(out) < EPOCHS:
        out += [str(rng.choice(list("WLDR"), p=[0.15, 0.5, 0.15, 0.2]))] * int(rng.integers(2, 40))
    return out[:EPOCHS]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--build", default=str(ROOT / "build" / "release"))
    ap.add_argument("--no-yasa", action="store_true")
    args = ap.parse_args()

    rng = np.random.default_rng(14)
    refs, devs = [], []
    for _ in range(args.pairs):
        ref = hypnogram(rng)
        dev = [str(rng.choice(list("WLDR"))) if rng.random() < 0.3 else x for x in ref]
        refs.append(ref)
        devs.append(dev)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        rows = ["id,reference,device"]
        for k, (ref, dev) in enumerate(zip(refs, devs)):
            day = 1 + k % 28
            head = f"# start: 2025-02-{day:02d}T23:00:00+00:00\n# epoch: 30\n"
            (tmp / f"r{k}.txt").write_text(head + "\n".join(PSG[x] for x in ref) + "\n")
            (tmp / f"d{k}.txt").write_text(head + "\n".join(dev) + "\n")
            rows.append(f"p{k},r{k}.txt,d{k}.txt")
        (tmp / "pairs.csv").write_text("\n".join(rows) + "\n")

        bench = json.loads(subprocess.run(
            [os.path.join(args.build, "bench", "bench_agree"), str(tmp / "pairs.csv"), "--resamples",
             str(args.resamples), "--repeats", str(args.repeats)], check=True, capture_output=True,
            text=True).stdout)
        cli_best = float("inf")
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            out = subprocess.run([os.path.join(args.build, "cli", "sleeparch"), "agree", "--pairs",
                                  str(tmp / "pairs.csv"), "--format", "json", "-B", str(args.resamples)],
                                 check=True, capture_output=True, text=True).stdout
            cli_best = min(cli_best, time.perf_counter() - t0)
        ours = json.loads(out)

    print(f"{args.pairs} pairs of 8-hour nights ({bench['epochs']} epochs), bootstrap B = {args.resamples}")
    print(f"  sleeparch api::agree, files read:     {bench['api_agree_s']:.3f} s wall, "
          f"{bench['api_agree_cpu_s']:.3f} s CPU")
    print(f"  sleeparch statistics on loaded nights: {bench['statistics_s']:.3f} s")
    print(f"  sleeparch agree CLI (process, JSON):  {cli_best:.3f} s")

    if not args.no_yasa:
        import pandas as pd
        import yasa

        logging.getLogger("yasa").setLevel(logging.ERROR)
        yasa_best = float("inf")
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            r = [yasa.Hypnogram([YASA4[x] for x in h], n_stages=4, freq="30s", scorer="Ref") for h in refs]
            d = [yasa.Hypnogram([YASA4[x] for x in h], n_stages=4, freq="30s", scorer="Dev") for h in devs]
            ebe = yasa.EpochByEpochAgreement(r, d)
            bystage = ebe.get_agreement_bystage()
            ebe.get_confusion_matrix()
            ebe.get_confusion_matrix_proportional(ci_method="param")
            ss = ebe.get_sleep_stats()
            ssa = yasa.SleepStatsAgreement(ss.loc["Ref"], ss.loc["Dev"], ref_scorer="Ref", obs_scorer="Dev")
            summ = ssa.summary(ci_method="param")
            yasa_best = min(yasa_best, time.perf_counter() - t0)
        print(f"  YASA {yasa.__version__} EpochByEpochAgreement + SleepStatsAgreement: {yasa_best:.3f} s "
              f"({yasa_best / bench['api_agree_s']:.0f}x sleeparch's api::agree)")
        # The same numbers (a spot check; tests/python/test_agreement.py checks them all).
        ours_rec = ours["group"]["per_stage_mean"]["deep"]["sensitivity"]["mean"]  # over pairs with reference deep
        assert abs(ours_rec - bystage.xs("DEEP", level="stage")["recall"].mean()) < 1e-9
        assert abs(ours["group"]["bland_altman"]["tst_min"]["bias"] - summ.loc["TST", ("bias_mean", "center")]) < 1e-9
        print("  same mean deep sensitivity and TST bias as YASA")


if __name__ == "__main__":
    main()
