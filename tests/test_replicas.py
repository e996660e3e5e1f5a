"""N replicas take the step one replica takes on the same global batch: every variant with SN on and
off on the MLP pair, and the DCGAN pair (whose generator has batch norm) on each kind of step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import data, distribute, models, networks
from gan_tf.layers import SpectralNormalization

RING = data.sample_mixture("ring8", 512, seed=0)
DIGITS = data.load_digits(16)[0][:512]


def build(arch, variant, strategy, spectral_norm, n_critic, **options):
    distribute.set_seed(1)
    pack = options.get("pack", 1)
    with strategy.scope():
        if arch == "mlp":
            g = networks.mlp_generator(hidden=16)
            d = networks.mlp_discriminator(2 * pack, hidden=16, spectral_norm=spectral_norm)
        else:
            g = networks.dcgan_generator(latent_dim=8, size=16, channels=1, width=8)
            d = networks.dcgan_discriminator(16, 1, width=8, spectral_norm=spectral_norm, pack=pack)
        gan = models.get(variant)(g, d, seed=3, n_critic=n_critic, **options)
        gan.compile(keras.optimizers.SGD(0.01), keras.optimizers.SGD(0.01))
    return gan


def every_weight(gan):
    """All weights, the non-trainable ones included (batch-norm moving statistics, SN's u, EMA)."""
    ema = gan.ema_generator.weights if gan.ema_generator is not None else []
    return [np.array(w.numpy()) for w in gan.generator.weights + gan.discriminator.weights + ema]


def train(arch, variant, strategy, spectral_norm, n_critic=1, grouped=False, steps=3, **options):
    gan = build(arch, variant, strategy, spectral_norm, n_critic, **options)
    initial = every_weight(gan)
    real = RING if arch == "mlp" else DIGITS
    ds = tf.data.Dataset.from_tensor_slices(real).batch(32, drop_remainder=True)
    if grouped:  # a fresh real batch for each discriminator update
        ds = ds.batch(n_critic, drop_remainder=True).map(lambda b: tuple(tf.unstack(b, num=n_critic)))
    ds = ds.repeat()
    history = gan.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False).history
    return initial, every_weight(gan), history, gan


# The MLP pair runs every variant with SN off and on: each variant's loss and penalty reductions, and
# SN's power iteration under each. The DCGAN pair adds synchronized batch norm and convolutional SN,
# which depend on the step's structure, not on the loss formula: one BCE variant each way, the
# clipped critic (merge_call), the penalised critic (double backprop through conv SN), the hinge.
CASES = [
    ("mlp", variant, sn)
    for variant in models.VARIANTS
    for sn in (False, True)
    if not (variant == "wgan" and sn)  # weight clipping and SN are two ways to the same constraint
] + [
    ("dcgan", "non_saturating", False),
    ("dcgan", "minimax", True),
    ("dcgan", "wgan", False),
    ("dcgan", "wgan_gp", True),
    ("dcgan", "hinge", True),
]


# One replica against two is the same step up to float32 summation order: measured at most 9.2 float32
# eps (conditional WGAN-GP with cutout, on an AVX2 CPU; every other case under 2 eps). Real faults are
# two to three orders larger: per-replica batch norm 1.2e-3, a per-replica loss mean 1.9e-3 under SGD
# (test_fault_is_caught; Adam's normalised steps would all but hide a doubled gradient).
REORDERING = 64 * np.finfo(np.float32).eps


def relative_difference(a, b):
    """||a - b|| / ||a|| over all the weights at once."""
    a, b = np.concatenate([np.ravel(w) for w in a]), np.concatenate([np.ravel(w) for w in b])
    return np.linalg.norm(a - b) / np.linalg.norm(a)


@pytest.mark.parametrize(
    "arch,variant,spectral_norm,grouped", [(*c, False) for c in CASES] + [("mlp", "wgan_gp", False, True)]
)
def test_two_replicas_equal_one(arch, variant, spectral_norm, grouped):
    n_critic = 2
    one = train(arch, variant, distribute.get_strategy("one_device"), spectral_norm, n_critic, grouped)
    two = train(arch, variant, distribute.get_strategy("mirrored", 2), spectral_norm, n_critic, grouped)
    (start1, end1, h1, _), (start2, end2, h2, gan2) = one, two
    for a, b in zip(start1, start2, strict=True):  # same initial weights ...
        np.testing.assert_array_equal(a, b)
    moved = [not np.array_equal(a, b) for a, b in zip(start1, end1, strict=True)]
    assert sum(moved) >= len(moved) // 2  # ... training changed them ...
    # ... and identically on one and on two replicas, up to float32 summation order (per-replica
    # batch norm measured 1.2e-3 here; SGD's rate is kept small, as WGAN-GP's large steps amplify
    # rounding chaotically: 8e-4 at 0.05 for the DCGAN pair, 6e-9 at 0.01).
    assert relative_difference(end1, end2) < REORDERING
    for name in h1:  # reported metrics are global-batch means too
        np.testing.assert_allclose(h2[name], h1[name], rtol=1e-4, atol=1e-6)
    for layer in gan2.generator.layers + gan2.discriminator.layers:
        if isinstance(layer, SpectralNormalization):  # SN's u is the same on every replica
            first, second = (v.numpy() for v in layer.u.value.values)
            np.testing.assert_array_equal(first, second)


def test_fault_is_caught(monkeypatch):
    """The bound has teeth: a loss averaged over each replica's half batch (every gradient doubled by
    the SUM all-reduce) ends far outside it."""
    one = train("mlp", "non_saturating", distribute.get_strategy("one_device"), False)
    monkeypatch.setattr(tf.nn, "compute_average_loss", lambda loss, **_: tf.reduce_mean(loss))
    two = train("mlp", "non_saturating", distribute.get_strategy("mirrored", 2), False)
    assert relative_difference(one[1], two[1]) > 100 * REORDERING


OPTIONS = {
    "ema_mlp": ("mlp", {"ema_decay": 0.9}),
    "ema_dcgan": ("dcgan", {"ema_decay": 0.9}),
    "pack": ("mlp", {"pack": 2}),
    "top_k": ("mlp", {"top_k": (0.25, 0.5, 1)}),
    "diffaugment_r1": ("dcgan", {"augment": "color,translation,cutout", "r1_weight": 1.0}),
    "diffaugment_pack2_r1": ("dcgan", {"augment": "color,translation,cutout", "pack": 2, "r1_weight": 1.0}),
}


@pytest.mark.parametrize("option", list(OPTIONS))
def test_quality_options_on_two_replicas_equal_one(option):
    arch, options = OPTIONS[option]
    one = train(arch, "non_saturating", distribute.get_strategy("one_device"), False, **options)
    two = train(arch, "non_saturating", distribute.get_strategy("mirrored", 2), False, **options)
    moved = [not np.array_equal(a, b) for a, b in zip(one[0], one[1], strict=True)]
    assert sum(moved) >= len(moved) // 2
    assert relative_difference(one[1], two[1]) < REORDERING


def test_dcgan_generator_batch_norm_is_synchronized():
    g, _ = networks.dcgan_pair(latent_dim=8, size=16, channels=1, width=8)
    norms = [layer for layer in g.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and all(layer.synchronized for layer in norms)
