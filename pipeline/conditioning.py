"""Conditional GANs in the pipeline (`gan.conditional = none | projection | acgan`): which classes, the
labelled records, the conditional networks, and the labels of sample pictures (one class per row).

A conditional run needs data with labels (ingest's `label` feature); G is conditioned by a label
embedding as wide as z, D is a projection discriminator or AC-GAN's auxiliary classifier
(`gan_tf.networks`). The export's signatures
then take `label` int32 [None] beside `z`.
"""

import numpy as np
import tensorflow as tf

from gan_tf import networks
from pipeline.artifacts import PipelineError

MODES = ("none", "projection", "acgan")


def num_classes(config, meta):
    """0 for an unconditional run, else the number of classes of the data."""
    return int(meta.get("num_classes") or 0) if config.gan.conditional != "none" else 0


def check(config, meta):
    """PipelineError for a conditional setting that cannot run."""
    mode = config.gan.conditional
    if mode not in MODES:
        raise PipelineError(f"unknown gan.conditional {mode!r}; valid: {', '.join(MODES)}")
    if mode == "none":
        return
    if not meta.get("has_labels"):
        raise PipelineError(f"gan.conditional={mode} needs labelled data; {meta.get('source')} has no labels")
    if not meta.get("num_classes"):
        raise PipelineError(f"gan.conditional={mode}: this ingest does not record num_classes; re-run ingest")
    if config.gan.pack > 1 or config.export.refine != "none":
        raise PipelineError(
            f"gan.conditional={mode} does not combine with gan.pack > 1 or export.refine "
            f"(got pack {config.gan.pack}, refine {config.export.refine})"
        )


def records(dataset, conditional):
    """ingest.read_records(..., with_labels=True) as {"x", "label" int32} for a conditional run."""
    if not conditional:
        return dataset
    return dataset.map(lambda x, y: {"x": x, "label": tf.cast(y, tf.int32)})


def networks_for(config, classes, build):
    """(G, D) conditioned on `classes` labels: `build(latent_dim, head)` makes the unconditional
    generator (for z plus the label embedding) and D's features."""
    latent_dim = config.model.latent_dim
    base, features = build(2 * latent_dim, head=False)  # the embedding is as wide as z
    generator = networks.conditional_generator(base, latent_dim, classes)
    if config.gan.conditional == "acgan":
        return generator, networks.acgan_discriminator(features, classes, config.model.spectral_norm)
    discriminator = networks.projection_discriminator(features, classes, config.model.spectral_norm)
    return generator, discriminator


def picture_count(classes):
    """Samples in a picture: 64, or for a conditional run rows of 8 for its first 10 classes."""
    return 8 * min(classes, 10) if classes else 64


def grid_labels(n, classes, columns=8):
    """Labels for a grid of n samples in rows of `columns`: row r shows class r mod classes."""
    return (np.arange(n) // columns % classes).astype(np.int32)


def generator_inputs(generator, z, labels):
    """G's inputs: z, or [z, labels] for a conditional generator."""
    return [z, labels] if len(generator.inputs) > 1 else z
