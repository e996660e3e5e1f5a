"""Embedded datasets (nothing is downloaded): 2D Gaussian mixtures and scikit-learn's 8x8 digits.

Images are float32 in [-1, 1], channels last. Mixtures follow PacGAN's configs (../REFERENCES):
ring-8 (radius 1, sigma 0.01) and grid-25 ({-4, -2, 0, 2, 4}^2, sigma 0.05).
"""

import numpy as np
import tensorflow as tf

MIXTURES = ("ring8", "grid25")


def mixture_centers(name):
    """Mode centres [K, 2] of a named mixture."""
    if name == "ring8":
        angles = 2 * np.pi * np.arange(8) / 8
        return np.stack([np.cos(angles), np.sin(angles)], axis=1)
    if name == "grid25":
        axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
        return np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
    raise ValueError(f"unknown mixture {name!r}; valid: {', '.join(MIXTURES)}")


def mixture_std(name):
    """Per-dimension standard deviation of each mode."""
    mixture_centers(name)  # validates the name
    return {"ring8": 0.01, "grid25": 0.05}[name]


def sample_mixture(name, n, seed=0, std=None):
    """n points from the uniform mixture of isotropic Gaussians, float32 [n, 2]."""
    centers = mixture_centers(name)
    std = mixture_std(name) if std is None else std
    rng = np.random.default_rng(seed)
    modes = rng.integers(len(centers), size=n)
    return (centers[modes] + std * rng.standard_normal((n, 2))).astype(np.float32)


def _scale_digits(images):
    """sklearn digits hold integers 0..16; map to [-1, 1]."""
    return (images.astype(np.float32) / 8.0 - 1.0)[..., None]


def load_digits(size=8):
    """scikit-learn's bundled 1797 digits as (images [N, size, size, 1] in [-1, 1], labels [N])."""
    from sklearn.datasets import load_digits as _load

    bunch = _load()
    images = _scale_digits(bunch.images)
    if size != 8:
        images = tf.image.resize(images, (size, size), method="bilinear").numpy()
    return images, bunch.target.astype(np.int64)


def stacked_digits(n, size=8, seed=0, return_ids=False):
    """n RGB images whose channels are three random digits (1000 classes: 100 r + 10 g + b);
    with `return_ids` also the [n, 3] indices of the digits used (into `load_digits`)."""
    images, labels = load_digits(size)
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(images), size=(n, 3))
    stacked = np.concatenate([images[picks[:, c]] for c in range(3)], axis=-1)
    classes = labels[picks] @ np.array([100, 10, 1])
    return (stacked.astype(np.float32), classes) + ((picks,) if return_ids else ())


def for_gan(dataset, batch_size, n_critic=1, shuffle_buffer=10_000, seed=0, start_step=0, count=None):
    """Real batches for `GAN.fit` (of images, or of {"x", "label"} dicts for a conditional GAN):
    shuffled, repeated, batched with drop_remainder and, for
    n_critic > 1, grouped as one tensor [B, n_critic, ...] whose [:, j] is the batch of discriminator
    update j (a fresh batch per update).

    Data epoch e is shuffled with the seed (seed, e), so the stream is a pure function of the seed.
    `start_step=k` yields exactly what an uninterrupted run sees after k steps without replaying them:
    step k starts at example k * n_critic * batch_size of the endless stream, i.e. in epoch
    e = that // count at offset that % count, so only that epoch's first `offset` examples are skipped.
    `count` is the number of examples in `dataset` (its cardinality when TF knows it).
    """

    def epoch(e):
        # The seed below is explicit; drop the graph-level one so TF does not combine (or compare) it.
        tf.compat.v1.get_default_graph().seed = None
        return dataset.shuffle(
            shuffle_buffer, seed=tf.constant(seed, tf.int64) * 1_000_003 + e, reshuffle_each_iteration=False
        )

    first_epoch, offset = 0, 0
    if start_step:
        count = int(dataset.cardinality()) if count is None else int(count)
        if count <= 0:
            raise ValueError("for_gan(start_step=...) needs `count`, the number of examples per epoch")
        first_epoch, offset = divmod(int(start_step) * n_critic * batch_size, count)
    dataset_stream = tf.data.Dataset.range(first_epoch, 2**62).flat_map(epoch).skip(offset)
    batches = dataset_stream.batch(batch_size, drop_remainder=True)
    if n_critic > 1:  # [n_critic, B, ...] -> [B, n_critic, ...]: tf.distribute splits the first axis
        batches = batches.batch(n_critic, drop_remainder=True).map(
            lambda group: tf.nest.map_structure(lambda t: tf.experimental.numpy.moveaxis(t, 0, 1), group),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    return batches.prefetch(tf.data.AUTOTUNE)
