"""Shared fixtures: the sleeparch binary and a runner for it."""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "samples"


def _cli_path() -> pathlib.Path:
    env = os.environ.get("SLEEPARCH_CLI")
    path = pathlib.Path(env) if env else ROOT / "build" / "release" / "cli" / "sleeparch"
    return path


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    path = _cli_path()
    if not path.exists():
        pytest.fail(f"sleeparch binary not found at {path}: build first (bash .ci/build release)")
    return path


@pytest.fixture(scope="session")
def run(cli):
    def _run(*args, check=True):
        proc = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"sleeparch {' '.join(map(str, args))} exited {proc.returncode}: {proc.stderr}")
        return proc

    return _run


@pytest.fixture(scope="session")
def nights_json(run):
    def _nights(*args):
        return json.loads(run("nights", *args, "--format", "json").stdout)

    return _nights


def sample(relative: str) -> pathlib.Path:
    path = SAMPLES / relative
    if not path.exists():
        # With the folder present a missing file is a renamed sample or a typo: a skip would hide it.
        if SAMPLES.is_dir():
            pytest.fail(f"{relative}: missing from {SAMPLES} (the folder exists)")
        pytest.skip(f"{relative}: ../shared/samples absent")
    return path
