"""Latent refinement's step count and size, scanned on already-trained 2D runs: for each (steps, eta)
the refined samples G(z_k) of `gan_tf.refine.latent_refine` are scored by the bench's protocol (2 500
z ~ N(0, I) from default_rng(10 000 + seed), REFERENCES.md's modes / high-quality % / reverse KL).
Training is untouched, so the scan isolates the refinement. Writes bench/refine_scan.md (copied into
BENCHMARKS.md).

    python -m bench.refine_scan   # make bench-refine: ROWS below, seeds 0-4
    python -m bench.refine_scan --rows=grid25_default --seeds=0,1 --settings=10x0.005,30x0.003  # 1 table

--rows and --runs_dir are bench.quality's flags (this module reads its runs).
"""

import json
import math
import os
import sys

import numpy as np
from absl import app, flags

from bench import quality as bench_quality

# TensorFlow (keras, gan_tf, pipeline's stages) is imported inside the functions that use it: a bad
# flag is answered at once, not after TensorFlow's seconds of start-up.

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "bench", "refine_scan.md")
# raw G(z), then steps x step size by the total step (steps * eta): the 16 settings the grid25 default's
# refinement was chosen from (on seeds 0-4) and the former default 20 x 0.01 and 50 x 0.01
SETTINGS = (
    (0, 0.0),
    *((5, 0.01), (10, 0.005), (20, 0.003), (30, 0.002), (15, 0.005), (20, 0.004), (40, 0.002), (30, 0.003)),
    *((10, 0.01), (20, 0.005), (50, 0.002), (50, 0.003), (40, 0.004), (20, 0.01), (100, 0.002), (75, 0.003)),
    *((100, 0.003), (50, 0.01)),
)
ROWS = (
    "grid25_default",
    "grid25_batch512",
    "grid25_leakyrelu_d",
    "ring8_default",
    "ring8_leakyrelu_d",
)  # the default --rows (bench.quality's --rows and --runs_dir)
SEEDS = flags.DEFINE_list("seeds", ["0", "1", "2", "3", "4"], "Seeds of each row that have trained runs.")
SETTINGS_FLAG = flags.DEFINE_list(
    "settings",
    [f"{steps}x{eta:g}" for steps, eta in SETTINGS[1:]],
    "Refinements to score, each steps x step size (e.g. 10x0.005); raw G(z) is always scored first.",
)


def parse_settings(values):
    """["10x0.005", ...] -> ((0, 0.0), (10, 0.005), ...): raw G(z) first; a bad entry is a ValueError."""
    settings = [(0, 0.0)]
    for value in values:
        steps, _, eta = value.partition("x")
        try:
            setting = (int(steps), float(eta))
        except ValueError:
            raise ValueError(f"--settings: {value!r} is not steps x step size, e.g. 10x0.005") from None
        if setting[0] < 1 or not 0 < setting[1] < math.inf:
            raise ValueError(f"--settings: {value!r} needs steps >= 1 and a finite step size > 0")
        settings.append(setting)
    return tuple(settings)


def refined_samples(run_dir, seed, settings=SETTINGS):
    """(dataset meta, {(steps, eta): G(refined z)}) of one trained run, z from the bench's protocol."""
    import keras

    from gan_tf import refine

    meta = json.load(open(os.path.join(run_dir, "ingest", "dataset.json")))
    train = os.path.join(run_dir, "train")
    if not meta.get("centers"):
        raise ValueError(f"{run_dir}: not a 2D mixture run (its data has no mode centres)")
    if not os.path.exists(os.path.join(train, "discriminator.keras")):
        raise ValueError(f"{run_dir}: its train stage has not finished (no discriminator.keras)")
    generator = keras.models.load_model(os.path.join(train, "generator.keras"), compile=False)
    discriminator = keras.models.load_model(os.path.join(train, "discriminator.keras"), compile=False)
    pack, rest = divmod(int(discriminator.input_shape[-1]), int(generator.output_shape[-1]))
    if rest:
        raise ValueError(f"{run_dir}: D's input is not a whole number of G's samples")
    latent = int(generator.input_shape[-1])
    z = bench_quality.noise(seed, latent)
    out = {}
    for steps, eta in settings:
        refined = refine.latent_refine(generator, discriminator, z, steps, eta, pack) if steps else z
        out[steps, eta] = generator(refined, training=False).numpy()
    return meta, out


def scan(run_dir, seed, settings=SETTINGS):
    """{(steps, eta): mode_coverage + spread} of one trained run's refined samples ((0, 0) = raw G(z));
    "real": the same scores of 2 500 draws from the mixture itself."""
    meta, samples = refined_samples(run_dir, seed, settings)
    centers, std = np.asarray(meta["centers"], np.float64), float(meta["mode_std"])
    out = {setting: quality(x, centers, std) for setting, x in samples.items()}
    rng = np.random.default_rng(seed)
    real = centers[rng.integers(len(centers), size=2500)] + std * rng.standard_normal((2500, 2))
    out["real"] = quality(real, centers, std)
    return out


def quality(samples, centers, std):
    from gan_tf import metrics

    return {**metrics.mode_coverage(samples, centers, std), "spread": spread(samples, centers, std)}


def spread(samples, centers, std):
    """Per-axis RMS distance of the high-quality samples (within 3 std) from their nearest centre, in
    units of std: how wide G's modes are. Refinement that only squeezed samples onto the centres
    would show here and not in HQ; Gaussian modes, truncated at 3 std, give sqrt(E[r^2 | r < 3] / 2) =
    0.974."""
    distances = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1).min(axis=1) / std
    good = distances[distances < 3.0]
    return float(np.sqrt(np.mean(good**2) / centers.shape[1])) if len(good) else float("nan")


COLUMNS = (
    ("modes", 1.0, "{:.1f}"),
    ("high_quality", 100.0, "{:.1f}"),
    ("reverse_kl", 1.0, "{:.3f}"),
    ("spread", 1.0, "{:.2f}"),
)


def _stat(runs, key, scale, fmt):
    values = [scale * run[key] for run in runs]
    return f"{fmt.format(np.mean(values))} ± {fmt.format(np.std(values))}"


def table(row, seeds, results):
    """Markdown: one line per setting, mean ± std over seeds of modes / HQ % / reverse KL / spread,
    and how many seeds reach the issue's HQ goal."""
    lines = [
        f"#### `{row}`, seeds {', '.join(map(str, seeds))}",
        "",
        "| steps × eta | modes | HQ % | reverse KL | mode spread / std | seeds with HQ ≥ goal |",
        "|---|---|---|---|---|---|",
    ]
    goal = 0.97 if row.startswith("grid25") else 0.98
    for setting in results[0]:
        runs = [r[setting] for r in results]
        name = {"real": "real data"}.get(setting) or (
            "raw G(z)" if setting[0] == 0 else f"{setting[0]} × {setting[1]:g}"
        )
        met = sum(x["high_quality"] >= goal for x in runs)
        cells = [name, *(_stat(runs, key, scale, fmt) for key, scale, fmt in COLUMNS)]
        lines.append("| " + " | ".join(cells) + f" | {met} of {len(runs)} (≥ {100 * goal:.0f} %) |")
    return lines + [""]


def merge(previous, sections):
    """{row: lines}: the rows of a previous report (its text) with `sections` replacing or adding
    theirs, in ROWS order, then any others; so --rows=<row> updates one row's table in place."""
    old, row = {}, None
    for line in previous.splitlines():
        if line.startswith("#### `"):
            row = line.split("`")[1]
            old[row] = []
        if row is not None:
            old[row].append(line)
    for lines in old.values():
        if lines[-1] != "":  # the file's last table lost its blank line to splitlines
            lines.append("")
    merged = {**old, **sections}
    return {r: merged[r] for r in sorted(merged, key=lambda r: (ROWS + (r,)).index(r))}


def shipped_settings():
    """The 2D configs' shipped refinement, read from them: "configs/grid25.py 10 × 0.005, ..."."""
    from configs import grid25, ring8

    out = []
    for name, module in (("grid25", grid25), ("ring8", ring8)):
        export = module.get_config().export
        out.append(f"configs/{name}.py {export.latent_steps} × {export.latent_step_size:g}")
    return ", ".join(out)


def main(argv):
    del argv
    seeds = [int(s) for s in SEEDS.value]
    try:
        settings = parse_settings(SETTINGS_FLAG.value)
    except ValueError as e:
        sys.exit(f"refine_scan: {e}")
    lines = [
        "### Latent refinement: steps × step size (`python -m bench.refine_scan`)",
        "",
        "The same trained runs, refined with each setting; z from the bench's protocol. Shipped "
        f"(`export.latent_steps` × `export.latent_step_size`): {shipped_settings()}.",
        "",
    ]
    runs_dir = bench_quality.RUNS_DIR.value
    sections = {}
    for row in bench_quality.ROWS_FLAG.value or ROWS:
        trained = [s for s in seeds if os.path.isdir(os.path.join(runs_dir, row, str(s), "train"))]
        if not trained:
            sys.exit(f"refine_scan: {row}: no trained run for seeds {seeds} under {runs_dir}")
        results = []
        for seed in trained:
            try:
                results.append(scan(os.path.join(runs_dir, row, str(seed)), seed, settings))
            except ValueError as e:
                sys.exit(f"refine_scan: {e}")
            print(f"refine_scan: {row} seed {seed} done", flush=True)
        sections[row] = table(row, trained, results)
    partial = bool(bench_quality.ROWS_FLAG.value)  # --rows: keep the other rows' tables
    previous = open(OUTPUT).read() if partial and os.path.exists(OUTPUT) else ""
    for section in merge(previous, sections).values():
        lines += section
    with open(OUTPUT, "w") as f:
        f.write("\n".join(lines))
    print(f"refine_scan: wrote {OUTPUT}")


if __name__ == "__main__":
    app.run(main)
