"""The wheel's `sleeparch` console script (sleeparch._cli): it execs the packaged C++ CLI,
so arguments, output and exit codes are the binary's own; without the binary (the CMake
build tree has none inside the package) it says where the CLI is instead. .ci/wheel checks
the installed script itself in a fresh venv."""
import os
import pathlib
import subprocess
import sys

import pytest

from test_bindings import _import


@pytest.fixture(scope="module")
def sa():
    return _import()


def _script(sa, exe, *args):
    code = ("import pathlib, sys; import sleeparch._cli as c; "
            f"c.binary = lambda: pathlib.Path({str(exe)!r}); sys.argv[0] = 'sleeparch'; c.main()")
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(sa.__file__).parents[1]))
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env)


def test_script_is_the_binary(sa, cli, run):
    got = _script(sa, cli, "--version")
    assert got.returncode == 0 and got.stdout == run("--version").stdout
    data = pathlib.Path(__file__).resolve().parents[2] / "data" / "hypnograms"
    got = _script(sa, cli, "nights", data, "--tz", "Europe/Berlin", "--format", "csv")
    assert got.returncode == 0 and got.stdout == run("nights", data, "--tz", "Europe/Berlin", "--format", "csv").stdout
    # Exit codes pass through: a missing input is the CLI's I/O error.
    bad = _script(sa, cli, "nights", "/nonexistent/export.zip")
    want = run("nights", "/nonexistent/export.zip", check=False)
    assert bad.returncode == want.returncode != 0 and bad.stderr == want.stderr


def test_script_without_binary(sa, tmp_path):
    got = _script(sa, tmp_path / "bin" / "sleeparch", "--version")
    assert got.returncode == 1 and "command-line tool is not in this installation" in got.stderr
