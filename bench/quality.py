"""Sample-quality benchmark: the shipped configs, every loss variant and each quality option, over
seeds, scored through the exported model (make bench-quality; writes BENCHMARKS.md).

    python -m bench.quality                    # the whole sweep (hours on 2 cores; resumable)
    python -m bench.quality --quick            # one seed of the shipped 2D defaults (minutes)
    python -m bench.quality --rows=grid25_default,ring8_default --report_only
    python -m bench.quality --rows=grid25_default --max_seeds=3   # part of a row now, the rest later
    python -m bench.quality --rows=digits_steps4500 --run_seeds=8  # one planned seed now, out of order

The rows (name -> group, config, overrides, seeds) are in bench/quality_rows.py. Every run is one
process (`python -m pipeline.run` on the row's config + overrides + --config.seed),
then the export is scored as a user would use it: 2D mixtures by sampling `serving_default` with
z ~ N(0, I) (2 500 samples, REFERENCES.md protocol, `gan_tf.metrics.mode_coverage`), or an export
with rejection sampling (export.refine=drs) by its `sample` signature (2 500 kept, at the seed `noise`
draws z from); images from the evaluate stage's metrics.json (digits classifier). A finished run is
recorded in bench/quality_results.jsonl (committed, with BENCHMARKS.md) and skipped next time, so the
sweep can run across sittings. A row that changes only what follows training (export.*, eval.*) starts from
another row's trained stages (`quality_rows.TRAINED_BY`); the pipeline keeps a stage whose config
and inputs are unchanged, and the record then adds the train stage's own seconds to its wall time
(`train_seconds_reused`).
"""

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from absl import app, flags

from bench import quality_rows

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS_DIR = flags.DEFINE_string("runs_dir", os.path.join(ROOT, "runs", "bench"), "Where the runs train.")
RESULTS = flags.DEFINE_string(
    "results",
    os.path.join(ROOT, "bench", "quality_results.jsonl"),
    "One JSON line per finished run (committed).",
)
QUICK = flags.DEFINE_bool("quick", False, "One seed of the shipped 2D defaults only.")
MAX_SEEDS = flags.DEFINE_integer("max_seeds", 0, "Run at most this many seeds per row now (0 = the row's).")
ROWS_FLAG = flags.DEFINE_list("rows", [], "Only these rows (default: all, or the quick ones).")
RUN_SEEDS = flags.DEFINE_list("run_seeds", [], "Only these of each row's planned seeds now (default: all).")
REPORT_ONLY = flags.DEFINE_bool("report_only", False, "Write BENCHMARKS.md from the results so far.")
OUTPUT = flags.DEFINE_string("output", os.path.join(ROOT, "BENCHMARKS.md"), "The report.")


def run_python(*args):
    """`python *args` in the repository (it first on PYTHONPATH), output captured."""
    path = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": path}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)


def last_error_line(out):
    return (out.stderr.strip().splitlines() or ["?"])[-1]


def run_one(name, row, seed, workdir):
    """Train, evaluate, export (forced: scoring does not depend on the blessing) and score one run."""
    _, config, overrides, _ = row
    flags_ = [f"--config={config}", f"--workdir={workdir}", f"--config.seed={seed}", *overrides]
    before = _train_timing(workdir)
    start = time.time()
    out = run_python("-m", "pipeline.run", "--stages=ingest,train,evaluate", *flags_)
    if out.returncode:
        return {"error": last_error_line(out)}
    seconds = time.time() - start
    export = run_python("-m", "pipeline.export", "--force", *flags_)
    if export.returncode:
        return {"error": last_error_line(export)}
    scores = score(workdir, seed)
    record = {"scores": scores, "pipeline_seconds": round(seconds, 1)}
    if before and before == _train_timing(workdir):  # the pipeline found this training up to date
        record["train_seconds_reused"] = before["seconds"]
    return record


def _train_timing(workdir):
    """The train stage's recorded {seconds, started}, or None before it has run."""
    path = os.path.join(workdir, "train", "manifest.json")
    return json.load(open(path)).get("timings") if os.path.exists(path) else None


SAMPLES = 2500  # per 2D run (REFERENCES.md protocol)


def protocol_seed(seed):
    """The seed of the samples a 2D run of seed `seed` is scored on: apart from the seeds it trained on."""
    return 10_000 + seed


def noise(seed, latent_dim):
    """The 2 500 z ~ N(0, I) every 2D run of seed `seed` is scored on (REFERENCES.md protocol)."""
    return (
        np.random.default_rng(protocol_seed(seed)).standard_normal((SAMPLES, latent_dim)).astype(np.float32)
    )


def score(workdir, seed):
    """2D: the latest export's serving_default on 2 500 z ~ N(0, I), or its `sample` signature's 2 500
    samples when it has one (DRS: serving_default is the generator alone); images: metrics.json."""
    meta = json.load(open(os.path.join(workdir, "ingest", "dataset.json")))
    if meta.get("centers"):
        import tensorflow as tf

        from gan_tf import metrics

        manifest = json.load(open(os.path.join(workdir, "export", "manifest.json")))
        serve = tf.saved_model.load(os.path.join(workdir, "export", str(manifest["latest"])))
        if "sample" in serve.signatures:
            sample = serve.signatures["sample"]
            samples = sample(
                num_samples=tf.constant(SAMPLES), seed=tf.constant(protocol_seed(seed), tf.int64)
            )
        else:
            latent = serve.signatures["serving_default"].structured_input_signature[1]["z"].shape[-1]
            samples = serve.signatures["serving_default"](z=tf.constant(noise(seed, latent)))
        samples = samples["samples"].numpy()
        return metrics.mode_coverage(samples, np.asarray(meta["centers"]), meta["mode_std"])
    report = json.load(open(os.path.join(workdir, "evaluate", "metrics.json")))["metrics"]
    keep = ("modes", "class_kl", "fid", "inception_score", "conditional_accuracy", "intra_fid")
    keep += ("class_kl_channels", "class_total_correlation")  # stacked digits: class KL's two parts
    out = {k: report[k]["value"] for k in keep if k in report}
    out.update({f"{k}_reference": report[k]["reference"] for k in keep if k in report})
    if "class_kl" in report:  # stacked digits count the reference at the generator's sample count
        out["class_kl_samples"] = report["class_kl"]["num_samples"]
        out["class_kl_reference_samples"] = report["class_kl"]["reference_num_samples"]
    return out


def resolve_config(config, overrides):
    """The ConfigDict of a config file with --config.x.y=v overrides, resolved as the pipeline's flags
    resolve them."""
    from ml_collections import config_flags

    argv = ["bench", f"--config={os.path.join(ROOT, config)}", *overrides]
    values = flags.FlagValues()
    config_flags.DEFINE_config_file("config", flag_values=values, sys_argv=argv)  # reads overrides here
    values(argv)
    return values.config


def config_values(config, overrides):
    """{dotted field: value} of `resolve_config`. Stored in each record, so a later change to a config
    file or a default that would make a row run something else than its records is caught
    (tests/test_bench_quality.py)."""
    return json.loads(
        json.dumps(_flatten(resolve_config(config, overrides).to_dict()))
    )  # as records hold them


def _flatten(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


# fields that change when and what a run logs or where it caches, not what it trains
NOT_RESULTS = (
    "train.log_every",
    "train.checkpoint_every",
    "train.sample_every",
    "train.cache_bytes",
    "eval.classifier_dir",
)


def stale_records(records, rows):
    """(row, seed) of the records whose row now runs something else: other overrides, or (for records
    that hold their config_values) a config field the row now resolves to another value."""
    stale = []
    for r in records:
        _, config, overrides, _ = rows[r["row"]]
        changed = r["overrides"] != overrides
        if not changed and "config_values" in r:
            now = config_values(config, [*overrides, f"--config.seed={r['seed']}"])
            changed = any(
                key in now and key not in NOT_RESULTS and (type(now[key]), now[key]) != (type(value), value)
                for key, value in r["config_values"].items()
            )
        if changed:
            stale.append((r["row"], r["seed"]))
    return stale


def record(name, row, seed, result, seconds, values):
    """One line of the results file; `values`: the config_values the run started with."""
    group, config, overrides, _ = row
    return {
        "row": name,
        "seed": seed,
        "group": group,
        "config": config,
        "overrides": overrides,
        "config_values": values,
        "wall_seconds": round(seconds, 1),
        **result,
    }


def share_training(source, run_dir):
    """Copy another row's ingest and train stages into a new run_dir. The pipeline keeps them only
    when their fingerprints match this row's config (e.g. only export.* differs), else it retrains."""
    if os.path.exists(run_dir) or not os.path.isdir(os.path.join(source, "train")):
        return
    for stage in ("ingest", "train"):
        shutil.copytree(os.path.join(source, stage), os.path.join(run_dir, stage), symlinks=True)


def load_results(path):
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.strip()]


def sweep(names, rows, workdir, path, seeds_cap=None, only_seeds=None):
    done = {(r["row"], r["seed"]) for r in load_results(path)}
    for name in names:
        seeds = rows[name][3]
        for seed in range(min(seeds, seeds_cap or seeds)):
            if (name, seed) in done or (only_seeds is not None and seed not in only_seeds):
                continue
            print(f"bench: {name} seed {seed} ...", flush=True)
            run_dir = os.path.join(workdir, name, str(seed))
            if name in quality_rows.TRAINED_BY:
                source = quality_rows.TRAINED_BY[name]
                share_training(os.path.join(workdir, source, str(seed)), run_dir)
            _, config, overrides, _ = rows[name]
            values = config_values(config, [*overrides, f"--config.seed={seed}"])
            start = time.time()
            result = run_one(name, rows[name], seed, run_dir)
            with open(path, "a") as f:
                f.write(
                    json.dumps(record(name, rows[name], seed, result, time.time() - start, values)) + "\n"
                )
            print(f"bench: {name} seed {seed}: {result}", flush=True)


def planned_seeds(values, names, rows):
    """--run_seeds as a set of ints, each planned by some named row (a row runs those it plans; exits in
    one line otherwise)."""
    try:
        seeds = {int(v) for v in values}
    except ValueError:
        sys.exit(f"bench: --run_seeds must be integers, got {','.join(values)}")
    most = max(rows[n][3] for n in names)
    if not all(0 <= seed < most for seed in seeds):
        sys.exit(f"bench: --run_seeds must lie in 0..{most - 1}, the seeds the named rows plan")
    return seeds


def main(argv):
    rows = quality_rows.rows()
    names = ROWS_FLAG.value or (list(quality_rows.QUICK_ROWS) if QUICK.value else list(rows))
    unknown = [n for n in names if n not in rows]
    if unknown:
        sys.exit(f"bench: unknown rows {unknown}; valid: {', '.join(rows)}")
    only_seeds = planned_seeds(RUN_SEEDS.value, names, rows) if RUN_SEEDS.value else None
    os.makedirs(RUNS_DIR.value, exist_ok=True)
    if not REPORT_ONLY.value:
        cap = 1 if QUICK.value else MAX_SEEDS.value or None
        sweep(names, rows, RUNS_DIR.value, RESULTS.value, seeds_cap=cap, only_seeds=only_seeds)
    from bench import quality_report

    results = load_results(RESULTS.value)
    quality_report.write(results, rows, OUTPUT.value)
    print(f"bench: wrote {OUTPUT.value} from {len(results)} runs")


if __name__ == "__main__":
    app.run(main)
