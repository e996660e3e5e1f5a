"""DiffAugment: each op against numpy, differentiability, one transform for real and fake given a seed,
reproducibility across processes, and its place in the GAN's steps."""

import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import augment, data, distribute, models, networks
from tests.pipeline_helpers import ENV, ROOT

X = np.random.default_rng(0).uniform(-1, 1, (3, 8, 8, 3)).astype(np.float32)


def fixed(values):
    """A `draw` returning chosen numbers: values[op] is [B, *shape]."""
    return lambda op, batch, shape: tf.constant(values[op], tf.float32)


def test_color_against_numpy():
    u = np.random.default_rng(1).uniform(size=(3, 3))
    draws = {op: u[:, op].reshape(3, 1, 1, 1) for op in range(3)}
    got = augment.diff_augment(X, ("color",), fixed(draws)).numpy()
    x = X.astype(np.float64) + (draws[0] - 0.5)
    x = (x - x.mean(axis=3, keepdims=True)) * (2 * draws[1]) + x.mean(axis=3, keepdims=True)
    x = (x - x.mean(axis=(1, 2, 3), keepdims=True)) * (draws[2] + 0.5) + x.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(got, x, atol=1e-5)


def test_translation_against_numpy():
    # s = round(8 / 8) = 1: shifts in {-1, 0, 1}, floor(u * 3) - 1. Image b moves by (dy, dx).
    shifts = [(-1, 1), (0, 0), (1, -1)]
    u = np.array([[(dy + 1.5) / 3, (dx + 1.5) / 3] for dy, dx in shifts], np.float32)
    got = augment.diff_augment(X, ("translation",), fixed({3: u})).numpy()
    for b, (dy, dx) in enumerate(shifts):
        want = np.zeros_like(X[b])
        for i in range(8):
            for j in range(8):
                if 0 <= i - dy < 8 and 0 <= j - dx < 8:
                    want[i, j] = X[b, i - dy, j - dx]
        np.testing.assert_array_equal(got[b], want)


def test_cutout_against_numpy():
    # side 4; the centre c = floor(u * 9) in [0, 8]; rows c - 2 .. c + 1 (clipped to the image) cut.
    centres = [(0, 0), (4, 7), (8, 3)]
    u = np.array([[(cy + 0.5) / 9, (cx + 0.5) / 9] for cy, cx in centres], np.float32)
    got = augment.diff_augment(X, ("cutout",), fixed({4: u})).numpy()
    for b, (cy, cx) in enumerate(centres):
        want = X[b].copy()
        want[max(cy - 2, 0) : cy + 2, max(cx - 2, 0) : cx + 2] = 0.0
        np.testing.assert_array_equal(got[b], want)


POLICY = augment.parse_policy("color,translation,cutout")


def test_the_whole_policy_is_differentiable():
    x = tf.Variable(X)
    draws = augment.stateless_draws([7, 1])
    weights = tf.constant(np.random.default_rng(2).normal(size=X.shape), tf.float32)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(augment.diff_augment(x, POLICY, draws) * weights)
    grad = tape.gradient(y, x).numpy()
    assert np.count_nonzero(grad) > X.size // 4  # cutout and the shifted-out border carry none
    for index in [(0, 3, 3, 0), (1, 4, 2, 2), (2, 5, 6, 1)]:  # central differences (T is affine in x)
        step = np.zeros_like(X)
        step[index] = 1e-2
        up = tf.reduce_sum(augment.diff_augment(X + step, POLICY, draws) * weights)
        down = tf.reduce_sum(augment.diff_augment(X - step, POLICY, draws) * weights)
        assert grad[index] == pytest.approx(float(up - down) / 2e-2, rel=1e-2, abs=1e-3)


def test_real_and_fake_get_one_transform_from_one_seed():
    # With the same numbers, T(x) = L(x) + T(0) for one linear L, so T(x) - T(y) = T(x - y) - T(0).
    y = np.random.default_rng(3).uniform(-1, 1, X.shape).astype(np.float32)
    t = lambda v, seed: augment.diff_augment(v, POLICY, augment.stateless_draws(seed)).numpy()  # noqa: E731
    np.testing.assert_allclose(t(X, [5, 9]) - t(y, [5, 9]), t(X - y, [5, 9]) - t(0 * X, [5, 9]), atol=2e-6)
    np.testing.assert_array_equal(t(X, [5, 9]), t(X, [5, 9]))
    assert not np.allclose(t(X, [5, 9]), t(X, [5, 10]))  # another step: another transform


def test_the_same_seed_gives_the_same_transform_in_another_process(tmp_path):
    np.save(tmp_path / "x.npy", X)
    code = (
        "import numpy as np; from gan_tf import augment; "
        f"x = np.load({str(tmp_path / 'x.npy')!r}); "
        "p = augment.parse_policy('color,translation,cutout'); "
        "y = augment.diff_augment(x, p, augment.stateless_draws([5, 9])).numpy(); "
        f"np.save({str(tmp_path / 'y.npy')!r}, y)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV, check=True, capture_output=True)
    here = augment.diff_augment(X, POLICY, augment.stateless_draws([5, 9])).numpy()
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), here)


def test_bad_policies_are_refused():
    with pytest.raises(ValueError, match="unknown DiffAugment policy 'colour'"):
        augment.parse_policy("colour")


def shifted(image, dy, dx):
    """numpy: image moved down dy and right dx rows/columns, zeros in."""
    out = np.zeros_like(image)
    h, w = image.shape[:2]
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = image[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def test_with_packing_each_sample_of_a_pack_gets_its_own_transform():
    distribute.set_seed(0)
    g = networks.dcgan_generator(latent_dim=4, size=16, channels=1, width=4)
    d = networks.dcgan_discriminator(size=16, channels=1, width=4, pack=2)  # pairs: 2 channels
    seen = []
    gan = models.get("non_saturating")(g, d, seed=3, pack=2, augment="translation")
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0))
    gan._judge = lambda x, labels=None: (seen.append(x), d(x, training=True), None)[1:]
    real = np.random.default_rng(4).uniform(0.5, 1, (16, 16, 16, 1)).astype(np.float32)  # no zeros
    gan.train_step(tf.constant(real))
    real_packs = seen[0].numpy()[:8]  # D's step: 8 real pairs, then 8 fake ones
    shifts = []
    for b in range(16):  # sample b is channel b % 2 of pack b // 2; s = round(16 / 8) = 2
        got = real_packs[b // 2, ..., b % 2 : b % 2 + 1]
        found = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if np.array_equal(got, shifted(real[b], dy, dx))
        ]
        assert len(found) == 1, f"sample {b} is not a translation of itself"
        shifts.append(found[0])
    assert any(shifts[2 * p] != shifts[2 * p + 1] for p in range(8))  # one shift per sample, not per pack


def test_the_discriminator_sees_augmented_images_in_both_steps():
    distribute.set_seed(0)
    g, d = networks.dcgan_pair(latent_dim=4, size=16, channels=1, width=4)
    seen = []
    gan = models.get("non_saturating")(g, d, seed=3, augment="translation,cutout")
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0))
    gan._judge = lambda x, labels=None: (seen.append(x), d(x, training=True), None)[1:]
    real = tf.constant(np.random.default_rng(4).uniform(-1, 1, (8, 16, 16, 1)), tf.float32)
    gan.train_step(real)
    d_input, g_input = seen[0].numpy(), seen[1].numpy()
    # Cutout zeroes an 8 x 8 square (partly outside at the edges) of each real: uniform data has no 0.
    assert (d_input[:8] == 0).any(axis=(1, 2, 3)).all()
    assert (g_input == 0).any(axis=(1, 2, 3)).all()  # the generator's step augments its fakes too
    plain = models.get("non_saturating")(g, d, seed=3)
    plain._judge = lambda x, labels=None: (seen.append(x), d(x, training=True), None)[1:]
    plain.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0))
    plain.train_step(real)
    np.testing.assert_array_equal(seen[2].numpy()[:8], real.numpy())  # off: D sees the data as is


def test_an_augmented_run_resumed_from_a_checkpoint_equals_an_uninterrupted_one(tmp_path):
    images = np.random.default_rng(5).uniform(-1, 1, (256, 16, 16, 1)).astype(np.float32)

    def build():
        distribute.set_seed(0)
        g, d = networks.dcgan_pair(latent_dim=4, size=16, channels=1, width=4)
        gan = models.get("non_saturating")(g, d, seed=3, augment="color,translation,cutout")
        gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
        state = tf.train.Checkpoint(g=g, d=d, go=gan.g_optimizer, do=gan.d_optimizer, step=gan.steps_done)
        return gan, state

    def batches(start):
        ds = tf.data.Dataset.from_tensor_slices(images)
        return data.for_gan(ds, 16, seed=0, start_step=start, count=len(images))

    straight, _ = build()
    straight.fit(batches(0), epochs=1, steps_per_epoch=6, verbose=0)
    first, state = build()
    first.fit(batches(0), epochs=1, steps_per_epoch=3, verbose=0)
    path = state.save(str(tmp_path / "ckpt"))
    resumed, state = build()
    state.restore(path).assert_existing_objects_matched()
    resumed.fit(batches(3), epochs=1, steps_per_epoch=3, verbose=0)
    for a, b in zip(straight.generator.weights, resumed.generator.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
