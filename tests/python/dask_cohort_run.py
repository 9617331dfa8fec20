"""Run by test_cohort_dask.py in its own interpreter (a LocalCluster started inside pytest
hung; as a plain script it does not): `sa.load_cohort` on a real `dask.distributed`
LocalCluster of 2 worker processes, with a test hook that kills a worker.

    python3 dask_cohort_run.py COHORT_DIR OUT_DIR

Writes OUT_DIR/cohort.pkl (the cohort DataFrame, its errors in attrs), OUT_DIR/dying.pkl
(a mapping with one participant whose every attempt kills its worker) and OUT_DIR/info.json.
The hook is a replacement of sleeparch.cohort._load_one defined here in __main__, so Dask
pickles it by value and the workers run it: for participant "die-once" it kills the worker
process (os._exit) on the first attempt only (a marker file records that attempt), for
"die-always" on every attempt.
"""
import json
import os
import pathlib
import sys


def _dying_load_one(pid, paths, options, select):
    import sleeparch.cohort  # on the worker: the library's own function

    marker = pathlib.Path(os.environ["SLEEPARCH_DASK_TEST_OUT"]) / f"{pid}.died"
    if pid == "die-always" or (pid == "die-once" and not marker.exists()):
        with open(marker, "a") as f:
            f.write(f"{os.getpid()}\n")
        os._exit(3)
    return sleeparch.cohort._load_one(pid, paths, options, select)


def main():
    cohort_dir, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    os.environ["SLEEPARCH_DASK_TEST_OUT"] = str(out)  # inherited by the worker processes
    import dask
    from dask.distributed import Client, LocalCluster

    import sleeparch as sa
    import sleeparch.cohort

    # One retry after a worker death, then KilledWorker: keeps the dying case short
    # (the default, 3, only adds restarts).
    dask.config.set({"distributed.scheduler.allowed-failures": 1})
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        worker_pids = sorted(client.run(os.getpid).values())
        sleeparch.cohort._load_one = _dying_load_one
        df = sa.load_cohort(cohort_dir, client=client)
        df.to_pickle(out / "cohort.pkl")
        pd_errors = df.attrs["errors"]
        ok = sorted(cohort_dir.glob("nsrr-*.xml"))[0]
        dying = sa.load_cohort({"ok": ok, "die-always": ok, "ok-too": ok}, client=client)
        dying.to_pickle(out / "dying.pkl")
        info = {"script_pid": os.getpid(), "worker_pids": worker_pids,
                "errors": pd_errors.to_dict("records"), "dying_errors": dying.attrs["errors"].to_dict("records")}
    (out / "info.json").write_text(json.dumps(info))


if __name__ == "__main__":
    main()
