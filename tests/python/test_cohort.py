"""Cohorts: `sa.load_cohort` on threads against `sleeparch nights --participants` on a
generated NSRR-style cohort (cohort_data.py) with a participant folder, a plain hypnogram
and an unreadable file."""
import io
import json
import os
import pathlib
import shutil

import numpy as np
import pandas as pd
import pytest

from cohort_data import make_cohort
from test_bindings import _import

@pytest.fixture(scope="module")
def sa():
    return _import()


ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("cohort")
    make_cohort(root, 12, seed=7)
    # A participant folder holding a plain hypnogram, and one that is not readable.
    (root / "p-folder").mkdir()
    shutil.copy(ROOT / "data" / "hypnograms" / "2025-01-10.txt", root / "p-folder" / "night.txt")
    (root / "p-broken.xml").write_text("<PSGAnnotation><ScoredEvents><ScoredEvent><EventConcept>")
    return root


def cli_table(run, *args):
    proc = run("nights", *args, "--format", "csv", check=False)
    return proc, pd.read_csv(io.StringIO(proc.stdout), dtype=str, keep_default_na=False) if proc.stdout else None


def as_text(df):
    """The DataFrame as the CLI's CSV prints it, for cell-by-cell comparison."""
    out = pd.read_csv(io.StringIO(df.to_csv(index=False)), dtype=str, keep_default_na=False)
    return out


def same_as_cli(sa, got, want):
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 0
    kinds = {name: kind for name, kind, _d in sa._core.night_fields()}
    for col in want.columns:
        kind = kinds.get(col, "text")
        if kind == "number":
            # Blank cells are NaN; a column blank on every row (HRV where no night has it) stays float.
            a = np.array([np.nan if v == "" else float(v) for v in want[col]])
            assert np.allclose(got[col].to_numpy(dtype=float), a, equal_nan=True, atol=1e-4), col
        elif kind == "instant":
            assert [("" if pd.isna(v) else v.isoformat()) for v in got[col]] == list(want[col]), col
        elif kind == "flag":
            assert [str(bool(v)).lower() for v in got[col]] == list(want[col]), col
        elif kind == "text_list":
            assert [";".join(v) for v in got[col]] == list(want[col]), col
        else:
            assert [str(v) for v in got[col]] == list(want[col]), col


def test_threads_equal_cli_participants(sa, run, cohort):
    proc, want = cli_table(run, "--participants", cohort, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert "participant p-broken" in proc.stderr
    got = sa.load_cohort(cohort, jobs=2)
    same_as_cli(sa, got, want)
    assert sorted(set(got["participant"])) == sorted([f"nsrr-{k:04d}" for k in range(12)] + ["p-folder"])
    errors = got.attrs["errors"]
    assert list(errors["participant"]) == ["p-broken"]
    assert errors["file"].iloc[0].endswith("p-broken.xml")
    # Each participant's rows are the rows of loading it alone.
    alone = sa.load(cohort / "nsrr-0003.xml").metrics()
    mine = got[got["participant"] == "nsrr-0003"].drop(columns="participant").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone, check_dtype=False)


def test_one_job_equals_two(sa, cohort):
    pd.testing.assert_frame_equal(sa.load_cohort(cohort, jobs=1), sa.load_cohort(cohort, jobs=2))


def test_mapping_and_strict(sa, run, cohort, tmp_path):
    mapping = {"a": cohort / "nsrr-0001.xml", "b": [cohort / "nsrr-0002.xml"]}
    got = sa.load_cohort(mapping)
    assert list(got["participant"].unique()) == ["a", "b"]
    csv = tmp_path / "map.csv"
    csv.write_text(f"participant,path\na,{cohort / 'nsrr-0001.xml'}\nb,{cohort / 'nsrr-0002.xml'}\n")
    proc, want = cli_table(run, "--participants", csv)
    assert proc.returncode == 0, proc.stderr
    same_as_cli(sa, sa.load_cohort(csv), want)
    with pytest.raises(sa.ParseError, match="p-broken.xml"):
        sa.load_cohort(cohort, strict=True)
    proc, _ = cli_table(run, "--participants", cohort, "--strict")
    assert proc.returncode == 1 and "p-broken.xml" in proc.stderr
    csv.write_text("participant,path\na,x.xml\na,y.xml\n")
    proc = run("nights", "--participants", csv, check=False)
    assert proc.returncode == 2 and 'participant "a" is listed twice' in proc.stderr
    with pytest.raises(sa.UsageError, match="listed twice"):
        sa.load_cohort(csv)


def readable(cohort):
    """The cohort's participants that load, as (name, path), in the CLI's order."""
    return sorted((p.stem if p.is_file() else p.name, p) for p in cohort.iterdir() if p.name != "p-broken.xml")


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("summary", [False, True])
def test_participants_output_is_each_participant_alone(run, cohort, jobs, summary):
    """Every format of `nights --participants` is the participants' own outputs joined, with
    a participant column (CSV, table) or key (JSON) in front, in the participants' order."""
    extra = ["--summary"] if summary else []
    people = readable(cohort)
    # CSV: the participant's own records with its name in front.
    got = run("nights", "--participants", cohort, "--jobs", jobs, "--format", "csv", *extra, check=False)
    assert got.returncode == 0 and "participant p-broken" in got.stderr
    lines = got.stdout.splitlines()
    want = None
    for name, path in people:
        alone = run("nights", path, "--format", "csv", *extra).stdout.splitlines()
        if want is None:
            want = ["participant," + alone[0]]
        want += [f"{name},{line}" for line in alone[1:]]
    assert lines == want
    # JSON: the participant's own objects (or summary) with "participant" first.
    got = json.loads(run("nights", "--participants", cohort, "--jobs", jobs, "--format", "json", *extra,
                         check=False).stdout)
    want = []
    for name, path in people:
        alone = json.loads(run("nights", path, "--format", "json", *extra).stdout)
        for obj in alone if isinstance(alone, list) else [alone]:
            want.append({"participant": name, **obj})
    assert got == want
    if not summary:
        assert all(list(o)[0] == "participant" for o in got)
    # Table: one row per CSV record, the participant in the first column.
    table = run("nights", "--participants", cohort, "--jobs", jobs, *extra, check=False).stdout.splitlines()
    assert table[0].split()[0] == "participant"
    assert table[-1] == f"{len(people)} participant(s), 1 failed (see above)"
    body = [line for line in table[2:] if line.split()[0] in dict(people)]
    assert len(body) == len(lines) - 1
    assert [line.split()[0] for line in body] == [line.split(",")[0] for line in lines[1:]]
