"""GAN train_steps: Algorithm 1's bookkeeping, replica equivalence, determinism, resume."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import data, distribute, models, networks

RING = data.sample_mixture("ring8", 2048, seed=0)


def make(
    variant, strategy=None, spectral_norm=False, hidden=16, optimizer=keras.optimizers.SGD, lr=0.05, **kw
):
    distribute.set_seed(1)
    with (strategy or tf.distribute.get_strategy()).scope():
        g, d = networks.mlp_pair(hidden=hidden, spectral_norm=spectral_norm)
        gan = models.get(variant)(g, d, seed=3, **kw)
        gan.compile(optimizer(lr), optimizer(lr))
    return gan


def batches(batch=32, n_critic=1):
    ds = tf.data.Dataset.from_tensor_slices(RING).batch(batch, drop_remainder=True)
    if n_critic > 1:
        ds = ds.batch(n_critic, drop_remainder=True).map(lambda g: tuple(tf.unstack(g, num=n_critic)))
    return ds.repeat()


def weights(gan):
    return [w.numpy() for w in gan.generator.weights + gan.discriminator.weights]


def fit(gan, steps, ds=None):
    return gan.fit(ds or batches(), epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False).history


def test_same_seed_gives_bit_identical_weights():
    runs = []
    for _ in range(2):
        gan = make("wgan_gp", optimizer=keras.optimizers.Adam, lr=1e-3, n_critic=2)
        fit(gan, 5)
        runs.append(weights(gan))
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("grouped", [False, True])
def test_n_critic_makes_that_many_discriminator_updates(grouped):
    gan = make("wgan_gp", n_critic=5)
    fit(gan, 3, batches(n_critic=5) if grouped else batches())
    assert int(gan.g_optimizer.iterations) == 3
    assert int(gan.d_optimizer.iterations) == 15


def test_wgan_clipping_holds_after_every_step():
    class CheckClip(keras.callbacks.Callback):
        worst = 0.0

        def on_train_batch_end(self, batch, logs=None):
            for w in self.model.discriminator.trainable_weights:
                self.worst = max(self.worst, float(np.abs(w.numpy()).max()))

    for clip, expect_clipped in ((0.01, True), (0.0, False)):
        gan = make("wgan", clip_value=clip, n_critic=2, lr=0.5)
        check = CheckClip()
        gan.fit(batches(), epochs=1, steps_per_epoch=6, verbose=0, shuffle=False, callbacks=[check])
        assert (check.worst <= 0.01 + 1e-7) == expect_clipped  # without clipping the weights do exceed c


def test_resumed_run_equals_uninterrupted_run(tmp_path):
    straight = make("wgan_gp", optimizer=keras.optimizers.Adam, lr=1e-3, n_critic=2)
    fit(straight, 6)

    first = make("wgan_gp", optimizer=keras.optimizers.Adam, lr=1e-3, n_critic=2)
    fit(first, 3)
    ckpt = tf.train.Checkpoint(
        g=first.generator,
        d=first.discriminator,
        go=first.g_optimizer,
        do=first.d_optimizer,
        s=first.steps_done,
    )
    path = ckpt.save(str(tmp_path / "ckpt"))

    resumed = make("wgan_gp", optimizer=keras.optimizers.Adam, lr=1e-3, n_critic=2)
    tf.train.Checkpoint(
        g=resumed.generator,
        d=resumed.discriminator,
        go=resumed.g_optimizer,
        do=resumed.d_optimizer,
        s=resumed.steps_done,  # the noise clock: without it the resumed run redraws step 0's noise
    ).restore(path).assert_consumed()
    fit(resumed, 3, batches().skip(3))
    for a, b in zip(weights(straight), weights(resumed), strict=True):
        np.testing.assert_array_equal(a, b)


def distance_to_the_ring(generator, n=1000):
    """Mean | ||G(z)|| - 1 |: how far G's samples lie from the unit circle that carries the ring's
    modes (0.01 for real data; an untrained generator's samples sit near the origin)."""
    z = np.random.default_rng(0).normal(size=(n, 2)).astype("float32")
    samples = generator(z).numpy()
    assert np.all(np.isfinite(samples))
    return float(np.mean(np.abs(np.linalg.norm(samples, axis=1) - 1.0)))


@pytest.mark.parametrize("variant", models.VARIANTS)
def test_each_variant_learns_the_ring_in_300_steps(variant):
    distribute.set_seed(0)
    g, d = networks.mlp_pair(hidden=64, spectral_norm=variant == "hinge")
    wasserstein = variant.startswith("wgan")
    kwargs = {"clip_value": 0.05} if variant == "wgan" else {}
    n_critic = 5 if wasserstein else 1
    gan = models.get(variant)(g, d, n_critic=n_critic, **kwargs)
    beta_2 = 0.9 if wasserstein else 0.999
    gan.compile(*(keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=beta_2) for _ in range(2)))
    before = distance_to_the_ring(g)
    history = gan.fit(
        data.for_gan(tf.data.Dataset.from_tensor_slices(RING), 64, n_critic),
        epochs=1,
        steps_per_epoch=300,
        verbose=0,
    )
    assert set(gan.metric_names()) <= set(history.history)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    after = distance_to_the_ring(g)
    assert after < 0.6 * before  # the samples moved onto the ring: it learned, not just ran


def test_variant_metrics():
    assert {"wasserstein_estimate", "gp"} <= set(models.WGANGP(*networks.mlp_pair()).metric_names())
    assert "r1" in models.HingeGAN(*networks.mlp_pair(), r1_weight=1.0).metric_names()


def test_bad_arguments_fail_clearly():
    g, d = networks.mlp_pair()
    with pytest.raises(ValueError, match="valid variants: minimax, non_saturating, wgan, wgan_gp"):
        models.get("vanilla")
    with pytest.raises(ValueError, match="n_critic must be >= 1"):
        models.HingeGAN(g, d, n_critic=0)
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two distinct optimizer"):
        models.HingeGAN(g, d).compile(opt, opt)
    gan = make("hinge", n_critic=2)
    with pytest.raises(ValueError, match="got 3 real batches per step for n_critic=2"):
        fit(gan, 1, batches(n_critic=3))
