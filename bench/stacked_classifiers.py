"""How much of a stacked-digits run's class KL is its evaluator's classifier: each seed's evaluate
samples read by the digits classifier of every seed. evaluate trains that classifier per seed (on
`features.digits_split(seed)`'s half), so a run's KL mixes its generator with its classifier's
reading of ambiguous fakes; here the generators are the rows and the classifiers the columns, the
diagonal being evaluate's own KL. Writes bench/stacked_classifiers.md (copied into BENCHMARKS.md).

    python -m bench.stacked_classifiers     # ROWS below, seeds 0-2
    python -m bench.stacked_classifiers --rows=stacked_digits_default --seeds=0,1,2

--rows and --runs_dir are bench.quality's flags and --seeds bench.refine_scan's.
"""

import json
import os
import sys

import numpy as np
from absl import app

from bench import quality as bench_quality
from bench import quality_rows, stacked_classes
from bench.refine_scan import SEEDS
from pipeline import evaluators

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "bench", "stacked_classifiers.md")
ROWS = ("stacked_digits_default", "stacked_digits_lr6e-4", "stacked_digits_lr5e-4", "stacked_digits_steps24k")


def cross_kls(run_dirs, configs, extractors):
    """[generator, classifier] class KL and its parts (channels' KLs, total correlation): run i's
    evaluate samples read by extractor j."""
    out = []
    for run_dir, config in zip(run_dirs, configs, strict=True):
        out.append(
            [stacked_classes.kl_parts(c) for c in stacked_classes.run_classes(run_dir, config, extractors)]
        )
    return np.asarray(out)


def table(name, seeds, kls):
    lines = [
        f"#### `{name}`: generator of seed (rows) read by the classifier of seed (columns), class KL "
        "(channels' KLs + total correlation)",
        "",
        "| generator \\ classifier | "
        + " | ".join(f"seed {s}" for s in seeds)
        + " | mean over classifiers |",
        "|---" * (len(seeds) + 2) + "|",
    ]
    for seed, row in zip(seeds, kls, strict=True):
        cells = [f"{kl:.3f} ({ch:.3f} + {tc:.3f})" for kl, ch, tc in row]
        lines.append(f"| seed {seed} | " + " | ".join(cells) + f" | {row[:, 0].mean():.3f} |")
    lines.append("| mean over generators | " + " | ".join(f"{v:.3f}" for v in kls[:, :, 0].mean(0)) + " | |")
    return lines


def main(argv):
    del argv
    rows = quality_rows.rows()
    names = bench_quality.ROWS_FLAG.value or list(ROWS)
    stacked = [n for n in rows if n.startswith("stacked_digits_")]
    wrong = [n for n in names if n not in stacked]
    if wrong:
        sys.exit(f"stacked_classifiers: not stacked_digits rows: {wrong}; valid: {', '.join(stacked)}")
    try:
        seeds = [int(s) for s in SEEDS.value] if SEEDS.present else [0, 1, 2]
    except ValueError:
        sys.exit(f"stacked_classifiers: --seeds must be integers, got {','.join(SEEDS.value)}")
    if len(seeds) < 2:
        sys.exit("stacked_classifiers: --seeds needs at least two seeds (one classifier each)")
    lines = [
        "### Stacked digits: the same samples read by each seed's classifier "
        "(`python -m bench.stacked_classifiers`)",
        "",
        "Each run's evaluate samples (as in the table above), classified by the digits classifier that "
        "evaluate trained for each seed; the diagonal is evaluate's KL. "
        f"Rows: {', '.join(names)}; seeds {', '.join(map(str, seeds))}.",
        "",
    ]
    for name in names:
        run_dirs = [os.path.join(bench_quality.RUNS_DIR.value, name, str(s)) for s in seeds]
        needed = [os.path.join("train", "generator.keras"), os.path.join("evaluate", "metrics.json")]
        missing = [
            os.path.join(d, n) for d in run_dirs for n in needed if not os.path.exists(os.path.join(d, n))
        ]
        if missing:
            sys.exit(f"stacked_classifiers: {name} has no trained and evaluated run: {missing[0]} is missing")
        configs = [
            bench_quality.resolve_config(rows[name][1], [*rows[name][2], f"--config.seed={s}"]) for s in seeds
        ]
        extractors = [
            evaluators.digits_classifier(d, c.seed, cache_dir=c.eval.classifier_dir)
            for d, c in zip(run_dirs, configs, strict=True)
        ]
        kls = cross_kls(run_dirs, configs, extractors)
        for i, (run_dir, config) in enumerate(zip(run_dirs, configs, strict=True)):  # evaluate's reading
            recorded = stacked_classes.recorded_kl(run_dir, config)
            if abs(recorded - kls[i, i, 0]) > 1e-6:
                sys.exit(
                    f"stacked_classifiers: {run_dir}: KL {kls[i, i, 0]:.4f} here, {recorded:.4f} in evaluate"
                )
        lines += [*table(name, seeds, kls), ""]
        print(f"stacked_classifiers: {name}: {kls[:, :, 0].round(3).tolist()}", flush=True)
    with open(OUTPUT + ".tmp", "w") as f:
        f.write("\n".join(lines))
    os.replace(OUTPUT + ".tmp", OUTPUT)
    print(json.dumps({"written": OUTPUT, "rows": names, "seeds": seeds}))


if __name__ == "__main__":
    app.run(main)
