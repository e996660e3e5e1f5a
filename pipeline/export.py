"""Export: a blessed generator -> DIR/export/<version>/ SavedModel (TF Serving layout).

    python -m pipeline.export --config=configs/grid25.py --workdir=runs/grid25 [--force]

Signature `serving_default`: input `z` float32 [None, latent_dim] -> output `samples` float32
[None, *data_shape], mapped from the training range back to the data's source range. An unblessed
model is refused unless --force. Versions count up (1, 2, ...); each is written to a temp dir first.
"""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from gan_tf import noise
from pipeline import evaluate, ingest
from pipeline.artifacts import (
    GENERATOR,
    MANIFEST,
    PipelineError,
    Stage,
    read_manifest,
    replace_dir,
    write_json,
)


def run(config, workdir, force=False):
    stage = Stage("export", config, workdir)
    manifest = read_manifest(stage.dir) or {"versions": {}}
    if not force and manifest.get("fingerprint") == stage.fingerprint:
        print(
            f"export: up to date (version {manifest['latest']}, fingerprint {stage.fingerprint}), "
            "nothing to do"
        )
        return os.path.join(stage.dir, str(manifest["latest"]))
    blessed = evaluate.is_blessed(stage.input_dir("evaluate"))
    if not blessed and not force:
        raise PipelineError(
            f"the evaluator did not bless this model (see {stage.input_dir('evaluate')}/NOT_BLESSED); "
            "export refused; pass --force to export it anyway"
        )
    meta = ingest.dataset_info(os.path.join(workdir, "ingest"))
    generator = keras.models.load_model(os.path.join(stage.input_dir("train"), GENERATOR), compile=False)
    os.makedirs(stage.dir, exist_ok=True)
    version = max((int(d) for d in os.listdir(stage.dir) if d.isdigit()), default=0) + 1
    tmp = tempfile.mkdtemp(prefix=".export.tmp-", dir=stage.dir)
    write_saved_model(generator, meta, os.path.join(tmp, "model"), clip=config.export.clip)
    check_saved_model(generator, meta, os.path.join(tmp, "model"), config.seed, clip=config.export.clip)
    path = os.path.join(stage.dir, str(version))
    replace_dir(os.path.join(tmp, "model"), path)
    os.rmdir(tmp)
    versions = {**manifest["versions"], str(version): {"fingerprint": stage.fingerprint, "blessed": blessed}}
    write_json(
        os.path.join(stage.dir, MANIFEST),
        stage.manifest(outputs={"saved_model": str(version)}, latest=version, versions=versions),
    )
    print(
        f"export: wrote SavedModel version {version} to {path}" + ("" if blessed else " (unblessed, --force)")
    )
    return path


def to_source_range(meta, clip=True):
    """(low, high, src_low, scale, clip): served = (x - low) * scale + src_low, images trained in
    [-1, 1] and mixtures in their own coordinates (identity); with `clip`, images are clipped to
    the pixel range (a hard limit; a mixture's observed extremes are not)."""
    images = len(meta["shape"]) == 3
    low, high = (-1.0, 1.0) if images else meta["value_range"]
    src_low, src_high = meta["source_range"]
    scale = (src_high - src_low) / (high - low) if high > low else 1.0
    return low, src_low, src_high, scale, bool(clip and images)


def write_saved_model(generator, meta, path, clip=True):
    """SavedModel with serving_default: z [None, latent] -> samples in meta['source_range']."""
    low, src_low, src_high, scale, clip = to_source_range(meta, clip)
    latent_dim = int(generator.input_shape[-1])

    def serve(z):
        x = (generator(z, training=False) - low) * scale + src_low
        if clip:
            x = tf.clip_by_value(x, min(src_low, src_high), max(src_low, src_high))
        return {"samples": tf.cast(x, tf.float32)}

    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint(
        "serving_default", serve, input_signature=[tf.TensorSpec([None, latent_dim], tf.float32, name="z")]
    )
    archive.write_out(path, verbose=False)


def check_saved_model(generator, meta, path, seed, clip=True, n=16):
    """Load the written SavedModel and compare what it serves with the generator (numpy mapping) on
    z from the "export_check" noise stream; PipelineError when they differ."""
    low, src_low, src_high, scale, clip = to_source_range(meta, clip)
    z = noise.normal_numpy([n, int(generator.input_shape[-1])], seed, "export_check")
    want = (np.asarray(generator(z, training=False), np.float64) - low) * scale + src_low
    if clip:
        want = np.clip(want, min(src_low, src_high), max(src_low, src_high))
    served = tf.saved_model.load(path).signatures["serving_default"](z=tf.constant(z))["samples"]
    error = np.max(np.abs(np.asarray(served, np.float64) - want)) / max(np.max(np.abs(want)), 1e-6)
    if not error <= 1e-5:
        raise PipelineError(f"export check failed: the SavedModel serves values {error:.3g} (relative) off")


if __name__ == "__main__":
    from pipeline import cli

    cli.main_for("export")
