"""Evaluate: DIR/train + DIR/ingest -> DIR/evaluate/metrics.json, a BLESSED or NOT_BLESSED file and
pictures (samples.png, real_vs_generated.png, training_curves.png).

    python -m pipeline.evaluate --config=configs/grid25.py --workdir=runs/grid25

Each metric is written with its sample count and a real-vs-real reference (the same metric on real
data: for mixtures a real sample, for images two disjoint halves of the real set). With
export.refine = latent | drs the metrics score the refined sampler that export serves, and
`raw/<metric>` the generator alone, side by side. The model is blessed
when every threshold of config.eval.thresholds holds (<= for config.eval.lower_is_better, else >=).
"""

import os

import keras
import numpy as np

from pipeline import conditioning, evaluators, guided, ingest, samples
from pipeline.artifacts import GENERATOR, PipelineError, Stage, write_json

BLESSED, NOT_BLESSED = "BLESSED", "NOT_BLESSED"


def run(config, workdir, force=False):
    stage = Stage("evaluate", config, workdir)
    if not force and stage.cached():
        return stage.dir
    meta = ingest.dataset_info(stage.input_dir("ingest"))
    generator = keras.models.load_model(os.path.join(stage.input_dir("train"), GENERATOR), compile=False)
    sampler = guided.for_train_dir(config, generator, stage.input_dir("train"))
    refined = sampler is not None
    tmp = stage.temp_dir()
    raw = evaluators.Context(config, meta, stage.input_dir("ingest"), generator, tmp)
    context = evaluators.Context(config, meta, stage.input_dir("ingest"), generator, tmp, sampler)
    metrics = {}
    for evaluator in evaluators.for_data(config, meta, workdir):
        print(f"evaluate: {evaluator.name} on {config.eval.num_samples} samples")
        if refined:  # the raw generator beside what export serves (export.refine)
            metrics.update({f"raw/{k}": v for k, v in evaluator.run(raw).items()})
            print(f"evaluate: {evaluator.name} of the export.refine={config.export.refine} sampler")
        metrics.update(evaluator.run(context))
    blessed, checks = bless(metrics, config.eval.thresholds.to_dict(), config.eval.lower_is_better)
    report = {"metrics": metrics, "checks": checks, "blessed": blessed}
    write_json(os.path.join(tmp, "metrics.json"), report)
    with open(os.path.join(tmp, BLESSED if blessed else NOT_BLESSED), "w") as f:
        f.write("\n".join(checks) + "\n")
    _pictures(context, stage.input_dir("train"), tmp)
    for name, m in metrics.items():
        print(
            f"  {name:>16} = {_fmt(m['value'])}   "
            f"(real reference {_fmt(m.get('reference'))}, n={m['num_samples']})"
        )
    print(f"evaluate: {BLESSED if blessed else NOT_BLESSED}: " + "; ".join(checks))
    stage.publish(
        tmp,
        outputs={"metrics": "metrics.json", "blessing": BLESSED if blessed else NOT_BLESSED},
        blessed=blessed,
    )
    return stage.dir


def bless(metrics, thresholds, lower_is_better):
    """(all thresholds hold, one line per check); with no thresholds, blessed, and the line says so."""
    if not thresholds:
        return True, [f"no thresholds configured: blessed (measured: {', '.join(metrics) or 'nothing'})"]
    checks, ok = [], True
    for name, bound in sorted(thresholds.items()):
        if name not in metrics:
            raise PipelineError(
                f"eval.thresholds names {name!r}, which is not computed; computed: {', '.join(metrics)}"
            )
        value = metrics[name]["value"]
        family = name.removeprefix("raw/")  # raw/<metric>: the generator alone, same direction
        lower = family in lower_is_better or family.split("_")[0] in lower_is_better  # swd_16px: swd
        holds = value is not None and np.isfinite(value) and (value <= bound if lower else value >= bound)
        ok &= bool(holds)
        checks.append(
            f"{name} {_fmt(value)} {'<=' if lower else '>='} {bound}: {'pass' if holds else 'FAIL'}"
        )
    return ok, checks


def is_blessed(evaluate_dir):
    return os.path.exists(os.path.join(evaluate_dir, BLESSED))


def _pictures(context, train_dir, out_dir):
    """samples.png (2D: over the real data), real_vs_generated.png and training_curves.png (the
    TensorBoard scalars over steps)."""
    two_d = len(context.meta["shape"]) == 1
    n = 2500 if two_d else conditioning.picture_count(context.classes)  # conditional: a class per row
    fake, real = context.generate(n, rows=True), context.real(min(n, context.real_count))
    grid = samples.scatter_png(fake, context.meta, real=real) if two_d else samples.grid_png(fake)
    pictures = {
        "samples.png": grid,
        "real_vs_generated.png": samples.side_by_side_png(real, fake, context.meta),
    }
    series = samples.read_scalars(os.path.join(train_dir, "tensorboard"))
    if series:
        pictures["training_curves.png"] = samples.curves_png(series)
    for name, png in pictures.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(png)


def _fmt(value):
    return "n/a" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    from pipeline import cli

    cli.main_for("evaluate")
