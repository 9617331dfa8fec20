"""sleeparch's FIT decoder and Garmin FIT sleep importer against Garmin's own
Python FIT SDK (garmin-fit-sdk) as an independent decoder.

FIT files are written byte by byte by data/writers/garmin_fit.py (random
nights here, plus the committed fixture); the SDK checks their integrity and
decodes them; the night is worked out from the SDK's messages (event 74
window, each sleep_level until the next, offset from message 273) and
compared with `sleeparch nights --format json`. The SDK does not read
compressed time stamps, so these files use full ones (the C++ tests check
compressed against full).
"""
import datetime as dt
import importlib.util
import json
import pathlib
import random
import sys

import pytest

garmin_fit_sdk = pytest.importorskip("garmin_fit_sdk")

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIT_EPOCH = 631065600
STAGE = {0: "unscored_min", 1: "wake_min", 2: "light_min", 3: "deep_min", 4: "rem_min"}


def _writer():
    spec = importlib.util.spec_from_file_location("garmin_fit_writer", ROOT / "data" / "writers" / "garmin_fit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


writer = _writer()


def sdk_night(path: pathlib.Path) -> dict:
    """The night as Garmin's SDK decodes the file."""
    decoder = garmin_fit_sdk.Decoder(garmin_fit_sdk.Stream.from_file(str(path)))
    assert decoder.is_fit()
    assert decoder.check_integrity()
    decoder = garmin_fit_sdk.Decoder(garmin_fit_sdk.Stream.from_file(str(path)))
    messages, errors = decoder.read(convert_datetimes_to_dates=False, convert_types_to_strings=False,
                                    expand_sub_fields=False, expand_components=False, merge_heart_rates=False)
    assert errors == []
    assert messages["file_id_mesgs"][0]["type"] == 49
    events = [m for m in messages["event_mesgs"] if m["event"] == 74]
    start = min(m["timestamp"] for m in events if m["event_type"] == 0)
    stop = max(m["timestamp"] for m in events if m["event_type"] in (1, 4))
    # sleep_data_info is not in the SDK's profile: keyed and with fields by number.
    info = (messages.get(273) or messages.get("273"))[0]
    offset_min = round((info[2] - info[253]) / 60)
    levels = sorted((m["timestamp"], m["sleep_level"]) for m in messages["sleep_level_mesgs"])
    minutes = {name: 0.0 for name in STAGE.values()}
    for i, (t, level) in enumerate(levels):
        end = levels[i + 1][0] if i + 1 < len(levels) else stop
        a, b = max(t, start), min(end, stop)
        if b > a:
            minutes[STAGE[level]] += (b - a) / 60
    first = max(levels[0][0], start)
    minutes["unscored_min"] += (first - start) / 60
    assessment = messages["sleep_assessment_mesgs"][0]
    return {"start": start + FIT_EPOCH, "stop": stop + FIT_EPOCH, "offset_min": offset_min,
            "minutes": minutes, "score": assessment["overall_sleep_score"],
            "stress": assessment["average_stress_during_sleep"]}


def random_night(rng: random.Random):
    start = dt.datetime(2023, 1, 1, 21, 0, tzinfo=dt.timezone.utc) + dt.timedelta(
        days=rng.randint(0, 700), seconds=rng.randint(0, 4 * 3600))
    t, levels = 0, []
    end = rng.randint(4 * 3600, 10 * 3600)
    while t < end:
        levels.append((t, rng.choice([0, 1, 2, 2, 2, 3, 4])))
        t += rng.choice([30, 60, 120, 300, 600, 1200])
    offset = rng.choice([-7 * 3600, -4 * 3600, 0, 3600, 7200, 5 * 3600 + 1800, 9 * 3600])
    scores = {6: rng.randint(30, 99), 11: rng.randint(0, 12), 15: rng.randint(500, 6000)}
    return writer.Night(start=start, levels=levels, end_s=end, utc_offset_s=offset, scores=scores)


def ours(nights_json, path):
    (night,) = nights_json(path)
    return night


def check(night: dict, theirs: dict):
    offset = dt.timezone(dt.timedelta(minutes=theirs["offset_min"]))
    start_local = dt.datetime.fromtimestamp(theirs["start"], offset)
    assert dt.datetime.fromisoformat(night["window_start_local"]) == start_local
    assert night["tib_min"] == pytest.approx((theirs["stop"] - theirs["start"]) / 60)
    for name, value in theirs["minutes"].items():
        assert night[name] == pytest.approx(value), name


def test_committed_fixture_agrees_with_the_sdk(nights_json):
    path = ROOT / "tests" / "fixtures" / "garmin_fit" / "sleep_full_timestamps.fit"
    theirs = sdk_night(path)
    assert theirs["score"] == 82 and theirs["stress"] == pytest.approx(17.5)
    night = ours(nights_json, path)
    check(night, theirs)
    assert night["vendor"]["score"] == theirs["score"]


@pytest.mark.parametrize("seed", range(12))
def test_random_nights_agree_with_the_sdk(nights_json, tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / f"night{seed}.fit"
    path.write_bytes(writer.write(random_night(rng), compressed=False))
    night, theirs = ours(nights_json, path), sdk_night(path)
    check(night, theirs)
    assert night["vendor"]["score"] == theirs["score"]


def test_truncated_file_names_file_and_offset(run, tmp_path):
    data = writer.write(writer.sample_night())
    path = tmp_path / "cut.fit"
    path.write_bytes(data[:-7])
    proc = run("nights", path, check=False)
    assert proc.returncode == 1
    assert f"cut.fit:offset {len(data) - 7}: data: truncated" in proc.stderr
    # The SDK agrees that it is damaged.
    assert not garmin_fit_sdk.Decoder(garmin_fit_sdk.Stream.from_file(str(path))).check_integrity()
