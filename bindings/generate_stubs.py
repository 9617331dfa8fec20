"""Rewrites the generated part of sleeparch/_core.pyi from the library's night-row schema
and metric table, so that the stubs cannot drift from the columns:

    PYTHONPATH=build/release/bindings python3 bindings/generate_stubs.py [--check]
"""
import pathlib
import sys

# The built package (PYTHONPATH), not the sources beside this script.
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != pathlib.Path(__file__).resolve().parent]
from sleeparch import _core  # noqa: E402

STUB = pathlib.Path(__file__).with_name("sleeparch") / "_core.pyi"
BEGIN, END = "# BEGIN NIGHT ROW\n", "# END NIGHT ROW\n"
TYPES = {"text": "str", "flag": "bool", "integer": "int", "number": "float", "instant": "Any",
         "text_list": "list[str]", "transitions": "Optional[list[list[int]]]",
         "cycles": "Optional[list[dict[str, Any]]]"}


def generated() -> str:
    units = {m["name"]: m["unit"] for m in _core.scalar_metrics()}
    lines = ["class NightRow(TypedDict):",
             '    """One night as `sleeparch nights --format json` gives it (instants: local ISO text;',
             '    in NightSet.metrics(), tz-aware Timestamps)."""']
    for name, kind, desc in _core.night_fields():
        unit = f" [{units[name]}]" if name in units else ""
        lines.append(f"    {name}: {TYPES[kind]}  # {desc}{unit}")
    return "\n".join(lines) + "\n"


def main(argv):
    text = STUB.read_text()
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    new = head + BEGIN + generated() + END + tail
    if "--check" in argv:
        if new != text:
            print(f"{STUB} is out of date: run python3 bindings/generate_stubs.py", file=sys.stderr)
            return 1
        return 0
    STUB.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
