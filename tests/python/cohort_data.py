"""Synthetic NSRR-style cohorts for the cohort tests and bench/bench_cohort.py: one
`<PSGAnnotation>` XML per participant (the format NSRR distributes and Luna reads), with a
random hypnogram from a seeded stage Markov chain."""
import pathlib

import numpy as np

# NSRR stage concepts by YASA code (0 W, 1 N1, 2 N2, 3 N3, 4 REM).
CONCEPTS = {0: "Wake|0", 1: "Stage 1 sleep|1", 2: "Stage 2 sleep|2", 3: "Stage 3 sleep|3", 4: "REM sleep|5"}
# Row: from-stage, columns: to-stage probabilities per 30-s epoch.
_P = np.array([
    [0.80, 0.15, 0.05, 0.00, 0.00],
    [0.10, 0.60, 0.28, 0.00, 0.02],
    [0.03, 0.02, 0.85, 0.07, 0.03],
    [0.02, 0.00, 0.10, 0.88, 0.00],
    [0.04, 0.02, 0.04, 0.00, 0.90],
])


def random_hypnogram(rng, epochs):
    stages = np.empty(epochs, dtype=np.int8)
    s = 0
    for i in range(epochs):
        stages[i] = s
        s = rng.choice(5, p=_P[s])
    return stages


def nsrr_xml(stages, epoch=30, clock="22.30.00"):
    """The XML text: a Recording Start Time event, then one event per run of equal stages."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>', "<PSGAnnotation>",
           "<SoftwareVersion>Compumedics</SoftwareVersion>", f"<EpochLength>{epoch}</EpochLength>", "<ScoredEvents>",
           "<ScoredEvent>", "<EventType/>", "<EventConcept>Recording Start Time</EventConcept>", "<Start>0</Start>",
           f"<Duration>{len(stages) * epoch:.1f}</Duration>", f"<ClockTime>00.00.00 {clock}</ClockTime>",
           "</ScoredEvent>"]
    i = 0
    while i < len(stages):
        j = i
        while j < len(stages) and stages[j] == stages[i]:
            j += 1
        out += ["<ScoredEvent>", "<EventType>Stages|Stages</EventType>",
                f"<EventConcept>{CONCEPTS[int(stages[i])]}</EventConcept>", f"<Start>{i * epoch:.1f}</Start>",
                f"<Duration>{(j - i) * epoch:.1f}</Duration>", "</ScoredEvent>"]
        i = j
    out += ["</ScoredEvents>", "</PSGAnnotation>", ""]
    return "\n".join(out)


def make_cohort(root, participants, seed=1, hours=(6.0, 9.0)):
    """Writes `participants` files root/nsrr-NNNN.xml; returns their paths."""
    root = pathlib.Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for k in range(participants):
        epochs = int(rng.uniform(*hours) * 120)
        path = root / f"nsrr-{k:04d}.xml"
        path.write_text(nsrr_xml(random_hypnogram(rng, epochs)))
        paths.append(path)
    return paths
