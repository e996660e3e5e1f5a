"""Sample from any export: a picture to look at, or the raw values. No config needed.

    python -m pipeline.sample --export=runs/grid25/export --num=2500 --out=samples.png
    gan-sample --export=runs/digits/export/1 --num=64 --seed=3 --out=grid.png
    gan-sample --export=runs/digits/export --num=1000 --out=samples.npy

`--export` is a SavedModel version directory or the export stage's directory (its latest version).
z = numpy.random.default_rng(seed).standard_normal((num, latent_dim)) in float32, served through the
chosen signature (`serving_default`, or `raw` for the generator without refinement), so a sample is
reproducible from (export, seed). A conditional export samples `--label`, or, without it, one class
per row of the grid (row r: class r mod the number of classes). Images become a PNG grid upscaled
with nearest neighbour (at least 256 px wide), 2D mixtures a scatter plot over the mode centres;
`.npy` keeps the served values.
"""

import json
import os
import sys

import numpy as np
from absl import app, flags

EXPORT = flags.DEFINE_string("export", None, "A SavedModel version directory, or DIR/export (the latest).")
NUM = flags.DEFINE_integer("num", 64, "How many samples.")
SEED = flags.DEFINE_integer("seed", 0, "Seed of z (numpy default_rng).")
LABEL = flags.DEFINE_integer("label", None, "Class label, for a conditional export.")
OUT = flags.DEFINE_string("out", None, "Output file: .png (a picture) or .npy (the samples).")
SIGNATURE = flags.DEFINE_enum(
    "signature", "serving_default", ["serving_default", "raw"], "The signature that serves z."
)
MAX_NUM = 1_000_000
PROG = "gan-sample"


def resolve(export):
    """The SavedModel directory: `export` itself, or the latest version named by its manifest."""
    if os.path.exists(os.path.join(export, "saved_model.pb")):
        return export
    manifest = os.path.join(export, "manifest.json")
    if os.path.exists(manifest):
        with open(manifest) as f:
            latest = os.path.join(export, str(json.load(f).get("latest", "")))
        if os.path.exists(os.path.join(latest, "saved_model.pb")):
            return latest
    if not os.path.isdir(export):
        raise FileNotFoundError(f"--export {export} does not exist")
    raise FileNotFoundError(
        f"--export {export} holds no SavedModel (saved_model.pb) and no export manifest naming one"
    )


def draw(export, num, seed=0, label=None, signature="serving_default"):
    """(samples [num, ...] as numpy, the export's dataset description or None)."""
    import tensorflow as tf

    if not 1 <= num <= MAX_NUM:
        raise ValueError(f"--num must be between 1 and {MAX_NUM}, got {num}")
    path = resolve(export)
    loaded = tf.saved_model.load(path)
    if signature not in loaded.signatures:
        raise ValueError(f"the export has no {signature!r} signature; it has {', '.join(loaded.signatures)}")
    serve = loaded.signatures[signature]
    inputs = serve.structured_input_signature[1]
    if label is not None and "label" not in inputs:
        raise ValueError(f"--label={label}: this export is unconditional (its {signature} takes only z)")
    description = read_description(path)
    latent_dim = inputs["z"].shape[-1]
    z = np.random.default_rng(seed).standard_normal((num, latent_dim)).astype(np.float32)
    feed = {"z": tf.constant(z)}
    if "label" in inputs:  # conditional: one class, or a class per row of the grid
        feed["label"] = tf.constant(labels(num, label, (description or {}).get("num_classes")))
    return serve(**feed)["samples"].numpy(), description


def labels(num, label, classes, columns=8):
    """`label` for every sample, or, without one, class r mod classes on grid row r."""
    if label is None and not classes:
        raise ValueError("this conditional export does not say its classes; pass --label")
    if label is not None and classes and not 0 <= label < classes:
        raise ValueError(f"--label={label} is outside this export's classes [0, {classes})")
    if label is not None:
        return np.full(num, label, np.int32)
    from pipeline import conditioning

    return conditioning.grid_labels(num, classes, columns)


def read_description(path):
    """The dataset description export writes beside the model (assets.extra/gan_tf.json), or None."""
    from pipeline.export import DESCRIPTION

    description = os.path.join(path, DESCRIPTION)
    if not os.path.exists(description):
        return None
    with open(description) as f:
        return json.load(f)


def picture(samples, description):
    """PNG bytes: an upscaled image grid, or a scatter plot of 2D samples (over the mode centres)."""
    from pipeline import samples as pictures

    if samples.ndim == 4:
        low, high = description["source_range"] if description else (samples.min(), samples.max())
        scaled = (samples - low) / ((high - low) or 1.0) * 2.0 - 1.0  # served range -> [-1, 1]
        return pictures.grid_png(scaled)
    if samples.ndim == 2 and samples.shape[1] == 2:
        return pictures.scatter_png(samples, description or {})
    raise ValueError(f"cannot draw samples of shape {list(samples.shape[1:])}; write them to a .npy file")


def check_out(out):
    """The output kind (.png or .npy); ValueError for anything else."""
    kind = os.path.splitext(out)[1].lower()
    if kind not in (".png", ".npy"):
        raise ValueError(f"--out {out}: the file must end in .png (a picture) or .npy (the samples)")
    return kind


def write(samples, description, out):
    """Write out atomically (a temp file renamed): .png or .npy."""
    kind = check_out(out)
    directory = os.path.dirname(os.path.abspath(out))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(out)}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            if kind == ".png":
                f.write(picture(samples, description))
            else:
                np.save(f, samples)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main(argv):
    from pipeline.errors import guarded

    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")

    def sample():
        if not EXPORT.value or not OUT.value:
            raise ValueError("--export and --out are required (see --help)")
        check_out(OUT.value)
        samples, description = draw(EXPORT.value, NUM.value, SEED.value, LABEL.value, SIGNATURE.value)
        write(samples, description, OUT.value)
        print(f"{PROG}: wrote {len(samples)} samples of shape {list(samples.shape[1:])} to {OUT.value}")

    guarded(sample, PROG)


def entry_point():
    """The `gan-sample` console script."""
    from pipeline import errors

    errors.list_in_help(errors)
    app.run(main, argv=sys.argv, flags_parser=lambda argv: errors.parse_flags(argv, PROG))


if __name__ == "__main__":
    entry_point()
