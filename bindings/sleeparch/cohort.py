"""Cohorts: one participant per task, on a thread pool or a Dask cluster."""
import os
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from . import _core
from .nights import NightSet, _core_options, _paths, _select

_ERROR_COLUMNS = ["participant", "file", "message"]


def load_cohort(root_or_mapping, client=None, *, jobs=None, strict=False, naps=False, from_date=None, to_date=None,
                **load_options) -> pd.DataFrame:
    """Every participant's nights in one long DataFrame with a ``participant`` column first:
    the same rows as ``sleeparch nights --participants`` (and as loading each alone).

    root_or_mapping: a folder whose entries (subfolders or files) are one participant each,
    named after the entry; a ``participant,path`` CSV; or a dict ``{participant: path or
    [paths]}``. client: a ``dask.distributed.Client`` to run one participant per task on its
    cluster (results come back as plain DataFrames); without one, a thread pool of ``jobs``
    threads (the import releases the GIL). The other options are :func:`sleeparch.load`'s.

    A participant that fails (bad input, nothing readable, a task whose worker died more
    often than the scheduler's ``distributed.scheduler.allowed-failures``, default 3, so
    each death before that is retried) is listed in ``df.attrs["errors"]`` (a DataFrame: participant, file, message) and the rest
    go on; with ``strict=True`` the first failure raises instead.

        df = sa.load_cohort("cohort/", tz="Europe/Berlin")
        df.groupby("participant").tst_min.mean()
    """
    participants = _participants(root_or_mapping)
    options = _core_options(**load_options)
    select = {"naps": naps, "from_date": from_date, "to_date": to_date}
    if client is None:
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            results = list(pool.map(lambda p: _load_one(p[0], p[1], options, select), participants))
    else:
        results = _on_cluster(client, participants, options, select)
    frames, errors = [], []
    for (pid, _paths_), (frame, error) in zip(participants, results):
        if error is not None:
            if strict:
                raise _error_type(error.get("kind"))(error["message"])
            errors.append([pid, error.get("file", ""), error["message"]])
        else:
            frames.append(frame)
    if frames:
        df = pd.concat(frames, ignore_index=True)
    else:
        df = pd.DataFrame(columns=["participant"] + [name for name, kind, _d in _core.night_fields() if kind not in ("transitions", "cycles")])
    df.attrs["errors"] = pd.DataFrame(errors, columns=_ERROR_COLUMNS)
    return df


def _participants(root_or_mapping):
    if isinstance(root_or_mapping, dict):
        out = []
        for pid, paths in root_or_mapping.items():
            out.append((str(pid), _paths(paths)))
        if not out:
            raise _core.UsageError("load_cohort: the mapping has no participants")
        return out
    return [(pid, list(paths)) for pid, paths in _core.participants(os.fspath(root_or_mapping))]


def _load_one(pid, paths, options, select):
    """(DataFrame, None) or (None, error dict) for one participant; runs on threads and Dask workers."""
    loaded, error = _core.try_load(paths, **options)
    if error is not None:
        return None, dict(error)
    df = NightSet(loaded, _select(loaded, **select), tz=options["tz"] or None).metrics()
    df.insert(0, "participant", pid)
    return df, None


def _on_cluster(client, participants, options, select):
    # One task per participant. A worker that dies is the scheduler's to retry (up to
    # allowed-failures times, then KilledWorker); retries=1 reruns a task that raised.
    # Either way the participant ends up in the rows or in the errors, never silently missing.
    futures = [
        client.submit(_load_one, pid, paths, options, select, key=f"sleeparch-{i}-{pid}", retries=1, pure=False)
        for i, (pid, paths) in enumerate(participants)
    ]
    results = [_outcome(future) for future in futures]
    # A worker that dies takes the tasks queued on it down too, so KilledWorker may name
    # a participant that did nothing wrong: each such participant is tried once more, alone
    # (one at a time, so none can take another down), before it is reported.
    for i, (pid, paths) in enumerate(participants):
        if results[i][2] == "KilledWorker":
            results[i] = _outcome(client.submit(_load_one, pid, paths, options, select,
                                                key=f"sleeparch-{i}-{pid}-alone", retries=1, pure=False))
    return [(df, error) for df, error, _failure in results]


def _outcome(future):
    """(rows, error, the task's own failure type or None) of one participant's task."""
    try:
        df, error = future.result()
        return df, error, None
    except Exception as exc:  # the task itself failed: KilledWorker, an unpicklable result, ...
        return None, {"file": "", "message": f"task failed: {type(exc).__name__}: {exc}", "kind": ""}, type(exc).__name__


def _error_type(kind):
    return {"ParseError": _core.ParseError, "IoError": _core.IoError}.get(kind, _core.UsageError)
