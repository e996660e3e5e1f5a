"""`make run`'s wall time: the command it runs (pipeline.run on configs/grid25.py, all four stages) in a
fresh workdir, timed end to end, with each stage's seconds from its manifest. Issue 8's goal is 5 min
on 2 cores. With --recipes, the recipes are run interleaved (a b, a b, ...) and compared by the ratio
of their median times, so machine noise mostly cancels. Writes bench/run_time.md (copied into
BENCHMARKS.md); run it with nothing else on the cores (the load average before is reported).

    python -m bench.run_time [--timed_rounds=1] [--recipes=make_run,grid25_batch512]    (make bench-run-time)
"""

import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np
from absl import app, flags

from bench import quality, quality_rows

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "bench", "run_time.md")
STAGES = ("ingest", "train", "evaluate", "export")
CONFIG = "configs/grid25.py"
# name -> (what it is, overrides of configs/grid25.py)
VARIANTS = {
    "make_run": ("`make run` as shipped", []),
    "grid25_batch512": (
        "bench row grid25_batch512, the former default: batch 512, a 200 x 5 maxout D, refined 30 x 0.003",
        quality_rows.BATCH512,
    ),
}
ROUNDS = flags.DEFINE_integer("timed_rounds", 1, "Interleaved rounds (each recipe once per round).")
VARIANTS_FLAG = flags.DEFINE_list("recipes", ["make_run"], f"Which of: {', '.join(VARIANTS)}.")


def time_once(overrides, workdir):
    """{"wall": seconds of the whole command, stage: seconds from its manifest}."""
    start = time.time()
    out = quality.run_python("-m", "pipeline.run", f"--config={CONFIG}", f"--workdir={workdir}", *overrides)
    wall = time.time() - start
    if out.returncode:  # e.g. export refused a model evaluate did not bless: the run is not timed
        return {"error": quality.last_error_line(out)}
    timing = {"wall": wall}
    for stage in STAGES:
        manifest = json.load(open(os.path.join(workdir, stage, "manifest.json")))
        timing[stage] = manifest["timings"]["seconds"]
    return timing


def summarize(timings):
    """{variant: [timing per round]} -> markdown rows: the median of each column over the rounds (the
    whole command's also with its range), and each variant's median wall time over the first's."""
    names = list(timings)
    base = np.median([t["wall"] for t in timings[names[0]] if "error" not in t] or [np.nan])
    stages = " | ".join(f"{s} s" for s in STAGES)
    lines = [
        f"| recipe | rounds | whole command s | {stages} | wall / {names[0]} |",
        "|---|---|---|" + "---|" * len(STAGES) + "---|",
    ]
    for name in names:
        runs = [t for t in timings[name] if "error" not in t]
        if not runs:
            error = timings[name][-1]["error"].replace("|", "\\|")
            lines.append(f"| {name} | 0 (failed: {error}) |" + " |" * (len(STAGES) + 2))
            continue
        columns = [np.median([t[key] for t in runs]) for key in ("wall", *STAGES)]
        cells = [f"{c:.0f}" for c in columns]
        walls = [t["wall"] for t in runs]
        if len(runs) > 1:  # the rounds' spread: this machine's noise
            cells[0] += f" ({min(walls):.0f}–{max(walls):.0f})"
        lines.append(f"| {name} | {len(runs)} | {' | '.join(cells)} | {columns[0] / base:.2f} |")
    return lines


def _flags(overrides):
    return " ".join(f"`{o}`" for o in overrides)


def main(argv):
    unknown = [v for v in VARIANTS_FLAG.value if v not in VARIANTS]
    if unknown:
        sys.exit(f"run_time: unknown recipes {unknown}; valid: {', '.join(VARIANTS)}")
    load = os.getloadavg()[0]
    timings = {name: [] for name in VARIANTS_FLAG.value}
    for round_ in range(ROUNDS.value):
        for name in timings:
            workdir = tempfile.mkdtemp(prefix="gan_tf_run_time_")
            try:
                timings[name].append(time_once(VARIANTS[name][1], workdir))
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            result = timings[name][-1]
            took = result["error"] if "error" in result else f"{result['wall']:.0f} s"
            print(f"run_time: round {round_ + 1} {name}: {took}", flush=True)
    lines = [
        "### `make run`'s wall time (`python -m bench.run_time`)",
        "",
        f"`python -m pipeline.run --config={CONFIG}` in a fresh workdir, all four stages, timed end to end "
        f"(stage seconds from the manifests; each column the median over rounds, the whole command's range "
        f"in brackets); "
        f"{len(os.sched_getaffinity(0))} cores, load average {load:.2f} before "
        "the run. Issue 8's goal: 5 min (300 s).",
        "",
        *summarize(timings),
        "",
        *[f"- {name}: {VARIANTS[name][0]} {_flags(VARIANTS[name][1])}".rstrip() for name in timings],
        "",
    ]
    with open(OUTPUT, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    print(f"run_time: wrote {OUTPUT}")


if __name__ == "__main__":
    app.run(main)
