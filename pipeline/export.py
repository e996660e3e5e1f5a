"""Export: a blessed generator -> DIR/export/<version>/ SavedModel (TF Serving layout).

    python -m pipeline.export --config=configs/grid25.py --workdir=runs/grid25 [--force]

Signature `serving_default`: input `z` float32 [None, latent_dim] -> output `samples` float32
[None, *data_shape], mapped from the training range back to the data's source range. An unblessed
model is refused unless --force. Versions count up (1, 2, ...); each is written to a temp dir first.
"""

import os
import tempfile

import keras
import tensorflow as tf

from pipeline import cli, evaluate, ingest
from pipeline.artifacts import MANIFEST, PipelineError, Stage, read_manifest, replace_dir, write_json
from pipeline.train import GENERATOR


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


def write_saved_model(generator, meta, path, clip=True):
    """SavedModel with serving_default: z [None, latent] -> samples in meta['source_range'] (images
    mapped from [-1, 1] and, with `clip`, clipped to it)."""
    images = len(meta["shape"]) == 3
    low, high = (-1.0, 1.0) if images else meta["value_range"]  # images are trained in [-1, 1]
    src_low, src_high = meta["source_range"]
    scale = (src_high - src_low) / (high - low) if high > low else 1.0
    clip = clip and images  # pixel ranges are hard limits; a mixture's observed extremes are not
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


if __name__ == "__main__":
    cli.main_for("export")
