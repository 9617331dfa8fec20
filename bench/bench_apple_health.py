"""Apple Health import benchmark: sleeparch against xml.etree.ElementTree.iterparse.

Generates (once, cached in /tmp/sleeparch-bench/) an Apple Health export.xml of at least
--size-mb megabytes with a realistic record mix (heart rate, steps, energy, distance,
HRV with beat lists, a resting heart rate a day, ... and a little sleep and dietary
magnesium), and an export.zip
holding it as apple_health_export/export.xml. Then, in this one script:

1. ElementTree.iterparse collects the same records sleeparch keeps (every
   HKCategoryTypeIdentifierSleepAnalysis, HKQuantityTypeIdentifierDietaryMagnesium,
   HKQuantityTypeIdentifierHeartRateVariabilitySDNN and HKQuantityTypeIdentifierRestingHeartRate
   <Record> with its attributes and HKTimeZone), clearing elements as it goes;
2. bench_apple_health (the C++ driver) imports export.xml and export.zip, and times zlib
   alone inflating the zip entry in the same process (each input is first dropped from the
   page cache and read once: cache_as_read_from_disk);
3. imports a twin of export.xml whose HRV and resting heart-rate records have
   their types renamed (same bytes otherwise, nothing of them kept) and prints
   the cost of keeping them (goal: import speed unchanged with HRV records present);
4. prints the ratios: speed-up over iterparse (goal >= 50x), peak RSS (goal <= 64 MB) and
   zip import time over zlib inflate time (goal <= 1.5), by wall clock and by CPU time
   (user + system of all threads; the wall-clock figures need an otherwise idle machine,
   and sleeparch uses a second thread on large inputs). The CPU time of the reading and
   scanning thread alone is printed too; expat's thread has the rest. On an idle machine the
   import takes about as long as the busier of the two. The scanning thread's figure varies
   least from run to run: compare changes to reading and scanning by it.

Run from the project root after a Release build:
    bash .ci/build release
    python3 bench/bench_apple_health.py
or with another build's driver: --driver build/<dir>/bench/bench_apple_health.
The generated DTD is well-formed (the iOS 16 defect would stop iterparse before it starts).
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import resource
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile

GENERATOR_VERSION = 4
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
MAGNESIUM = "HKQuantityTypeIdentifierDietaryMagnesium"
HRV = "HKQuantityTypeIdentifierHeartRateVariabilitySDNN"
RESTING = "HKQuantityTypeIdentifierRestingHeartRate"
VITALS = (HRV, RESTING)

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-06-01 09:00:00 -0700"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-04-02" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""

WATCH = ('sourceName="Anna&#8217;s Apple Watch" sourceVersion="10.3" device="&lt;&lt;HKDevice: '
         '0x2830a1c20&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, '
         'software:10.3&gt;"')
PHONE = ('sourceName="Anna&#8217;s iPhone" sourceVersion="17.4" device="&lt;&lt;HKDevice: '
         '0x2830a1d40&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,2, '
         'software:17.4&gt;"')


def stamp(t: int) -> str:
    """Local time string at -0700 for UTC seconds t."""
    return time.strftime("%Y-%m-%d %H:%M:%S -0700", time.gmtime(t - 7 * 3600))


def day_records(day: int, rng: random.Random) -> list[str]:
    """One day of records: mostly quantity samples, one staged Watch night.

    About 2,200 quantity samples a day and ~30 sleep records a night put sleep at ~1.3 % of
    the records, as in a real Watch user's export (a published census of one: 3,374 sleep
    records among ~300,000, most of them energy, distance, heart-rate and step samples).
    """
    out: list[str] = []
    base = 1_672_560_000 + day * 86400  # 2023-01-01 08:00 UTC
    for k in range(rng.randint(2000, 2400)):
        t = base + k * 36
        s, c = stamp(t), stamp(t + 300)
        kind = rng.random()
        if kind < 0.45:
            out.append(f' <Record type="HKQuantityTypeIdentifierHeartRate" {WATCH} unit="count/min" '
                       f'creationDate="{c}" startDate="{s}" endDate="{s}" value="{rng.randint(48, 140)}">\n'
                       f'  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n')
        elif kind < 0.65:
            out.append(f' <Record type="HKQuantityTypeIdentifierActiveEnergyBurned" {WATCH} unit="Cal" '
                       f'creationDate="{c}" startDate="{s}" endDate="{stamp(t + 60)}" '
                       f'value="{rng.random() * 3:.3f}"/>\n')
        elif kind < 0.8:
            out.append(f' <Record type="HKQuantityTypeIdentifierStepCount" {PHONE} unit="count" '
                       f'creationDate="{c}" startDate="{s}" endDate="{stamp(t + 120)}" value="{rng.randint(0, 300)}"/>\n')
        elif kind < 0.92:
            out.append(f' <Record type="HKQuantityTypeIdentifierDistanceWalkingRunning" {PHONE} unit="km" '
                       f'creationDate="{c}" startDate="{s}" endDate="{stamp(t + 120)}" value="{rng.random() / 5:.5f}"/>\n')
        elif kind < 0.995:
            out.append(f' <Record type="HKQuantityTypeIdentifierBasalEnergyBurned" {WATCH} unit="Cal" '
                       f'creationDate="{c}" startDate="{s}" endDate="{stamp(t + 600)}" value="{rng.random() * 12:.3f}"/>\n')
        else:
            beats = "".join(f'   <InstantaneousBeatsPerMinute bpm="{rng.randint(50, 90)}" time="7:{k % 60:02d}:{b:02d}.{rng.randint(0, 99):02d} AM"/>\n'
                            for b in range(0, 60, 1))
            out.append(f' <Record type="{HRV}" {WATCH} unit="ms" '
                       f'creationDate="{c}" startDate="{s}" endDate="{stamp(t + 60)}" value="{15 + rng.random() * 80:.4f}">\n'
                       f'  <HeartRateVariabilityMetadataList>\n{beats}  </HeartRateVariabilityMetadataList>\n </Record>\n')
    # The night: InBed from the Watch, then 30-s-grid stages.
    night = base + 15 * 3600 - rng.randint(0, 60) * 30  # about 23:00 local
    meta = '>\n  <MetadataEntry key="HKTimeZone" value="America/Los_Angeles"/>\n </Record>\n'
    end = night + 8 * 3600
    out.append(f' <Record type="{SLEEP}" {WATCH} creationDate="{stamp(end)}" startDate="{stamp(night)}" '
               f'endDate="{stamp(end)}" value="HKCategoryValueSleepAnalysisInBed"' + meta)
    t = night + 600
    while t < end - 600:
        d = rng.randint(4, 60) * 30
        stage = rng.choice(["AsleepCore", "AsleepCore", "AsleepDeep", "AsleepREM", "Awake"])
        out.append(f' <Record type="{SLEEP}" {WATCH} creationDate="{stamp(end)}" startDate="{stamp(t)}" '
                   f'endDate="{stamp(t + d)}" value="HKCategoryValueSleepAnalysis{stage}"' + meta)
        t += d
    # The day's resting heart rate (one a day, as the Watch writes it).
    out.append(f' <Record type="{RESTING}" {WATCH} unit="count/min" creationDate="{stamp(base + 12 * 3600)}" '
               f'startDate="{stamp(base)}" endDate="{stamp(base + 12 * 3600)}" value="{rng.randint(48, 66)}"/>\n')
    if day % 3 == 0:
        out.append(f' <Record type="{MAGNESIUM}" sourceName="MyFitnessPal" sourceVersion="23.1" unit="mg" '
                   f'creationDate="{stamp(base + 3600)}" startDate="{stamp(base + 3600)}" '
                   f'endDate="{stamp(base + 3600)}" value="{rng.randint(20, 180)}"/>\n')
    return out


def generate(xml_path: pathlib.Path, size_mb: int) -> None:
    rng = random.Random(20240601)
    target = size_mb * 1_000_000
    written = 0
    day = 0
    tmp = xml_path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", buffering=1 << 22) as f:
        f.write(HEADER)
        while written < target:
            block = "".join(day_records(day, rng))
            f.write(block)
            written += len(block)
            day += 1
        f.write("</HealthData>\n")
    tmp.rename(xml_path)


def ensure_inputs(workdir: pathlib.Path, size_mb: int) -> tuple[pathlib.Path, pathlib.Path]:
    workdir.mkdir(parents=True, exist_ok=True)
    xml_path = workdir / f"export-{size_mb}MB-v{GENERATOR_VERSION}.xml"
    zip_path = workdir / f"export-{size_mb}MB-v{GENERATOR_VERSION}.zip"
    if not xml_path.exists():
        t0 = time.perf_counter()
        print(f"generating {xml_path} ...", file=sys.stderr, flush=True)
        generate(xml_path, size_mb)
        print(f"  {xml_path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if not zip_path.exists():
        t0 = time.perf_counter()
        print(f"zipping {zip_path} ...", file=sys.stderr, flush=True)
        tmp = zip_path.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6,
                             allowZip64=True) as z:
            z.write(xml_path, "apple_health_export/export.xml")
        tmp.rename(zip_path)
        print(f"  {zip_path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return xml_path, zip_path


# Same length as the type names they replace, and no needle's two anchor bytes
# (kAnchor = 25 in the importer): the twin file differs from the export only in
# these records' types, which nothing keeps.
UNKEPT = {HRV: "HKQuantityTypeIdentifierXeartRateVariabilityXXXX",
          RESTING: "HKQuantityTypeIdentifierXestingHeartRate"}


def ensure_twin(xml_path: pathlib.Path) -> pathlib.Path:
    """export.xml with the HRV and resting heart-rate records' types renamed to unkept ones."""
    twin = xml_path.with_name(xml_path.stem + "-no-vitals.xml")
    if twin.exists():
        return twin
    print(f"writing {twin} ...", file=sys.stderr, flush=True)
    pairs = [(f'"{k}"'.encode(), f'"{v}"'.encode()) for k, v in UNKEPT.items()]
    for a, b in pairs:
        assert len(a) == len(b)
    tmp = twin.with_suffix(".tmp")
    with open(xml_path, "rb") as src, open(tmp, "wb") as dst:
        for line in src:
            for a, b in pairs:
                line = line.replace(a, b)
            dst.write(line)
    tmp.rename(twin)
    return twin


def iterparse_collect(xml_path: pathlib.Path) -> tuple[float, int, int, int]:
    """The baseline: stream the file, keep the same records with their attributes."""
    t0 = time.perf_counter()
    sleep, doses, vitals = [], [], []
    root = None
    for event, elem in ET.iterparse(xml_path, events=("start", "end")):
        if event == "start":
            if root is None:
                root = elem
            continue
        if elem.tag != "Record":
            continue
        kind = elem.get("type")
        if kind == SLEEP or kind == MAGNESIUM or kind in VITALS:
            rec = dict(elem.attrib)
            for child in elem:
                if child.tag == "MetadataEntry" and child.get("key") == "HKTimeZone":
                    rec["tz"] = child.get("value")
            (sleep if kind == SLEEP else doses if kind == MAGNESIUM else vitals).append(rec)
        root.clear()
    return time.perf_counter() - t0, len(sleep), len(doses), len(vitals)


def cache_as_read_from_disk(path: pathlib.Path) -> None:
    """Drop the file's pages and read it once, so it sits in the page cache as a file read from disk does.

    A file this script has just written sits in the cache in small pages, which cost a reader that
    maps the file (sleeparch) about a third more in page-table work than the large pages readahead
    leaves; a reader that copies (iterparse) sees no difference. Both readers are timed on the
    same cached file.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        while os.read(fd, 1 << 20):
            pass
    finally:
        os.close(fd)


def run_cpp(binary: str, path: pathlib.Path, repeat: int) -> dict:
    out = subprocess.run([binary, str(path), "--repeat", str(repeat)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", "--driver", dest="bin", help="the C++ driver (default: the Release build's)",
                    default=str(pathlib.Path(__file__).resolve().parents[1] / "build" / "release" / "bench" / "bench_apple_health"))
    ap.add_argument("--size-mb", type=int, default=600)
    ap.add_argument("--workdir", default="/tmp/sleeparch-bench")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-baseline", action="store_true", help="only time sleeparch")
    args = ap.parse_args()

    xml_path, zip_path = ensure_inputs(pathlib.Path(args.workdir), args.size_mb)
    size_mb = xml_path.stat().st_size / 1e6

    twin_path = ensure_twin(xml_path)
    for path in (xml_path, twin_path, zip_path):
        cache_as_read_from_disk(path)
    cpp_xml = run_cpp(args.bin, xml_path, args.repeat)
    cpp_twin = run_cpp(args.bin, twin_path, args.repeat)
    cpp_zip = run_cpp(args.bin, zip_path, args.repeat)

    print(f"input: {xml_path} ({size_mb:.0f} MB), {zip_path} ({zip_path.stat().st_size / 1e6:.0f} MB)")
    print(f"sleeparch export.xml: {cpp_xml['import_s_median']:.3f} s  {cpp_xml['import_mb_s']:.0f} MB/s  "
          f"CPU {cpp_xml['import_cpu_s']:.3f} s (scan thread {cpp_xml['import_scan_cpu_s']:.3f} s)  "
          f"peak RSS {cpp_xml['peak_rss_mib']:.1f} MiB  ({cpp_xml['records']} sleep records, "
          f"{cpp_xml['doses']} doses, {cpp_xml['vitals']} HRV/resting-HR readings)")
    print(f"same bytes, HRV and resting-HR types renamed (nothing kept): {cpp_twin['import_s_median']:.3f} s  "
          f"CPU {cpp_twin['import_cpu_s']:.3f} s (scan thread {cpp_twin['import_scan_cpu_s']:.3f} s)  "
          f"({cpp_twin['vitals']} HRV/resting-HR readings)")
    vit_wall = cpp_xml["import_s_median"] / cpp_twin["import_s_median"]
    vit_scan = cpp_xml["import_scan_cpu_s"] / cpp_twin["import_scan_cpu_s"]
    print(f"cost of keeping HRV and resting HR: {vit_wall:.2f}x wall, {vit_scan:.2f}x scan-thread CPU, "
          f"{cpp_xml['import_cpu_s'] / cpp_twin['import_cpu_s']:.2f}x CPU  (goal: about 1)")
    print(f"sleeparch export.zip: {cpp_zip['import_s_median']:.3f} s  {cpp_zip['import_mb_s']:.0f} MB/s  "
          f"CPU {cpp_zip['import_cpu_s']:.3f} s (scan thread {cpp_zip['import_scan_cpu_s']:.3f} s)  "
          f"peak RSS {cpp_zip['peak_rss_mib']:.1f} MiB")
    print(f"zlib inflate alone:   {cpp_zip['zlib_inflate_s_median']:.3f} s  "
          f"{cpp_zip['zlib_inflate_mb_s']:.0f} MB/s  CPU {cpp_zip['zlib_inflate_cpu_s']:.3f} s")
    ratio_zip = cpp_zip["import_over_inflate"]
    print(f"zip import / zlib inflate: {ratio_zip:.2f} wall, "
          f"{cpp_zip['import_over_inflate_cpu']:.2f} CPU  (goal <= 1.5)")
    rss = max(cpp_xml["peak_rss_mib"], cpp_zip["peak_rss_mib"])
    print(f"peak RSS: {rss:.1f} MiB  (goal <= 64 MiB)")
    ok = ratio_zip <= 1.5 and rss <= 64
    if not args.skip_baseline:
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        py_s, py_sleep, py_doses, py_vitals = iterparse_collect(xml_path)
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        py_cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
        print(f"ElementTree.iterparse: {py_s:.2f} s  {size_mb / py_s:.0f} MB/s  CPU {py_cpu:.2f} s  "
              f"peak RSS {usage1.ru_maxrss / 1024:.0f} MiB  ({py_sleep} sleep records, {py_doses} doses, "
              f"{py_vitals} HRV/resting-HR readings)")
        if (py_sleep, py_doses, py_vitals) != (cpp_xml["records"], cpp_xml["doses"], cpp_xml["vitals"]):
            print("MISMATCH: the two readers kept different record counts", file=sys.stderr)
            return 1
        speedup = py_s / cpp_xml["import_s_median"]
        print(f"speed-up over iterparse: {speedup:.0f}x wall, {py_cpu / cpp_xml['import_cpu_s']:.0f}x CPU  "
              f"(goal >= 50x)")
        ok = ok and speedup >= 50
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          f"(wall-clock ratios need an otherwise idle machine)")
    return 0 if ok else 3


if __name__ == "__main__":
    sys.exit(main())
