"""Export: a blessed generator -> DIR/export/<version>/ SavedModel (TF Serving layout).

    python -m pipeline.export --config=configs/grid25.py --workdir=runs/grid25 [--force]

Signatures, samples float32 [None, *data_shape] mapped from the training range back to the data's
source range:
- `serving_default`: `z` float32 [None, latent_dim] -> `samples`; with export.refine=latent the
  latent refinement runs inside it (a deterministic function of z). A conditional generator's
  signatures also take `label` int32 [None] (a label outside [0, classes) is an InvalidArgumentError
  that says so).
- `raw`: the same for the generator alone.
- `sample` (export.refine=drs): `num_samples` int32, `seed` int64 -> `samples` kept by discriminator
  rejection sampling (their number is chosen, their z are not).
The discriminator's weights are exported only when a refinement needs them. `assets.extra/gan_tf.json`
describes the data (shape, source range, mode centres) for `pipeline.sample`. An unblessed model is
refused unless --force. Versions count up (1, 2, ...); each is written to a temp dir, loaded back and
checked against the generator before it is published.
"""

import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from gan_tf import noise
from pipeline import evaluate, guided, ingest
from pipeline.artifacts import (
    GENERATOR,
    MANIFEST,
    PipelineError,
    Stage,
    check_files,
    inventory,
    read_manifest,
    replace_dir,
    write_json,
)

DESCRIPTION = os.path.join("assets.extra", "gan_tf.json")  # TF Serving's place for extra files


def run(config, workdir, force=False):
    stage = Stage("export", config, workdir)
    manifest = read_manifest(stage.dir) or {"versions": {}}
    if not force and manifest.get("fingerprint") == stage.fingerprint:
        latest = os.path.join(stage.dir, str(manifest["latest"]))
        problem = check_files(latest, manifest.get("files") or {"saved_model.pb": None})
        if not problem:
            print(
                f"export: up to date (version {manifest['latest']}, fingerprint {stage.fingerprint}), "
                "nothing to do"
            )
            return latest
        print(f"export: {problem}; exporting again")
    blessed = evaluate.is_blessed(stage.input_dir("evaluate"))
    if not blessed and not force:
        raise PipelineError(
            f"the evaluator did not bless this model (see {stage.input_dir('evaluate')}/NOT_BLESSED); "
            "export refused; pass --force to export it anyway"
        )
    meta = ingest.dataset_info(os.path.join(workdir, "ingest"))
    generator = keras.models.load_model(os.path.join(stage.input_dir("train"), GENERATOR), compile=False)
    sampler = guided.for_train_dir(config, generator, stage.input_dir("train"))
    os.makedirs(stage.dir, exist_ok=True)
    version = max((int(d) for d in os.listdir(stage.dir) if d.isdigit()), default=0) + 1
    tmp = tempfile.mkdtemp(prefix=".export.tmp-", dir=stage.dir)
    try:
        model = os.path.join(tmp, "model")
        write_saved_model(generator, meta, model, clip=config.export.clip, sampler=sampler)
        check_saved_model(generator, meta, model, config.seed, clip=config.export.clip, sampler=sampler)
        path = os.path.join(stage.dir, str(version))
        replace_dir(model, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    versions = {**manifest["versions"], str(version): {"fingerprint": stage.fingerprint, "blessed": blessed}}
    write_json(
        os.path.join(stage.dir, MANIFEST),
        stage.manifest(
            outputs={"saved_model": str(version)}, files=inventory(path), latest=version, versions=versions
        ),
    )
    print(
        f"export: wrote SavedModel version {version} to {path}" + ("" if blessed else " (unblessed, --force)")
    )
    return path


def to_source_range(meta, clip=True):
    """(low, src_low, src_high, scale, clip): served = (x - low) * scale + src_low, images trained in
    [-1, 1] and mixtures in their own coordinates (identity); with `clip`, images are clipped to
    the pixel range (a hard limit; a mixture's observed extremes are not)."""
    images = len(meta["shape"]) == 3
    low, high = (-1.0, 1.0) if images else meta["value_range"]
    src_low, src_high = meta["source_range"]
    scale = (src_high - src_low) / (high - low) if high > low else 1.0
    return low, src_low, src_high, scale, bool(clip and images)


def write_saved_model(generator, meta, path, clip=True, sampler=None):
    """SavedModel with the signatures of the module docstring; `sampler` a pipeline.guided.Sampler."""
    low, src_low, src_high, scale, clip = to_source_range(meta, clip)
    latent_dim = int(generator.inputs[0].shape[-1])
    classes = int(meta.get("num_classes") or 0) if len(generator.inputs) > 1 else 0

    def served(x):
        x = (x - low) * scale + src_low
        if clip:
            x = tf.clip_by_value(x, min(src_low, src_high), max(src_low, src_high))
        return {"samples": tf.cast(x, tf.float32)}

    z_spec = [tf.TensorSpec([None, latent_dim], tf.float32, name="z")]

    def checked(z):  # a z of the wrong width is one clear error, not a failed matmul deep inside
        return tf.ensure_shape(z, [None, latent_dim], name="z_must_be_batch_by_latent_dim")

    archive = keras.export.ExportArchive()
    archive.track(generator)
    mode = sampler.mode if sampler else "none"
    if classes:  # conditional: z and label in, no refinement (pipeline.conditioning refuses it)

        def conditional(z, label):
            in_range = (
                tf.debugging.assert_less(label, classes, message=f"label must be in [0, {classes})"),
                tf.debugging.assert_non_negative(label, message=f"label must be in [0, {classes})"),
            )
            with tf.control_dependencies(in_range):
                return served(generator([checked(z), tf.identity(label)], training=False))

        specs = [*z_spec, tf.TensorSpec([None], tf.int32, name="label")]
        for name in ("serving_default", "raw"):
            archive.add_endpoint(name, conditional, input_signature=specs)
        _finish(archive, path, meta, latent_dim, mode, classes)
        return
    archive.add_endpoint(
        "raw", lambda z: served(generator(checked(z), training=False)), input_signature=z_spec
    )
    if mode != "none":
        archive.track(sampler.discriminator)
    if mode == "latent":
        archive.add_endpoint(
            "serving_default",
            lambda z: served(generator(sampler.latent(checked(z)), training=False)),
            input_signature=z_spec,
        )
    else:
        archive.add_endpoint(
            "serving_default",
            lambda z: served(generator(checked(z), training=False)),
            input_signature=z_spec,
        )
    if mode == "drs":
        archive.add_endpoint(
            "sample",
            lambda num_samples, seed: served(sampler.drs(num_samples, seed)),
            input_signature=[
                tf.TensorSpec([], tf.int32, name="num_samples"),
                tf.TensorSpec([], tf.int64, name="seed"),
            ],
        )
    _finish(archive, path, meta, latent_dim, mode)


def _finish(archive, path, meta, latent_dim, mode, classes=0):
    """Write the SavedModel and its description of the data (assets.extra/gan_tf.json)."""
    archive.write_out(path, verbose=False)
    keep = ("shape", "source_range", "value_range", "centers", "mode_std", "source")
    description = {k: meta[k] for k in keep if k in meta}
    write_json(
        os.path.join(path, DESCRIPTION),
        {**description, "latent_dim": latent_dim, "refine": mode, "num_classes": classes},
    )


def check_saved_model(generator, meta, path, seed, clip=True, n=16, sampler=None):
    """Load the written SavedModel and compare what it serves with the generator (and the sampler),
    the mapping to the source range done here in numpy, on z from the "export_check" noise stream;
    PipelineError when they differ."""
    src_low, src_high = meta["source_range"]
    images = len(meta["shape"]) == 3

    def by_hand(x):  # written out again, not through to_source_range, so a wrong mapping shows
        x = np.asarray(x, np.float64)
        if not images:  # mixtures are trained and served in their own coordinates
            return x
        x = src_low + (x + 1.0) / 2.0 * (src_high - src_low)  # [-1, 1] -> [src_low, src_high]
        return np.clip(x, src_low, src_high) if clip else x

    # Graph and eager runs may round differently: allow 2 ulps of the compute dtype (mixed precision).
    computes = {layer.compute_dtype for layer in generator.layers}
    rtol = 2.0**-6 if "bfloat16" in computes else 2.0**-9 if "float16" in computes else 1e-4
    z = noise.normal_numpy([n, int(generator.inputs[0].shape[-1])], seed, "export_check")
    loaded = tf.saved_model.load(path)
    mode = sampler.mode if sampler else "none"
    if len(generator.inputs) > 1:  # conditional: every class in turn
        labels = (np.arange(n) % int(meta["num_classes"])).astype(np.int32)
        want = by_hand(generator([z, labels], training=False))
        for name in ("serving_default", "raw"):
            served = loaded.signatures[name](z=tf.constant(z), label=tf.constant(labels))["samples"]
            _compare(name, served, want, rtol)
        return
    default = generator(sampler.latent(z) if mode == "latent" else z, training=False)
    checks = [("raw", generator(z, training=False)), ("serving_default", default)]
    for name, want in checks:
        served = loaded.signatures[name](z=tf.constant(z))["samples"]
        _compare(name, served, by_hand(want), rtol)
    if mode == "drs":
        served = loaded.signatures["sample"](num_samples=tf.constant(n), seed=tf.constant(7, tf.int64))
        _compare("sample", served["samples"], by_hand(sampler.drs(n, 7)), rtol)


def _compare(name, served, want, rtol):
    error = np.max(np.abs(np.asarray(served, np.float64) - want)) / max(np.max(np.abs(want)), 1e-6)
    if not error <= rtol:
        raise PipelineError(f"export check failed: {name} serves values {error:.3g} (relative) off")


if __name__ == "__main__":
    from pipeline import cli

    cli.main_for("export")
