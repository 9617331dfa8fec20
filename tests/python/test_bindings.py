"""The Python package (bindings/) against the CLI on the same inputs.

Expected values come from the `sleeparch` binary (SLEEPARCH_CLI): `nights
--format json`, `nights --intake`, `compare --format json` with the same
seed, `serum --format json`, and its error messages. Inputs: the bundled demo
exports in data/ (Apple Health zip, Fitbit Takeout folder, Oura JSON; the
simulated person lives in Europe/Berlin and crosses the 2025-03-30 DST change)
with data/intake.csv, and small files written by the tests. Not covered here:
the importers' own parsing rules (tests/cpp) and the statistics' reference
values (test_comparison_reference.py).

The module comes from SLEEPARCH_BUILD/bindings (set by .ci/test). When
SLEEPARCH_BUILD is set and the module is not there, every test fails: CI must
not pass by running nothing. Tests skip only when SLEEPARCH_BUILD is unset
and no `sleeparch` module can be imported.
"""
import datetime
import importlib
import json
import math
import os
import pathlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DEMO = [DATA / "apple_health", DATA / "fitbit", DATA / "oura"]
INTAKE = DATA / "intake.csv"
TZ = "Europe/Berlin"


def _import():
    build = os.environ.get("SLEEPARCH_BUILD")
    if build:
        where = pathlib.Path(build).resolve() / "bindings"
        if not list((where / "sleeparch").glob("_core*")):
            pytest.fail(
                f"SLEEPARCH_BUILD={build} but {where}/sleeparch has no _core module: "
                "configure with SLEEPARCH_BUILD_PYTHON=ON (needs pybind11: pip install pybind11) and build"
            )
        sys.path.insert(0, str(where))
        try:
            module = importlib.import_module("sleeparch")
        finally:
            sys.path.remove(str(where))
        if not pathlib.Path(module.__file__).resolve().is_relative_to(where):
            pytest.fail(f"imported sleeparch from {module.__file__}, not from {where}")
        return module
    try:
        return importlib.import_module("sleeparch")
    except ImportError:
        pytest.skip("SLEEPARCH_BUILD unset and no sleeparch module importable")


@pytest.fixture(scope="module")
def sa():
    return _import()


@pytest.fixture(scope="module")
def demo(sa):
    return sa.load(DEMO, tz=TZ)


@pytest.fixture(scope="module")
def intake(sa):
    return sa.read_intake(INTAKE)


def same(a, b, path="$"):
    """Recursive equality; floats to 1e-12 relative (both sides are the same doubles
    through different printers), None in JSON for NaN on the Python side."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{path}: keys differ: {sorted(set(a) ^ set(b))}"
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{path}: lengths {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            other = b if a is None else a
            assert other is None or math.isnan(other), f"{path}: {a!r} != {b!r}"
        elif not (math.isnan(a) and math.isnan(b)):
            assert a == pytest.approx(b, rel=1e-12, abs=1e-12), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def nan_to_none(v):
    if isinstance(v, (float, np.floating)) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def iso(ts):
    return None if pd.isna(ts) else ts.isoformat()


def flat_vendor(row):
    # The JSON's "vendor" object is the DataFrame's vendor_* columns.
    out = {k: v for k, v in row.items() if k != "vendor"}
    out.update({"vendor_" + k: v for k, v in row.get("vendor", {}).items()})
    return out


def check_rows_match_cli(sa, df, rows):
    # One night-row schema: the DataFrame's columns are the JSON keys (less the
    # transition matrix), in the same order, with the same values.
    rows = [flat_vendor(r) for r in rows]
    assert len(df) == len(rows) > 0
    assert list(df.columns) == [k for k in rows[0] if k not in ("transitions", "cycles")]
    kinds = {name: kind for name, kind, _desc in sa._core.night_fields()}
    for (_, got), want in zip(df.iterrows(), rows):
        for name in df.columns:
            if kinds[name] == "instant":
                assert iso(got[name]) == want[name], f"{want['date']}.{name}"
            elif name == "date":
                assert str(got[name]) == want[name]
            elif kinds[name] == "text_list":
                assert list(got[name]) == want[name]
            else:
                same(nan_to_none(got[name]), want[name], f"{want['date']}.{name}")


# --- nights and metrics -------------------------------------------------------


def test_metrics_equal_cli_json(sa, demo, nights_json):
    rows = nights_json(*DEMO, "--tz", TZ)
    df = demo.metrics()
    assert len(demo) == len(df) == 140
    check_rows_match_cli(sa, df, rows)


def test_naps_equal_cli_json(sa, nights_json):
    nights = sa.load(DEMO, tz=TZ, naps=True)
    rows = nights_json(*DEMO, "--tz", TZ, "--naps")
    df = nights.metrics()
    assert df["is_nap"].any()
    check_rows_match_cli(sa, df, rows)


def test_source_preference_and_dates_equal_cli(sa, nights_json):
    nights = sa.load([str(p) for p in DEMO], tz=TZ, source="oura", from_date="2025-02-01", to_date="2025-02-20")
    rows = nights_json(*DEMO, "--tz", TZ, "--source", "oura", "--from", "2025-02-01", "--to", "2025-02-20")
    check_rows_match_cli(sa, nights.metrics(), rows)


@pytest.mark.parametrize(
    "load_kwargs,cli_args",
    [
        ({}, []),
        ({"naps": True}, ["--naps"]),
        ({"source": "oura", "from_date": "2025-02-01", "to_date": "2025-03-20"},
         ["--source", "oura", "--from", "2025-02-01", "--to", "2025-03-20"]),
    ],
)
def test_summary_transitions_and_regularity_equal_cli(sa, run, load_kwargs, cli_args):
    nights = sa.load(DEMO, tz=TZ, **load_kwargs)
    want = json.loads(run("nights", *DEMO, "--tz", TZ, *cli_args, "--summary", "--format", "json").stdout)
    summary = nights.summary()
    names = [m["name"] for m in sa._core.scalar_metrics()]
    assert list(summary.index) == names
    for name in names:
        got = {k: nan_to_none(summary.loc[name, k]) for k in ("n", "mean", "sd", "median", "q1", "q3", "iqr")}
        same(got, want["metrics"][name], f"summary.{name}")
    assert summary.loc["tst_min", "n"] == len(nights)
    transitions = nights.transitions()
    assert list(transitions.index) == list(sa._core.transition_categories())
    assert transitions.to_numpy().tolist() == want["transitions"]
    # Pooled transitions are the sum of the nights' own matrices.
    own = sum(np.asarray(n.sleep_statistics()["transitions"]) for n in nights if not n.summary_only)
    assert transitions.to_numpy().tolist() == np.asarray(own).tolist()
    reg = nights.regularity()
    for key in ("sri", "onset_sd_min", "midpoint_sd_min", "social_jetlag_h"):
        same(nan_to_none(reg[key]), want[key], key)
    assert reg["sri_day_pairs"] == want["sri_day_pairs"] > 0
    assert reg["free_nights"] > 0 and reg["work_nights"] > 0


def test_timestamps_tz_aware_across_dst(demo):
    df = demo.metrics()
    before = df[df["date"] == datetime.date(2025, 3, 29)].iloc[0]
    after = df[df["date"] == datetime.date(2025, 4, 2)].iloc[0]
    assert before["utc_offset_min"] == 60 and after["utc_offset_min"] == 120
    assert before["onset_local"].utcoffset() == datetime.timedelta(hours=1)
    assert after["onset_local"].utcoffset() == datetime.timedelta(hours=2)
    assert after["final_wake_local"].utcoffset() == datetime.timedelta(hours=2)
    # Offsets differ across rows: a column of Timestamps, each at its night's offset (the
    # one in force at the window start, so it agrees with the zone there).
    offsets = [datetime.timedelta(minutes=int(m)) for m in df["utc_offset_min"]]
    for col in ("onset_local", "final_wake_local", "midpoint_local", "window_start_local", "window_end_local"):
        assert df[col].dtype == object
        assert [v.utcoffset() for v in df[col]] == offsets
    assert [v.tz_convert(TZ).utcoffset() for v in df["window_start_local"]] == offsets
    # The night of the change keeps +01:00 for its wake-up after 02:00 UTC+1.
    dst = df[df["date"] == datetime.date(2025, 3, 30)].iloc[0]
    assert dst["utc_offset_min"] == 60
    assert dst["final_wake_local"].tz_convert(TZ).utcoffset() == datetime.timedelta(hours=2)
    # One offset within a night: a proper tz-aware datetime column.
    night = demo[0]
    hyp = night.hypnogram()
    assert isinstance(hyp["start"].dtype, pd.DatetimeTZDtype)
    assert hyp["start"].iloc[0] == night.window_start


def test_nightset_protocol(sa, demo):
    nights = list(demo)
    assert len(nights) == len(demo)
    assert demo[0].date == nights[0].date == datetime.date(2025, 1, 6)
    assert demo[-1].date == datetime.date(2025, 5, 25)
    sub = demo[10:20]
    assert isinstance(sub, sa.NightSet) and len(sub) == 10
    assert list(sub.metrics()["date"]) == list(demo.metrics()["date"][10:20])
    # The one warning: the sample's Oura totals (from its 30-s grid) beside
    # ours from the 5-min phase string.
    (warning,) = demo.warnings
    assert warning.startswith("28 nights where a figure from the hypnogram differs from the file's own")
    assert {fmt for _file, fmt in demo.imported} == {"apple_health", "fitbit", "oura"}
    text = repr(demo)
    assert "140 nights" in text and "2025-01-06..2025-05-25" in text
    r = repr(demo[0])
    assert r.startswith("<Night 2025-01-06 night |") and "TST" in r


def test_hypnogram_frame_and_array(sa, demo):
    night = demo[5]
    arr = night.hypnogram_array()
    assert arr.dtype == np.int8 and arr.ndim == 1
    hyp = night.hypnogram(epoch=30)
    assert len(hyp) == len(arr)
    assert (hyp["value"].to_numpy() == arr).all()
    assert set(hyp["stage"].astype(str)) <= set(sa.STAGES.values())
    steps = hyp["start"].diff().dropna().unique()
    assert list(steps) == [pd.Timedelta(seconds=30)]
    stats = night.sleep_statistics()
    # The demo's records sit on a 30-s grid from the window start: epoch counts are the minutes.
    counts = hyp["stage"].astype(str).value_counts()
    assert counts.get("Deep", 0) / 2 == pytest.approx(stats["deep_min"])
    assert counts.get("REM", 0) / 2 == pytest.approx(stats["rem_min"])
    assert len(arr) / 2 == pytest.approx(stats["tib_min"], abs=0.5)
    coarse = night.hypnogram_array(epoch=60)
    assert len(coarse) == pytest.approx(len(arr) / 2, abs=1)
    seg = night.segments()
    assert seg["minutes"].sum() == pytest.approx(stats["tib_min"])


def test_sleep_statistics_match_metrics_row(sa, demo):
    night = demo[30]
    stats = night.sleep_statistics()
    row = demo.metrics().iloc[30]
    for name in (m["name"] for m in sa._core.scalar_metrics()):
        same(nan_to_none(stats[name]), nan_to_none(row[name]), name)
    assert stats["onset_local"] == row["onset_local"] and stats["onset_local"].utcoffset() == row["onset_local"].utcoffset()
    assert stats["transitions"].shape == (6, 6)
    assert int(stats["transitions"].to_numpy().sum()) == len(night.hypnogram_array()) - 1


def test_cycles_and_notes_equal_cli_json(sa, demo, nights_json, tmp_path):
    want = {n["date"]: n for n in nights_json(*DEMO, "--tz", TZ)}
    compared = 0
    for night in demo:
        w, got = want[night.date.isoformat()], night.cycles()
        assert night.sleep_statistics()["notes"] == w["notes"]
        if w["cycles"] is None:
            assert got.empty
            continue
        assert list(got.columns) == ["start", "end", "nrem_min", "rem_min", "complete"]
        assert [t.isoformat() for t in got["start"]] == [c["start"] for c in w["cycles"]]
        assert [t.isoformat() for t in got["end"]] == [c["end"] for c in w["cycles"]]
        assert list(got["nrem_min"]) == [c["nrem_min"] for c in w["cycles"]]
        assert list(got["rem_min"]) == [c["rem_min"] for c in w["cycles"]]
        assert list(got["complete"]) == [c["complete"] for c in w["cycles"]]
        compared += len(got)
    assert compared > 100
    # No REM: no cycles, and the reason.
    f = tmp_path / "norem.txt"
    f.write_text("# start: 2024-01-01T23:00:00Z\n" + "N2\n" * 300)
    (night,) = sa.load(f)
    assert night.cycles().empty and math.isnan(night.sleep_statistics()["nrem_cycles"])
    assert night.sleep_statistics()["notes"] == ["nrem_cycles: no REM in the night, so no NREM-REM cycle can be delimited"]


def test_plain_hypnogram_with_epoch_and_start(sa, nights_json, tmp_path):
    path = tmp_path / "night.txt"
    stages = ["W"] * 20 + ["N1"] * 4 + ["N2"] * 30 + ["N3"] * 40 + ["N2"] * 20 + ["R"] * 30 + ["W"] * 3 + ["N2"] * 60
    stages += ["R"] * 40 + ["W"] * 10
    path.write_text("\n".join(stages) + "\n")
    nights = sa.load(path, epoch=60, start="2025-03-29T23:30:00")
    rows = nights_json(path, "--epoch", "60", "--start", "2025-03-29T23:30:00")
    check_rows_match_cli(sa, nights.metrics(), rows)
    night = nights[0]
    codes = {v: k for k, v in sa.STAGES.items()}
    names = {"W": "Wake", "N1": "N1", "N2": "N2", "N3": "Deep", "R": "REM"}
    assert list(night.hypnogram_array(epoch=60)) == [codes[names[s]] for s in stages]
    # Integer codes with a stage map, as --stage-map.
    ints = tmp_path / "ints.txt"
    ints.write_text("\n".join(["0"] * 10 + ["2"] * 20 + ["3"] * 20 + ["5"] * 20 + ["0"] * 4) + "\n")
    mapped = sa.load(ints, stage_map={0: "W", 2: "N2", 3: "N3", 5: "R"}, tz="+01:00")
    rows = nights_json(ints, "--stage-map", "0=W,2=N2,3=N3,5=R", "--tz", "+01:00")
    check_rows_match_cli(sa, mapped.metrics(), rows)


def test_package_imports_without_matplotlib(sa):
    # Plots import matplotlib when they draw, not when the package is imported.
    import subprocess

    code = "import sys; import sleeparch; print('matplotlib' in sys.modules)"
    where = str(pathlib.Path(sa.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=where)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"


def test_metric_info_and_formats(sa):
    info = sa.metric_info().set_index("metric")
    assert list(info.columns) == ["unit", "description", "decimals", "display", "compare_default", "share", "caveat"]
    # The metric table decides the default comparison, the share metrics and the caveats.
    defaults = info[info["compare_default"] > 0].sort_values("compare_default").index.tolist()
    assert defaults == list(sa._core.default_comparison_metrics())
    assert set(info.index[info["share"]]) == {"light_pct", "deep_pct", "rem_pct", "n1_pct", "n2_pct"}
    assert "Menghini" in info.loc["deep_pct", "caveat"]
    assert info.loc["sol_min", "display"] == "Sleep-onset latency"
    assert {"apple_health", "fitbit", "oura"} <= set(sa.formats()["format"])


def test_night_fields_are_the_cli_csv_header(sa, run):
    header = run("nights", *DEMO, "--tz", TZ, "--format", "csv").stdout.splitlines()[0].split(",")
    assert [name for name, _kind, _desc in sa.NIGHT_FIELDS] == header
    assert list(sa.load(DEMO, tz=TZ).metrics().columns) == header


def test_stubs_follow_the_schema(sa):
    # bindings/generate_stubs.py writes the NightRow stub from the schema; it must be current.
    import subprocess

    script = ROOT / "bindings" / "generate_stubs.py"
    where = str(pathlib.Path(sa.__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=where))
    assert out.returncode == 0, out.stderr
    stub = (ROOT / "bindings" / "sleeparch" / "_core.pyi").read_text()
    for name, _kind, _desc in sa._core.night_fields():
        assert f"    {name}: " in stub


# --- the report ---------------------------------------------------------------


def test_report_equals_cli_bytes(sa, run, tmp_path):
    nights = sa.load(DEMO, tz=TZ)
    out = tmp_path / "cli.html"
    run("report", *DEMO, "--tz", TZ, "--intake", INTAKE, "-B", "500", "--seed", "7", "-o", out)
    html = sa.report(nights, sa.read_intake(INTAKE, tz=TZ), tmp_path / "py.html", resamples=500, seed=7)
    assert html == out.read_text(encoding="utf-8")
    assert (tmp_path / "py.html").read_text(encoding="utf-8") == html
    assert "<svg" in html and "Sleep-onset latency" in html
    # Nights only, and explicit periods, as the CLI.
    run("report", *DEMO, "--tz", TZ, "--hypnograms", "3", "-o", out)
    assert sa.report(nights, hypnograms=3) == out.read_text(encoding="utf-8")
    run("report", *DEMO, "--tz", TZ, "--baseline", "2025-01-06..2025-02-28", "--treatment",
        "2025-03-10..2025-05-20", "-B", "300", "-o", out)
    got = sa.report(nights, baseline="2025-01-06..2025-02-28", treatment=("2025-03-10", "2025-05-20"), resamples=300)
    assert got == out.read_text(encoding="utf-8")


def test_report_bad_options(sa, demo):
    with pytest.raises(sa.UsageError, match="hypnograms"):
        sa.report(demo, hypnograms=-1)
    with pytest.raises(sa.UsageError, match="resamples"):
        sa.report(demo, INTAKE, resamples=5)


# --- intake and linking -------------------------------------------------------


def test_read_intake(sa, intake):
    doses = intake.doses
    assert len(doses) == 67
    assert (doses["form"] == "glycinate").all()
    assert doses["mg_elemental"].iloc[0] == pytest.approx(1500 * 0.141)
    first = doses["time"].iloc[0]
    assert first.isoformat() == "2025-03-04T21:53:00+01:00"
    assert doses["local_time"].iloc[0] == pd.Timestamp("2025-03-04 21:53")
    serum = intake.serum
    assert list(serum["band"]) == ["low_normal"] and serum["date"].iloc[0] == datetime.date(2025, 2, 25)
    assert "67 entries" in repr(intake)


def test_link_equals_cli_nights_intake(sa, demo, intake, nights_json):
    rows = nights_json(*DEMO, "--tz", TZ, "--intake", INTAKE)
    linked = sa.link(demo, intake)
    assert len(linked) == len(rows) == len(demo)
    for (_, got), want in zip(linked.iterrows(), rows):
        assert str(got["date"]) == want["date"]
        same(float(got["mg_elemental"]), want["mg_elemental"])
        same(nan_to_none(got["dose_to_onset_min"]), want["dose_to_onset_min"])
        same(float(got["mg_7d_mean"]), want["mg_7d_mean"])
        assert got["tags"] == want["tags"]
        assert bool(got["above_upper_limit"]) == want["above_upper_limit"]
    assert (linked["mg_elemental"] > 0).sum() > 50
    # A path is read with the nights' tz.
    same(sa.link(demo, INTAKE).to_dict("list"), linked.to_dict("list"))


# --- comparison ---------------------------------------------------------------


def test_compare_equals_cli_json(sa, demo, intake, run):
    want = json.loads(run("compare", *DEMO, "--tz", TZ, "--intake", INTAKE, "--seed", 7, "-B", 2000,
                          "--format", "json").stdout)
    got = sa.compare(demo, intake, seed=7, resamples=2000)
    same(got.to_dict(), want)
    table = got.table()
    assert set(table.columns) == set(want["metrics"][0].keys())
    assert list(table["metric"]) == [m["metric"] for m in want["metrics"]]
    assert table["ci_low"].dtype == float
    assert got.warnings == want["warnings"]
    assert got.summary == want["summary"]
    assert got.periods["baseline"]["first"] == datetime.date.fromisoformat(want["baseline"]["first"])


def test_compare_explicit_periods_equal_cli_json(sa, demo, run):
    want = json.loads(run("compare", *DEMO, "--tz", TZ, "--baseline", "2025-01-06..2025-02-28", "--treatment",
                          "2025-03-10..2025-05-18", "--washout", 3, "--metrics", "tst_min,deep_pct",
                          "--primary", "sol_min", "--seed", 11, "-B", 1000, "--format", "json").stdout)
    got = sa.compare(demo, baseline=(datetime.date(2025, 1, 6), "2025-02-28"), treatment="2025-03-10..2025-05-18",
                     washout=3, metrics=["tst_min", "deep_pct"], primary="sol_min", seed=11, resamples=1000)
    same(got.to_dict(), want)
    assert [m["metric"] for m in want["metrics"]] == ["tst_min", "deep_pct", "sol_min"]


def test_compare_repr_in_plain_words(sa, demo, intake):
    got = sa.compare(demo, intake, resamples=500)
    text = repr(got)
    assert text.startswith("Before/after magnesium: periods from the intake log")
    assert "In plain words:" in text and "Serum magnesium:" in text
    for m in got.to_dict()["metrics"]:
        assert m["sentence"].split()[0] in text
    assert " ".join(got.summary.split()) in " ".join(text.split())


def test_compare_one_source_blocks_equal_cli_json(sa, demo, intake, run):
    got = sa.compare(demo, intake, seed=3, resamples=500)
    d = got.to_dict()
    assert d["primary"] == "sol_min" and got.primary == "sol_min"
    assert len(d["secondary"]) == 9
    compared = [s for s in got.sources if s["compared"]]
    assert len(compared) == 1 and compared[0]["source"] == got.source
    left = sum(s["baseline"] + s["treatment"] for s in got.sources if not s["compared"])
    assert d["nights_left_out"] == left
    text = repr(got)
    assert f"source compared: {got.source}" in text
    for s in got.sources:
        if not s["compared"]:
            assert f"left out: {s['source']}" in text
    assert "Sensitivity (not the verdict)" in text
    sens = got.sensitivity()
    assert set(sens["analysis"]) >= {"trend_adjusted", "bootstrap"}
    assert sens["estimate"].dtype == float
    # The other options, as the CLI's flags.
    other = next(s["source"] for s in got.sources if not s["compared"])
    for kwargs, flags in [({"all_sources": True}, ["--all-sources"])]:
        want = json.loads(run("compare", *DEMO, "--tz", TZ, "--intake", INTAKE, "--seed", 3, "-B", 500, *flags,
                              "--format", "json").stdout)
        same(sa.compare(demo, intake, seed=3, resamples=500, **kwargs).to_dict(), want)
        assert want["all_sources"] and want["nights_left_out"] == 0
    with pytest.raises(sa.UsageError, match="matches no source; present: "):
        sa.compare(demo, intake, source="no such device", resamples=200)
    assert other  # a second source exists in the demo


def test_ratings_compared_like_metrics(sa, demo, tmp_path):
    # The demo's log with two more columns and a rating every morning.
    lines = pathlib.Path(INTAKE).read_text().splitlines()
    rows = [line + ",rating,scale" if line.startswith("date,") else line for line in lines]
    for day in pd.date_range("2025-01-06", "2025-05-25"):
        rows.append(f"{day.date()},,rating,,,,,,{3 + (day.dayofweek % 2)},,sleep_quality,1-5")
    log = tmp_path / "intake.csv"
    log.write_text("\n".join(rows) + "\n")
    got = sa.compare(demo, str(log), resamples=200)
    row = got.table().set_index("metric").loc["rating:sleep_quality"]
    assert row["n_baseline"] > 14 and row["verdict"] in ("changed", "no_change")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,rating,value,scale\n2025-03-01,rating,sleep_quality,9,1-5\n")
    with pytest.raises(sa.ParseError, match=r"bad\.csv:2: value: \"9\" is outside the scale 1-5$"):
        sa.read_intake(bad)


def test_serum_equals_cli(sa, run):
    for value, unit in [("0.80", "mmol/L"), ("2.3", "mg/dL"), ("1.5", "mEq/L")]:
        want = json.loads(run("serum", value, unit, "--format", "json").stdout)
        same(sa.serum(float(value), unit), want)


# --- errors -------------------------------------------------------------------


def test_parse_error_names_file_and_line(sa, run, tmp_path):
    bad = tmp_path / "night.txt"
    bad.write_text("W\nN1\nN2\nXX\nR\n")
    with pytest.raises(sa.ParseError) as err:
        sa.load(bad)
    assert isinstance(err.value, ValueError)
    cli = run("nights", bad, check=False)
    assert cli.returncode == 1
    assert str(err.value) == cli.stderr.strip().removeprefix("sleeparch: ")
    assert str(err.value).startswith(f"{bad}:4: stage \"XX\": ")

    log = tmp_path / "intake.csv"
    log.write_text("date,time,kind,mg_elemental\n2025-03-01,21:00,,100\n2025-13-02,21:00,,100\n")
    with pytest.raises(ValueError, match=r"intake\.csv:3: date: \"2025-13-02\": month 13 out of range$"):
        sa.read_intake(log)


def test_usage_and_io_errors(sa, demo, tmp_path):
    with pytest.raises(sa.UsageError, match="needs an intake log"):
        sa.compare(demo)
    assert issubclass(sa.UsageError, ValueError)
    with pytest.raises(sa.UsageError, match="unknown unit"):
        sa.serum(0.8, "grains")
    with pytest.raises(ValueError):
        sa.compare(demo, INTAKE, primary="no_such_metric", resamples=200)
    with pytest.raises(sa.UsageError):
        sa.load(DEMO, input_format="no_such_format")
    with pytest.raises(RuntimeError, match="no such file"):
        sa.load(tmp_path / "missing.zip")
    assert issubclass(sa.IoError, RuntimeError)


# --- threads ------------------------------------------------------------------


def test_concurrent_loads_agree(sa, demo):
    expected = demo.metrics()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: sa.load(DEMO, tz=TZ).metrics(), range(8)))
    for df in results:
        pd.testing.assert_frame_equal(df, expected)


def test_gil_released_during_comparison(sa, demo, intake):
    # A long single-threaded comparison in one thread; this thread keeps running
    # meanwhile only if the core let go of the GIL.
    start = time.perf_counter()
    sa.compare(demo, intake, resamples=100000, threads=1)
    alone = time.perf_counter() - start
    done = threading.Event()
    entered = threading.Event()

    def work():
        entered.set()
        sa.compare(demo, intake, resamples=100000, threads=1)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    entered.wait()
    ticks, last, longest = 0, time.perf_counter(), 0.0
    while not done.is_set():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
        ticks += 1
    t.join()
    assert ticks > 1000
    assert longest < 0.5 * alone, f"this thread stalled {longest:.3f} s of a {alone:.3f} s comparison"


# --- plots --------------------------------------------------------------------


@pytest.fixture(scope="module")
def mpl():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield matplotlib
    plt.close("all")


def test_plots_return_axes(sa, demo, intake, mpl):
    from matplotlib.axes import Axes

    ax = sa.plot.hypnogram(demo[0])
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Wake"
    cmp = sa.compare(demo, intake, resamples=500)
    ax = sa.plot.trend(demo.metrics(), "deep_pct", comparison=cmp)
    assert isinstance(ax, Axes)
    assert len(ax.patches) >= 3  # baseline, washout, treatment (and post) shaded
    ax = sa.plot.comparison(cmp)
    assert isinstance(ax, Axes)
    assert len(ax.get_yticklabels()) == len(cmp.table())
    import matplotlib.pyplot as plt

    _fig, axes = plt.subplots(1, 2)
    assert sa.plot.hypnogram(demo[1], ax=axes[0]) is axes[0]
    assert sa.plot.trend(demo.metrics(), "sol_min", ax=axes[1]) is axes[1]
    plt.close("all")


def test_iana_tz_places_a_plain_hypnogram_like_the_equal_offset(sa, tmp_path, nights_json):
    # The --tz bug on plain hypnograms: an IANA zone was ignored for a
    # "# start:" without offset. sa.load parses tz as the CLI does.
    path = tmp_path / "night.txt"
    path.write_text("# start: 2025-03-01T23:00:00\nW\nN1\nN2\nN2\nN3\nN3\nR\nR\nW\n")
    named = sa.load(path, tz="Europe/Berlin").metrics()
    fixed = sa.load(path, tz="+01:00").metrics()
    assert list(named["utc_offset_min"]) == [60]
    pd.testing.assert_frame_equal(named, fixed)
    check_rows_match_cli(sa, named, nights_json(path, "--tz", "Europe/Berlin"))
    with pytest.raises(sa.UsageError, match='"Europe/Atlantis"'):
        sa.load(path, tz="Europe/Atlantis")


# --- vendor figures -------------------------------------------------------------


def test_vendor_figures_as_columns_and_on_the_night(sa, run):
    sample = ROOT.parent / "shared" / "samples" / "fitbit" / "fitbit_sleep_response_1_item.json"
    if not sample.exists():
        pytest.skip("no shared samples")
    nights = sa.load(sample)
    df = nights.metrics()
    # The log states minutesAsleep 465, levels.summary deep 88, efficiency 95
    # and no score.
    assert df["vendor_tst_min"].tolist() == [465.0]
    assert df["vendor_deep_min"].tolist() == [88.0]
    assert df["vendor_se_pct"].tolist() == [95.0]
    assert math.isnan(df["vendor_score"].iloc[0])
    vendor = nights[0].vendor
    assert vendor["tst_min"] == 465 and vendor["sol_min"] == 0 and math.isnan(vendor["score"])
    assert list(vendor) == ["tst_min", "deep_min", "light_min", "rem_min", "wake_min", "sol_min", "se_pct", "score"]
