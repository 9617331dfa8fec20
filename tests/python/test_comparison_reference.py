"""The comparison's numerical core against reference implementations:

- OLS coefficients, Newey-West (HAC, Bartlett) standard errors and p-values
  against statsmodels' OLS(...).fit(cov_type="HAC", cov_kwds={"maxlags": L,
  "use_correction": True}, use_t=True), to 1e-6, on the segmented design the
  comparison fits (intercept, day index, period dummy, weekend, a tag);
- the Politis-White block length against arch.bootstrap.optimal_block_length;
- the stationary bootstrap's variance of the mean against the closed form
  for the circular stationary bootstrap (Politis & Romano 1994);
- the prewhitened long-run variance that studentises the bootstrap interval
  against statsmodels: the AR(1) coefficient from OLS without intercept, the
  Bartlett (Newey-West) long-run variance of its residuals from the HAC
  standard error of an intercept-only OLS, recoloured by 1 / (1 - r)^2;
- the comparison's estimator of the difference of means (CI, p, MDE) against
  the same formula written with statsmodels' ACF and scipy's t distribution,
  and its standard error against statsmodels' HAC on a long series.

The C++ side is bench/stats_reference (built with the Release tree; found
through SLEEPARCH_BUILD, else build/release). The tests skip only when that
binary has not been built.
"""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _binary() -> pathlib.Path:
    build = pathlib.Path(os.environ.get("SLEEPARCH_BUILD", ROOT / "build" / "release"))
    return build / "bench" / "stats_reference"


@pytest.fixture(scope="module")
def tool():
    path = _binary()
    if not path.exists():
        pytest.skip(f"{path} not built (cmake --build <build> --target stats_reference)")
    return path


def run(tool, args, rows):
    text = "\n".join(",".join(repr(float(v)) for v in np.atleast_1d(r)) for r in rows) + "\n"
    proc = subprocess.run([str(tool), *map(str, args)], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def ar1(rng, n, phi):
    x = np.empty(n)
    prev = rng.standard_normal() / np.sqrt(1 - phi * phi)
    for i in range(n):
        x[i] = prev
        prev = phi * prev + rng.standard_normal()
    return x


def segmented_design(rng, n_b, gap, n_t, tag_rate=0.2):
    t = np.concatenate([np.arange(n_b), np.arange(n_b + gap, n_b + gap + n_t)]).astype(float)
    d = np.concatenate([np.zeros(n_b), np.ones(n_t)])
    weekend = ((t + 3) % 7 >= 5).astype(float)
    tag = (rng.random(n_b + n_t) < tag_rate).astype(float)
    return np.column_stack([np.ones_like(t), t, d, weekend, tag])


@pytest.mark.parametrize("n_b,n_t,phi,maxlags", [(20, 25, 0.3, None), (60, 60, 0.5, None),
                                                  (365, 365, 0.4, None), (40, 50, 0.6, 0), (30, 30, 0.2, 8)])
def test_hac_regression_matches_statsmodels(tool, n_b, n_t, phi, maxlags):
    import statsmodels.api as sm

    rng = np.random.default_rng(n_b * 1000 + n_t)
    X = segmented_design(rng, n_b, 7, n_t)
    n = X.shape[0]
    y = 20 + 0.01 * X[:, 1] - 3 * X[:, 2] + 1.5 * X[:, 3] + 2 * X[:, 4] + 4 * ar1(rng, n, phi)
    lags = int(np.floor(4 * (n / 100) ** (2 / 9))) if maxlags is None else maxlags
    ref = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True)
    ours = run(tool, ["ols", lags], np.column_stack([y, X]))
    assert ours["maxlags"] == lags
    assert ours["df"] == n - X.shape[1]
    np.testing.assert_allclose(ours["beta"], ref.params, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours["se"], ref.bse, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours["p"], ref.pvalues, rtol=1e-6, atol=1e-6)


def test_hac_dose_response_design_matches_statsmodels(tool):
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    mg = rng.choice([100.0, 200.0, 300.0, 400.0], size=90) / 100
    y = 15 - 1.2 * mg + 3 * ar1(rng, 90, 0.3)
    X = np.column_stack([np.ones_like(mg), mg])
    ref = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 3, "use_correction": True}, use_t=True)
    ours = run(tool, ["ols", 3], np.column_stack([y, X]))
    np.testing.assert_allclose(ours["beta"], ref.params, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours["se"], ref.bse, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours["p"], ref.pvalues, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n", [30, 60, 365, 730])
@pytest.mark.parametrize("phi", [0.0, 0.4, 0.8])
def test_block_length_matches_arch(tool, n, phi):
    arch_bootstrap = pytest.importorskip("arch.bootstrap")
    rng = np.random.default_rng(int(n * 10 + phi * 100))
    for _ in range(3):
        x = ar1(rng, n, phi)
        ref = float(arch_bootstrap.optimal_block_length(x)["stationary"].iloc[0])
        ours = run(tool, ["block"], x)["block_length"]
        # We floor at 1 (an ordinary bootstrap); arch may return less.
        assert ours == pytest.approx(max(ref, 1.0), rel=1e-9, abs=1e-9)


def test_stationary_bootstrap_variance_matches_closed_form(tool):
    rng = np.random.default_rng(3)
    n = 100
    x = ar1(rng, n, 0.6)
    xc = x - x.mean()
    chat = np.array([xc @ np.roll(xc, -k) / n for k in range(n)])
    idx = np.arange(n)
    lag = np.abs(idx[:, None] - idx[None, :])
    for block in (1.0, 3.0, 8.0):
        p = 1.0 / block
        # Cov*(X*_i, X*_j) = (1 - p)^|i-j| * circular autocovariance at |i-j|.
        expected = ((1 - p) ** lag * chat[lag % n]).sum() / n**2
        means = np.array(run(tool, ["bootstrap", 40000, 11, block], x)["means"])
        assert means.mean() == pytest.approx(x.mean(), abs=4 * np.sqrt(expected / 40000))
        # Relative SE of a variance from 40,000 draws is about sqrt(2/40000) = 0.7 %.
        assert means.var() == pytest.approx(expected, rel=0.035)


@pytest.mark.parametrize("n", [14, 30, 120, 365])
@pytest.mark.parametrize("phi", [0.0, 0.3, 0.7, -0.4])
def test_long_run_variance_matches_statsmodels(tool, n, phi):
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(int(n * 7 + phi * 1000) % 2**32)
    x = 30 + 8 * ar1(rng, n, phi)
    lags = int(np.floor(4 * (n / 100) ** (2 / 9)))
    d = x - x.mean()
    r = float(sm.OLS(d[1:], d[:-1]).fit().params[0])
    r = min(max(r, -0.97), 0.97)
    e = d[1:] - r * d[:-1]
    ne = e.size
    lags = min(lags, ne - 1)
    fit = sm.OLS(e, np.ones(ne)).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False})
    expected = ne * float(fit.bse[0]) ** 2 / (1 - r) ** 2
    ours = run(tool, ["lrv", lags], x)["lrv"]
    assert ours == pytest.approx(expected, rel=1e-9)


def _reference_diff_test(b, t):
    """The comparison's estimator (METRICS.md §5.4, stats.hpp diff_of_means_test) written
    again from its formula with statsmodels' ACF and scipy's t distribution."""
    from scipy import stats
    from statsmodels.tsa.stattools import acf

    def period(x):
        n = x.size
        r = float(acf(x, nlags=1, fft=False)[1])
        rc = min(max(r + (1 + 4 * r) / n, -0.5), 0.9)
        f = (1 + rc) / (1 - rc) - 2 * rc * (1 - rc**n) / (n * (1 - rc) ** 2)
        var = x.var(ddof=1) * (n - 1) / max(n - f, 1.0) * f / n
        return var, max(n / f - 1, 1.0)

    vb, dfb = period(b)
    vt, dft = period(t)
    se = np.sqrt(vb + vt)
    df = (vb + vt) ** 2 / (vb**2 / dfb + vt**2 / dft)
    # The pooled decay-aware branch (autocovariances of each period about its
    # own mean, from statsmodels' acovf, summed); the larger variance wins.
    from statsmodels.tsa.stattools import acovf

    n = b.size + t.size
    g = (acovf(b, nlag=2, fft=False) * b.size + acovf(t, nlag=2, fft=False) * t.size) / n
    adj = 0.0
    for _ in range(3):
        g0, g1, g2 = g[0] + adj, g[1] + adj, g[2] + adj
        phi = min(max(g2 / g1, 0.0), 0.9) if g1 > 0 else 0.0
        lrv = max(g0 + 2 * max(g1, 0.0) / (1 - phi), 0.5 * g0)
        adj = 2 * lrv / n
    pooled = lrv * (1 / b.size + 1 / t.size)
    if pooled > vb + vt:
        se = np.sqrt(pooled)
        df = max(n / (lrv / g0) - 2, 2.0)
    diff = t.mean() - b.mean()
    q = stats.t.ppf(0.975, df)
    return {
        "diff": diff,
        "se": se,
        "df": df,
        "ci_low": diff - q * se,
        "ci_high": diff + q * se,
        "p": 2 * stats.t.sf(abs(diff / se), df),
        "mde": (q + stats.t.ppf(0.80, df)) * se,
    }


@pytest.mark.parametrize("n_b,n_t,phi", [(14, 14, 0.6), (30, 45, 0.3), (60, 60, 0.0), (365, 365, 0.4), (20, 90, -0.3)])
def test_diff_of_means_matches_an_independent_implementation(tool, n_b, n_t, phi):
    pytest.importorskip("statsmodels.api")
    pytest.importorskip("scipy")
    rng = np.random.default_rng(n_b * 1000 + n_t)
    b = 20 + 6 * ar1(rng, n_b, phi)
    t = 17 + 6 * ar1(rng, n_t, phi)
    ours = run(tool, ["diff", n_b], np.concatenate([b, t]))
    ref = _reference_diff_test(b, t)
    for key, value in ref.items():
        assert ours[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    # One estimator: p < 0.05 exactly when the 95 % CI excludes 0.
    assert (ours["p"] < 0.05) == (ours["ci_low"] > 0 or ours["ci_high"] < 0)


def test_diff_of_means_se_close_to_the_hac_of_statsmodels_for_long_series(tool):
    """For a long AR(1) series the plug-in standard error agrees with statsmodels' Newey-West
    HAC standard error of the mean-difference regression (different estimators of the same
    quantity: within 15 %)."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(99)
    n = 2000
    b = ar1(rng, n, 0.4)
    t = ar1(rng, n, 0.4)
    ours = run(tool, ["diff", n], np.concatenate([b, t]))
    y = np.concatenate([b, t])
    X = np.column_stack([np.ones(2 * n), np.r_[np.zeros(n), np.ones(n)]])
    fit = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 20})
    assert ours["diff"] == pytest.approx(float(fit.params[1]), rel=1e-9)
    assert ours["se"] == pytest.approx(float(fit.bse[1]), rel=0.15)
