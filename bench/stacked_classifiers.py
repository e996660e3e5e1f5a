"""How much a stacked-digits run's class KL depends on the classifier that reads it. evaluate reads
every run with the one digits classifier of `eval.classifier_seed` (default 0: trained on
`features.digits_split(0)`'s half, the same for every run, as PacGAN reads every run with one
pretrained classifier); here each run's evaluate samples (generators: the rows) are also read by the
classifiers other values of `eval.classifier_seed` would train (the columns) and by their ensemble
(`Ensemble`: mean probabilities), so the table shows the spread of the measuring instrument beside
that of the generators. Writes bench/stacked_classifiers.md (copied into BENCHMARKS.md).

    python -m bench.stacked_classifiers     # ROWS below, seeds 0-2, classifiers 0-4
    python -m bench.stacked_classifiers --rows=stacked_digits_default --seeds=0,1,2 --classifiers=0,1

--rows and --runs_dir are bench.quality's flags and --seeds bench.refine_scan's. The classifiers are
cached in RUNS_DIR/classifiers/.
"""

import json
import os
import sys

import numpy as np
from absl import app, flags

from bench import quality as bench_quality
from bench import quality_rows, stacked_classes
from bench.refine_scan import SEEDS

# TensorFlow (keras, gan_tf, pipeline's stages) is imported inside the functions that use it: a bad
# flag is answered at once, not after TensorFlow's seconds of start-up.

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "bench", "stacked_classifiers.md")
ROWS = ("stacked_digits_default", "stacked_digits_lr6e-4", "stacked_digits_lr5e-4", "stacked_digits_steps24k")
CLASSIFIERS = flags.DEFINE_list("classifiers", ["0", "1", "2", "3", "4"], "Classifier seeds (the columns).")
GOAL = 0.10  # issue #8: stacked digits' class KL


class Ensemble:
    """The classifiers' digit probabilities averaged per channel, then the likeliest digit: one reading
    less tied to any one classifier's split and initialisation."""

    name = "ensemble"

    def __init__(self, members):
        self.members = tuple(members)

    def __call__(self, images):
        from gan_tf.metrics import features

        probs = np.mean([member(images)["probs"] for member in self.members], axis=0)  # [n, channels, 10]
        return {"classes": features.class_codes(probs.argmax(-1))}


def cross_kls(run_dirs, configs, extractors):
    """[generator, classifier] class KL and its parts (channels' KLs, total correlation): run i's
    evaluate samples read by extractor j."""
    out = []
    for run_dir, config in zip(run_dirs, configs, strict=True):
        out.append(
            [stacked_classes.kl_parts(c) for c in stacked_classes.run_classes(run_dir, config, extractors)]
        )
    return np.asarray(out)


def table(name, seeds, classifiers, kls, evaluated):
    """Markdown lines; `evaluated`: the column evaluate reads with (eval.classifier_seed)."""
    head = [f"classifier {c}" + (" (evaluate's)" if c == evaluated else "") for c in classifiers]
    head.append(f"ensemble of {', '.join(map(str, classifiers))}")
    lines = [
        f"#### `{name}`: generator of seed (rows) read by classifier (columns), class KL "
        "(channels' KLs + total correlation); the mean over classifiers leaves the ensemble out",
        "",
        "| generator \\ classifier | " + " | ".join(head) + " | mean over classifiers |",
        "|---" * (len(classifiers) + 3) + "|",
    ]
    for seed, row in zip(seeds, kls, strict=True):
        cells = [f"{kl:.3f} ({ch:.3f} + {tc:.3f})" for kl, ch, tc in row]
        lines.append(f"| seed {seed} | " + " | ".join(cells) + f" | {row[:-1, 0].mean():.3f} |")
    lines.append("| mean over generators | " + " | ".join(f"{v:.3f}" for v in kls[:, :, 0].mean(0)) + " | |")
    met = [f"{int(np.sum(column <= GOAL))}/{len(seeds)}" for column in kls[:, :, 0].T]
    lines.append(f"| seeds with KL ≤ {GOAL:.2f} | " + " | ".join(met) + " | |")
    return lines


def main(argv):
    del argv
    rows = quality_rows.rows()
    names = bench_quality.ROWS_FLAG.value or list(ROWS)
    stacked = [n for n in rows if n.startswith("stacked_digits_")]
    wrong = [n for n in names if n not in stacked]
    if wrong:
        sys.exit(f"stacked_classifiers: not stacked_digits rows: {wrong}; valid: {', '.join(stacked)}")
    seeds = stacked_classes.int_list(SEEDS, "stacked_classifiers") if SEEDS.present else [0, 1, 2]
    classifiers = stacked_classes.int_list(CLASSIFIERS, "stacked_classifiers")
    if not seeds or len(set(classifiers)) < len(classifiers) or len(classifiers) < 2 or min(classifiers) < 0:
        sys.exit("stacked_classifiers: needs at least one seed and two distinct --classifiers, none negative")
    runs = {}  # every row's run dirs and configs, checked before any is read
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
        if configs[0].eval.classifier_seed not in classifiers:
            sys.exit(f"stacked_classifiers: --classifiers must include {name}'s eval.classifier_seed")
        runs[name] = run_dirs, configs
    cache = os.path.join(bench_quality.RUNS_DIR.value, "classifiers")
    lines = [
        "### Stacked digits: the same samples read by other classifiers "
        "(`python -m bench.stacked_classifiers`)",
        "",
        "Each run's evaluate samples (as in the table above), classified by the digits classifier each "
        "`eval.classifier_seed` trains (its own half of the 1797 digits, its own initialisation); evaluate "
        f"reads with the column marked. Rows: {', '.join(names)}; seeds {', '.join(map(str, seeds))}; "
        f"classifiers {', '.join(map(str, classifiers))}.",
        "",
    ]
    from pipeline import evaluators

    members = [evaluators.digits_classifier(cache, c, cache_dir=cache) for c in classifiers]
    extractors = [*members, Ensemble(members)]
    for name, (run_dirs, configs) in runs.items():
        evaluated = configs[0].eval.classifier_seed
        kls = cross_kls(run_dirs, configs, extractors)
        for i, (run_dir, config) in enumerate(zip(run_dirs, configs, strict=True)):  # evaluate's reading
            recorded = stacked_classes.recorded_kl(run_dir, config)
            here = kls[i, classifiers.index(evaluated), 0]
            if abs(recorded - here) > 1e-6:
                sys.exit(f"stacked_classifiers: {run_dir}: KL {here:.4f} here, {recorded:.4f} in evaluate")
        lines += [*table(name, seeds, classifiers, kls, evaluated), ""]
        print(f"stacked_classifiers: {name}: {kls[:, :, 0].round(3).tolist()}", flush=True)
    with open(OUTPUT + ".tmp", "w") as f:
        f.write("\n".join(lines))
    os.replace(OUTPUT + ".tmp", OUTPUT)
    print(json.dumps({"written": OUTPUT, "rows": names, "seeds": seeds, "classifiers": classifiers}))


if __name__ == "__main__":
    app.run(main)
