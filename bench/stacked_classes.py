"""Which digits a stacked-digits generator makes too often or too rarely: per-digit shares of each
trained bench run's samples, the class KL's two parts beside them. Reads bench.quality's runs of the
stacked_digits_* rows (trained ones only); writes bench/stacked_classes.md (copied into BENCHMARKS.md).

The samples are evaluate's: the run's trained (EMA, when on) generator on evaluate's noise stream,
classified channel by channel by the digits classifier evaluate read it with (eval.classifier_seed),
so a row's KL here is its evaluate KL. Rows that only refine at export (latent, drs) share their
trained row's generator and are left out; asked for by --rows, they are listed with their raw G(z).

    python -m bench.stacked_classes                  # every stacked row's trained runs of seeds 0-4
    python -m bench.stacked_classes --rows=stacked_digits_default --seeds=0,1,2

--rows and --runs_dir are bench.quality's flags and --seeds bench.refine_scan's (absl flags share one
namespace); their other flags have no effect here.
"""

import json
import os
import sys

import numpy as np
from absl import app

from bench import quality as bench_quality
from bench import quality_rows
from bench.refine_scan import SEEDS  # --seeds (0-4), shared: absl flags live in one namespace

# TensorFlow (keras, gan_tf, pipeline's stages) is imported inside the functions that use it: a bad
# flag is answered at once, not after TensorFlow's seconds of start-up.

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "bench", "stacked_classes.md")
CHANNELS = 3


def digit_shares(classes, channels=CHANNELS):
    """[channels, 10]: the share of each digit in each channel of base-10 class codes."""
    from gan_tf import metrics

    digits = metrics.channel_digits(classes, channels)
    return np.stack([np.bincount(digits[:, c], minlength=10) / len(digits) for c in range(channels)])


def run_classes(run_dir, config, extractors=None):
    """evaluate's generated classes of one run (`config` its resolved ConfigDict): evaluate's own
    sampler (`evaluators.Context`: the trained generator on the "evaluate" noise stream, G(z) alone)
    classified by the digits classifier evaluate used (that of eval.classifier_seed, cached in
    eval.classifier_dir or the run).
    Given a list of `extractors`, the same samples read by each: a list of class arrays."""
    import keras

    from pipeline import evaluators, ingest

    generator = keras.models.load_model(os.path.join(run_dir, "train", "generator.keras"))
    ingest_dir = os.path.join(run_dir, "ingest")
    ctx = evaluators.Context(config, ingest.dataset_info(ingest_dir), ingest_dir, generator, None)
    own = extractors is None
    if own:
        seed, cache = config.eval.classifier_seed, config.eval.classifier_dir
        extractors = [evaluators.digits_classifier(run_dir, seed, cache_dir=cache)]
    batches = list(ctx.generate_batches(config.eval.num_samples))
    classes = [np.concatenate([extractor(batch)["classes"] for batch in batches]) for extractor in extractors]
    return classes[0] if own else classes


def int_list(flag, tool):
    """A list flag's values as integers, or exit with one line naming the flag."""
    try:
        return [int(s) for s in flag.value]
    except ValueError:
        sys.exit(f"{tool}: --{flag.name} must be integers, got {','.join(flag.value)}")


def kl_parts(classes):
    """(class KL, the channels' digit KLs summed, their total correlation) of base-10 class codes."""
    from gan_tf import metrics

    channel_kls, total_correlation = metrics.class_kl_parts(classes, CHANNELS)
    return metrics.class_coverage(classes, 10**CHANNELS)[1], sum(channel_kls), total_correlation


def recorded_kl(run_dir, config):
    """The class KL of G(z) alone in the run's evaluate/metrics.json (raw/ when export refines), or
    None when the run was not evaluated."""
    report = os.path.join(run_dir, "evaluate", "metrics.json")
    if not os.path.exists(report):
        return None
    key = "raw/class_kl" if config.export.refine != "none" else "class_kl"
    return json.load(open(report))["metrics"][key]["value"]


def real_shares(run_dir):
    """[channels, 10] digit shares of the run's ingested triples (its true digit labels)."""
    from gan_tf import data
    from pipeline import ingest

    ids = ingest.digit_ids(os.path.join(run_dir, "ingest"))
    labels = np.asarray(data.load_digits()[1])
    return np.stack([np.bincount(labels[ids[:, c]], minlength=10) / len(ids) for c in range(ids.shape[1])])


def table(results):
    lines = [
        "| row | seed | digit share %, mean of the 3 channels: 0 1 2 3 4 5 6 7 8 9 "
        "| rarest (channel: digit %) | channels' KL | total correlation | class KL |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        shares = np.asarray(r["shares"])
        mean = " ".join(f"{100 * s:.1f}" for s in shares.mean(0))
        rarest = ", ".join(f"{c}: {int(s.argmin())} {100 * s.min():.1f}" for c, s in enumerate(shares))
        lines.append(
            f"| {r['row']} | {r['seed']} | {mean} | {rarest} | {r['channel_kl']:.3f} "
            f"| {r['total_correlation']:.3f} | {r['class_kl']:.3f} |"
        )
    return "\n".join(lines)


def main(argv):
    del argv
    rows = quality_rows.rows()
    stacked = [n for n in rows if n.startswith("stacked_digits_")]
    names = bench_quality.ROWS_FLAG.value or stacked
    wrong = [n for n in names if n not in stacked]
    if wrong:
        sys.exit(f"stacked_classes: not stacked_digits rows: {wrong}; valid: {', '.join(stacked)}")
    seeds = int_list(SEEDS, "stacked_classes")
    if not bench_quality.ROWS_FLAG.value:  # rows that change only the export share their row's generator
        names = [n for n in names if quality_rows.TRAINED_BY.get(n) not in names]
    results, real = [], None
    for name in names:
        for seed in seeds:
            run_dir = os.path.join(bench_quality.RUNS_DIR.value, name, str(seed))
            if not os.path.exists(os.path.join(run_dir, "train", "generator.keras")):
                continue
            config = bench_quality.resolve_config(rows[name][1], [*rows[name][2], f"--config.seed={seed}"])
            classes = run_classes(run_dir, config)
            kl, channel_kl, total_correlation = kl_parts(classes)
            refined = config.export.refine != "none"
            recorded = recorded_kl(run_dir, config)  # evaluate's samples again: its KL
            if recorded is not None and abs(recorded - kl) > 1e-6:
                sys.exit(f"stacked_classes: {run_dir}: KL {kl:.4f} here, {recorded:.4f} in its evaluate")
            results.append(
                {
                    "row": name + (" (raw G)" if refined else ""),
                    "seed": seed,
                    "shares": digit_shares(classes).tolist(),
                    "channel_kl": channel_kl,
                    "total_correlation": total_correlation,
                    "class_kl": kl,
                }
            )
            real = real if real is not None else real_shares(run_dir)
            print(f"stacked_classes: {name} seed {seed}: channels' KL {channel_kl:.3f}", flush=True)
    if not results:
        sys.exit("stacked_classes: no trained stacked_digits runs under the runs dir")
    real_line = " ".join(f"{100 * s:.1f}" for s in real.mean(0))
    text = (
        "### Stacked digits: digit shares of the generated samples (`python -m bench.stacked_classes`)\n\n"
        "Each run's evaluate samples (its trained generator on `eval.num_samples` z), digits read by the "
        "classifier evaluate read it with (`eval.classifier_seed`). "
        f"The first run's ingested triples, their true digits: {real_line} %.\n\n" + table(results) + "\n"
    )
    with open(OUTPUT + ".tmp", "w") as f:
        f.write(text)
    os.replace(OUTPUT + ".tmp", OUTPUT)
    print(json.dumps({"written": OUTPUT, "runs": len(results)}))


if __name__ == "__main__":
    app.run(main)
