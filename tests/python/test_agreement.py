"""`sleeparch agree` / sa.agree (METRICS.md §6) against independent implementations:
YASA's EpochByEpochAgreement (per-stage one-vs-rest scores, confusion matrices) and
SleepStatsAgreement (Bland-Altman bias and limits), scikit-learn's Cohen's kappa, scipy's
linear regression; the CLI against Python; a 5-min device against a 30-s reference; and
the bad-input messages."""
import json
import math
import xml.dom.minidom

import numpy as np
import pytest
import yasa
from scipy import stats as sps
from sklearn.metrics import cohen_kappa_score

from test_bindings import _import

YASA4 = {"W": "WAKE", "L": "LIGHT", "D": "DEEP", "R": "REM"}
REF_LABEL = {"W": "W", "L": "N2", "D": "N3", "R": "R"}  # the reference written as PSG labels
CLASSES = ["wake", "light", "deep", "rem"]
START = "2025-03-0{}T23:00:00+00:00"


@pytest.fixture(scope="module")
def sa():
    return _import()


def random_hypnogram(rng, n):
    out = []
    while len(out) < n:
        out += [str(rng.choice(list("WLDR"), p=[0.2, 0.45, 0.15, 0.2]))] * int(rng.integers(1, 30))
    return out[:n]


def noisy_copy(rng, hyp, p):
    out = list(hyp)
    for i in range(len(out)):
        if rng.random() < p:
            out[i] = str(rng.choice(list("WLDR")))
    return out


def write(path, labels, day, epoch=30, mapping=None):
    mapping = mapping or {k: k for k in "WLDR"}
    path.write_text(f"# start: {START.format(day)}\n# epoch: {epoch}\n" + "\n".join(mapping[x] for x in labels) + "\n")
    return path


def study(tmp_path, rng, n_pairs=10, n=240, p=0.3):
    refs, devs, rows = [], [], ["id,reference,device"]
    for k in range(n_pairs):
        ref = random_hypnogram(rng, n)
        dev = noisy_copy(rng, ref, p)
        write(tmp_path / f"ref{k}.txt", ref, 1 + k % 9, mapping=REF_LABEL)
        write(tmp_path / f"dev{k}.txt", dev, 1 + k % 9)
        refs.append(ref)
        devs.append(dev)
        rows.append(f"s{k:02d},ref{k}.txt,dev{k}.txt")
    (tmp_path / "pairs.csv").write_text("\n".join(rows) + "\n")
    return refs, devs


def yasa_hyps(hyps, scorer):
    return [yasa.Hypnogram([YASA4[x] for x in h], n_stages=4, freq="30s", scorer=scorer) for h in hyps]


def test_epoch_by_epoch_matches_yasa(sa, tmp_path):
    rng = np.random.default_rng(14)
    refs, devs = study(tmp_path, rng)
    ag = sa.agree(pairs=tmp_path / "pairs.csv", resamples=200)
    d = ag.to_dict()
    assert [p["id"] for p in d["pairs"]] == [f"s{k:02d}" for k in range(10)]

    ebe = yasa.EpochByEpochAgreement(yasa_hyps(refs, "Ref"), yasa_hyps(devs, "Dev"))
    bystage = ebe.get_agreement_bystage()
    cm = ebe.get_confusion_matrix()
    for k, p in enumerate(d["pairs"]):
        assert p["epochs"] == 240 and p["excluded_epochs"] == 0
        ours = np.array(p["confusion"])
        theirs = cm.loc[k + 1].loc[["WAKE", "LIGHT", "DEEP", "REM"], ["WAKE", "LIGHT", "DEEP", "REM"]].to_numpy()
        np.testing.assert_array_equal(ours, theirs)
        for cls, ystage in zip(CLASSES, ["WAKE", "LIGHT", "DEEP", "REM"]):
            row = bystage.loc[(ystage, k + 1)]
            s = p["per_stage"][cls]
            for our_key, their_key in (("sensitivity", "recall"), ("ppv", "precision"),
                                       ("specificity", "specificity"), ("npv", "npv")):
                assert s[our_key] == pytest.approx(row[their_key], abs=1e-9), (k, cls, our_key)
            # One-vs-rest kappa and PABAK, independently.
            t = np.array([x == cls[0].upper() for x in refs[k]])
            q = np.array([x == cls[0].upper() for x in devs[k]])
            assert s["kappa"] == pytest.approx(cohen_kappa_score(t, q), abs=1e-12)
            assert s["accuracy"] == pytest.approx(100 * np.mean(t == q), abs=1e-9)
            assert s["pabak"] == pytest.approx(2 * np.mean(t == q) - 1, abs=1e-12)
        rw, dw = np.array(refs[k]) == "W", np.array(devs[k]) == "W"
        assert p["sleep_wake"]["accuracy"] == pytest.approx(100 * np.mean(rw == dw))
        assert p["sleep_wake"]["sensitivity"] == pytest.approx(100 * np.mean(~dw[~rw]))
        assert p["sleep_wake"]["specificity"] == pytest.approx(100 * np.mean(dw[rw]))

    g = d["group"]
    np.testing.assert_array_equal(np.array(g["confusion_sum"]),
                                  cm.groupby(level=1).sum().loc[["WAKE", "LIGHT", "DEEP", "REM"],
                                                                ["WAKE", "LIGHT", "DEEP", "REM"]].to_numpy())
    prop = ebe.get_confusion_matrix_proportional()["mean"].unstack()
    np.testing.assert_allclose(np.array(g["confusion_prop_mean"], dtype=float),
                               prop.loc[["WAKE", "LIGHT", "DEEP", "REM"], ["WAKE", "LIGHT", "DEEP", "REM"]].to_numpy(),
                               atol=1e-9)
    # Mean and sample SD across pairs; the CI brackets the mean.
    for cls, ystage in zip(CLASSES, ["WAKE", "LIGHT", "DEEP", "REM"]):
        rec = bystage.xs(ystage, level="stage")["recall"]
        m = g["per_stage_mean"][cls]["sensitivity"]
        assert m["mean"] == pytest.approx(rec.mean(), abs=1e-9)
        assert m["sd"] == pytest.approx(rec.std(ddof=1), abs=1e-9)
        assert m["ci_low"] <= m["mean"] <= m["ci_high"]
        # Pooled: all epochs together.
        t = np.concatenate([[x == cls[0].upper() for x in h] for h in refs])
        q = np.concatenate([[x == cls[0].upper() for x in h] for h in devs])
        assert g["pooled"][cls]["kappa"] == pytest.approx(cohen_kappa_score(t, q), abs=1e-12)
        assert g["pooled"][cls]["sensitivity"] == pytest.approx(100 * q[t].mean(), abs=1e-9)


def test_bootstrap_repeats_for_a_seed(sa, tmp_path):
    rng = np.random.default_rng(5)
    study(tmp_path, rng, n_pairs=6)
    a = sa.agree(pairs=tmp_path / "pairs.csv", seed=7, resamples=300).to_dict()["group"]
    b = sa.agree(pairs=tmp_path / "pairs.csv", seed=7, resamples=300).to_dict()["group"]
    c = sa.agree(pairs=tmp_path / "pairs.csv", seed=8, resamples=300).to_dict()["group"]
    assert a == b
    assert a["per_stage_mean"]["wake"]["kappa"]["ci_low"] != c["per_stage_mean"]["wake"]["kappa"]["ci_low"]


def test_bland_altman_matches_yasa_and_scipy(sa, tmp_path):
    rng = np.random.default_rng(21)
    refs, devs, rows = [], [], ["id,reference,device"]
    for k in range(30):
        ref = random_hypnogram(rng, 600)
        # The device scores 40 % of wake as light: TST bias grows with the night's wake.
        dev = [("L" if x == "W" and rng.random() < 0.4 else x) for x in noisy_copy(rng, ref, 0.1)]
        write(tmp_path / f"r{k}.txt", ref, 1 + k % 9, mapping=REF_LABEL)
        write(tmp_path / f"d{k}.txt", dev, 1 + k % 9)
        refs.append(ref)
        devs.append(dev)
        rows.append(f"n{k},r{k}.txt,d{k}.txt")
    (tmp_path / "pairs.csv").write_text("\n".join(rows) + "\n")
    d = sa.agree(pairs=tmp_path / "pairs.csv", resamples=100).to_dict()

    ebe = yasa.EpochByEpochAgreement(yasa_hyps(refs, "Ref"), yasa_hyps(devs, "Dev"))
    ss = ebe.get_sleep_stats()
    ssa = yasa.SleepStatsAgreement(ss.loc["Ref"], ss.loc["Dev"], ref_scorer="Ref", obs_scorer="Dev")
    summ = ssa.summary(ci_method="param")
    ba = d["group"]["bland_altman"]
    for ours, theirs in (("tst_min", "TST"), ("se_pct", "SE"), ("sol_min", "SOL"), ("light_min", "LIGHT"),
                         ("deep_min", "DEEP"), ("rem_min", "REM"), ("light_pct", "%LIGHT"),
                         ("deep_pct", "%DEEP"), ("rem_pct", "%REM")):
        if theirs not in summ.index:
            continue  # YASA drops a statistic on which the two scorers never differ
        row = summ.loc[theirs]
        tol = 1e-3 if ours.endswith("_pct") else 1e-9  # YASA rounds SE and the shares to 4 decimals
        assert ba[ours]["bias"] == pytest.approx(row[("bias_mean", "center")], abs=tol), ours
        assert ba[ours]["loa_low"] == pytest.approx(row[("loa_lower", "center")], abs=tol), ours
        assert ba[ours]["loa_high"] == pytest.approx(row[("loa_upper", "center")], abs=tol), ours

    # Slope of the difference on the pair mean, and the regression-based limits (Bland & Altman 1999).
    for metric, b in ba.items():
        ref = np.array([p["reference"][metric] for p in d["pairs"]], dtype=float)
        dev = np.array([p["device"][metric] for p in d["pairs"]], dtype=float)
        diff, mean = dev - ref, (dev + ref) / 2
        np.testing.assert_allclose(np.array([p["discrepancy"][metric] for p in d["pairs"]], dtype=float), diff)
        if np.ptp(mean) == 0 or np.ptp(diff) == 0:
            continue
        lr = sps.linregress(mean, diff)
        assert b["slope"] == pytest.approx(lr.slope, rel=1e-9, abs=1e-12), metric
        assert b["slope_p"] == pytest.approx(lr.pvalue, rel=1e-6, abs=1e-12), metric
        assert b["proportional"] == (lr.pvalue < 0.05)
        if b["proportional"]:
            res = np.abs(diff - lr.intercept - lr.slope * mean)
            lr2 = sps.linregress(mean, res)
            k = math.sqrt(math.pi / 2)
            assert b["regression"]["bias_intercept"] == pytest.approx(lr.intercept, rel=1e-9)
            assert b["regression"]["sd_intercept"] == pytest.approx(k * lr2.intercept, rel=1e-9)
            assert b["regression"]["sd_slope"] == pytest.approx(k * lr2.slope, rel=1e-9)
        else:
            assert b["regression"] is None
    assert ba["tst_min"]["proportional"]  # the bias built in above
    # waso_total_min = tib - sol - tst on each side, independently.
    for p, ref, dev in zip(d["pairs"], refs, devs):
        def waso_total(h):
            first = next(i for i, x in enumerate(h) if x != "W")
            return (len(h) - first - sum(x != "W" for x in h)) / 2
        assert p["discrepancy"]["waso_total_min"] == pytest.approx(waso_total(dev) - waso_total(ref))


def test_cli_json_equals_python(sa, tmp_path, run):
    rng = np.random.default_rng(3)
    study(tmp_path, rng, n_pairs=5)
    cli = json.loads(run("agree", "--pairs", tmp_path / "pairs.csv", "--format", "json", "--seed", "11",
                         "-B", "250").stdout)
    py = sa.agree(pairs=str(tmp_path / "pairs.csv"), seed=11, resamples=250)
    assert cli == py.to_dict()
    # The DataFrames are views of the same numbers.
    df = py.pairs
    row = df[(df["id"] == "s02") & (df["stage"] == "deep")].iloc[0]
    assert row["kappa"] == pytest.approx(cli["pairs"][2]["per_stage"]["deep"]["kappa"])
    assert py.group.loc[("rem", "npv"), "pooled"] == pytest.approx(cli["group"]["pooled"]["rem"]["npv"])
    assert py.bland_altman.loc["tst_min", "bias"] == pytest.approx(cli["group"]["bland_altman"]["tst_min"]["bias"])
    csv = run("agree", "--pairs", tmp_path / "pairs.csv", "--format", "csv", "-B", "0").stdout.splitlines()
    assert csv[0] == "id,stage,epochs,excluded_epochs,accuracy,sensitivity,specificity,ppv,npv,kappa,pabak"
    assert len(csv) == 1 + 5 * 5
    table = run("agree", "--pairs", tmp_path / "pairs.csv", "-B", "0").stdout
    assert "Bland-Altman" in table and "Confusion matrix" in table


def test_five_minute_device_against_30s_reference(sa, tmp_path, run):
    rng = np.random.default_rng(9)
    ref = random_hypnogram(rng, 960)                 # 8 h of 30-s epochs
    dev = random_hypnogram(rng, 96)                  # 8 h of 5-min epochs
    write(tmp_path / "ref.txt", ref, 1, mapping=REF_LABEL)
    write(tmp_path / "dev.txt", dev, 1, epoch=300)
    d = json.loads(run("agree", tmp_path / "ref.txt", tmp_path / "dev.txt", "--format", "json", "-B", "0").stdout)
    (p,) = d["pairs"]
    assert p["epochs"] == 960 and p["excluded_epochs"] == 0
    # The same as YASA on the device upsampled to 30 s (each 5-min epoch covers ten).
    up = list(np.repeat(dev, 10))
    ebe = yasa.EpochByEpochAgreement(yasa_hyps([ref], "Ref"), yasa_hyps([up], "Dev"))
    cm = ebe.get_confusion_matrix().loc[["WAKE", "LIGHT", "DEEP", "REM"], ["WAKE", "LIGHT", "DEEP", "REM"]]
    np.testing.assert_array_equal(np.array(p["confusion"]), cm.to_numpy())
    bystage = ebe.get_agreement_bystage()
    assert p["per_stage"]["rem"]["sensitivity"] == pytest.approx(bystage.loc["REM", "recall"], abs=1e-9)


def test_different_lengths_aligned_by_time(run, tmp_path):
    ref = ["L"] * 100
    write(tmp_path / "ref.txt", ref, 1, mapping=REF_LABEL)
    # The device starts 5 min later and ends 10 min after the reference.
    (tmp_path / "dev.txt").write_text("# start: 2025-03-01T23:05:00+00:00\n# epoch: 30\n" + "L\n" * 110)
    proc = run("agree", tmp_path / "ref.txt", tmp_path / "dev.txt", "--format", "json", "-B", "0")
    (p,) = json.loads(proc.stdout)["pairs"]
    assert p["epochs"] == 90 and p["excluded_epochs"] == 10
    assert "10 reference epochs outside the device's window" in proc.stderr


def test_pairs_without_overlap_are_listed_and_skipped(run, tmp_path):
    rng = np.random.default_rng(1)
    write(tmp_path / "r1.txt", random_hypnogram(rng, 100), 1, mapping=REF_LABEL)
    write(tmp_path / "d1.txt", random_hypnogram(rng, 100), 1)
    write(tmp_path / "r2.txt", random_hypnogram(rng, 100), 2, mapping=REF_LABEL)
    write(tmp_path / "d2.txt", random_hypnogram(rng, 100), 5)  # three days later
    (tmp_path / "pairs.csv").write_text("id,reference,device\na,r1.txt,d1.txt\nb,r2.txt,d2.txt\n")
    proc = run("agree", "--pairs", tmp_path / "pairs.csv", "--format", "json", "-B", "0")
    d = json.loads(proc.stdout)
    assert [p["id"] for p in d["pairs"]] == ["a"]
    assert "pairs.csv:3: " in proc.stderr and "overlaps no device night in time" in proc.stderr
    assert any("r2.txt" in s for s in d["skipped"])
    # None left: exit 1, and the message lists what was skipped.
    (tmp_path / "none.csv").write_text("id,reference,device\nb,r2.txt,d2.txt\n")
    proc = run("agree", "--pairs", tmp_path / "none.csv", check=False)
    assert proc.returncode == 1
    assert "no reference and device nights overlap in time" in proc.stderr
    assert "r2.txt: reference night 2025-03-02" in proc.stderr  # ends before midnight: labelled that day


def test_unreadable_file_in_pairs_names_file_and_row(run, sa, tmp_path):
    rng = np.random.default_rng(2)
    write(tmp_path / "r1.txt", random_hypnogram(rng, 100), 1, mapping=REF_LABEL)
    write(tmp_path / "d1.txt", random_hypnogram(rng, 100), 1)
    (tmp_path / "bad.txt").write_text("# epoch: 30\nW\nN2\nbanana\n")
    (tmp_path / "pairs.csv").write_text("id,reference,device\na,r1.txt,d1.txt\nb,r1.txt,missing.edf\n")
    proc = run("agree", "--pairs", tmp_path / "pairs.csv", check=False)
    assert proc.returncode == 1
    assert "pairs.csv:3: device: " in proc.stderr and "missing.edf" in proc.stderr
    (tmp_path / "pairs2.csv").write_text("id,reference,device\nc,bad.txt,d1.txt\n")
    proc = run("agree", "--pairs", tmp_path / "pairs2.csv", check=False)
    assert proc.returncode == 1
    assert "pairs2.csv:2: reference: " in proc.stderr and "bad.txt" in proc.stderr
    with pytest.raises(sa.ParseError, match=r"pairs2\.csv:2: reference: .*bad\.txt"):
        sa.agree(pairs=tmp_path / "pairs2.csv")
    (tmp_path / "noheader.csv").write_text("a,r1.txt,d1.txt\n")
    proc = run("agree", "--pairs", tmp_path / "noheader.csv", check=False)
    assert proc.returncode == 1 and "noheader.csv:1: header" in proc.stderr


def test_html_page_is_self_contained_and_escaped(run, tmp_path):
    rng = np.random.default_rng(4)
    for k in range(3):
        ref = random_hypnogram(rng, 200)
        write(tmp_path / f"r{k}.txt", ref, 1 + k, mapping=REF_LABEL)
        write(tmp_path / f"d{k}.txt", noisy_copy(rng, ref, 0.3), 1 + k)
    (tmp_path / "pairs.csv").write_text(
        'id,reference,device\n"<b>&x",r0.txt,d0.txt\ny,r1.txt,d1.txt\nz,r2.txt,d2.txt\n')
    run("agree", "--pairs", tmp_path / "pairs.csv", "--html", tmp_path / "a.html", "-o", tmp_path / "a.txt")
    html = (tmp_path / "a.html").read_text()
    xml.dom.minidom.parseString(html.replace("<!DOCTYPE html>", ""))  # well-formed
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "&lt;b&gt;&amp;x" in html and "<b>&x" not in html
    assert html.count("<svg") == 2 + 10  # two heat maps, one Bland-Altman plot per metric


def test_plots_draw(sa, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    rng = np.random.default_rng(6)
    study(tmp_path, rng, n_pairs=4)
    ag = sa.agree(pairs=tmp_path / "pairs.csv", resamples=50)
    ax = sa.plot.confusion(ag)
    assert [t.get_text() for t in ax.get_xticklabels()] == CLASSES
    ax = sa.plot.bland_altman(ag, "deep_min")
    assert len(ax.collections[0].get_offsets()) == 4
