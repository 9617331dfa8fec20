"""Plots with matplotlib (imported when a plot is drawn, so the package works without it).

    sa.plot.hypnogram(nights[0])
    sa.plot.trend(nights.metrics(), "deep_pct", comparison=cmp)
    sa.plot.comparison(cmp)

Each function draws on ``ax`` (a new figure when None) and returns the Axes.
"""
import numpy as np
import pandas as pd

# Top to bottom, as hypnograms are usually drawn; only the stages a night has get a row.
_ORDER = ["Wake", "REM", "N1", "Light", "Asleep", "N2", "Deep"]
_COLOURS = {"Wake": "#d62728", "REM": "#9467bd", "N1": "#8fbfe0", "Light": "#6baed6", "Asleep": "#9ecae1",
            "N2": "#3182bd", "Deep": "#08519c"}
_SHADE = {"baseline": "#bbbbbb", "washout": "#fde0a0", "treatment": "#a1d99b", "post": "#c6dbef"}


def _axes(ax, size=(10, 3)):
    import matplotlib.pyplot as plt

    if ax is None:
        _fig, ax = plt.subplots(figsize=size)
    return ax


def hypnogram(night, ax=None, epoch=30):
    """The night's stages over local clock time; Unscored epochs are left blank."""
    import matplotlib.dates as mdates

    ax = _axes(ax)
    hyp = night.hypnogram(epoch=epoch)
    stages = [s for s in _ORDER if (hyp["stage"] == s).any()]
    level = {s: i for i, s in enumerate(stages)}
    names = hyp["stage"].astype(str).to_numpy()
    y = np.array([level.get(s, np.nan) for s in names], dtype=float)
    if len(hyp):
        start = mdates.date2num(hyp["start"].dt.tz_convert("UTC").dt.tz_localize(None))
        end = start + epoch / 86400.0
        ax.step(np.append(start, end[-1]), np.append(y, y[-1]), where="post", color="#333333", linewidth=0.8)
        for s in stages:
            run = names == s
            ax.hlines(y[run], start[run], end[run], color=_COLOURS.get(s, "#999999"), linewidth=4)
    ax.set_yticks(range(len(stages)), stages)
    ax.set_ylim(len(stages) - 0.5, -0.5)
    if night.window_end - night.window_start >= pd.Timedelta(hours=3):
        ax.xaxis.set_major_locator(mdates.HourLocator(tz=night.tz))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=night.tz))
    ax.set_title(f"{night.date} {'nap' if night.is_nap else 'night'} - {night.source}")
    ax.set_xlabel(f"local time (UTC{night.window_start:%z})")
    return ax


def _dates(metrics_df):
    return pd.to_datetime(pd.Series(metrics_df["date"]).astype(str))


def shade_periods(ax, comparison):
    """Shades the comparison's periods (baseline, washout, treatment, post) on a date axis."""
    import matplotlib.dates as mdates

    for name, p in comparison.periods.items():
        if not p["nights"] or (p["first"] is None and p["last"] is None):
            continue
        lo, hi = ax.get_xlim()
        first = mdates.date2num(pd.Timestamp(p["first"])) - 0.5 if p["first"] else lo
        last = mdates.date2num(pd.Timestamp(p["last"])) + 0.5 if p["last"] else hi
        ax.axvspan(first, last, color=_SHADE[name], alpha=0.35, label=name, linewidth=0)
        ax.set_xlim(lo, hi)


def trend(metrics_df, metric, comparison=None, ax=None, rolling=7):
    """One metric night by night (main sleeps) with a centred ``rolling``-night mean; the
    comparison's periods shaded when one is given."""
    ax = _axes(ax)
    df = metrics_df
    if "is_nap" in df:
        df = df[~df["is_nap"].astype(bool)]
    x = _dates(df)
    y = pd.Series(np.asarray(df[metric], dtype=float), index=x.index)
    ax.plot(x, y, "o", markersize=3, color="#555555", label=metric)
    if rolling and len(y) >= rolling:
        ax.plot(x, y.rolling(rolling, center=True, min_periods=max(1, rolling // 2)).mean(), color="#08519c",
                label=f"{rolling}-night mean")
    if comparison is not None:
        shade_periods(ax, comparison)
    ax.set_ylabel(metric)
    ax.set_xlabel("label date")
    ax.legend(loc="best", fontsize="small")
    ax.tick_params(axis="x", labelrotation=30)
    return ax


def comparison(comparison, ax=None):
    """Per metric, the treatment - baseline difference and its 95 % CI in baseline-SD units
    (so metrics with different units share an axis), coloured by verdict; * marks the
    primary metric, the title names the source compared."""
    ax = _axes(ax, size=(7, 0.5 + 0.45 * max(1, len(comparison.table()))))
    t = comparison.table()
    sd = t["sd_baseline"].where(t["sd_baseline"] > 0)
    colours = {"changed": "#d62728", "no_change": "#555555", "too_few_nights": "#bbbbbb", "not_comparable": "#bbbbbb"}
    ys = np.arange(len(t))[::-1]
    for y, (_, row), s in zip(ys, t.iterrows(), sd):
        c = colours.get(row["verdict"], "#555555")
        if np.isfinite(s) and np.isfinite(row["diff"]):
            ax.plot([row["ci_low"] / s, row["ci_high"] / s], [y, y], color=c, linewidth=2)
            ax.plot(row["diff"] / s, y, "o", color=c)
    ax.axvline(0, color="#999999", linewidth=1)
    ax.set_yticks(ys, [f"{m}{' *' if p else ''}" for m, p in zip(t["metric"], t["primary"])])
    ax.set_xlabel("treatment - baseline, in baseline SDs (95 % CI)")
    src = comparison.source
    ax.set_title("Before/after magnesium" + (f": {src} nights" if src else ""))
    return ax


def confusion(agreement, proportional=True, ax=None, cmap="Blues"):
    """The group's confusion matrix of :func:`sleeparch.agree` as a heat map (rows reference,
    columns device): the mean of the pairs' row percentages, or summed epochs."""
    ax = _axes(ax, size=(4.5, 4))
    df = agreement.confusion(proportional=proportional)
    values = df.to_numpy(dtype=float)
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=100 if proportional else np.nanmax(values))
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            text = "" if np.isnan(v) else (f"{v:.1f}%" if proportional else f"{int(v)}")
            dark = not np.isnan(v) and v > 0.55 * (100 if proportional else np.nanmax(values))
            ax.text(j, i, text, ha="center", va="center", color="white" if dark else "black")
    ax.set_xticks(range(len(df.columns)), list(df.columns))
    ax.set_yticks(range(len(df.index)), list(df.index))
    ax.set_xlabel("device")
    ax.set_ylabel("reference")
    ax.set_title("row percent (mean over pairs)" if proportional else "epochs (summed)")
    ax.figure.colorbar(image, ax=ax, fraction=0.046)
    return ax


def bland_altman(agreement, metric="tst_min", ax=None):
    """Bland-Altman plot of one metric of :func:`sleeparch.agree`: device - reference against the
    pair mean, with the bias and bias ± 1.96 SD, and the regression-based lines when the
    proportional-bias slope is significant."""
    ax = _axes(ax, size=(5, 4))
    data = agreement.to_dict()
    ref = np.array([np.nan if p["reference"][metric] is None else p["reference"][metric] for p in data["pairs"]],
                   dtype=float)
    dev = np.array([np.nan if p["device"][metric] is None else p["device"][metric] for p in data["pairs"]],
                   dtype=float)
    ok = ~(np.isnan(ref) | np.isnan(dev))
    mean, diff = (ref[ok] + dev[ok]) / 2, dev[ok] - ref[ok]
    ax.scatter(mean, diff, s=12, alpha=0.6, color="#1f77b4")
    b = data["group"]["bland_altman"][metric]
    for value, style, label in ((b["bias"], "-", "bias"), (b["loa_low"], "--", "limits of agreement"),
                                (b["loa_high"], "--", None)):
        if value is not None:
            ax.axhline(value, linestyle=style, color="#d62728" if style == "--" else "#1f77b4", linewidth=1,
                       label=label)
    reg = b["regression"]
    if reg and len(mean):
        x = np.linspace(mean.min(), mean.max(), 50)
        centre = reg["bias_intercept"] + reg["bias_slope"] * x
        spread = 1.96 * (reg["sd_intercept"] + reg["sd_slope"] * x)
        ax.plot(x, centre, color="#2ca02c", linewidth=1.2, label="regression-based")
        ax.plot(x, centre - spread, color="#2ca02c", linewidth=1, linestyle=":")
        ax.plot(x, centre + spread, color="#2ca02c", linewidth=1, linestyle=":")
    ax.set_xlabel(f"mean of device and reference ({metric})")
    ax.set_ylabel("device - reference")
    ax.set_title(f"{metric}: bias {b['bias'] if b['bias'] is None else round(b['bias'], 2)}")
    ax.legend(loc="best", fontsize="small")
    return ax
