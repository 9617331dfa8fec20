"""HRV and resting heart rate per night (METRICS.md §8) through the Python package and the CLI.

Expected values: the per-format fixtures in tests/fixtures/vitals/ (values worked out by hand
from the files, as tests/cpp/vitals_test.cpp states them), an Oura series written here whose
resting heart rate falls by exactly 1 bpm per 100 mg of the evening's magnesium (so the
dose-response slope is known), and Garmin's own FIT SDK (garmin-fit-sdk) decoding the
hrv_status_summary that sleeparch reads. Not covered: the importers' error messages
(tests/cpp) and the statistics' reference values (test_comparison_reference.py).
"""
import datetime as dt
import importlib
import json
import math
import os
import pathlib
import sys

import pandas as pd
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "vitals"


@pytest.fixture(scope="module")
def sa():
    build = os.environ.get("SLEEPARCH_BUILD")
    if build:
        where = pathlib.Path(build).resolve() / "bindings"
        if not list((where / "sleeparch").glob("_core*")):
            pytest.fail(f"SLEEPARCH_BUILD={build} but {where}/sleeparch has no _core module")
        sys.path.insert(0, str(where))
        try:
            return importlib.import_module("sleeparch")
        finally:
            sys.path.remove(str(where))
    try:
        return importlib.import_module("sleeparch")
    except ImportError:
        pytest.skip("sleeparch module not built (set SLEEPARCH_BUILD)")


def _phase(hours=8):
    n = hours * 12
    return "4" + "2" * (n // 2 - 1) + "1" * (n // 4) + "3" * (n - n // 2 - n // 4 - 1) + "4"


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    """60 Oura nights from 2024-01-01: doses of 100-400 mg from night 20 on; lowest_heart_rate
    60 - mg/100 (+ a small deterministic wiggle), average_hrv 40 + mg/50."""
    root = tmp_path_factory.mktemp("vitals_series")
    periods, rows = [], ["date,time,kind,mg_elemental,amount_mg,form,product,tags,value,unit"]
    for i in range(60):
        wake = dt.date(2024, 1, 1) + dt.timedelta(days=i)
        start = dt.datetime.combine(wake - dt.timedelta(days=1), dt.time(23, 0), tzinfo=dt.timezone.utc)
        mg = 100 * (1 + i % 4) if i >= 20 else 0
        wiggle = ((i * 7) % 5 - 2) * 0.05
        periods.append({
            "id": f"n{i}", "day": wake.isoformat(), "type": "long_sleep",
            "bedtime_start": start.isoformat(), "bedtime_end": (start + dt.timedelta(hours=8)).isoformat(),
            "sleep_phase_5_min": _phase(), "lowest_heart_rate": 60 - mg / 100 + wiggle,
            "average_hrv": 40 + mg / 50 + wiggle,
        })
        if mg:
            rows.append(f"{(wake - dt.timedelta(days=1)).isoformat()},21:00+00:00,,{mg},,,,,,")
    (root / "oura.json").write_text(json.dumps({"data": periods}))
    (root / "intake.csv").write_text("\n".join(rows) + "\n")
    return root


def test_columns_per_format(sa):
    cases = [
        ([FIXTURES / "apple_export.xml"], {"2024-03-02": (None, 51.0, 54.0)}, {}),
        ([FIXTURES / "oura_sleep.json"], {"2024-03-02": (45.0, None, 52.0), "2024-03-03": (None, None, 49.0),
                                          "2024-03-04": (None, None, None)}, {}),
        ([FIXTURES / "sleeps.csv", FIXTURES / "physiological_cycles.csv"],
         {"2024-03-03": (61.5, None, 53.0), "2024-03-02": (None, None, None)}, {}),
        ([FIXTURES / "fitbit"], {"2026-04-12": (34.876, None, 57.25)}, {"tz": "+00:00"}),
    ]
    for paths, expected, kwargs in cases:
        df = sa.load([str(p) for p in paths], **kwargs).metrics()
        for col in ("hrv_rmssd_ms", "hrv_sdnn_ms", "rhr_bpm", "vitals_source"):
            assert col in df.columns
        by_date = df[~df["is_nap"]].set_index("date")
        for day, values in expected.items():
            row = by_date.loc[dt.date.fromisoformat(day)]
            for col, want in zip(("hrv_rmssd_ms", "hrv_sdnn_ms", "rhr_bpm"), values):
                got = row[col]
                if want is None:
                    assert math.isnan(got), (paths, day, col, got)
                else:
                    assert got == pytest.approx(want), (paths, day, col)
    apple = sa.load(str(FIXTURES / "apple_export.xml")).metrics()
    assert apple["vitals_source"][0][0].startswith("hrv_sdnn_ms: mean of 3 readings inside the night's window")


def test_python_equals_cli_json(sa, run):
    path = FIXTURES / "oura_sleep.json"
    cli = json.loads(run("nights", path, "--format", "json").stdout)
    df = sa.load(str(path)).metrics()
    for night, (_, row) in zip(cli, df.iterrows()):
        for col in ("hrv_rmssd_ms", "hrv_sdnn_ms", "rhr_bpm"):
            want = night[col]
            assert (math.isnan(row[col]) if want is None else row[col] == want), col
        assert list(row["vitals_source"]) == night["vitals_source"]


def test_comparison_outcomes_and_dose_response(sa, series, run):
    nights = sa.load(str(series / "oura.json"))
    cmp = sa.compare(nights, str(series / "intake.csv"), resamples=500, washout=3)
    t = cmp.table().set_index("metric")
    # Carried by the nights: appended to the default secondaries, after the sleep metrics.
    assert list(t.index[-2:]) == ["hrv_rmssd_ms", "rhr_bpm"]
    assert "hrv_sdnn_ms" not in t.index
    assert not t.loc["rhr_bpm", "primary"]
    dr = {d["predictor"]: d for d in t.loc["rhr_bpm", "dose_response"]}
    assert dr["mg_elemental"]["slope_per_100mg"] == pytest.approx(-1.0, abs=0.05)
    assert dr["mg_elemental"]["ci_low"] < -1.0 < dr["mg_elemental"]["ci_high"] or abs(
        dr["mg_elemental"]["slope_per_100mg"] + 1) < 0.05
    assert "mg_7d_mean" in dr
    hrv = {d["predictor"]: d for d in t.loc["hrv_rmssd_ms", "dose_response"]}
    assert hrv["mg_elemental"]["slope_per_100mg"] == pytest.approx(2.0, abs=0.1)
    # The CLI, asked for them by name, gives the same rows.
    out = json.loads(run("compare", series / "oura.json", "--intake", series / "intake.csv", "--metrics",
                         "hrv_rmssd_ms,rhr_bpm", "--resamples", "500", "--washout", "3", "--format",
                         "json").stdout)
    names = [m["metric"] for m in out["metrics"]]
    assert "hrv_rmssd_ms" in names and "rhr_bpm" in names
    rhr = next(m for m in out["metrics"] if m["metric"] == "rhr_bpm")
    assert rhr["unit"] == "bpm"
    assert rhr["diff"] < 0


def test_plot_trend_on_vitals(sa, series):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    nights = sa.load(str(series / "oura.json"))
    cmp = sa.compare(nights, str(series / "intake.csv"), resamples=200, washout=3)
    for col in ("hrv_rmssd_ms", "rhr_bpm"):
        ax = sa.plot.trend(nights.metrics(), col, comparison=cmp)
        assert isinstance(ax, Axes)
        assert ax.get_ylabel() == col
        assert len(ax.patches) >= 2  # periods shaded
        ys = ax.lines[0].get_ydata()
        assert len(ys) == 60 and not any(math.isnan(y) for y in ys)
    # A column no night carries plots as gaps, not an error.
    ax = sa.plot.trend(nights.metrics(), "hrv_sdnn_ms")
    assert all(math.isnan(y) for y in ax.lines[0].get_ydata())
    plt.close("all")


def test_summary_has_them(run):
    out = json.loads(run("nights", FIXTURES / "oura_sleep.json", "--summary", "--format", "json").stdout)
    assert out["metrics"]["rhr_bpm"]["n"] == 2
    assert out["metrics"]["rhr_bpm"]["mean"] == pytest.approx(50.5)
    assert out["metrics"]["hrv_sdnn_ms"]["n"] == 0


def test_report_has_the_vitals_section(series, run, tmp_path):
    out = tmp_path / "report.html"
    run("report", series / "oura.json", "--intake", series / "intake.csv", "-o", out, "--resamples", "200",
        "--washout", "3")
    html = out.read_text()
    assert 'id="vitals"' in html
    assert "Resting heart rate" in html and "HRV (RMSSD)" in html


def test_fit_hrv_against_garmin_sdk(run):
    garmin_fit_sdk = pytest.importorskip("garmin_fit_sdk")
    path = ROOT / "tests" / "fixtures" / "garmin_fit" / "sleep_hrv.fit"
    messages, errors = garmin_fit_sdk.Decoder(garmin_fit_sdk.Stream.from_file(str(path))).read()
    assert not errors
    (summary,) = messages["hrv_status_summary_mesgs"]
    (night,) = json.loads(run("nights", path, "--format", "json").stdout)
    assert night["hrv_rmssd_ms"] == pytest.approx(summary["last_night_average"])
    assert night["vitals_source"][0].startswith("hrv_rmssd_ms: vendor nightly value, Garmin FIT hrv_status_summary")
