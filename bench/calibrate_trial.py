#!/usr/bin/env python3
"""The randomised self-trial's calibration (METRICS.md §7).

Runs bench/calibrate_trial (C++, simulated hypnograms from
tests/cpp/support/night_simulator.hpp) and prints, per cell: the share of
trials with p < 0.05 (under the null: the false-positive rate, which must be
<= 5 %; with SOL -10 min: the power, which must be >= 70 % for 24 weeks),
the 95 % CI coverage of the true effect and the mean MDE. A null cell fails
only when the lower 95 % binomial bound of its rate lies above 5 % (the test
is exact, so rates a little above 5 % are simulation noise). Nulls carry AR(1)
dependence and a seasonal SOL drift (a sine of amplitude 5 min over a year,
the trial starting in any month).

    python3 bench/calibrate_trial.py [--reps 1000] [--build build/release] [--json out.json]
"""
import argparse
import concurrent.futures
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000, help="simulated trials per cell")
    ap.add_argument("--build", default=str(ROOT / "build" / "release"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", help="also write the cells as JSON here")
    args = ap.parse_args()
    exe = pathlib.Path(args.build) / "bench" / "calibrate_trial"
    if not exe.exists():
        sys.exit(f"{exe} not built (cmake --build {args.build} --target calibrate_trial)")
    # (weeks, phi, effect, season amplitude)
    cells = [(w, phi, 0.0, 5.0) for w in (14, 24) for phi in (0.0, 0.3, 0.6)]
    cells += [(w, phi, -10.0, 5.0) for w in (14, 24) for phi in (0.3, 0.6)]

    def run(cell):
        w, phi, effect, season = cell
        out = subprocess.run([str(exe), str(args.reps), str(w), str(phi), str(effect), str(season)],
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(run, cells))
    print(f"{'weeks':>5} {'phi':>4} {'effect':>7} {'p<0.05':>7} {'coverage':>9} {'MDE':>6}  check")
    ok = True
    for r in rows:
        if r["effect"] == 0:
            # The test is exact, so its size is at most 5 %; a cell fails when even
            # the simulation's lower 95 % bound lies above 5 %.
            se = (r["rejected"] * (1 - r["rejected"]) / r["reps"]) ** 0.5
            check = f"false positives <= 5 % (simulation SE {100 * se:.1f} points)"
            good = r["rejected"] - 1.96 * se <= 0.05
        else:
            check = "power >= 70 %" if r["weeks"] == 24 else "(power, shown)"
            good = r["rejected"] >= 0.70 or r["weeks"] != 24
        ok = ok and good
        print(f"{r['weeks']:>5} {r['phi']:>4.1f} {r['effect']:>7.1f} {100 * r['rejected']:>6.1f}% "
              f"{100 * r['coverage']:>8.1f}% {r['mde']:>6.2f}  {check}{'' if good else '  FAILED'}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
