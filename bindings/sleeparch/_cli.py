"""The `sleeparch` console script of the wheel: runs the C++ command-line tool shipped
inside the package (sleeparch/bin/sleeparch), so `pip install` gives the same CLI as the
CMake build, with its exact output and exit codes. The process is replaced (exec), so
signals, stdin/stdout and the exit status are the binary's own."""
import os
import pathlib
import sys


def binary() -> pathlib.Path:
    """Where the packaged CLI is; only wheels (and `pip install .`) have it."""
    return pathlib.Path(__file__).resolve().parent / "bin" / "sleeparch"


def main() -> None:
    exe = binary()
    if not exe.is_file():
        sys.exit(f"sleeparch: the command-line tool is not in this installation ({exe} is missing); "
                 "the CMake build has it at build/release/cli/sleeparch")
    os.execv(exe, [str(exe), *sys.argv[1:]])


if __name__ == "__main__":
    main()
