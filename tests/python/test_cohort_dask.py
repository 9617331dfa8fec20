"""Cohorts on a real Dask cluster (issue 15): `sa.load_cohort(..., client=client)` on a
LocalCluster of 2 worker processes equals `sleeparch nights --participants` on a
generated NSRR-style cohort, and a worker that dies is retried (the participant's rows
come back) or, when it dies on every attempt, the participant is in the errors, never
silently missing. The cluster runs in dask_cohort_run.py in a subprocess with a timeout."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from cohort_data import make_cohort
from test_cohort import cli_table, same_as_cli

HERE = pathlib.Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def sa():
    from test_bindings import _import

    return _import()


@pytest.fixture(scope="module")
def dask_run(sa, tmp_path_factory):
    if not _has_distributed():
        pytest.fail("dask.distributed is not installed (pip install -r tests/python/requirements.txt)")
    root = tmp_path_factory.mktemp("dask-cohort")
    cohort = root / "cohort"
    paths = make_cohort(cohort, 10, seed=11)
    shutil.copy(paths[4], cohort / "die-once.xml")
    (cohort / "p-empty").mkdir()  # a participant with nothing readable: in the errors
    out = root / "out"
    out.mkdir()
    env = dict(os.environ)
    # The workers import the same sleeparch as this test (the build tree's or the installed one).
    env["PYTHONPATH"] = os.pathsep.join([str(pathlib.Path(sa.__file__).parents[1]), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, str(HERE / "dask_cohort_run.py"), str(cohort), str(out)],
                          capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return cohort, out, json.loads((out / "info.json").read_text())


def _has_distributed():
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


def test_cluster_equals_cli_participants(sa, run, dask_run):
    cohort, out, info = dask_run
    got = pd.read_pickle(out / "cohort.pkl")
    proc, want = cli_table(run, "--participants", cohort)
    assert proc.returncode == 0, proc.stderr
    same_as_cli(sa, got, want)
    assert sorted(set(got["participant"])) == sorted([f"nsrr-{k:04d}" for k in range(10)] + ["die-once"])
    # Equal to the thread pool's cohort too, frame for frame.
    pd.testing.assert_frame_equal(got, sa.load_cohort(cohort, jobs=2))
    assert [e["participant"] for e in info["errors"]] == ["p-empty"]


def test_worker_that_dies_once_is_retried(dask_run):
    cohort, out, info = dask_run
    # The hook fired in a worker process (not in the script), exactly once.
    pids = (out / "die-once.died").read_text().split()
    assert len(pids) == 1 and int(pids[0]) != info["script_pid"]
    got = pd.read_pickle(out / "cohort.pkl")
    mine = got[got["participant"] == "die-once"].drop(columns="participant").reset_index(drop=True)
    twin = got[got["participant"] == "nsrr-0004"].drop(columns="participant").reset_index(drop=True)
    assert len(mine) > 0
    pd.testing.assert_frame_equal(mine, twin)


def test_worker_that_always_dies_is_reported(dask_run):
    _cohort, out, info = dask_run
    # allowed-failures=1 in the script: the first death is retried, the second ends the task;
    # then the participant is tried once more alone (two more deaths). A participant queued
    # on a dying worker is recovered by that second try, so "ok" always comes back.
    assert len((out / "die-always.died").read_text().split()) == 4
    dying = pd.read_pickle(out / "dying.pkl")
    assert list(dying["participant"].unique()) == ["ok", "ok-too"]
    errors = info["dying_errors"]
    assert [e["participant"] for e in errors] == ["die-always"]
    assert "KilledWorker" in errors[0]["message"]
