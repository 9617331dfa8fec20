"""The randomised self-trial end to end: `sleeparch plan` files (the .ics read back by
icalendar, the intake template read back by the intake reader), `compare --design`
and its bad-input exits, and the Python API (sa.plan, sa.compare(design=...))."""
import datetime
import json

import pytest

icalendar = pytest.importorskip("icalendar")

from conftest import ROOT

OURA = ROOT / "data" / "oura"  # label dates 2025-03-10 .. 2025-05-25


def make_plan(run, tmp_path, *extra, start="2025-03-10", weeks=12, seed=5):
    out = tmp_path / "plan.json"
    run("plan", "--start", start, "--weeks", weeks, "--seed", seed, *extra, "-o", out)
    return out, json.loads(out.read_text())


def test_plan_files_and_calendar(run, tmp_path):
    out, plan = make_plan(run, tmp_path, start="2027-03-01", weeks=14)
    assert plan["scheme"]["possible_assignments"] == 128
    assert plan["scheme"]["smallest_p"] == pytest.approx(2 / 128)
    conds = {}
    for row in plan["periods"]:
        if row["condition"] != "washout":
            conds[row["period"]] = row["condition"]
    assert sorted(conds.values()).count("magnesium") == 7
    cal = icalendar.Calendar.from_ical((tmp_path / "plan.ics").read_bytes())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    # One event at each switch, on the evening before the period's first night.
    switches = [p for p in range(1, 15) if p == 1 and conds[1] == "magnesium" or p > 1 and conds[p] != conds[p - 1]]
    if conds[1] == "control":
        switches = [1] + switches
    assert len(events) == len(switches)
    start = datetime.date(2027, 3, 1)
    for ev, p in zip(events, switches):
        first_night = start + datetime.timedelta(days=7 * (p - 1))
        assert ev.get("dtstart").dt == first_night - datetime.timedelta(days=1)
        assert conds[p] in str(ev.get("summary"))
    # The template has one row per evening and reads back as an intake log.
    rows = [l for l in (tmp_path / "plan-intake.csv").read_text().splitlines() if l and not l.startswith("#")]
    assert len(rows) == 1 + 98
    assert rows[1].startswith("2027-02-28,")  # the evening before the first night
    # Across the spring DST change (28 March 2027) the evenings stay consecutive dates.
    dates = [datetime.date.fromisoformat(r.split(",")[0]) for r in rows[1:]]
    assert all((b - a).days == 1 for a, b in zip(dates, dates[1:]))


def test_same_seed_same_plan(run, tmp_path):
    for name in "abc":
        (tmp_path / name).mkdir()
    a = make_plan(run, tmp_path / "a")[1]
    b = make_plan(run, tmp_path / "b")[1]
    c = make_plan(run, tmp_path / "c", seed=6)[1]
    assert a["periods"] == b["periods"]
    assert a["periods"] != c["periods"]


def test_compare_design_json_rows(run, tmp_path):
    out, _ = make_plan(run, tmp_path)
    proc = run("compare", OURA, "--design", out, "--intake", tmp_path / "plan-intake.csv", "--format", "json")
    r = json.loads(proc.stdout)
    row = r["metrics"][0]
    for key in ("metric", "diff", "ci_low", "ci_high", "p", "verdict", "sentence", "carryover", "n_magnesium"):
        assert key in row
    assert row["metric"] == "sol_min" and row["primary"]
    assert r["assignments"] == 64 and r["p_method"].startswith("exact")
    assert r["adherence"]["magnesium_nights_with_dose"] == r["adherence"]["planned_magnesium_nights"] == 42
    assert "not blinded" in row["sentence"] or row["verdict"] != "changed"


def test_blinded_plan_key_apart(run, tmp_path):
    out, plan = make_plan(run, tmp_path, "--blind")
    assert {r["condition"] for r in plan["periods"]} == {"A", "B", "washout"}
    key = json.loads((tmp_path / "plan-key.json").read_text())
    assert sorted(key["codes"].values()) == ["control", "magnesium"]
    with_key = json.loads(run("compare", OURA, "--design", out, "--key", tmp_path / "plan-key.json",
                              "--format", "json").stdout)
    assert with_key["blinding"].startswith("blinded, key opened")


def test_design_outside_export_exits_1_naming_periods(run, tmp_path):
    out, _ = make_plan(run, tmp_path, start="2030-01-01")
    proc = run("compare", OURA, "--design", out, check=False)
    assert proc.returncode == 1
    assert "plan.json" in proc.stderr and "2030-01-01..2030-03-25" in proc.stderr and "periods 1 2030-01-01" in proc.stderr


def test_not_a_plan_exits_1_naming_file_and_field(run, tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('{"periods": []}')
    proc = run("compare", OURA, "--design", bad, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"sleeparch: {bad}: sleeparch_plan: missing: this is not a plan written by `sleeparch plan`"


def test_python_plan_and_compare(tmp_path):
    sa = pytest.importorskip("sleeparch")
    nights = sa.load(str(OURA))
    p = sa.plan("2025-03-10", weeks=12, seed=5, history=nights, simulations=100)
    assert list(p.power["weeks"]) == [8, 12, 16, 24]
    assert p.power["power"].iloc[0] == 0  # 8 weeks cannot reach p < 0.05
    files = p.write(str(tmp_path / "plan.json"))
    assert len(files) == 3
    trial = sa.compare(nights, str(tmp_path / "plan-intake.csv"), design=str(tmp_path / "plan.json"))
    t = trial.table()
    assert t.loc[0, "metric"] == "sol_min"
    assert trial.adherence["planned_magnesium_nights"] == 42


def test_python_report_with_design_matches_cli(run, tmp_path):
    sa = pytest.importorskip("sleeparch")
    out, _ = make_plan(run, tmp_path)
    log = tmp_path / "plan-intake.csv"
    run("report", OURA, "--design", out, "--intake", log, "-o", tmp_path / "cli.html")
    html = sa.report(sa.load(str(OURA)), str(log), design=str(out))
    assert html == (tmp_path / "cli.html").read_text()
    assert 'id="trial"' in html and "trial-dist" in html and "Adherence" in html
