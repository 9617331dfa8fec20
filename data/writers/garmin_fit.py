"""Writes Garmin FIT sleep files (FORMATS.md, "Garmin FIT sleep files") byte by
byte, with the header and file CRCs, for the tests of sleeparch's FIT decoder.

What the files reproduce: a 14-byte header with its CRC; `file_id` with type
49 (sleep); an `event` 74 start and stop around the night; `sleep_data_info`
(273) with the local time stamp that gives the UTC offset; `sleep_level` (275)
messages, each level lasting until the next, some with compressed-timestamp
record headers; a `sleep_assessment` (346) with scores; a developer field
(with its `developer_data_id` and `field_description`) that decoders skip;
a definition in big-endian byte order; local message types redefined
mid-file; optionally an `hrv_status_summary` (370) with the last-night
average HRV (ms x 128, `--hrv MS`). Nothing here comes from Garmin's SDK, so the SDK's decoder is an
independent check on the files (tests/python/test_garmin_fit.py).

    python3 data/writers/garmin_fit.py OUT.fit [--no-compressed] [--hrv MS]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import pathlib
import struct

FIT_EPOCH = 631065600  # 1989-12-31 00:00 UTC in Unix seconds
_CRC_TABLE = [0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
              0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400]

# Base types: (id, struct code, size).
ENUM = (0x00, "B", 1)
UINT8 = (0x02, "B", 1)
UINT16 = (0x84, "H", 2)
UINT32 = (0x86, "I", 4)
UINT32Z = (0x8C, "I", 4)
STRING = (0x07, None, None)
BYTE = (0x0D, None, None)


def crc16(data: bytes, crc: int = 0) -> int:
    for byte in data:
        tmp = _CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ _CRC_TABLE[byte & 0xF]
        tmp = _CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ _CRC_TABLE[(byte >> 4) & 0xF]
    return crc


def fit_time(t: dt.datetime) -> int:
    return int(t.timestamp()) - FIT_EPOCH


class Writer:
    """FIT records; `definitions[local]` remembers each local type's layout."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.definitions: dict[int, tuple[str, list, list]] = {}

    def define(self, local: int, global_num: int, fields: list[tuple[int, tuple]], big_endian: bool = False,
               dev_fields: list[tuple[int, int, int]] | None = None, sizes: dict[int, int] | None = None) -> None:
        """fields: (number, base type); sizes overrides the size of string/byte fields."""
        sizes = sizes or {}
        header = 0x40 | local | (0x20 if dev_fields else 0)
        order = ">" if big_endian else "<"
        self.body += struct.pack("<BBB", header, 0, 1 if big_endian else 0)
        self.body += struct.pack(order + "H", global_num)
        self.body += struct.pack("<B", len(fields))
        for number, base in fields:
            size = sizes.get(number, base[2])
            self.body += struct.pack("<BBB", number, size, base[0])
        if dev_fields:
            self.body += struct.pack("<B", len(dev_fields))
            for number, size, index in dev_fields:
                self.body += struct.pack("<BBB", number, size, index)
        self.definitions[local] = (order, [(n, b, sizes.get(n, b[2])) for n, b in fields], dev_fields or [])

    def data(self, local: int, values: list, dev: bytes = b"", compressed_offset: int | None = None) -> None:
        """values in field order (bytes for string/byte fields)."""
        order, fields, dev_fields = self.definitions[local]
        if compressed_offset is not None:
            self.body += struct.pack("<B", 0x80 | (local << 5) | (compressed_offset & 0x1F))
        else:
            self.body += struct.pack("<B", local)
        for (number, base, size), value in zip(fields, values, strict=True):
            if base[1] is None:
                raw = bytes(value)
                self.body += raw[:size] + bytes(size - len(raw[:size]))
            else:
                self.body += struct.pack(order + base[1], value)
        assert len(dev) == sum(s for _, s, _ in dev_fields)
        self.body += dev

    def file_bytes(self) -> bytes:
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        header += struct.pack("<H", crc16(header))
        content = header + bytes(self.body)
        return content + struct.pack("<H", crc16(content))


@dataclasses.dataclass
class Night:
    start: dt.datetime               # event 74 start (UTC, aware)
    levels: list[tuple[int, int]]    # (seconds from start, level 0-4), each until the next
    end_s: int                       # event 74 stop, seconds from start
    utc_offset_s: int = 3600
    scores: dict[int, int] = dataclasses.field(default_factory=lambda: {6: 82, 3: 70, 9: 75, 11: 3, 15: 1750})
    hrv_last_night_ms: float | None = None  # hrv_status_summary last_night_average


def sample_night() -> Night:
    """Europe/Berlin winter night, 23:10 local to 06:58; a 30-s awakening
    (the next level then follows 30 s later: a compressed time stamp)."""
    start = dt.datetime(2024, 1, 14, 22, 10, tzinfo=dt.timezone.utc)
    levels = [(0, 1), (600, 2), (1800, 3), (4200, 2), (6000, 4), (7200, 2), (7500, 1), (7530, 2),
              (9000, 3), (10800, 2), (13200, 4), (15000, 0), (15300, 2), (18600, 4), (21600, 2),
              (27300, 1)]
    return Night(start=start, levels=levels, end_s=28080)


def write(night: Night, compressed: bool = True) -> bytes:
    """compressed=False writes every time stamp in full (Garmin's Python SDK
    does not read compressed time stamps)."""
    w = Writer()
    t0 = fit_time(night.start)
    # file_id: type 49 (sleep), Garmin, a product and serial number.
    w.define(0, 0, [(0, ENUM), (1, UINT16), (2, UINT16), (3, UINT32Z), (4, UINT32)])
    w.data(0, [49, 1, 3291, 3456789012, t0 + night.end_s + 120])
    # A developer field on events: its id and description first.
    w.define(1, 207, [(3, UINT8), (1, BYTE)], sizes={1: 16})
    w.data(1, [0, bytes(range(16))])
    w.define(1, 206, [(0, UINT8), (1, UINT8), (2, UINT8), (3, STRING)], sizes={3: 8})
    w.data(1, [0, 0, UINT16[0], b"dev\0"])
    # event 74 start (with the developer field), in big-endian order.
    w.define(2, 21, [(253, UINT32), (0, ENUM), (1, ENUM)], big_endian=True, dev_fields=[(0, 2, 0)])
    w.data(2, [t0, 74, 0], dev=struct.pack(">H", 0xBEEF))
    # sleep_data_info (273): local_timestamp (field 2) - timestamp = offset.
    w.define(3, 273, [(253, UINT32), (2, UINT32)])
    w.data(3, [t0, t0 + night.utc_offset_s])
    # sleep_level (275), compressed time stamps where the step is < 32 s.
    w.define(0, 275, [(253, UINT32), (0, ENUM)])  # local type 0 redefined
    w.define(1, 275, [(0, ENUM)])                 # the same message without its time stamp
    last = None
    for offset, level in night.levels:
        t = t0 + offset
        if compressed and last is not None and 0 < t - last < 32:
            w.data(1, [level], compressed_offset=t & 0x1F)
        else:
            w.data(0, [t, level])
        last = t
    w.define(2, 21, [(253, UINT32), (0, ENUM), (1, ENUM)])
    w.data(2, [t0 + night.end_s, 74, 1])
    fields = sorted(night.scores)
    w.define(3, 346, [(n, UINT16 if n == 15 else UINT8) for n in fields])
    w.data(3, [night.scores[n] for n in fields])
    if night.hrv_last_night_ms is not None:
        # hrv_status_summary: timestamp, weekly_average (0), last_night_average (1), status (6); ms x 128.
        w.define(4, 370, [(253, UINT32), (0, UINT16), (1, UINT16), (6, ENUM)])
        w.data(4, [t0 + night.end_s + 60, round(50.0 * 128), round(night.hrv_last_night_ms * 128), 3])
    return w.file_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--no-compressed", action="store_true", help="full time stamps only")
    parser.add_argument("--hrv", type=float, help="add an hrv_status_summary with this last-night average (ms)")
    args = parser.parse_args()
    night = sample_night()
    night.hrv_last_night_ms = args.hrv
    args.out.write_bytes(write(night, compressed=not args.no_compressed))


if __name__ == "__main__":
    main()
