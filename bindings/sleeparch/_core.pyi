# Types of the pybind11 module sleeparch._core (bindings/src). Use the
# package's functions (sleeparch.load, ...) rather than these directly.
from typing import Any, Optional, TypedDict

import numpy as np

class ParseError(ValueError): ...
class UsageError(ValueError): ...
class IoError(RuntimeError): ...

class Loaded:
    def __len__(self) -> int: ...
    def columns(self) -> dict[str, dict[str, Any]]: ...
    def night(self, index: int) -> dict: ...
    def metrics(self, index: int) -> dict: ...
    def epochs(self, index: int, epoch_s: int = 30) -> np.ndarray: ...
    def summary(self, indices: list[int]) -> dict[str, Any]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def imported(self) -> list[tuple[str, str]]: ...
    @property
    def skipped(self) -> list[tuple[str, str]]: ...
    @property
    def stats(self) -> dict: ...

class IntakeLog:
    @property
    def path(self) -> str: ...
    def dose_columns(self) -> dict: ...
    @property
    def serum(self) -> list[dict]: ...
    @property
    def warnings(self) -> list[str]: ...

def load(
    paths: list[str],
    tz: str = "",
    input_format: str = "",
    epoch_s: int = 0,
    start: str = "",
    column: str = "",
    stage_map: dict[str, str] = ...,
    restless_as_asleep: bool = False,
    prefer: list[str] = ...,
    session_gap_min: int = 60,
) -> Loaded: ...
def read_intake(path: str, tz: str = "") -> IntakeLog: ...
def link(loaded: Loaded, intake: IntakeLog) -> dict: ...
def compare(
    loaded: Loaded,
    intake: Optional[IntakeLog],
    baseline: str = "",
    treatment: str = "",
    post: str = "",
    washout: int = 7,
    metrics: list[str] = ...,
    seed: int = ...,
    resamples: int = 10000,
    primary: str = "sol_min",
    source: str = "",
    all_sources: bool = False,
    threads: int = 0,
) -> dict: ...
def serum(value: float, unit: str) -> dict: ...
def report(
    loaded: Loaded,
    intake: Optional[IntakeLog],
    baseline: str = "",
    treatment: str = "",
    post: str = "",
    washout: int = 7,
    metrics: list[str] = ...,
    seed: int = 20240301,
    resamples: int = 10000,
    primary: str = "",
    threads: int = 0,
    hypnograms: int = 14,
    stamp: bool = False,
    design: str = "",
    key: str = "",
) -> tuple[str, list[str]]: ...
default_plan_seed: int
def plan(
    start: str,
    weeks: int = 14,
    washout: int = 3,
    seed: int = 20270101,
    blind: bool = False,
    dose_mg: float = 300.0,
    effect: float = -10.0,
    simulations: int = 400,
    history: Optional[Loaded] = None,
) -> dict: ...
def compare_design(
    loaded: Loaded,
    intake: Optional[IntakeLog],
    design: str,
    key: str = "",
    metrics: list[str] = ...,
    primary: str = "sol_min",
    source: str = "",
    seed: int = 20240301,
) -> dict: ...
def agree(
    pairs: list[tuple[str, str, str]] = ...,
    pairs_csv: str = "",
    seed: int = 20240301,
    resamples: int = 2000,
    tz: str = "",
    epoch: int = 0,
    start: str = "",
    stage_map: dict[str, str] = ...,
    html: bool = False,
) -> tuple[dict, list[str], str]: ...
def scalar_metrics() -> list[dict[str, Any]]: ...
def night_fields() -> list[tuple[str, str, str]]: ...
def stages() -> list[tuple[int, str, str]]: ...
def transition_categories() -> list[str]: ...
def formats() -> list[tuple[str, str, str]]: ...
def default_comparison_metrics() -> list[str]: ...
default_compare_seed: int

# ---- generated from the night-row schema and the metric table -----------------
# (python3 bindings/generate_stubs.py rewrites this part; a test checks it is current)
# BEGIN NIGHT ROW
class NightRow(TypedDict):
    """One night as `sleeparch nights --format json` gives it (instants: local ISO text;
    in NightSet.metrics(), tz-aware Timestamps)."""
    date: str  # label date: the local wake-up date (METRICS.md §1.5)
    source: str  # the source that won the night: "name (format)"
    source_format: str  # the importer that read it
    source_name: str  # app or device name as the file states it
    source_device: str  # device model as the file states it
    source_version: str  # firmware or algorithm version as the file states it
    is_nap: bool  # a nap rather than the main sleep of its date
    summary_only: bool  # stage totals only, no hypnogram
    utc_offset_min: int  # UTC offset in force at the window start, minutes
    epoch_s: int  # native epoch length in seconds, 0 when unknown
    window_start_local: Any  # start of the in-bed window
    window_end_local: Any  # end of the in-bed window
    tib_min: float  # time in bed: W1 - W0 [min]
    tst_min: float  # total sleep time: sleep stages in the window [min]
    spt_min: float  # sleep period: final_wake - onset [min]
    sol_min: float  # sleep-onset latency: onset - W0 [min]
    waso_min: float  # Wake inside the sleep period [min]
    waso_total_min: float  # tib - sol - tst (wake and unscored after onset) [min]
    wake_after_final_min: float  # W1 - final_wake [min]
    se_pct: float  # sleep efficiency: 100 tst / tib [%]
    sme_pct: float  # sleep maintenance efficiency: 100 tst / spt [%]
    light_min: float  # N1 + N2 + Light [min]
    deep_min: float  # Deep (N3) [min]
    rem_min: float  # REM [min]
    asleep_unstaged_min: float  # sleep without stage [min]
    n1_min: float  # N1, where the source resolves N1/N2 [min]
    n2_min: float  # N2, where the source resolves N1/N2 [min]
    wake_min: float  # all Wake in the window [min]
    unscored_min: float  # all Unscored in the window [min]
    light_pct: float  # 100 light / tst [%]
    deep_pct: float  # 100 deep / tst [%]
    rem_pct: float  # 100 rem / tst [%]
    n1_pct: float  # 100 n1 / tst [%]
    n2_pct: float  # 100 n2 / tst [%]
    staged_fraction: float  # (light + deep + rem) / tst [fraction]
    rem_latency_min: float  # first REM - onset (AASM) [min]
    rem_latency_from_bed_min: float  # first REM - W0 (YASA Lat_REM) [min]
    deep_latency_min: float  # first Deep - onset [min]
    awakenings: float  # Wake runs inside the sleep period [count]
    awakenings_5min: float  # Wake runs of >= 5 min inside the sleep period [count]
    longest_wake_min: float  # longest Wake run inside the sleep period [min]
    mean_wake_episode_min: float  # mean Wake run inside the sleep period [min]
    sfi_per_h: float  # sleep -> Wake transitions per hour of TST [/h]
    stage_shifts: float  # changes between scored stages inside the sleep period [count]
    stage_shift_index: float  # stage shifts per hour of TST [/h]
    deep_bouts: float  # Deep runs inside the sleep period [count]
    rem_bouts: float  # REM runs inside the sleep period [count]
    longest_deep_bout_min: float  # longest Deep run [min]
    longest_rem_bout_min: float  # longest REM run [min]
    nrem_cycles: float  # NREM-REM cycles by Luna's HYPNO rules (NREMC) [count]
    mean_cycle_min: float  # mean cycle duration (Luna's NREMC_MINS) [min]
    complete_cycles: float  # cycles whose NREM period is followed by a REM period [count]
    hrv_rmssd_ms: float  # heart-rate variability, RMSSD: the vendor's nightly value, else the mean of the readings in the window (METRICS.md §8) [ms]
    hrv_sdnn_ms: float  # heart-rate variability, SDNN (Apple): the mean of the readings in the window (METRICS.md §8) [ms]
    rhr_bpm: float  # resting heart rate: the vendor's resting or lowest sleeping heart rate (METRICS.md §8) [bpm]
    onset_local: Any  # sleep onset
    final_wake_local: Any  # end of the last sleep segment
    midpoint_local: Any  # onset + (final_wake - onset) / 2
    dropped_sources: list[str]  # sources that recorded the same night and lost to this one
    notes: list[str]  # why a metric is undefined where the night alone does not say it
    transitions: Optional[list[list[int]]]  # 6x6 counts of consecutive 30-s epochs (Wake, Light, Deep, REM, Asleep, Unscored); null for summary-only
    cycles: Optional[list[dict[str, Any]]]  # NREM-REM cycles as nrem_cycles counts them: start, end, nrem_min, rem_min, complete; null when undefined
    vitals_source: list[str]  # per HRV/resting-HR value: vendor nightly value, mean of the readings in the window, or the daily value of the wake date, with the field and file
    vendor_tst_min: float  # total sleep time as the file states it, minutes
    vendor_deep_min: float  # deep sleep as the file states it, minutes
    vendor_light_min: float  # light sleep as the file states it, minutes
    vendor_rem_min: float  # REM sleep as the file states it, minutes
    vendor_wake_min: float  # awake time as the file states it, minutes
    vendor_sol_min: float  # sleep-onset latency as the file states it, minutes
    vendor_se_pct: float  # sleep efficiency as the file states it, percent
    vendor_score: float  # the vendor's overall sleep score
# END NIGHT ROW
