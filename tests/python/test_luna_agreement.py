"""Our per-night metrics against Luna's HYPNO (lunapi 1.7.0) on the same
hypnograms: every statistic the two share is equal (METRICS.md section 2),
NREM cycles included, and the named differences are asserted as such.

Luna gets each hypnogram through its in-memory API (an empty EDF of 30-s
records with one annotation per stage run), with lights off and on at the
record's bounds; we read the same stages as a plain hypnogram file. The nights
never start or end with unscored epochs (Luna recodes those as lights on, which
shortens its TIB) and never hold two hours of wake before a last few minutes of
sleep (Luna's default end-wake=120 end-sleep=5 trimming, which we do not do)."""
import datetime
import json
import math

import numpy as np
import pytest

from conftest import sample

lunapi = pytest.importorskip("lunapi")

LABELS = {0: "W", 1: "N1", 2: "N2", 3: "N3", 4: "R", 9: "?"}
W, N1, N2, N3, R, U = 0, 1, 2, 3, 4, 9

# Luna's HYPNO baseline variable -> our metric, scale (Luna's unit to ours).
BASELINE = {
    "TIB": ("tib_min", 1),
    "TST": ("tst_min", 1),
    "SPT": ("spt_min", 1),
    "SOL": ("sol_min", 1),
    "WASO": ("waso_min", 1),
    "SE": ("se_pct", 1),
    "SME": ("sme_pct", 1),
    "REM_LAT": ("rem_latency_min", 1),  # both from sleep onset (AASM)
    "FWT": ("wake_after_final_min", 1),
    "SFI": ("sfi_per_h", 60),  # Luna per minute of TST, ours per hour
}
# (stage row of Luna's SS table, variable) -> our metric, scale.
PER_STAGE = {
    ("N1", "MINS"): ("n1_min", 1),
    ("N2", "MINS"): ("n2_min", 1),
    ("N3", "MINS"): ("deep_min", 1),
    ("R", "MINS"): ("rem_min", 1),
    ("W", "MINS"): ("wake_min", 1),
    ("N1", "PCT"): ("n1_pct", 100),  # Luna a fraction of TST
    ("N2", "PCT"): ("n2_pct", 100),
    ("N3", "PCT"): ("deep_pct", 100),
    ("R", "PCT"): ("rem_pct", 100),
    ("N3", "BOUT_N"): ("deep_bouts", 1),
    ("R", "BOUT_N"): ("rem_bouts", 1),
    ("N3", "BOUT_MX"): ("longest_deep_bout_min", 1),
    ("R", "BOUT_MX"): ("longest_rem_bout_min", 1),
}
# Luna's WASO bouts are runs of wake epochs, so an unscored epoch splits one;
# ours are not split by Unscored (METRICS.md `awakenings`): compared on nights
# without unscored epochs only.
WAKE_BOUTS = {
    ("WASO", "BOUT_N"): ("awakenings", 1),
    ("WASO", "BOUT_MX"): ("longest_wake_min", 1),
    ("WASO", "BOUT_MN"): ("mean_wake_episode_min", 1),
}

_project = None


def luna_hypno(codes):
    """Luna's HYPNO tables for 30-s epochs `codes`: (baseline row, SS table by stage, cycle rows)."""
    global _project
    if _project is None:
        _project = lunapi.proj()
        _project.silence(True)
    inst = _project.empty_inst("night", len(codes), 30)
    runs = {}
    i = 0
    while i < len(codes):
        j = i
        while j < len(codes) and codes[j] == codes[i]:
            j += 1
        runs.setdefault(LABELS[codes[i]], []).append((i * 30, j * 30))
        i = j
    for label, intervals in runs.items():
        inst.insert_annot(label, intervals)
    inst.eval("HYPNO")
    base = inst.table("HYPNO").iloc[0]
    ss = inst.table("HYPNO", "SS").set_index("SS")
    c = inst.table("HYPNO", "C")
    cycles = [] if "NREMC_START" not in c else list(c.itertuples())
    return base, ss, cycles


def luna_value(v):
    """Luna's cell as a float, None where it has no value."""
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


def ours_many(nights_json, tmp_path, nights):
    """Our JSON rows for many hypnograms in one run: night k starts on day k, so
    each is the only night of its label date."""
    paths = []
    day0 = datetime.date(2024, 1, 1)
    for k, codes in enumerate(nights):
        start = day0 + datetime.timedelta(days=k)
        f = tmp_path / f"night{k:04d}.txt"
        f.write_text(f"# start: {start.isoformat()}T23:00:00Z\n" + "\n".join(LABELS[c] for c in codes) + "\n")
        paths.append(f)
    rows = nights_json(*paths, "--naps")
    assert len(rows) == len(nights)
    return rows


def assert_equal(got, expected, what):
    if expected is None:
        assert got is None, (what, got)
    else:
        assert got is not None, (what, expected)
        # Luna prints up to 6 significant digits.
        assert got == pytest.approx(expected, rel=2e-6, abs=1e-6), (what, got, expected)


def unscored_after_last_sleep(codes):
    """Minutes of unscored epochs right after the last sleep epoch."""
    k = last = max(i for i, c in enumerate(codes) if c in (N1, N2, N3, R))
    while k + 1 < len(codes) and codes[k + 1] == U:
        k += 1
    return (k - last) / 2


def compare(our, codes):
    base, ss, cycles = luna_hypno(codes)
    expected = {lkey: luna_value(base.get(lkey)) for lkey in BASELINE}
    # The one named difference: Luna's sleep period runs to the first wake after
    # the last sleep epoch, ours ends with the last sleep (METRICS.md final_wake),
    # so unscored epochs between the two are in Luna's SPT and in our
    # wake_after_final_min.
    u = unscored_after_last_sleep(codes)
    if u:
        expected["SPT"] -= u
        expected["FWT"] += u
        expected["SME"] = 100 * expected["TST"] / expected["SPT"]
    for lkey, (okey, scale) in BASELINE.items():
        v = expected[lkey]
        assert_equal(our[okey], None if v is None else v * scale, lkey)
    has_unscored = U in codes
    table = PER_STAGE if has_unscored else {**PER_STAGE, **WAKE_BOUTS}
    for (stage, var), (okey, scale) in table.items():
        v = luna_value(ss.loc[stage, var]) if stage in ss.index else None
        if okey.startswith("n1") or okey.startswith("n2"):
            # Ours are NaN unless the night has N1 or N2 (a wearable's Light is neither).
            if not any(c in (N1, N2) for c in codes):
                assert our[okey] is None
                continue
        if okey in ("longest_wake_min", "mean_wake_episode_min") and our["awakenings"] == 0:
            # No wake inside the sleep period: ours 0 and NaN, Luna 0 and 0.
            assert our["longest_wake_min"] == 0 and our["mean_wake_episode_min"] is None
            continue
        assert_equal(our[okey], None if v is None else v * scale, f"{stage} {var}")
    compare_cycles(our, codes, base, cycles)


def compare_cycles(our, codes, base, cycles):
    if R not in codes:
        # Luna counts the NREM periods of a night without REM; ours is undefined, and says why.
        assert our["nrem_cycles"] is None and our["mean_cycle_min"] is None and our["cycles"] is None
        assert any(n.startswith("nrem_cycles: no REM") for n in our["notes"]), our["notes"]
        return
    assert our["nrem_cycles"] == float(base["NREMC"]), (our["nrem_cycles"], base["NREMC"])
    if our["nrem_cycles"] == 0:
        assert our["mean_cycle_min"] is None and float(base["NREMC_MINS"]) == 0  # Luna prints 0 for no cycle
    else:
        assert our["mean_cycle_min"] == pytest.approx(float(base["NREMC_MINS"]), abs=1e-6)
    w0 = datetime.datetime.fromisoformat(our["window_start_local"])
    assert len(our["cycles"]) == len(cycles)
    for mine, theirs in zip(our["cycles"], cycles):
        start = (datetime.datetime.fromisoformat(mine["start"]) - w0).total_seconds()
        end = (datetime.datetime.fromisoformat(mine["end"]) - w0).total_seconds()
        assert start == (int(theirs.NREMC_START) - 1) * 30
        assert (end - start) / 60 == pytest.approx(float(theirs.NREMC_MINS))
        assert mine["nrem_min"] == pytest.approx(float(theirs.NREMC_NREM_MINS))
        assert mine["rem_min"] == pytest.approx(float(theirs.NREMC_REM_MINS))
    assert our["complete_cycles"] == sum(c["complete"] for c in our["cycles"])


def random_runs(rng, n, wake=True, rem=True, unscored=False):
    """Stage runs of 0.5 to 30 min (NREM-weighted); optional short unscored runs between them."""
    stages, p = [N1, N2, N3], [0.15, 0.45, 0.2]
    if rem:
        stages, p = stages + [R], p + [0.12]
    if wake:
        stages, p = stages + [W], p + [0.08]
    p = np.asarray(p) / sum(p)
    out = []
    while len(out) < n:
        out += [int(rng.choice(stages, p=p))] * int(rng.integers(1, 61))
        if unscored and rng.random() < 0.2:
            out += [U] * int(rng.integers(1, 5))
    out = out[:n]
    for edge in (0, -1):
        if out[edge] == U:
            out[edge] = W if wake else N2
    if not any(c in (N1, N2, N3, R) for c in out):
        out[len(out) // 2] = N2
    return out


def structured_night(rng, wake=True, rem=True, unscored=False):
    """Sleep-onset wake, 3-6 NREM/REM cycles with N3 early and REM growing, wake bouts."""
    out = [W] * int(rng.integers(1, 60)) if wake else []
    for c in range(int(rng.integers(3, 7))):
        out += [N1] * int(rng.integers(1, 12))
        out += [N2] * int(rng.integers(10, 60))
        out += [N3] * int(rng.integers(0, 80 - 12 * c))
        out += [N2] * int(rng.integers(0, 40))
        if wake and rng.random() < 0.4:
            out += [W] * int(rng.integers(1, 50))
        if unscored and rng.random() < 0.3:
            out += [U] * int(rng.integers(1, 6))
        if rem:
            out += [R] * int(rng.integers(2, 20 + 15 * c))
    out += [W] * int(rng.integers(1, 40)) if wake else [N2]
    return out


def nights(seed, count):
    """Half structured nights, half random runs; with and without wake bouts and
    unscored epochs, REM-free nights and short records (10 to 60 min)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        kind = k % 8
        wake, rem, unscored = kind != 1, kind != 2, kind in (3, 7)
        if kind == 6:
            out.append(random_runs(rng, int(rng.integers(20, 121)), wake=wake, rem=rem))
        elif k % 2 == 0:
            out.append(structured_night(rng, wake=wake, rem=rem, unscored=unscored))
        else:
            out.append(random_runs(rng, int(rng.integers(60, 1200)), wake=wake, rem=rem, unscored=unscored))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_random_hypnograms_agree_with_luna(nights_json, tmp_path, seed):
    batch = nights(1000 + seed, 80)
    for our, codes in zip(ours_many(nights_json, tmp_path, batch), batch):
        compare(our, codes)


def test_cycle_known_answer(nights_json, tmp_path):
    # The whole-night case of metrics_test.cpp (MetricsCycles.AWholeNight): Luna 4 cycles, 55 min.
    runs = [(W, 20), (N1, 6), (N2, 40), (N3, 60), (N2, 20), (R, 10), (N2, 50), (N3, 30), (N2, 20), (R, 30),
            (W, 4), (N2, 80), (R, 40), (N2, 60), (W, 30)]
    codes = [s for s, n in runs for _ in range(n)]
    (our,) = ours_many(nights_json, tmp_path, [codes])
    compare(our, codes)
    assert our["nrem_cycles"] == 4 and our["complete_cycles"] == 3


def test_bundled_sample_nights_agree(nights_json):
    # The synthetic sample of data/hypnograms that tests/golden/metrics_sample_nights.json pins.
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "data" / "hypnograms"
    codes_of = {"W": W, "N1": N1, "N2": N2, "N3": N3, "R": R, "?": U}
    for name in ("2025-01-06.txt", "2025-03-30.txt", "2025-03-31.txt", "2025-01-18-nap.txt"):
        path = root / name
        codes = [codes_of[x.strip()] for x in path.read_text().splitlines() if x.strip() and not x.startswith("#")]
        (our,) = nights_json(path, "--naps")
        compare(our, codes)


@pytest.mark.parametrize(
    "relative", ["hypnogram_txt/yasa_data_full_6hrs_100Hz_hypno_30s.txt", "hypnogram_txt/yasa_sub-02_hypno_30s.txt"]
)
def test_scored_sample_hypnograms_agree(nights_json, relative):
    # Polysomnography hypnograms from YASA's test data (../shared/samples).
    path = sample(relative)
    codes_of = {"0": W, "1": N1, "2": N2, "3": N3, "4": R, "W": W, "N1": N1, "N2": N2, "N3": N3, "R": R}
    codes = [codes_of[x.strip()] for x in path.read_text().splitlines() if x.strip() and not x.startswith("#")]
    (our,) = nights_json(path)
    compare(our, codes)


def test_unstaged_night_has_no_shares_or_cycles(nights_json, tmp_path):
    f = tmp_path / "asleep.txt"
    f.write_text("# start: 2024-01-01T23:00:00Z\n" + "W\n" * 20 + "A\n" * 800 + "W\n" * 10)
    (night,) = nights_json(f)
    assert night["staged_fraction"] == 0
    for key in ("light_pct", "deep_pct", "rem_pct", "n1_pct", "n2_pct", "nrem_cycles", "mean_cycle_min"):
        assert night[key] is None, key
    assert night["cycles"] is None
    assert night["notes"] == ["nrem_cycles: no staged sleep (sleep without stages only)"]
    assert json.dumps(night)  # plain JSON, no NaN
