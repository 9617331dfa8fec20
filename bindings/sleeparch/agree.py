"""Device against reference (PSG): epoch-by-epoch agreement and Bland-Altman, as ``sleeparch agree``.

    ag = sa.agree("psg/s01.edf", "watch/export.zip")       # nights paired by time overlap
    ag = sa.agree(pairs="study/pairs.csv")                 # columns id,reference,device
    ag.pairs          # one row per pair and stage: accuracy, sensitivity, ..., kappa, pabak
    ag.group          # per stage and statistic: mean, sd, ci_low, ci_high, pooled
    ag.bland_altman   # per metric: bias, sd, loa_low, loa_high, slope, slope_p, ...
    ag.to_dict()      # the JSON of `sleeparch agree --format json`
    sa.plot.confusion(ag); sa.plot.bland_altman(ag, "tst_min")

METRICS.md §6 is the definition; the statistics are computed once, in the C++ library.
"""
import os

import pandas as pd

from . import _core

STAGES = ("wake", "light", "deep", "rem")
STATS = ("accuracy", "sensitivity", "specificity", "ppv", "npv", "kappa", "pabak")
SLEEP_WAKE_STATS = ("accuracy", "sensitivity", "specificity")


class Agreement:
    """The result of :func:`agree`; ``to_dict()`` is the CLI's JSON, the rest are views of it."""

    def __init__(self, data, notes, html=""):
        self._data = data
        self.notes = list(notes)
        self.html = html

    def to_dict(self):
        """The structure of ``sleeparch agree --format json`` (percent 0-100 except kappa and PABAK; NaN as None)."""
        return self._data

    @property
    def skipped(self):
        """Nights and rows left out, and why."""
        return list(self._data["skipped"])

    @property
    def pairs(self) -> pd.DataFrame:
        """One row per pair and stage (``wake``, ``light``, ``deep``, ``rem``, ``sleep_wake``)."""
        rows = []
        for p in self._data["pairs"]:
            base = {"id": p["id"], "epochs": p["epochs"], "excluded_epochs": p["excluded_epochs"]}
            for stage in STAGES:
                rows.append({**base, "stage": stage, **p["per_stage"][stage]})
            rows.append({**base, "stage": "sleep_wake", **p["sleep_wake"]})
        df = pd.DataFrame(rows, columns=["id", "stage", "epochs", "excluded_epochs", *STATS])
        return df.astype({s: float for s in STATS})

    @property
    def discrepancy(self) -> pd.DataFrame:
        """Device - reference of the per-night metrics, one row per pair (index ``id``)."""
        df = pd.DataFrame([{"id": p["id"], **p["discrepancy"]} for p in self._data["pairs"]])
        return df.set_index("id").astype(float)

    @property
    def group(self) -> pd.DataFrame:
        """Per stage and statistic: mean, sd, ci_low, ci_high over pairs, and the pooled value."""
        g = self._data["group"]
        rows = []
        for stage in STAGES:
            for stat in STATS:
                rows.append({"stage": stage, "stat": stat, **g["per_stage_mean"][stage][stat],
                             "pooled": g["pooled"][stage][stat]})
        for stat in SLEEP_WAKE_STATS:
            rows.append({"stage": "sleep_wake", "stat": stat, **g["sleep_wake"]["mean"][stat],
                         "pooled": g["sleep_wake"]["pooled"][stat]})
        df = pd.DataFrame(rows).set_index(["stage", "stat"])
        return df.astype(float)

    @property
    def bland_altman(self) -> pd.DataFrame:
        """Per metric: n, bias, sd, loa_low, loa_high, slope, slope_p, proportional and the
        regression-based bias and SD lines (NaN unless the slope is significant)."""
        rows = []
        for metric, b in self._data["group"]["bland_altman"].items():
            reg = b["regression"] or {}
            rows.append({"metric": metric, **{k: v for k, v in b.items() if k != "regression"},
                         **{k: reg.get(k) for k in ("bias_intercept", "bias_slope", "sd_intercept", "sd_slope")}})
        df = pd.DataFrame(rows).set_index("metric")
        num = [c for c in df.columns if c not in ("n", "proportional")]
        return df.astype({c: float for c in num})

    def confusion(self, proportional=False) -> pd.DataFrame:
        """Summed confusion matrix (epochs), or the mean of the pairs' row percentages;
        rows reference, columns device."""
        key = "confusion_prop_mean" if proportional else "confusion_sum"
        df = pd.DataFrame(self._data["group"][key], index=list(STAGES), columns=list(STAGES))
        df.index.name, df.columns.name = "reference", "device"
        return df.astype(float) if proportional else df

    def __repr__(self):
        g = self._data["group"]
        kappa = ", ".join(f"{s} {_fmt(g['per_stage_mean'][s]['kappa']['mean'], 2)}" for s in STAGES)
        return (f"<Agreement: {g['pairs']} pairs; mean one-vs-rest kappa {kappa}; "
                f"TST bias {_fmt(g['bland_altman']['tst_min']['bias'], 1)} min>")


def _fmt(v, d):
    return "n/a" if v is None else f"{v:.{d}f}"


def agree(reference=None, device=None, pairs=None, *, seed=None, resamples=None, tz=None, epoch=None, start=None,
          stage_map=None, html=None) -> Agreement:
    """Device against reference (METRICS.md §6): ``agree(REFERENCE, DEVICE)`` or
    ``agree(pairs="pairs.csv")`` (columns id,reference,device; paths relative to the CSV's
    folder). ``pairs`` may also be a DataFrame or a list of (id, reference, device).

    Nights are paired by time overlap; unpaired nights are listed in ``.skipped`` and ``.notes``.
    ``seed``/``resamples``: the bootstrap of the group means (None: the library's defaults);
    ``tz``, ``epoch``, ``start``, ``stage_map``: how plain hypnograms and offset-less formats are
    read, as for :func:`sleeparch.load`. ``html``: also write the agreement page there.
    Raises ParseError (a file that cannot be read, with its pairs.csv row; no overlapping nights)
    and UsageError.
    """
    triples, csv = [], ""
    if pairs is not None:
        if reference is not None or device is not None:
            raise _core.UsageError("agree: give reference and device, or pairs, not both")
        if isinstance(pairs, (str, os.PathLike)):
            csv = os.fspath(pairs)
        elif isinstance(pairs, pd.DataFrame):
            triples = [(str(r["id"]), os.fspath(r["reference"]), os.fspath(r["device"])) for _, r in pairs.iterrows()]
        else:
            triples = [(str(i), os.fspath(r), os.fspath(d)) for i, r, d in pairs]
    else:
        if reference is None or device is None:
            raise _core.UsageError("agree needs reference and device, or pairs")
        triples = [("", os.fspath(reference), os.fspath(device))]
    options = {"tz": tz or "", "start": start or ""}
    if stage_map:
        options["stage_map"] = {str(k): str(v) for k, v in stage_map.items()}
    for name, value in (("seed", seed), ("resamples", resamples), ("epoch", epoch)):
        if value is not None:
            options[name] = int(value)
    data, notes, page = _core.agree(triples, csv, html=html is not None, **options)
    if html is not None:
        from ._files import write_text

        write_text(html, page)
    return Agreement(data, notes, page)
